"""Training losses of the Feys et al. GNN: the self-supervised negative Bussgang sum rate (eqs.
13-15 of Feys et al.), and the received error against a teacher's target for distillation."""

from __future__ import annotations

import torch

from ...metrics import normalize_average_power, snidr, snidr_terms, sum_rate
from ...precoders import common_gain

__all__ = ["negative_sum_rate", "received_error", "teacher_target"]


def negative_sum_rate(
    H: torch.Tensor,
    y: torch.Tensor,
    s: torch.Tensor,
    noise_var: float,
    total_power: float,
    estimate: str = "identity",
) -> torch.Tensor:
    """``-mean R_sum``: normalise ``y`` to ``P_T`` over the symbol vectors (eq. 15), compute the
    sum rate of eq. 9 with the Bussgang decomposition over those vectors, and average over the
    channels.

    Args:
        H: ``[B, M, K]`` complex.
        y: ``[B, N_s, M]`` complex DAC outputs (differentiable).
        s: ``[B, N_s, K]`` complex symbols.
        noise_var: ``sigma_v^2``.
        total_power: ``P_T``.
        estimate: Bussgang gain estimate, ``"identity"`` (``G = E[y s^H]`` with ``E[ss^H] = I``,
            eq. 5 as written) or ``"ls"``; see ``metrics.bussgang``.

    Returns:
        Scalar tensor.
    """
    y = normalize_average_power(y, total_power)
    return -sum_rate(snidr(snidr_terms(H, y, s, estimate), noise_var)).mean()


def teacher_target(
    H: torch.Tensor, y: torch.Tensor, s: torch.Tensor, total_power: float
) -> torch.Tensor:
    """What a teacher's DAC outputs deliver to the users, as a target: ``alpha s`` with ``alpha``
    the least-squares gain ``<s, r> / ||s||^2`` of the received noiseless signals
    ``r = H^T y_norm`` over the channel's symbol vectors (``y`` normalised to ``P_T``).

    H: ``[B, M, K]``, y: ``[B, N_s, M]``, s: ``[B, N_s, K]`` -> ``[B, N_s, K]``.
    """
    alpha = common_gain(s, normalize_average_power(y, total_power) @ H)  # [B]
    return alpha[:, None, None] * s


def received_error(
    H: torch.Tensor, y: torch.Tensor, target: torch.Tensor, total_power: float
) -> torch.Tensor:
    """``mean ||H^T y_norm - target||^2 / ||target||^2`` over the channels: the distance of what
    the users receive from a teacher's target (``teacher_target``), relative to the target.

    H: ``[B, M, K]``, y: ``[B, N_s, M]`` (differentiable), target: ``[B, N_s, K]`` -> scalar.
    """
    r = normalize_average_power(y, total_power) @ H
    error = ((r - target).abs() ** 2).sum(dim=(-2, -1))
    return (error / (target.abs() ** 2).sum(dim=(-2, -1)).clamp_min(1e-30)).mean()
