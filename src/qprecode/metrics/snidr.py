"""SNIDR per user (eq. 8 of Feys et al.) of any precoder's DAC outputs, through the Bussgang
decomposition; the rates follow from it in ``metrics.rate``.

Everything is computed in the ``K``-dimensional received space: with ``R = Y H`` the noiseless
received signals, ``A = H^T G`` and ``h_k^T q_n = R_{n,k} - (S A^T)_{n,k}``, so no ``M x M``
distortion covariance is formed. ``A^T`` is the fit of ``R`` on ``S`` (``metrics.gain_fit``),
which equals ``G^T H`` with ``G`` from ``bussgang_gain``, for either estimate, since both are
linear in ``y``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .bussgang import gain_fit

__all__ = ["SNIDRTerms", "snidr", "snidr_terms"]


@dataclass(frozen=True)
class SNIDRTerms:
    """Powers at each user's receiver, per channel realisation (all ``[..., K]`` real).

    Attributes:
        signal: ``|h_k^T g_k|^2``.
        interference: ``sum_{k' != k} |h_k^T g_{k'}|^2``.
        distortion: ``h_k^T E[q q^H] h_k^*``.
        gain: ``[..., K, K]`` complex, ``A = H^T G``; its diagonal is each user's effective gain.
    """

    signal: torch.Tensor
    interference: torch.Tensor
    distortion: torch.Tensor
    gain: torch.Tensor


def snidr_terms(
    H: torch.Tensor, y: torch.Tensor, s: torch.Tensor, estimate: str = "ls"
) -> SNIDRTerms:
    """Signal, interference and distortion powers of eq. 8.

    Args:
        H: ``[..., M, K]`` complex channel.
        y: ``[..., N_s, M]`` complex DAC outputs, already power-normalised (eq. 15).
        s: ``[..., N_s, K]`` complex symbols.
        estimate: Bussgang gain estimate, ``"ls"`` or ``"identity"``.

    Returns:
        ``SNIDRTerms`` with ``[..., K]`` fields.
    """
    R = y @ H  # [..., N_s, K] noiseless received signals, R[n, k] = h_k^T y_n
    A_T = gain_fit(s, R, estimate)  # [..., K, K], A^T = G^T H
    A = A_T.mT  # A[k, k'] = h_k^T g_{k'}
    power = A.abs() ** 2
    signal = torch.diagonal(power, dim1=-2, dim2=-1)
    interference = power.sum(dim=-1) - signal
    E = R - s @ A_T  # [..., N_s, K], E[n, k] = h_k^T q_n
    dist = (E.abs() ** 2).mean(dim=-2)
    return SNIDRTerms(signal, interference, dist, A)


def snidr(terms: SNIDRTerms, noise_var: float | torch.Tensor) -> torch.Tensor:
    """``SNIDR_k`` of eq. 8, ``[..., K]`` real (broadcasts against a tensor of noise variances)."""
    return terms.signal / (terms.interference + terms.distortion + noise_var)
