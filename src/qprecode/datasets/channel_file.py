"""The content of a channel file, whatever its format (HDF5: ``h5``; ``.npy``/``.mat``:
``array_files``), and its check on reading and writing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from .._validation import check_channel, check_finite, silent_channels

__all__ = ["ChannelFile", "check_channel_file"]


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
