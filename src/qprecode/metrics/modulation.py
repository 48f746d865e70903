"""Gray-mapped QAM constellations with unit average energy, and nearest-point detection."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import torch

__all__ = ["MODULATIONS", "Constellation", "constellation"]

# name -> bits per symbol; "gaussian" (CN(0, 1) symbols) has no constellation
MODULATIONS = {"gaussian": 0, "qpsk": 2, "16qam": 4, "64qam": 6}


def _gray(n: int) -> int:
    return n ^ (n >> 1)


@dataclass(frozen=True)
class Constellation:
    """A square QAM constellation.

    Attributes:
        name: ``qpsk``, ``16qam`` or ``64qam``.
        points: ``[Q]`` complex128, unit average energy.
        labels: ``[Q, log2 Q]`` int64 bit labels (Gray: neighbours differ in one bit).
        levels: ``[sqrt Q]`` the per-axis amplitude levels.
    """

    name: str
    points: torch.Tensor
    labels: torch.Tensor
    levels: torch.Tensor

    @property
    def bits_per_symbol(self) -> int:
        return int(self.labels.shape[1])

    def detect(self, s_hat: torch.Tensor) -> torch.Tensor:
        """Index of the nearest point for every entry of ``s_hat: [...]`` complex -> ``[...]``
        int64 (per axis, as the grid is separable)."""
        levels = self.levels.to(s_hat.real.dtype).to(s_hat.device)
        side = levels.numel()
        boundaries = 0.5 * (levels[1:] + levels[:-1])
        i = torch.bucketize(s_hat.real.contiguous(), boundaries)
        q = torch.bucketize(s_hat.imag.contiguous(), boundaries)
        return i * side + q


@cache
def constellation(name: str) -> Constellation:
    """The unit-energy Gray-mapped square QAM named ``qpsk``, ``16qam`` or ``64qam``."""
    key = name.lower()
    if key not in MODULATIONS or MODULATIONS[key] == 0:
        known = ", ".join(k for k, v in MODULATIONS.items() if v)
        raise ValueError(f"unknown constellation {name!r}; choose one of {known}")
    bits = MODULATIONS[key]
    half = bits // 2
    side = 2**half
    pam = torch.arange(side, dtype=torch.float64) * 2 - (side - 1)  # -(side-1) .. side-1
    scale = math.sqrt(2 * (side**2 - 1) / 3)  # average energy of the square QAM grid
    levels = pam / scale
    points, labels = [], []
    for i in range(side):
        for q in range(side):
            points.append(complex(levels[i], levels[q]))
            word = (_gray(i) << half) | _gray(q)
            labels.append([(word >> (bits - 1 - b)) & 1 for b in range(bits)])
    return Constellation(
        key,
        torch.tensor(points, dtype=torch.complex128),
        torch.tensor(labels, dtype=torch.int64),
        levels,
    )
