"""One WMMSE step for the MISO broadcast channel (Shi et al., IEEE TSP 2011), batched over
channel realisations, and the weighted sum rate it raises (``wmmse``: the precoder; ``wmmse_pf``:
its proportional-fair form).

With ``r = H^T y + v`` and ``y = W x``, user ``u`` sees ``e_uj = h_u^T w_j`` from stream ``j``
(``h_u = H[..., :, u]``; the paper's ``h_u^H`` is our ``h_u^T``). One block-coordinate step
from ``W``:

- MMSE receivers ``g_u = e_uu / J_u`` with ``J_u = sum_j |e_uj|^2 + sigma_v^2``;
- MSE weights ``omega_u = 1 / (1 - g_u^* e_uu) = 1 + SINR_u``;
- transmit update ``w_u = mu_u omega_u g_u (A + lambda I)^{-1} h_u^*`` with
  ``A = sum_u mu_u omega_u |g_u|^2 h_u^* h_u^T``, and ``lambda = 0`` when that meets
  ``||W||_F^2 <= P_T``, else the ``lambda > 0`` with ``||W||_F^2 = P_T`` (``power_multiplier``).

The weighted sum rate ``sum_u mu_u log2(1 + SINR_u)`` never decreases along the steps. The
inverse is taken in the ``K``-dimensional user space: with ``C = diag(c)``, ``c_u = mu_u omega_u
|g_u|^2``, ``G = H^T H^*`` and the eigendecomposition ``C^{1/2} G C^{1/2} = Q Lambda Q^H``,
``W(lambda) = H^* C^{1/2} Q (Lambda + lambda)^{-1} X`` with ``X = Q^H diag(sqrt(mu omega) g/|g|)``
and ``||W(lambda)||_F^2 = sum_i Lambda_i ||X_i||^2 / (Lambda_i + lambda)^2``, so the search for
``lambda`` costs ``O(K)`` per iterate.
"""

from __future__ import annotations

import math

import torch

from .._validation import check_positive_int
from ..metrics import sinr_from_cross, sinr_from_matrix, user_rates

__all__ = [
    "check_iteration_settings",
    "power_multiplier",
    "weighted_rate_from_cross",
    "weighted_sum_rate",
    "wmmse_update",
]

_NEWTON_STEPS = 100  # a cap: the power multiplier's Newton iterates settle in a few steps
_NEWTON_SETTLED = 1e-9  # relative step after which Newton's next one is below float64 rounding
_RANK_TOL = 1e-12  # eigenvalues below this fraction of the largest are null directions


def check_iteration_settings(snr_db: float, tolerance: float, max_iterations: int) -> None:
    """Raise ``ValueError`` unless the design SNR is finite, the stopping tolerance finite and
    ``>= 0`` and the iteration cap a positive integer (WMMSE and WMMSE-PF)."""
    if not math.isfinite(snr_db):
        raise ValueError(f"snr_db must be finite, got {snr_db}")
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance must be finite and >= 0, got {tolerance}")
    check_positive_int(max_iterations, "max_iterations")


def weighted_sum_rate(
    H: torch.Tensor, W: torch.Tensor, noise_var: float, weights: torch.Tensor | None = None
) -> torch.Tensor:
    """``sum_u mu_u log2(1 + SINR_u)`` [bit/s/Hz] (eq. 5 of Kasalaee et al. when ``mu = 1``).

    Args:
        H: ``[..., M, K]`` complex channel. W: ``[..., M, K]`` complex precoding matrix.
        noise_var: ``sigma_v^2``.
        weights: ``mu: [..., K]`` real (broadcast), ``None`` for all ones.

    Returns:
        ``[...]`` real.
    """
    rates = user_rates(sinr_from_matrix(H, W, noise_var))  # [..., K]
    return rates.sum(dim=-1) if weights is None else (weights * rates).sum(dim=-1)


def weighted_rate_from_cross(
    E: torch.Tensor, noise_var: float, weights: torch.Tensor
) -> torch.Tensor:
    """``weighted_sum_rate`` from ``E = H^T W: [B, K, K]`` -> ``[B]``."""
    return (weights * user_rates(sinr_from_cross(E, noise_var))).sum(dim=-1)


