"""Seeded symbol vectors for evaluation and training: ``CN(0, 1)`` or uniform QAM points."""

from __future__ import annotations

import torch

from ..channels import complex_normal
from ..metrics.modulation import MODULATIONS, constellation

__all__ = ["draw_symbols", "gaussian_symbols"]


def gaussian_symbols(
    num_channels: int,
    num_symbols: int,
    num_users: int,
    seed: int,
    dtype: torch.dtype = torch.complex64,
) -> torch.Tensor:
    """I.i.d. ``CN(0, 1)`` symbols ``s: [num_channels, N_s, K]`` from a seed."""
    generator = torch.Generator().manual_seed(seed)
    return complex_normal((num_channels, num_symbols, num_users), generator, dtype)


def draw_symbols(
    num_channels: int,
    num_symbols: int,
    num_users: int,
    seed: int,
    dtype: torch.dtype = torch.complex64,
    modulation: str = "gaussian",
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Symbols ``s: [num_channels, N_s, K]`` and, for a constellation, their indices (else
    ``None``): ``CN(0, 1)`` for ``gaussian``, uniform unit-energy QAM points otherwise."""
    if modulation not in MODULATIONS:
        raise ValueError(f"unknown modulation {modulation!r}; choose one of {list(MODULATIONS)}")
    if modulation == "gaussian":
        return gaussian_symbols(num_channels, num_symbols, num_users, seed, dtype), None
    points = constellation(modulation).points
    generator = torch.Generator().manual_seed(seed)
    shape = (num_channels, num_symbols, num_users)
    indices = torch.randint(0, points.numel(), shape, generator=generator)
    return points[indices].to(dtype), indices
