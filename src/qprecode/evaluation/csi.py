"""Imperfect channel knowledge: the precoder sees an estimate ``H_hat``, the metrics use the true
``H``.

Model: ``H_hat = H + E`` with ``E`` i.i.d. ``CN(0, nmse * ||H||_F^2 / (M K))`` per realisation, so
that the estimation NMSE ``E||H_hat - H||_F^2 / ||H||_F^2`` of every realisation is ``nmse`` on
average, whatever the channel's scale (path loss) is.
"""

from __future__ import annotations

import math

import torch

from .._validation import check_channel
from ..channels import complex_normal

__all__ = ["noisy_channel_estimate"]


def noisy_channel_estimate(
    H: torch.Tensor, error_nmse_db: float, generator: torch.Generator
) -> torch.Tensor:
    """``H_hat = H + E`` with estimation NMSE ``10^(error_nmse_db / 10)``.

    Args:
        H: ``[..., M, K]`` complex true channels.
        error_nmse_db: estimation-error NMSE in dB (e.g. -30 for nearly perfect CSI, 0 for an
            error as strong as the channel).
        generator: source of the error (a CPU generator; the error is moved to ``H``'s device).

    Returns:
        ``H_hat: [..., M, K]``, same dtype and device as ``H``.
    """
    check_channel(H)
    if not math.isfinite(error_nmse_db):
        raise ValueError(f"error_nmse_db must be finite, got {error_nmse_db}")
    entry_power = (H.abs() ** 2).mean(dim=(-2, -1), keepdim=True)  # [..., 1, 1]
    error = complex_normal(tuple(H.shape), generator, H.dtype).to(H.device)
    return H + error * torch.sqrt(entry_power * 10.0 ** (error_nmse_db / 10.0))
