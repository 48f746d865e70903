"""Radiation patterns of a precoder on a line-of-sight channel (Figs. 3-4 of Feys et al.)."""

from __future__ import annotations

import torch

from ..channels import LOSChannel
from ..metrics import normalize_average_power, radiation_pattern
from ..precoders import Precoder
from .symbols import gaussian_symbols

__all__ = ["los_radiation_db"]


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

    Returns ``{"angles_deg", "p_lin_db", "p_dist_db", "sdr_db"}`` lists over ``angles_deg``
    (``[A]`` degrees).
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
