"""Radiation patterns of the intended signal and of the distortion over angle (eqs. 11-12 of Feys
et al.) for a ULA with half-wavelength spacing."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..channels.los import ula_steering
from .bussgang import bussgang_gain, distortion

__all__ = ["RadiationPattern", "radiation_pattern"]


@dataclass(frozen=True)
class RadiationPattern:
    """Patterns on an angle grid.

    Attributes:
        angles_deg: ``[A]`` evaluation angles ``phi~`` in degrees.
        linear: ``[..., A]`` ``P_lin(phi~) = h^T(phi~) G G^H h^*(phi~)`` (eq. 11).
        distortion: ``[..., A]`` ``P_dist(phi~) = h^T(phi~) E[q q^H] h^*(phi~)`` (eq. 12).
    """

    angles_deg: torch.Tensor
    linear: torch.Tensor
    distortion: torch.Tensor

    @property
    def sdr(self) -> torch.Tensor:
        """``P_SDR = P_lin / P_dist``, ``[..., A]`` (infinite where there is no distortion)."""
        return self.linear / self.distortion


def radiation_pattern(
    y: torch.Tensor,
    s: torch.Tensor,
    angles_deg: torch.Tensor,
    spacing: float = 0.5,
) -> RadiationPattern:
    """Intended-signal and distortion patterns of the DAC outputs ``y`` for symbols ``s``.

    Args:
        y: ``[..., N_s, M]`` complex, power-normalised DAC outputs.
        s: ``[..., N_s, K]`` complex symbols.
        angles_deg: ``[A]`` angles in degrees.
        spacing: antenna spacing in wavelengths.

    Returns:
        ``RadiationPattern`` with ``[..., A]`` patterns (LS Bussgang gain).
    """
    M = y.shape[-1]
    steer = ula_steering(angles_deg, M, spacing, y.dtype)  # [M, A]
    G = bussgang_gain(y, s)  # [..., M, K]
    linear = ((steer.mT @ G).abs() ** 2).sum(dim=-1)  # [..., A]
    q = distortion(y, s, G)  # [..., N_s, M]
    dist = ((q @ steer).abs() ** 2).mean(dim=-2)  # [..., A]
    return RadiationPattern(angles_deg, linear, dist)