def wmmse_update(
    H: torch.Tensor,
    W: torch.Tensor,
    noise_var: float,
    weights: torch.Tensor,
    total_power: float,
    gram: torch.Tensor | None = None,
    cross: torch.Tensor | None = None,
    multiplier: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One WMMSE step (receivers, MSE weights, transmit update with the power multiplier).

    Args:
        H: ``[B, M, K]`` complex channel. W: ``[B, M, K]`` complex current precoder.
        noise_var: ``sigma_v^2 > 0``. weights: ``mu: [B, K]`` real, ``>= 0``.
        total_power: ``P_T``.
        gram: ``H^T H^*: [B, K, K]``, if already computed (it does not change over the steps).
        cross: ``H^T W: [B, K, K]``, if already computed (the rates of ``W`` need it too).
        multiplier: ``[B]`` a guess of ``lambda`` (the previous step's) to start its search from.

    Returns:
        ``(W_new: [B, M, K] complex, lambda: [B] real)``; ``||W_new||_F^2 = P_T`` where
        ``lambda > 0`` and ``<= P_T`` where ``lambda = 0``.
    """
    E = H.mT @ W if cross is None else cross  # [B, K, K], E[u, j] = h_u^T w_j
    e = torch.diagonal(E, dim1=-2, dim2=-1)  # [B, K]
    J = (E.abs() ** 2).sum(dim=-1) + noise_var  # [B, K]
    g = e / J  # MMSE receivers
    omega = J / (J - e.abs() ** 2)  # 1 + SINR_u
    root_c = torch.sqrt(weights * omega) * g.abs()  # c_u^{1/2}, [B, K]
    magnitude = g.abs()
    phase = torch.where(magnitude > 0, g / magnitude.clamp_min(1e-300), torch.zeros_like(g))
    G = H.mT @ H.conj() if gram is None else gram  # [B, K, K]
    S = root_c[..., :, None] * G * root_c[..., None, :]  # C^{1/2} G C^{1/2}, Hermitian PSD
    lam_i, Q = torch.linalg.eigh(S)  # [B, K], [B, K, K]
    keep = lam_i > _RANK_TOL * lam_i.amax(dim=-1, keepdim=True).clamp_min(0)
    lam_i = torch.where(keep, lam_i, torch.ones_like(lam_i))  # dropped below, never divides
    X = Q.mH * (torch.sqrt(weights * omega) * phase)[..., None, :]  # [B, K, K]
    num = torch.where(keep, lam_i * (X.abs() ** 2).sum(dim=-1), torch.zeros_like(lam_i))
    lam = power_multiplier(lam_i, num, total_power, multiplier)
    inverse = torch.where(keep, 1.0 / (lam_i + lam[:, None]), torch.zeros_like(lam_i))
    # W = H^* C^{1/2} Q (Lambda + lambda)^{-1} X
    W_new = H.conj() @ ((root_c[..., :, None] * Q) @ (inverse[..., :, None] * X))
    return W_new, lam


def power_multiplier(
    eigenvalues: torch.Tensor,
    num: torch.Tensor,
    total_power: float,
    start: torch.Tensor | None = None,
) -> torch.Tensor:
    """The ``lambda >= 0`` of the power constraint: ``0`` where ``p(0) <= P_T``, else the root of
    ``p(lambda) = sum_i num_i / (Lambda_i + lambda)^2 = P_T``.

    The root is found by Newton's method on ``phi = p^{-1/2} - P_T^{-1/2}`` (Moré and Sorensen's
    form of the trust-region secular equation): ``phi`` is concave and increasing, so a step from
    anywhere lands at or left of the root (at ``0`` if it would pass it) and from there the
    iterates rise monotonically to it, exactly linear for one user; it stops after a step below
    ``1e-9`` of ``lambda`` (the error then is of order the step squared: below float64
    rounding). WMMSE starts each step from the previous step's root, a step or two away.

    Args:
        eigenvalues: ``Lambda: [B, K]`` positive. num: ``[B, K]`` non-negative.
        total_power: ``P_T``.
        start: ``[B]`` first iterates (``0`` by default).

    Returns:
        ``lambda: [B]`` real.
    """
    zero = torch.zeros_like(num[:, 0])
    active = (num / eigenvalues**2).sum(dim=-1) > total_power
    lam = zero if start is None else torch.where(active, start.clamp_min(0), zero)
    target = total_power**-0.5
    going = active.clone()  # a sample stops on its own (its result does not depend on the batch)
    for _ in range(_NEWTON_STEPS):
        d = eigenvalues + lam[:, None]
        p = (num / d**2).sum(dim=-1)
        slope = (num / d**3).sum(dim=-1)  # -p'(lambda) / 2
        step = (target - p.rsqrt()) * p * p.sqrt() / slope  # -phi / phi'
        new = torch.where(going, (lam + step).clamp_min(0), lam)
        # quadratic convergence: after a step this small the next is below float64 rounding
        going &= (new - lam).abs() > _NEWTON_SETTLED * new
        lam = new
        if not bool(going.any()):
            break
    return lam
