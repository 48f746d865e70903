"""Average power normalisation (eq. 15) and the Bussgang decomposition ``y = G s + q`` between the
DAC outputs and the intended symbols (eq. 5 of Feys et al.).

Two estimates of the gain ``G`` from ``N_s`` symbol vectors are available:

* ``"ls"`` (default): the least-squares fit ``G = (Y^T S^*) (S^T S^*)^{-1}``, which uses the
  empirical symbol covariance. A linear, unquantized precoder then has exactly zero distortion.
* ``"identity"``: ``G = E[y s^H]`` with ``E[s s^H] = I`` assumed, ``G = Y^T S^* / N_s`` as
  written in eq. 5. With finite ``N_s`` the sample fluctuation of ``|s|^2`` appears as fake
  distortion of order ``1 / N_s``; it is offered for training losses, not for reporting.
"""

from __future__ import annotations

import torch

__all__ = [
    "GAIN_ESTIMATES",
    "bussgang_gain",
    "distortion",
    "distortion_covariance",
    "gain_fit",
    "normalize_average_power",
]

GAIN_ESTIMATES = ("ls", "identity")


def normalize_average_power(y: torch.Tensor, total_power: float) -> torch.Tensor:
    """Scale ``y`` so that its average power over the ``N_s`` symbol vectors is ``P_T`` (eq. 15):
    ``y_norm = sqrt(P_T / E||y||^2) y``, the mean taken over the symbol vectors of each channel.

    (Eq. 15 prints ``alpha = sqrt(P_T) / E||y||^2``; the power constraint of eq. 13 needs the
    square root of the whole ratio, which is what is used here.)

    Args:
        y: ``[..., N_s, M]`` complex.
        total_power: ``P_T``.

    Returns:
        ``[..., N_s, M]`` complex; an all-zero ``y`` stays zero.
    """
    power = (y.abs() ** 2).sum(dim=-1).mean(dim=-1)  # [...]
    # P_T / tiny overflows in float32: a zero power gets scale 0, not inf (0 * inf is nan)
    tiny = torch.finfo(power.dtype).tiny
    scale = torch.where(power > 0, torch.sqrt(total_power / power.clamp_min(tiny)), 0.0)
    return y * scale[..., None, None]


def gain_fit(s: torch.Tensor, x: torch.Tensor, estimate: str = "ls") -> torch.Tensor:
    """The linear map ``B`` with ``x ~ s B`` over the symbol axis.

    ``"ls"``: ``B = (S^H S)^{-1} S^H x``; ``"identity"``: ``B = S^H x / N_s``.

    s: ``[..., N_s, K]``, x: ``[..., N_s, D]`` -> ``B: [..., K, D]``.
    """
    if estimate == "ls":
        return torch.linalg.solve(s.mH @ s, s.mH @ x)
    if estimate == "identity":
        return s.mH @ x / s.shape[-2]
    raise ValueError(f"unknown gain estimate {estimate!r}; choose one of {GAIN_ESTIMATES}")


def bussgang_gain(y: torch.Tensor, s: torch.Tensor, estimate: str = "ls") -> torch.Tensor:
    """Bussgang gain ``G`` of ``y = G s + q``.

    Args:
        y: ``[..., N_s, M]`` complex DAC outputs.
        s: ``[..., N_s, K]`` complex symbols.
        estimate: ``"ls"`` or ``"identity"`` (see the module docstring).

    Returns:
        ``G: [..., M, K]`` complex.
    """
    return gain_fit(s, y, estimate).mT


def distortion(y: torch.Tensor, s: torch.Tensor, G: torch.Tensor) -> torch.Tensor:
    """``q = y - G s`` for every symbol vector.

    y: ``[..., N_s, M]``, s: ``[..., N_s, K]``, G: ``[..., M, K]`` -> ``q: [..., N_s, M]``.
    """
    return y - s @ G.mT


def distortion_covariance(q: torch.Tensor) -> torch.Tensor:
    """Sample covariance ``C_q = E[q q^H]`` over the symbol vectors.

    q: ``[..., N_s, M]`` -> ``C_q: [..., M, M]`` complex Hermitian.
    """
    return q.mT @ q.conj() / q.shape[-2]
