"""Proportionally fair WMMSE (WMMSE-PF): the WMMSE iteration of ``precoders.wmmse`` with the
user weights re-set before every step to the gradient of the log-rate utility,

    mu_u = 1 / max(R_u, 1e-6),   R_u = log2(1 + SINR_u) at the current precoder,

so that it climbs ``sum_u ln R_u`` (the log-SE of Zhang et al., problem (4); Shi et al. 2011,
Sect. IV, for general utilities). A sample stops when the relative change of ``sum_u ln R_u``
is at most the tolerance (1e-4 by default).
"""

from __future__ import annotations

import torch

from .._validation import check_channel
from ..metrics import log_se, noise_variance, sinr_from_matrix, user_rates
from .base import MatrixPrecoder
from .linear import mrt_matrix, normalize_matrix_power
from .wmmse_step import check_iteration_settings, wmmse_update

__all__ = ["WMMSEPF"]

_MIN_RATE = 1e-6  # floor of R_u in the weights 1 / R_u


class WMMSEPF(MatrixPrecoder):
    """WMMSE for the proportional-fair utility ``sum_u ln log2(1 + SINR_u)``.

    Args:
        snr_db: design SNR ``P_T / sigma_v^2`` in dB.
        tolerance: stop a sample when ``|U_t - U_{t-1}| <= tolerance |U_{t-1}|`` for the
            utility ``U = sum_u ln R_u``.
        max_iterations: cap on the steps per sample.
        total_power: ``P_T``; ``M`` by default.

    Shapes:
        ``H: [..., M, K]`` complex -> ``W: [..., M, K]`` complex, ``||W||_F^2 = P_T``.
    """

    name = "wmmse-pf"
    snr_dependent = True

    def __init__(
        self,
        snr_db: float = 20.0,
        tolerance: float = 1e-4,
        max_iterations: int = 500,
        total_power: float | None = None,
    ) -> None:
        super().__init__(total_power)
        check_iteration_settings(snr_db, tolerance, max_iterations)
        self.snr_db = snr_db
        self.tolerance = tolerance
        self.max_iterations = max_iterations

    def with_snr(self, snr_db: float) -> WMMSEPF:
        return WMMSEPF(snr_db, self.tolerance, self.max_iterations, self.total_power)

    def solve(self, H: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Run WMMSE-PF on every channel realisation.

        Args:
            H: ``[..., M, K]`` complex channel.

        Returns:
            ``(W: [..., M, K] complex in H's dtype, iterations: [...] int64)``.
        """
        check_channel(H)
        M, K = H.shape[-2:]
        batch = H.shape[:-2]
        P = self.power_for(H)
        noise_var = noise_variance(self.snr_db, P)
        H64 = H.to(torch.complex128).reshape(-1, M, K)
        V = mrt_matrix(H64, P)

        def rates(Hb: torch.Tensor, Vb: torch.Tensor) -> torch.Tensor:  # [B, K]
            return user_rates(sinr_from_matrix(Hb, Vb, noise_var))

        utility = log_se(sinr_from_matrix(H64, V, noise_var))  # [B]
        iterations = torch.zeros_like(utility, dtype=torch.int64)
        active = torch.arange(utility.numel(), device=H.device)
        for step in range(1, self.max_iterations + 1):
            if active.numel() == 0:
                break
            Ha = H64[active]
            mu = 1.0 / rates(Ha, V[active]).clamp_min(_MIN_RATE)
            Va, _ = wmmse_update(Ha, V[active], noise_var, mu, P)
            Va = normalize_matrix_power(Va, P)  # unused power only raises every rate
            new = log_se(sinr_from_matrix(Ha, Va, noise_var))
            done = (new - utility[active]).abs() <= self.tolerance * utility[active].abs()
            V[active], utility[active], iterations[active] = Va, new, step
            active = active[~done]
        return V.to(H.dtype).reshape(H.shape), iterations.reshape(batch)

    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        return self.solve(H)[0]

    def __repr__(self) -> str:
        return (
            f"WMMSEPF(snr_db={self.snr_db}, tolerance={self.tolerance}, "
            f"max_iterations={self.max_iterations})"
        )
