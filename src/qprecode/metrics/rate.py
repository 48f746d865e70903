"""Rates from per-user SINRs: per-user spectral efficiency, sum rate and log-SE.

Every function takes ``sinr: [..., K]`` real (any of the SINR forms: the SNIDR of eq. 8 of Feys et
al. for quantized outputs, or ``sinr_from_matrix`` for a linear precoding matrix) and reduces
over the user axis where its name says so.
"""

from __future__ import annotations

import torch

__all__ = ["log_se", "sum_rate", "user_rates"]


def user_rates(sinr: torch.Tensor) -> torch.Tensor:
    """Achievable rate of every user, ``R_k = log2(1 + SINR_k)`` bits per channel use.

    ``sinr: [..., K]`` -> ``[..., K]``.
    """
    return torch.log2(1.0 + sinr)


def sum_rate(sinr: torch.Tensor) -> torch.Tensor:
    """Sum rate ``sum_k log2(1 + SINR_k)`` (eq. 9 of Feys et al., eq. 5 of Kasalaee et al.),
    bits per channel use. ``sinr: [..., K]`` -> ``[...]``."""
    return user_rates(sinr).sum(dim=-1)


def log_se(sinr: torch.Tensor) -> torch.Tensor:
    """Proportional-fairness utility ``sum_k ln(log2(1 + SINR_k))`` (the log-SE of Zhang et al.),
    ``-inf`` when a user gets a zero rate. ``sinr: [..., K]`` -> ``[...]``."""
    return torch.log(user_rates(sinr)).sum(dim=-1)
