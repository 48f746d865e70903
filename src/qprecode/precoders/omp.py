"""Spatially sparse hybrid precoding by orthogonal matching pursuit (OMP; El Ayach, Rajagopal,
Abu-Surra, Pi and Heath, "Spatially sparse precoding in millimeter wave MIMO systems", IEEE TWC
2014, Algorithm 1), batched over channel realisations.

The analog precoder picks ``N_RF`` columns of a dictionary of ULA beams, one per step: the beam
most correlated with the residual of a fully digital target ``W_opt`` (WMMSE by default), then
the digital part is the least-squares fit ``D = (F^H F)^{-1} F^H W_opt`` and the residual is
what ``F D`` misses. The dictionary is ``G`` beams ``conj(a(phi_g))`` (``a`` the ULA response
of ``channels.ula_steering``; the conjugate because the users receive ``h^T y``) with
``cos(phi_g)`` on a uniform grid of ``[-1, 1)``: the paper's dictionary holds the channel's own
path angles, which the base station does not know from ``H`` alone.
"""

from __future__ import annotations

import torch

from .._validation import check_positive_int
from ..channels import ula_steering
from .base import MatrixPrecoder
from .hybrid import TargetHybridPrecoder

__all__ = ["OMP", "beam_dictionary"]


def beam_dictionary(
    num_antennas: int, size: int, dtype: torch.dtype = torch.complex128
) -> torch.Tensor:
    """``[M, G]`` unit-modulus ULA beams (half-wavelength spacing) with ``cos(phi)`` on the grid
    ``-1 + (2 g + 1) / G``, ``g = 0..G-1``."""
    check_positive_int(size, "size")
    cosines = -1.0 + (2.0 * torch.arange(size, dtype=torch.float64) + 1.0) / size
    angles = torch.rad2deg(torch.arccos(cosines))
    return ula_steering(angles, num_antennas, 0.5, dtype).conj()


class OMP(TargetHybridPrecoder):
    """OMP hybrid precoder with ``N_RF`` RF chains over a beam dictionary.

    Args:
        num_rf_chains: ``N_RF`` (``K <= N_RF <= M``); ``None``: ``N_RF = K``
            (``TargetHybridPrecoder``).
        target: the fully digital precoder approached; WMMSE at ``snr_db`` by default.
        snr_db: design SNR of the default target.
        total_power: ``P_T``; ``M`` by default.
        oversampling: dictionary size ``G = oversampling * M``.

    Shapes:
        ``analog_digital``: ``H: [..., M, K]`` -> ``F: [..., M, N_RF]`` (dictionary beams,
        ``|F_mr| = 1``), ``D: [..., N_RF, K]`` with ``||F D||_F^2 = P_T``.
    """

    name = "omp"

    def __init__(
        self,
        num_rf_chains: int | None = None,
        target: MatrixPrecoder | None = None,
        snr_db: float = 10.0,
        oversampling: int = 4,
        total_power: float | None = None,
    ) -> None:
        super().__init__(num_rf_chains, target, snr_db, total_power)
        check_positive_int(oversampling, "oversampling")
        self.oversampling = oversampling

    def with_snr(self, snr_db: float) -> OMP:
        return OMP(self.num_rf_chains, self.custom_target, snr_db, self.oversampling,
                   self.total_power)  # fmt: skip

    def approach(self, target: torch.Tensor, rf_chains: int) -> tuple[torch.Tensor, torch.Tensor]:
        M, K = target.shape[-2:]
        A = beam_dictionary(M, self.oversampling * M).to(target.device)  # [M, G]
        residual = target
        chosen: list[torch.Tensor] = []
        D = torch.zeros((target.shape[0], 0, K), dtype=target.dtype, device=target.device)
        for _ in range(rf_chains):
            correlation = ((A.mH @ residual).abs() ** 2).sum(dim=-1)  # [B, G]
            chosen.append(correlation.argmax(dim=-1))
            F = A[:, torch.stack(chosen, dim=-1)].permute(1, 0, 2)  # [B, M, n]
            D = torch.linalg.lstsq(F, target).solution  # [B, n, K]
            residual = target - F @ D
            norm = torch.sqrt((residual.abs() ** 2).sum(dim=(-2, -1), keepdim=True))
            residual = residual / norm.clamp_min(1e-300)
        return F, D

    def __repr__(self) -> str:
        return f"OMP(N_RF={self.num_rf_chains}, snr_db={self.snr_db}, G={self.oversampling}M)"
