"""Uncoded bit error rate of the received symbols (Jacobsson et al., TCOM 2017, Sect. VI).

Receiver: user ``k`` scales its noisy signal ``r_k = h_k^T y + v_k`` by its precoding factor,
estimated as the LS Bussgang gain ``a_kk`` of the channel's ``N_s`` symbol vectors (as in
``metrics.nmse``), and detects the nearest constellation point.
"""

from __future__ import annotations

import torch

from .modulation import Constellation
from .snidr import SNIDRTerms

__all__ = ["bit_errors"]


def bit_errors(
    H: torch.Tensor,
    y: torch.Tensor,
    indices: torch.Tensor,
    noise: torch.Tensor,
    noise_var: float,
    terms: SNIDRTerms,
    modulation: Constellation,
) -> torch.Tensor:
    """Number of wrong bits per channel.

    Args:
        H: ``[..., M, K]`` complex.
        y: ``[..., N_s, M]`` power-normalised DAC outputs.
        indices: ``[..., N_s, K]`` int64 transmitted constellation indices.
        noise: ``[..., N_s, K]`` complex ``CN(0, 1)`` draws, scaled here by ``sqrt(noise_var)``.
        noise_var: ``sigma_v^2``.
        terms: ``snidr_terms(H, y, s)``, whose ``gain`` diagonal is the receiver's factor.
        modulation: the constellation.

    Returns:
        ``[...]`` int64.
    """
    a = torch.diagonal(terms.gain, dim1=-2, dim2=-1).unsqueeze(-2)  # [..., 1, K]
    r = y @ H + noise_var**0.5 * noise
    detected = modulation.detect(r / a)
    labels = modulation.labels.to(indices.device)
    wrong = labels[detected] != labels[indices]  # [..., N_s, K, bits]
    return wrong.sum(dim=(-3, -2, -1))
