"""Manifold-optimisation alternating minimisation (MO-AltMin; Yu, Shen, Zhang and Letaief,
"Alternating minimization algorithms for hybrid precoding in millimeter wave MIMO systems", IEEE
JSTSP 2016), batched over channel realisations.

The hybrid precoder ``F D`` approaches a fully digital target ``W_opt`` (WMMSE by default):

    min_{F, D} ||W_opt - F D||_F^2,   |F_mr| = 1,

alternating the least-squares digital part ``D = F^+ W_opt`` with a Riemannian conjugate-gradient
descent of ``phi(F) = ||W_opt - F D||_F^2`` on the product of complex circles (Euclidean gradient
``-2 (W_opt - F D) D^H``, its projection onto the tangent space ``g - Re(g conj(F)) F``, the
retraction ``x / |x|``, Polak-Ribiere directions and Armijo backtracking). ``D`` is finally
scaled to ``||F D||_F^2 = P_T``.
"""

from __future__ import annotations

import math

import torch

from .._validation import check_positive_int
from .base import MatrixPrecoder
from .hybrid import TargetHybridPrecoder

__all__ = ["MOAltMin", "manifold_descent"]

_ARMIJO = 1e-4  # sufficient-decrease constant
_BACKTRACKS = 30  # halvings of the step before giving up on a sample's line search


def _tangent(F: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Projection of ``v`` onto the tangent space of the complex circles at unit-modulus ``F``."""
    return v - (v * F.conj()).real * F


def _retract(x: torch.Tensor) -> torch.Tensor:
    return x / x.abs().clamp_min(torch.finfo(x.real.dtype).tiny)


def _inner(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Real inner product ``Re <a, b>`` per sample, ``[B]``."""
    return (a.conj() * b).real.sum(dim=(-2, -1))


def manifold_descent(
    target: torch.Tensor, F: torch.Tensor, D: torch.Tensor, iterations: int = 30
) -> torch.Tensor:
    """Riemannian conjugate gradient on ``phi(F) = ||target - F D||_F^2`` with ``D`` fixed.

    Args:
        target: ``[B, M, K]`` complex. F: ``[B, M, N_RF]`` unit-modulus start.
        D: ``[B, N_RF, K]`` complex.
        iterations: CG steps.

    Returns:
        ``F: [B, M, N_RF]`` unit modulus, with ``phi`` no larger than at the start.
    """

    def cost(X: torch.Tensor) -> torch.Tensor:
        return ((target - X @ D).abs() ** 2).sum(dim=(-2, -1))

    def gradient(X: torch.Tensor) -> torch.Tensor:
        return _tangent(X, -2.0 * (target - X @ D) @ D.mH)

    value, grad = cost(F), gradient(F)
    direction = -grad
    scale = (D.abs() ** 2).sum(dim=(-2, -1)).clamp_min(1e-30)  # curvature scale of phi
    for _ in range(iterations):
        slope = _inner(grad, direction)  # [B]
        restart = slope >= 0  # not a descent direction: steepest descent
        direction = torch.where(restart[:, None, None], -grad, direction)
        slope = torch.where(restart, -_inner(grad, grad), slope)
        if bool((slope > -1e-20).all()):
            break
        step = 1.0 / scale
        accepted = torch.zeros_like(value, dtype=torch.bool)
        F_new, value_new = F.clone(), value.clone()
        for _ in range(_BACKTRACKS):
            trial = _retract(F + step[:, None, None] * direction)
            trial_value = cost(trial)
            ok = (trial_value <= value + _ARMIJO * step * slope) & ~accepted
            F_new = torch.where(ok[:, None, None], trial, F_new)
            value_new = torch.where(ok, trial_value, value_new)
            accepted |= ok
            if bool(accepted.all()):
                break
            step = torch.where(accepted, step, step / 2)
        grad_new = gradient(F_new)
        old = _tangent(F_new, grad)
        beta = (_inner(grad_new, grad_new - old) / _inner(grad, grad).clamp_min(1e-30)).clamp_min(0)
        direction = -grad_new + beta[:, None, None] * _tangent(F_new, direction)
        F, value, grad = F_new, value_new, grad_new
    return F


class MOAltMin(TargetHybridPrecoder):
    """MO-AltMin hybrid precoder with ``N_RF`` RF chains towards a fully digital target.

    Args:
        num_rf_chains: ``N_RF`` (``K <= N_RF <= M``); ``None``: ``N_RF = K``
            (``TargetHybridPrecoder``).
        target: the fully digital precoder approached; WMMSE at ``snr_db`` by default.
        snr_db: design SNR of the default target.
        total_power: ``P_T``; ``M`` by default.
        tolerance: stop when ``phi`` decreases by less than this fraction in an outer step.
        max_iterations: cap on the outer (alternating) steps.
        inner_iterations: conjugate-gradient steps per outer step.
        seed: seed of the random unit-modulus start, the same for every sample (the design is
            deterministic and independent of the batch).

    Shapes:
        ``analog_digital``: ``H: [..., M, K]`` -> ``F: [..., M, N_RF]`` (``|F_mr| = 1``),
        ``D: [..., N_RF, K]`` with ``||F D||_F^2 = P_T``.
    """

    name = "mo-altmin"

    def __init__(
        self,
        num_rf_chains: int | None = None,
        target: MatrixPrecoder | None = None,
        snr_db: float = 10.0,
        tolerance: float = 1e-4,
        max_iterations: int = 100,
        inner_iterations: int = 30,
        seed: int = 0,
        total_power: float | None = None,
    ) -> None:
        super().__init__(num_rf_chains, target, snr_db, total_power)
        check_positive_int(max_iterations, "max_iterations")
        check_positive_int(inner_iterations, "inner_iterations")
        if not (math.isfinite(tolerance) and tolerance >= 0):
            raise ValueError(f"tolerance must be finite and >= 0, got {tolerance}")
        self.tolerance = tolerance
        self.max_iterations = max_iterations
        self.inner_iterations = inner_iterations
        self.seed = seed

    def with_snr(self, snr_db: float) -> MOAltMin:
        return MOAltMin(self.num_rf_chains, self.custom_target, snr_db, self.tolerance,
                        self.max_iterations, self.inner_iterations, self.seed,
                        self.total_power)  # fmt: skip

    def approach(self, target: torch.Tensor, rf_chains: int) -> tuple[torch.Tensor, torch.Tensor]:
        M, N = target.shape[-2], rf_chains
        # one random start for every sample, so that a sample's design does not depend on the
        # batch it comes in
        generator = torch.Generator().manual_seed(self.seed)
        phases = 2 * math.pi * torch.rand((M, N), generator=generator, dtype=torch.float64)
        start = torch.polar(torch.ones_like(phases), phases).to(target.device)
        F = start.expand(target.shape[0], M, N).clone()
        D = torch.linalg.pinv(F) @ target
        value = ((target - F @ D).abs() ** 2).sum(dim=(-2, -1))
        active = torch.arange(target.shape[0], device=target.device)
        for _ in range(self.max_iterations):
            if active.numel() == 0:
                break
            Fa = manifold_descent(target[active], F[active], D[active], self.inner_iterations)
            Da = torch.linalg.pinv(Fa) @ target[active]
            new = ((target[active] - Fa @ Da).abs() ** 2).sum(dim=(-2, -1))
            done = value[active] - new <= self.tolerance * value[active]
            F[active], D[active], value[active] = Fa, Da, new
            active = active[~done]
        return F, D

    def __repr__(self) -> str:
        return f"MOAltMin(N_RF={self.num_rf_chains}, snr_db={self.snr_db})"
