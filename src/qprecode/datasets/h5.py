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
from pathlib import Path

import numpy as np
import torch

from ..results import run_metadata
from .array_files import ARRAY_SUFFIXES, read_array_file
from .channel_file import ChannelFile, check_channel_file

__all__ = [
    "FORMAT_VERSION",
    "ChannelFile",
    "check_channel_file",
    "read_channel_file",
    "write_channel_file",
]

FORMAT_VERSION = 1


def write_channel_file(path: str | Path, file: ChannelFile) -> None:
    """Write ``file`` to ``path`` (HDF5, written to a temporary name and renamed); the metadata
    gain the code version and machine (``run_metadata``)."""
    import h5py

    check_channel_file(file)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    metadata = {**file.metadata, "written_by": run_metadata()}
    try:
        with h5py.File(tmp, "w") as out:
            out.attrs["format_version"] = FORMAT_VERSION
            out.attrs["layout"] = file.layout
            out.attrs["metadata"] = json.dumps(metadata)
            out.create_dataset("channels", data=file.channels.to(torch.complex64).numpy())
            if file.positions is not None:
                out.create_dataset("positions", data=file.positions.double().numpy())
            if file.los is not None:
                out.create_dataset("los", data=file.los.bool().numpy())
    except BaseException:  # interrupted or failed: no partial file is left behind
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(target)


def read_channel_file(path: str | Path) -> ChannelFile:
    """Read a channel file (HDF5, or a ``.npy``/``.mat`` array: ``array_files``), checking its
    format, shapes and values."""
    import h5py

    source = Path(path)
    if not source.is_file():
        raise ValueError(f"channel file {source} does not exist")
    if source.suffix.lower() in ARRAY_SUFFIXES:
        return read_array_file(source)
    try:
        with h5py.File(source, "r") as f:
            version = int(f.attrs.get("format_version", -1))
            if version > FORMAT_VERSION:
                raise ValueError(
                    f"{source} was written in channel-file format {version}, newer than the "
                    f"{FORMAT_VERSION} this qprecode reads: update qprecode"
                )
            if version != FORMAT_VERSION:
                raise ValueError(
                    f"{source}: format_version {version} is not {FORMAT_VERSION}, or not a "
                    "qprecode channel file"
                )
            if "channels" not in f or not isinstance(f["channels"], h5py.Dataset):
                raise ValueError(f"{source} has no 'channels' dataset")
            kind = f["channels"].dtype.kind
            if kind not in "fciu":
                raise ValueError(
                    f"{source}: the channels must be numbers, got dtype {f['channels'].dtype}"
                )
            channels = torch.from_numpy(np.asarray(f["channels"]).astype(np.complex64))
            positions = torch.from_numpy(np.asarray(f["positions"])) if "positions" in f else None
            los = torch.from_numpy(np.asarray(f["los"]).astype(bool)) if "los" in f else None
            metadata = _metadata(source, f.attrs.get("metadata", "{}"))
    except OSError as err:
        raise ValueError(f"{source} is not a readable HDF5 file: {err}") from None
    if channels.dim() >= 1 and channels.shape[0] == 0:
        raise ValueError(f"{source} holds no channels: its array has shape {tuple(channels.shape)}")
    file = ChannelFile(channels, metadata, positions, los)
    try:
        check_channel_file(file)
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None
    return file


def _metadata(source: Path, text: object) -> dict[str, object]:
    """The JSON ``metadata`` attribute of a channel file, as a dict."""
    try:
        metadata = json.loads(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{source}: its metadata attribute is not valid JSON") from None
    if not isinstance(metadata, dict):
        raise ValueError(f"{source}: its metadata attribute is not a JSON object")
    return metadata
