"""Radiation patterns of the intended signal and of the distortion over angle (eqs. 11-12 of Feys
et al.) for a ULA with half-wavelength spacing."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..channels.los import LOSChannel, ula_steering
from ..precoders.base import Precoder
from .bussgang import bussgang_gain, distortion, normalize_average_power
from .evaluate import gaussian_symbols

__all__ = ["RadiationPattern", "los_radiation_db", "radiation_pattern"]


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


def los_radiation_db(
    precoder: Precoder,
    antennas: int,
    user_angles_deg: list[float],
    num_symbols: int,
    angles_deg: torch.Tensor,
    seed: int = 0,
) -> dict[str, list[float]]:
    """The patterns of ``precoder`` on the pure LOS channel of users at ``user_angles_deg``
    (eq. 10, half-wavelength ULA), with ``num_symbols`` ``CN(0, 1)`` symbol vectors, in dB.

    Returns ``{"angles_deg", "p_lin_db", "p_dist_db", "sdr_db"}`` lists over ``angles_deg``.
    """
    K = len(user_angles_deg)
    H = LOSChannel(antennas, K, angles_deg=user_angles_deg).sample(1, torch.Generator())
    s = gaussian_symbols(1, num_symbols, K, seed, H.dtype)
    y = normalize_average_power(precoder(H, s), float(antennas))
    pattern = radiation_pattern(y, s, angles_deg)

    def db(t: torch.Tensor) -> list[float]:
        return (10.0 * torch.log10(t[0].clamp_min(1e-30))).tolist()

    return {
        "angles_deg": angles_deg.tolist(),
        "p_lin_db": db(pattern.linear),
        "p_dist_db": db(pattern.distortion),
        "sdr_db": db(pattern.sdr),
    }
