"""Imperfect channel knowledge: the precoder sees an estimate ``H_hat``, the metrics use the true
``H``.

Model: ``H_hat = H + E`` with ``E`` i.i.d. ``CN(0, nmse * ||H||_F^2 / (M K))`` per realisation, so
that the estimation NMSE ``E||H_hat - H||_F^2 / ||H||_F^2`` of every realisation is ``nmse`` on
average, whatever the channel's scale (path loss) is.

Pilot-based estimates (TDD uplink pilots): the ``K`` users send orthogonal pilots of length
``tau`` (``K`` by default), each received with SNR ``rho`` per antenna. After despreading, the LS
estimate is ``H + E`` with NMSE ``1 / (rho tau)``; the MMSE estimate for i.i.d. channel entries
shrinks it by ``rho tau / (1 + rho tau)``, NMSE ``1 / (1 + rho tau)``.
"""

from __future__ import annotations

import math

import torch

from .._validation import check_channel
from ..channels import complex_normal

__all__ = [
    "DB_LIMIT",
    "ESTIMATORS",
    "check_error_nmse_db",
    "noisy_channel_estimate",
    "pilot_channel_estimate",
    "pilot_estimate_nmse_db",
]

# An estimation error 10^10 times the channel's power is noise alone; past it the powers of ten
# only overflow (float64 past about 3,080 dB; float32 sooner for channels far from unit power).
DB_LIMIT = 100.0


def check_error_nmse_db(value: float) -> None:
    """Raise unless ``value`` is an estimation-error NMSE in dB: finite, at most ``DB_LIMIT``."""
    if not (math.isfinite(value) and value <= DB_LIMIT):
        raise ValueError(
            f"error_nmse_db must be a finite number of dB up to {DB_LIMIT:g}, got {value}"
        )


ESTIMATORS = ("ls", "mmse")


def noisy_channel_estimate(
    H: torch.Tensor, error_nmse_db: float, generator: torch.Generator
) -> torch.Tensor:
    """``H_hat = H + E`` with estimation NMSE ``10^(error_nmse_db / 10)``.

    Args:
        H: ``[..., M, K]`` complex true channels.
        error_nmse_db: estimation-error NMSE in dB (e.g. -30 for nearly perfect CSI, 0 for an
            error as strong as the channel), at most ``DB_LIMIT`` (100).
        generator: source of the error (drawn on its device, then moved to ``H``'s).

    Returns:
        ``H_hat: [..., M, K]``, same dtype and device as ``H``.
    """
    check_channel(H)
    check_error_nmse_db(error_nmse_db)
    entry_power = (H.abs() ** 2).mean(dim=(-2, -1), keepdim=True)  # [..., 1, 1]
    error = complex_normal(tuple(H.shape), generator, H.dtype).to(H.device)
    return H + error * torch.sqrt(entry_power * 10.0 ** (error_nmse_db / 10.0))


def _pilot_gain(pilot_snr_db: float, pilots: int, estimator: str) -> float:
    """``rho tau``, the pilot energy over the noise after despreading (and the checks of the
    pilot settings)."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    if not (math.isfinite(pilot_snr_db) and abs(pilot_snr_db) <= DB_LIMIT):
        raise ValueError(
            f"pilot_snr_db must be a finite number of dB in [-{DB_LIMIT:g}, {DB_LIMIT:g}], "
            f"got {pilot_snr_db}"
        )
    if pilots < 1:
        raise ValueError(f"pilots must be >= 1, got {pilots}")
    return 10.0 ** (pilot_snr_db / 10.0) * pilots


def pilot_estimate_nmse_db(pilot_snr_db: float, pilots: int, estimator: str = "ls") -> float:
    """Estimation NMSE in dB of the LS (``1 / (rho tau)``) or MMSE (``1 / (1 + rho tau)``)
    estimate from ``pilots`` pilot symbols at ``pilot_snr_db``."""
    gain = _pilot_gain(pilot_snr_db, pilots, estimator)
    return -10.0 * math.log10(gain if estimator == "ls" else 1.0 + gain)


def pilot_channel_estimate(
    H: torch.Tensor,
    pilot_snr_db: float,
    generator: torch.Generator,
    estimator: str = "ls",
    pilots: int | None = None,
) -> torch.Tensor:
    """The LS or MMSE estimate of ``H: [..., M, K]`` from orthogonal uplink pilots of length
    ``pilots`` (default ``K``) received at ``pilot_snr_db`` per antenna (module docstring).

    Returns:
        ``H_hat: [..., M, K]``, same dtype and device as ``H``.
    """
    tau = H.shape[-1] if pilots is None else pilots
    gain = _pilot_gain(pilot_snr_db, tau, estimator)
    ls = noisy_channel_estimate(H, -10.0 * math.log10(gain), generator)
    return ls if estimator == "ls" else ls * (gain / (1.0 + gain))
