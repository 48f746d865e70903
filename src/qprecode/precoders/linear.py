"""Linear precoders: maximum ratio transmission, zero forcing and regularised ZF (the Wiener
filter), each normalised to the total transmit power ``P_T`` (Sect. II-A of Feys et al.)."""

from __future__ import annotations

import math

import torch

from .._validation import check_channel
from ..metrics import noise_variance
from .base import MatrixPrecoder

__all__ = [
    "MRT",
    "RZF",
    "ZF",
    "mrt_matrix",
    "normalize_matrix_power",
    "rzf_matrix",
    "zf_matrix",
]


def normalize_matrix_power(W: torch.Tensor, total_power: float) -> torch.Tensor:
    """``alpha_norm W`` with ``alpha_norm = sqrt(P_T / Tr(W W^H))`` (Sect. II-A).

    Args:
        W: ``[..., M, K]`` complex.
        total_power: ``P_T``.

    Returns:
        ``[..., M, K]`` complex with ``||W||_F^2 = P_T``.
    """
    energy = (W.abs() ** 2).sum(dim=(-2, -1), keepdim=True)
    return W * torch.sqrt(total_power / energy)


def mrt_matrix(H: torch.Tensor, total_power: float) -> torch.Tensor:
    """MRT: ``W = alpha_norm H^*``.

    Args:
        H: ``[..., M, K]`` complex.
        total_power: ``P_T``.

    Returns:
        ``W: [..., M, K]`` complex.
    """
    return normalize_matrix_power(H.conj(), total_power)


def zf_matrix(H: torch.Tensor, total_power: float) -> torch.Tensor:
    """ZF: ``W = alpha_norm H^* (H^T H^*)^{-1}``, so that ``H^T W`` is diagonal.

    Args:
        H: ``[..., M, K]`` complex with ``K <= M`` and full column rank.
        total_power: ``P_T``.

    Returns:
        ``W: [..., M, K]`` complex.
    """
    M, K = H.shape[-2], H.shape[-1]
    if K > M:
        raise ValueError(f"ZF needs K <= M (at most as many users as antennas), got K={K}, M={M}")
    gram = H.mT @ H.conj()  # [..., K, K]
    try:
        W = H.conj() @ torch.linalg.inv(gram)
    except torch.linalg.LinAlgError:
        raise ValueError(
            "ZF needs H of full column rank, but H^T H^* is singular (e.g. two line-of-sight "
            "users at the same angle, or at 0 and 180 degrees); use rzf instead"
        ) from None
    return normalize_matrix_power(W, total_power)


def rzf_matrix(H: torch.Tensor, total_power: float, noise_var: float) -> torch.Tensor:
    """Regularised ZF (Wiener filter), ``W = alpha_norm H^* (H^T H^* + (K sigma_v^2/P_T) I)^{-1}``.

    Args:
        H: ``[..., M, K]`` complex.
        total_power: ``P_T``.
        noise_var: ``sigma_v^2 >= 0``; ``0`` gives ZF.

    Returns:
        ``W: [..., M, K]`` complex.
    """
    K = H.shape[-1]
    if noise_var < 0 or not math.isfinite(noise_var):
        raise ValueError(f"noise_var must be finite and >= 0, got {noise_var}")
    eye = torch.eye(K, dtype=H.dtype, device=H.device)
    gram = H.mT @ H.conj() + (K * noise_var / total_power) * eye
    W = H.conj() @ torch.linalg.inv(gram)
    return normalize_matrix_power(W, total_power)


class MRT(MatrixPrecoder):
    """Maximum ratio transmission, ``W = alpha_norm H^*``."""

    name = "mrt"

    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        check_channel(H)
        return mrt_matrix(H, self.power_for(H))


class ZF(MatrixPrecoder):
    """Zero forcing, ``W = alpha_norm H^* (H^T H^*)^{-1}``; needs ``K <= M``."""

    name = "zf"

    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        check_channel(H)
        return zf_matrix(H, self.power_for(H))


class RZF(MatrixPrecoder):
    """Regularised ZF (Wiener filter) designed for ``SNR = P_T / sigma_v^2`` in dB.

    Args:
        snr_db: design SNR in dB.
        total_power: ``P_T``; ``M`` by default.
    """

    name = "rzf"
    snr_dependent = True

    def __init__(self, snr_db: float = 20.0, total_power: float | None = None) -> None:
        super().__init__(total_power)
        if not math.isfinite(snr_db):
            raise ValueError(f"snr_db must be finite, got {snr_db}")
        self.snr_db = snr_db

    def with_snr(self, snr_db: float) -> RZF:
        return RZF(snr_db, self.total_power)

    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        check_channel(H)
        power = self.power_for(H)
        return rzf_matrix(H, power, noise_variance(self.snr_db, power))

    def __repr__(self) -> str:
        return f"RZF(snr_db={self.snr_db})"
