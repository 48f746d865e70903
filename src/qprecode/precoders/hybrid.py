"""Hybrid analog/digital precoders, ``W = F D`` with a constant-modulus analog part.

Phased zero forcing (PZF; Liang, Xu and Dong, "Low-complexity hybrid precoding in massive
multiuser MIMO systems", IEEE WCL 2014): one RF chain per user; the analog precoder matches the
phase of each user's channel, ``F_mk = exp(j arg H_mk^*) / sqrt(M)``, and the digital precoder
zero-forces the effective channel ``H_eff = F^T H`` (``N_RF x K``), ``D = ZF(H_eff)`` scaled so
that ``||F D||_F^2 = P_T``.
"""

from __future__ import annotations

import math
from abc import abstractmethod

import torch

from .._validation import check_channel, check_positive_int
from .base import HybridPrecoder, MatrixPrecoder
from .linear import zf_matrix
from .wmmse import WMMSE

__all__ = ["PhasedZF", "TargetHybridPrecoder", "normalize_hybrid_power"]


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


class TargetHybridPrecoder(HybridPrecoder):
    """A hybrid precoder designed to approach a fully digital target (MO-AltMin, OMP):
    ``analog_digital`` checks ``N_RF``, computes the target, lets the subclass's ``approach``
    design ``(F, D)`` on it and scales ``D`` to the power.

    Args:
        num_rf_chains: ``N_RF`` (``K <= N_RF <= M``); ``None``: ``N_RF = K``.
        target: the fully digital precoder approached; WMMSE (tolerance 1e-4, started from
            RZF-eq) at ``snr_db`` by default.
        snr_db: design SNR of the default target.
        total_power: ``P_T``; ``M`` by default.
    """

    snr_dependent = True

    def __init__(
        self,
        num_rf_chains: int | None = None,
        target: MatrixPrecoder | None = None,
        snr_db: float = 10.0,
        total_power: float | None = None,
    ) -> None:
        super().__init__(total_power)
        if num_rf_chains is not None:
            check_positive_int(num_rf_chains, "num_rf_chains")
        if not math.isfinite(snr_db):
            raise ValueError(f"snr_db must be finite, got {snr_db}")
        self.num_rf_chains = num_rf_chains
        self.custom_target = target
        self.snr_db = snr_db

    def rf_chains(self, H: torch.Tensor) -> int:
        """``N_RF`` for ``H: [..., M, K]``, checked: ``K <= N_RF <= M``."""
        M, K = H.shape[-2:]
        N = K if self.num_rf_chains is None else self.num_rf_chains
        if not K <= N <= M:
            raise ValueError(f"{self.name} needs K <= N_RF <= M, got K={K}, N_RF={N}, M={M}")
        return N

    def target(self, H: torch.Tensor) -> torch.Tensor:
        """The fully digital precoder approached, ``[B, M, K]`` complex128 (``B`` the flattened
        leading dims of ``H``), at power ``P_T``."""
        # one strong start: the target only has to be good, and the hybrid search calls it often
        precoder = self.custom_target or WMMSE(
            self.snr_db, 1e-4, total_power=self.total_power, init="rzf-eq"
        )
        return precoder.matrix(H).to(torch.complex128).reshape(-1, *H.shape[-2:])

    @abstractmethod
    def approach(self, target: torch.Tensor, rf_chains: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``(F: [B, M, N_RF], D: [B, N_RF, K])`` complex128, ``|F_mr| = 1``, with ``F D`` close
        to ``target: [B, M, K]`` complex128 (any scale of ``D``)."""

    def analog_digital(self, H: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_channel(H)
        M, K = H.shape[-2:]
        N = self.rf_chains(H)
        F, D = self.approach(self.target(H), N)
        D = normalize_hybrid_power(F, D, self.power_for(H))
        batch = H.shape[:-2]
        return F.to(H.dtype).reshape(*batch, M, N), D.to(H.dtype).reshape(*batch, N, K)
