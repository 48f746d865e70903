"""Frequency-selective tapped-delay-line channels for OFDM: ``L`` taps per antenna/user pair, each
an independent ``CN(0, p_l)`` draw with a power-delay profile ``p`` that sums to one, so that the
channel of every subcarrier has i.i.d. ``CN(0, 1)`` entries, the same average gain as the
narrowband Rayleigh channel of ``qprecode.channels`` (Sect. II-B of Jacobsson et al., TWC 2019).

Generation (``TappedDelayLineChannel.sample``) is split from application
(``frequency_response``). Tap ``l`` lies at delay ``l / (S Delta_f)``, a multiple of the sampling
period of the unoversampled signal, so the same taps give the same channel on the used
subcarriers whatever the oversampling ``N / S``: ``H[f] = sum_l h_l e^{-j 2 pi f l / S}``, exact
with a cyclic prefix of at least ``(L - 1) N / S`` samples.
"""

from __future__ import annotations

import math

import torch

from .._validation import check_positive_int, real_dtype
from ..channels import complex_normal
from .grid import OFDMGrid

__all__ = ["DELAY_PROFILES", "TappedDelayLineChannel", "delay_profile", "frequency_response"]

DELAY_PROFILES = ("uniform", "exponential")


def delay_profile(num_taps: int, profile: str = "uniform", decay_db: float = 3.0) -> torch.Tensor:
    """The power-delay profile ``p: [L]`` float64, ``sum_l p_l = 1``.

    Args:
        num_taps: ``L``.
        profile: ``"uniform"`` (``p_l = 1/L``, i.i.d. taps) or ``"exponential"``
            (``p_l`` proportional to ``10^{-decay_db * l / 10}``).
        decay_db: attenuation from one tap to the next of the exponential profile, dB (> 0).
    """
    check_positive_int(num_taps, "num_taps")
    if profile not in DELAY_PROFILES:
        raise ValueError(f"unknown delay profile {profile!r}; choose one of {DELAY_PROFILES}")
    if profile == "uniform":
        return torch.full((num_taps,), 1.0 / num_taps, dtype=torch.float64)
    if not decay_db > 0 or not math.isfinite(decay_db):
        raise ValueError(f"decay_db must be positive and finite, got {decay_db}")
    p = 10.0 ** (-decay_db * torch.arange(num_taps, dtype=torch.float64) / 10.0)
    return p / p.sum()


def frequency_response(taps: torch.Tensor, grid: OFDMGrid) -> torch.Tensor:
    """``H[f] = sum_l h_l e^{-j 2 pi f l / S}`` on the used subcarriers (taps at multiples of
    ``1 / (S Delta_f)``, see the module docstring).

    Args:
        taps: ``h: [..., L, M, K]`` complex, ``L <= S``.
        grid: the OFDM grid.

    Returns:
        ``H: [..., S, M, K]`` complex, subcarriers in ascending frequency.
    """
    if not taps.is_complex() or taps.dim() < 3:
        raise ValueError(
            f"taps must be complex [..., L, M, K], got {taps.dtype} {tuple(taps.shape)}"
        )
    num_taps = taps.shape[-3]
    if num_taps > grid.used:
        raise ValueError(
            f"a channel with L={num_taps} taps needs at least L used subcarriers, got S={grid.used}"
        )
    f = grid.frequencies.to(device=taps.device, dtype=real_dtype(taps.dtype))
    lags = torch.arange(num_taps, device=taps.device, dtype=f.dtype)
    angle = -2.0 * math.pi * torch.outer(f, lags) / grid.used  # [S, L]
    phase = torch.polar(torch.ones_like(angle), angle).to(taps.dtype)
    return torch.einsum("sl,...lmk->...smk", phase, taps)


class TappedDelayLineChannel:
    """I.i.d. Rayleigh taps with a power-delay profile, ``[h_l]_{m,k} ~ CN(0, p_l)``.

    Args:
        num_antennas: ``M``.
        num_users: ``K``.
        num_taps: ``L``.
        profile: ``"uniform"`` or ``"exponential"`` (``delay_profile``).
        decay_db: per-tap attenuation of the exponential profile, dB.
        dtype: complex dtype of the taps.
        device: device of the taps.

    ``sample(batch_size, generator) -> h: [batch_size, L, M, K]``; ``frequency_response(h, grid)``
    turns them into ``H: [batch_size, S, M, K]``.
    """

    def __init__(
        self,
        num_antennas: int,
        num_users: int,
        num_taps: int,
        profile: str = "uniform",
        decay_db: float = 3.0,
        dtype: torch.dtype = torch.complex64,
        device: torch.device | str | None = None,
    ) -> None:
        check_positive_int(num_antennas, "num_antennas")
        check_positive_int(num_users, "num_users")
        self.profile_name = profile
        self.decay_db = decay_db
        self.profile = delay_profile(num_taps, profile, decay_db)
        self.num_antennas = num_antennas
        self.num_users = num_users
        self.num_taps = num_taps
        self.dtype = dtype
        self.device = device

    def sample(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        check_positive_int(batch_size, "batch_size")
        shape = (batch_size, self.num_taps, self.num_antennas, self.num_users)
        h = complex_normal(shape, generator, self.dtype, self.device)
        amplitude = self.profile.sqrt().to(device=h.device, dtype=real_dtype(self.dtype))
        return h * amplitude[:, None, None]

    def __repr__(self) -> str:
        decay = f", decay_db={self.decay_db:g}" if self.profile_name == "exponential" else ""
        return (
            f"TappedDelayLineChannel(M={self.num_antennas}, K={self.num_users}, "
            f"L={self.num_taps}, profile={self.profile_name!r}{decay})"
        )
