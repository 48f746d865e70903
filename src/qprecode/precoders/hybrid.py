"""Hybrid analog/digital precoders, ``W = F D`` with a constant-modulus analog part.

Phased zero forcing (PZF; Liang, Xu and Dong, "Low-complexity hybrid precoding in massive
multiuser MIMO systems", IEEE WCL 2014): one RF chain per user; the analog precoder matches the
phase of each user's channel, ``F_mk = exp(j arg H_mk^*) / sqrt(M)``, and the digital precoder
zero-forces the effective channel ``H_eff = F^T H`` (``N_RF x K``), ``D = ZF(H_eff)`` scaled so
that ``||F D||_F^2 = P_T``.
"""

from __future__ import annotations

import torch

from .._validation import check_channel
from .base import HybridPrecoder
from .linear import zf_matrix

__all__ = ["PhasedZF", "normalize_hybrid_power"]


def normalize_hybrid_power(F: torch.Tensor, D: torch.Tensor, total_power: float) -> torch.Tensor:
    """``D`` scaled so that ``||F D||_F^2 = P_T`` (``F: [..., M, N_RF]``, ``D: [..., N_RF, K]``);
    an all-zero ``F D`` is left as it is."""
    energy = ((F @ D).abs() ** 2).sum(dim=(-2, -1), keepdim=True)
    return D * torch.sqrt(total_power / energy.clamp_min(torch.finfo(energy.dtype).tiny))


class PhasedZF(HybridPrecoder):
    """Phased ZF with ``N_RF = K`` RF chains; needs ``K <= M``.

    Args:
        total_power: ``P_T``; ``M`` by default.

    Shapes:
        ``analog_digital``: ``H: [..., M, K]`` -> ``F: [..., M, K]``, ``D: [..., K, K]``.
    """

    name = "pzf"

    def analog_digital(self, H: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_channel(H)
        M, K = H.shape[-2:]
        if K > M:  # F^T H would be singular: N_RF = K chains cannot serve K > M users
            raise ValueError(f"phased ZF needs K <= M, got K={K}, M={M}")
        F = torch.exp(1j * torch.angle(H.conj())).to(H.dtype) / M**0.5  # [..., M, K]
        D = zf_matrix(F.mT @ H, 1.0)  # [..., K, K], zero-forces H_eff = F^T H
        return F, normalize_hybrid_power(F, D, self.power_for(H))
