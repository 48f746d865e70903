"""Channel files: HDF5 with the channels and their metadata, written once (slow generators such as
ray tracing) and read many times.

Layout (format 1)::

    /channels    complex64, [P, M] one channel per user position, or [N, M, K] grouped samples
    /positions   float64 [P, 3] metres (optional, per-position files)
    /los         bool [P] line-of-sight flag (optional, per-position files)
    attrs: format_version, layout ("positions" | "samples"), metadata (JSON: generator, scene,
           array, carrier, noise, seed, code version, ...)

``H`` follows the project's convention ``r = H^T y + v``: ``channels[p, m]`` is the coefficient
from antenna ``m`` to the user at position ``p``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._validation import check_channel, check_finite, silent_channels
from ..results import run_metadata

__all__ = [
    "FORMAT_VERSION",
    "ChannelFile",
    "check_channel_file",
    "read_channel_file",
    "write_channel_file",
]

FORMAT_VERSION = 1


@dataclass(frozen=True)
class ChannelFile:
    """The content of a channel file.

    Attributes:
        channels: ``[P, M]`` per position (``layout == "positions"``) or ``[N, M, K]``
            (``layout == "samples"``), complex64.
        metadata: what generated the channels.
        positions: ``[P, 3]`` user positions in metres, or ``None``.
        los: ``[P]`` bool line-of-sight flags, or ``None``.
    """

    channels: torch.Tensor
    metadata: dict[str, Any] = field(default_factory=dict)
    positions: torch.Tensor | None = None
    los: torch.Tensor | None = None

    @property
    def layout(self) -> str:
        return "positions" if self.channels.dim() == 2 else "samples"

    @property
    def num_antennas(self) -> int:
        return int(self.channels.shape[1])


def check_channel_file(file: ChannelFile) -> None:
    """Raise ``ValueError`` unless ``file``'s shapes and values are valid (finite, and no user
    with an all-zero channel)."""
    H = file.channels
    if H.dim() == 2:
        check_channel(H.unsqueeze(-1))
    elif H.dim() == 3:
        check_channel(H)
    else:
        raise ValueError(f"channels must be [P, M] or [N, M, K], got {tuple(H.shape)}")
    silent = silent_channels(H if H.dim() == 3 else H.unsqueeze(-1))
    if silent.numel():
        raise ValueError(f"{silent.numel()} channel(s) of the file (e.g. index "
                         f"{silent[:5].tolist()}) give a user an all-zero channel")  # fmt: skip
    count = H.shape[0]
    for name, value, width in (("positions", file.positions, 3), ("los", file.los, None)):
        if value is None:
            continue
        if H.dim() != 2:
            raise ValueError(f"{name} belong to a per-position file ([P, M] channels)")
        expected = (count, width) if width else (count,)
        if tuple(value.shape) != expected:
            raise ValueError(f"{name} must have shape {expected}, got {tuple(value.shape)}")
    if file.positions is not None:
        check_finite(file.positions, "positions")


def write_channel_file(path: str | Path, file: ChannelFile) -> None:
    """Write ``file`` to ``path`` (HDF5, written to a temporary name and renamed); the metadata
    gain the code version and machine (``run_metadata``)."""
    import h5py

    check_channel_file(file)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    metadata = {**file.metadata, "written_by": run_metadata()}
    with h5py.File(tmp, "w") as out:
        out.attrs["format_version"] = FORMAT_VERSION
        out.attrs["layout"] = file.layout
        out.attrs["metadata"] = json.dumps(metadata)
        out.create_dataset("channels", data=file.channels.to(torch.complex64).numpy())
        if file.positions is not None:
            out.create_dataset("positions", data=file.positions.double().numpy())
        if file.los is not None:
            out.create_dataset("los", data=file.los.bool().numpy())
    tmp.replace(target)


def read_channel_file(path: str | Path) -> ChannelFile:
    """Read a channel file (HDF5, or a ``.npy``/``.mat`` array: ``array_files``), checking its
    format, shapes and values."""
    import h5py

    source = Path(path)
    if not source.is_file():
        raise ValueError(f"channel file {source} does not exist")
    if source.suffix.lower() in (".npy", ".mat"):
        from .array_files import read_array_file  # it builds on this module

        return read_array_file(source)
    try:
        with h5py.File(source, "r") as f:
            version = int(f.attrs.get("format_version", -1))
            if version != FORMAT_VERSION:
                raise ValueError(
                    f"{source}: format_version {version} is not {FORMAT_VERSION}, or not a "
                    "qprecode channel file"
                )
            if "channels" not in f:
                raise ValueError(f"{source} has no 'channels' dataset")
            channels = torch.from_numpy(np.asarray(f["channels"]).astype(np.complex64))
            positions = torch.from_numpy(np.asarray(f["positions"])) if "positions" in f else None
            los = torch.from_numpy(np.asarray(f["los"]).astype(bool)) if "los" in f else None
            metadata = json.loads(f.attrs.get("metadata", "{}"))
    except OSError as err:
        raise ValueError(f"{source} is not a readable HDF5 file: {err}") from None
    file = ChannelFile(channels, metadata, positions, los)
    check_channel_file(file)
    return file
