"""The optimal beamforming structure of the MISO broadcast channel (Björnson, Bengtsson and
Ottersten, IEEE SP Magazine 2014): every sum-rate optimum, WMMSE's fixed points among them, is

    ``w_k = sqrt(p_k) v_k / ||v_k||``,
    ``V = (I_M + sum_j (q_j / sigma_v^2) h_j^* h_j^T)^{-1} H^*``,

for some powers ``p, q >= 0`` with ``sum p = sum q = P_T`` (``p``: the downlink powers, ``q``:
the virtual uplink powers that shape the beam directions). In this project's convention
(``r = H^T y``) the push-through identity turns the ``M x M`` inverse into one ``K x K`` solve,
``V = H^* (I_K + diag(q / sigma_v^2) G)^{-1}`` with ``G = H^T H^*``; scaling column ``k`` by
``q_k / sigma_v^2`` (the norm discards it) leaves ``V = H^* (G + diag(sigma_v^2 / q))^{-1}``, a
Hermitian positive definite system: RZF with a regularisation per user. At ``p = q = P_T / K`` it
is RZF with equal power per user (``rzf-eq``).

The map ``(p, q) -> W`` is differentiable, so a network that outputs ``2K`` powers and this
layer after it (``nn.StructuredDNN``) starts from a strong baseline and only has to learn the
power allocation that WMMSE finds by iterating.
"""

from __future__ import annotations

import math

import torch

from .._validation import check_channel, check_finite

__all__ = ["structure_flops", "structured_matrix"]


def structured_matrix(
    H: torch.Tensor, p: torch.Tensor, q: torch.Tensor, noise_var: float
) -> torch.Tensor:
    """The precoding matrix of the optimal structure for powers ``(p, q)``.

    Args:
        H: ``[..., M, K]`` complex channel.
        p: ``[..., K]`` real, ``>= 0``: the power of every user's beam (``||w_k||^2 = p_k``).
        q: ``[..., K]`` real, ``>= 0``: the virtual uplink powers (beam directions); at
            ``q_k = 0`` the others' beams ignore user ``k`` (as if it were not served) and its
            own beam is MRT.
        noise_var: ``sigma_v^2 > 0``.

    Returns:
        ``W: [..., M, K]`` in ``H``'s dtype with ``||w_k||^2 = p_k`` (so ``||W||_F^2 = sum p``).
    """
    check_channel(H)
    K = H.shape[-1]
    for name, value in (("p", p), ("q", q)):
        if value.is_complex() or value.shape[-1:] != (K,):
            raise ValueError(f"{name} must be real of shape [..., K={K}], got {tuple(value.shape)}")
        check_finite(value, name)
    if bool((q < 0).any()) or bool((p < 0).any()):
        raise ValueError("p and q must be >= 0")
    if not (math.isfinite(noise_var) and noise_var > 0):
        raise ValueError(f"noise_var must be finite and > 0, got {noise_var}")
    # the K x K system and the beams in complex128 whatever H's dtype: correlated users make G
    # ill-conditioned, and a float32 G + diag(sigma^2 / q) with small sigma^2 / q can lose
    # definiteness
    H64 = H.to(torch.complex128)
    gram = H64.mT @ H64.conj()  # [..., K, K], Hermitian PSD
    level = torch.diagonal(gram, dim1=-2, dim2=-1).real.mean(dim=-1, keepdim=True)  # [..., 1]
    # sigma^2 / q, capped at 1e30 times the channel's power (a q of zero: the others' beams
    # ignore user k as far as float64 allows), plus a jitter that keeps the factorisation defined
    # when every q is huge (the ZF limit)
    regulariser = torch.minimum(noise_var / q.to(torch.float64), 1e30 * level) + 1e-12 * level
    system = gram + torch.diag_embed(regulariser.to(gram.dtype))
    # G + diag(sigma^2 / q) is Hermitian positive definite: one Cholesky factorisation
    V = H64.conj() @ torch.cholesky_inverse(torch.linalg.cholesky(system))  # [..., M, K]
    norms = torch.linalg.vector_norm(V, dim=-2)  # [..., K]
    gains = torch.sqrt(p.to(torch.float64)) / norms.clamp_min(torch.finfo(norms.dtype).tiny)
    return (V * gains[..., None, :]).to(H.dtype)


def structure_flops(antennas: int, users: int) -> dict[str, int]:
    """Real multiply-accumulates of ``structured_matrix`` for one channel, by step (a complex
    multiply-add counted as 4 real MACs; the Cholesky inverse of a Hermitian ``K x K`` matrix as
    ``K^3`` complex MACs, its factorisation ``K^3 / 3`` and the two triangular inversions the
    rest).

    Returns:
        ``{"gram", "solve", "beams", "norms", "total"}``: ``G = H^T H^*`` (its ``K (K+1) / 2``
        distinct entries), the inverse of ``G + diag(sigma^2 / q)``, ``V = H^* X``, the column
        norms and scaling.
    """
    M, K = antennas, users
    counts = {
        "gram": 4 * M * K * (K + 1) // 2,
        "solve": 4 * K**3,
        "beams": 4 * M * K * K,
        "norms": 2 * M * K + 2 * M * K,  # |v|^2 sums, then the scaling of every entry
    }
    counts["total"] = sum(counts.values())
    return counts
