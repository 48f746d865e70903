"""The self-supervised training loss: the negative Bussgang sum rate (eqs. 13-15 of Feys et al.)."""

from __future__ import annotations

import torch

from ..metrics import normalize_average_power, snidr, snidr_terms, sum_rate

__all__ = ["negative_sum_rate"]


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
