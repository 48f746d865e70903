"""The closed-form evaluator of a matrix precoder: without DACs a precoding matrix ``W`` gives the
SINR of every user in closed form (``metrics.sinr_from_matrix``), so its rates need no symbols.
The Kasalaee and Zhang tasks (losses, validation, test) and their experiments all compute their
rates here; ``evaluate`` is the other mode, the Bussgang simulation of a precoder with DACs.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..metrics import sinr_from_matrix, user_rates
from ..precoders import MatrixPrecoder

__all__ = ["MIN_RATE", "OBJECTIVES", "closed_form_rates", "closed_form_utility"]

OBJECTIVES = ("se", "log-se")
MIN_RATE = 1e-8  # the floor of R_k inside the logarithm of the log-SE (Zhang et al., problem 4)
_CHUNK = 4096  # channels per step of ``closed_form_rates``


def closed_form_utility(
    H: torch.Tensor,
    W: torch.Tensor,
    noise_var: float | torch.Tensor,
    objective: str = "se",
    users: torch.Tensor | None = None,
) -> torch.Tensor:
    """The sum SE ``sum_k log2(1 + SINR_k)`` or the log-SE ``sum_k ln max(R_k, MIN_RATE)`` of
    every channel; differentiable (the training losses use it).

    Args:
        H: ``[..., M, K]`` complex channel (zero where a padded batch has no antenna or user).
        W: ``[..., M, K]`` complex precoding matrix (zero where ``H`` is padded).
        noise_var: ``sigma_v^2``, a float or a tensor broadcasting against ``[..., K]``.
        objective: ``se`` or ``log-se``.
        users: ``[..., K]`` bool, the real users of a padded batch (a padded user's zero rate
            is left out of the log-SE); ``None``: every user is real.

    Returns:
        ``[...]`` real.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    rates = user_rates(sinr_from_matrix(H, W, noise_var))  # [..., K]
    if objective == "se":
        return rates.sum(dim=-1)
    logs = torch.log(rates.clamp_min(MIN_RATE))
    if users is not None:
        logs = logs * users.to(logs.dtype)
    return logs.sum(dim=-1)


@torch.no_grad()
def closed_form_rates(
    precoder: MatrixPrecoder,
    H: torch.Tensor,
    noise_vars: Sequence[float],
    objective: str = "se",
) -> torch.Tensor:
    """The utility of ``precoder`` on every channel at every noise variance, ``[S, N]`` for
    ``H: [N, M, K]`` and ``S = len(noise_vars)``; the matrix is computed once per channel (in
    chunks) and scored at every noise variance."""
    out = []
    for chunk in H.split(_CHUNK):
        W = precoder.matrix(chunk)
        out.append(torch.stack([closed_form_utility(chunk, W, n, objective) for n in noise_vars]))
    if not out:
        return torch.zeros(len(noise_vars), 0, dtype=H.real.dtype, device=H.device)
    return torch.cat(out, dim=1)
