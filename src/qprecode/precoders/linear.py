"""Linear precoders: maximum ratio transmission, zero forcing and regularised ZF (the Wiener
filter), at the total transmit power ``P_T`` under one of two power normalisations:

- ``"matrix"``: the whole matrix scaled to ``P_T`` (``alpha_norm W``): Feys et al. (Sect. II-A)
  for MRT and ZF; Zhang et al. for their networks' output layer. Kasalaee et al. do not say how
  their ZF baseline is scaled; the project's reading of it is this one (its eq. 13 counts no
  per-column scaling). On channels whose user gains differ by tens of dB (ray-traced sites) ZF
  then pours most of the power into the weakest user.
- ``"per-user"``: every column at unit norm times ``sqrt(P_T / K)``, equal power per user (the
  usual convention of the multi-user MIMO literature, e.g. Björnson et al.'s RZF with equal
  power; registry names ``mrt-eq``, ``zf-eq``, ``rzf-eq``).
"""

from __future__ import annotations

import math

import torch

from .._validation import check_channel
from ..metrics import noise_variance
from .base import MatrixPrecoder

__all__ = [
    "MRT",
    "POWER_NORMALIZATIONS",
    "RZF",
    "ZF",
    "equal_user_power",
    "mrt_matrix",
    "normalize_matrix_power",
    "normalize_power",
    "rzf_matrix",
    "zf_matrix",
]

POWER_NORMALIZATIONS = ("matrix", "per-user")
_SUFFIX = {"matrix": "", "per-user": "-eq"}  # registry name suffix of each normalisation


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


def equal_user_power(W: torch.Tensor, total_power: float) -> torch.Tensor:
    """Every column ``w_k`` at unit norm times ``sqrt(P_T / K)``: equal power per user.

    Args:
        W: ``[..., M, K]`` complex, no zero column.
        total_power: ``P_T``.

    Returns:
        ``[..., M, K]`` complex with ``||w_k||^2 = P_T / K`` for every ``k``.
    """
    norms = torch.linalg.vector_norm(W, dim=-2, keepdim=True)  # [..., 1, K]
    tiny = torch.finfo(norms.dtype).tiny
    return W * (math.sqrt(total_power / W.shape[-1]) / norms.clamp_min(tiny))


def normalize_power(W: torch.Tensor, total_power: float, normalization: str) -> torch.Tensor:
    """``W: [..., M, K]`` at ``P_T`` under ``normalization`` (``POWER_NORMALIZATIONS``)."""
    _check_normalization(normalization)
    if normalization == "matrix":
        return normalize_matrix_power(W, total_power)
    return equal_user_power(W, total_power)


def _check_normalization(normalization: str) -> None:
    if normalization not in POWER_NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {', '.join(POWER_NORMALIZATIONS)}, got {normalization!r}"
        )


def mrt_matrix(H: torch.Tensor, total_power: float, normalization: str = "matrix") -> torch.Tensor:
    """MRT: ``W = alpha_norm H^*``.

    Args:
        H: ``[..., M, K]`` complex.
        total_power: ``P_T``.
        normalization: ``"matrix"`` or ``"per-user"`` (``POWER_NORMALIZATIONS``).

    Returns:
        ``W: [..., M, K]`` complex.
    """
    return normalize_power(H.conj(), total_power, normalization)


def zf_matrix(H: torch.Tensor, total_power: float, normalization: str = "matrix") -> torch.Tensor:
    """ZF: ``W = alpha_norm H^* (H^T H^*)^{-1}``, so that ``H^T W`` is diagonal.

    Args:
        H: ``[..., M, K]`` complex with ``K <= M`` and full column rank.
        total_power: ``P_T``.
        normalization: ``"matrix"`` or ``"per-user"`` (``POWER_NORMALIZATIONS``).

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
    return normalize_power(W, total_power, normalization)


def rzf_matrix(
    H: torch.Tensor, total_power: float, noise_var: float, normalization: str = "matrix"
) -> torch.Tensor:
    """Regularised ZF (Wiener filter), ``W = alpha_norm H^* (H^T H^* + (K sigma_v^2/P_T) I)^{-1}``.

    Args:
        H: ``[..., M, K]`` complex.
        total_power: ``P_T``.
        noise_var: ``sigma_v^2 >= 0``; ``0`` gives ZF.
        normalization: ``"matrix"`` or ``"per-user"`` (``POWER_NORMALIZATIONS``).

    Returns:
        ``W: [..., M, K]`` complex.
    """
    K = H.shape[-1]
    if noise_var < 0 or not math.isfinite(noise_var):
        raise ValueError(f"noise_var must be finite and >= 0, got {noise_var}")
    eye = torch.eye(K, dtype=H.dtype, device=H.device)
    gram = H.mT @ H.conj() + (K * noise_var / total_power) * eye
    W = H.conj() @ torch.linalg.inv(gram)
    return normalize_power(W, total_power, normalization)


class _Linear(MatrixPrecoder):
    """A closed-form linear precoder under a power normalisation (``POWER_NORMALIZATIONS``);
    its ``name`` is the registry's (``zf``, ``zf-eq``, ...): ``base_name`` and a suffix."""

    base_name: str

    def __init__(self, total_power: float | None = None, normalization: str = "matrix") -> None:
        super().__init__(total_power)
        _check_normalization(normalization)
        self.normalization = normalization
        self.name = self.base_name + _SUFFIX[normalization]


class MRT(_Linear):
    """Maximum ratio transmission, ``W = alpha_norm H^*`` (or its columns at ``P_T / K`` each).

    Args:
        total_power: ``P_T``; ``M`` by default.
        normalization: ``"matrix"`` (default) or ``"per-user"``.
    """

    base_name = "mrt"

    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        check_channel(H)
        return mrt_matrix(H, self.power_for(H), self.normalization)

    def __repr__(self) -> str:
        return f"MRT(normalization={self.normalization!r})"


class ZF(_Linear):
    """Zero forcing, ``W = alpha_norm H^* (H^T H^*)^{-1}`` (or its columns at ``P_T / K`` each);
    needs ``K <= M``.

    Args:
        total_power: ``P_T``; ``M`` by default.
        normalization: ``"matrix"`` (default) or ``"per-user"``.
    """

    base_name = "zf"

    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        check_channel(H)
        return zf_matrix(H, self.power_for(H), self.normalization)

    def __repr__(self) -> str:
        return f"ZF(normalization={self.normalization!r})"


class RZF(_Linear):
    """Regularised ZF (Wiener filter) designed for ``SNR = P_T / sigma_v^2`` in dB.

    Args:
        snr_db: design SNR in dB.
        total_power: ``P_T``; ``M`` by default.
        normalization: ``"matrix"`` (default) or ``"per-user"``; with ``"per-user"`` it is the
            optimal beamforming structure at equal powers ``p = q = P_T / K``
            (``precoders.structure``).
    """

    base_name = "rzf"
    snr_dependent = True

    def __init__(
        self, snr_db: float = 20.0, total_power: float | None = None, normalization: str = "matrix"
    ) -> None:
        super().__init__(total_power, normalization)
        if not math.isfinite(snr_db):
            raise ValueError(f"snr_db must be finite, got {snr_db}")
        self.snr_db = snr_db

    def with_snr(self, snr_db: float) -> RZF:
        return RZF(snr_db, self.total_power, self.normalization)

    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        check_channel(H)
        power = self.power_for(H)
        return rzf_matrix(H, power, noise_variance(self.snr_db, power), self.normalization)

    def __repr__(self) -> str:
        return f"RZF(snr_db={self.snr_db}, normalization={self.normalization!r})"
