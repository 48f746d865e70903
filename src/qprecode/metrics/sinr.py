"""Per-user SINR of a linear precoding matrix in closed form (eq. 2 of Kasalaee et al.; the
digital model of Zhang et al.).

With ``y = W s`` for unit-power, independent symbols and ``r = H^T y + v``, user ``k`` receives
signal ``|h_k^T w_k|^2``, interference ``sum_{j != k} |h_k^T w_j|^2`` and noise ``sigma_v^2``.
"""

from __future__ import annotations

import torch

__all__ = ["sinr_from_cross", "sinr_from_matrix"]


def sinr_from_matrix(
    H: torch.Tensor, W: torch.Tensor, noise_var: float | torch.Tensor
) -> torch.Tensor:
    """``SINR_k = |h_k^T w_k|^2 / (sum_{j != k} |h_k^T w_j|^2 + sigma_v^2)``.

    Args:
        H: ``[..., M, K]`` complex channel (``r = H^T y + v``).
        W: ``[..., M, K]`` complex precoding matrix, already scaled to its transmit power.
        noise_var: ``sigma_v^2``, a float or a tensor broadcasting against ``[..., K]``.

    Returns:
        ``[..., K]`` real.
    """
    return sinr_from_cross(H.mT @ W, noise_var)


def sinr_from_cross(E: torch.Tensor, noise_var: float | torch.Tensor) -> torch.Tensor:
    """``sinr_from_matrix`` from ``E = H^T W: [..., K, K]`` (``E[k, j] = h_k^T w_j``), for
    callers that need ``E`` themselves (WMMSE's steps) -> ``[..., K]`` real."""
    power = E.abs() ** 2  # [..., K, K], power[k, j] = |h_k^T w_j|^2
    signal = torch.diagonal(power, dim1=-2, dim2=-1)
    interference = power.sum(dim=-1) - signal
    return signal / (interference + noise_var)
