"""The precoder interfaces every precoder obeys, learned or classical, linear or not.

* ``Precoder``: ``precoder(H, s) -> y``, the transmitted (DAC output) vectors.
* ``MatrixPrecoder``: a linear precoder ``y = s W^T`` that also gives ``matrix(H) -> W``, so that
  the SINR and rates follow in closed form (``metrics.sinr_from_matrix``).
* ``HybridPrecoder``: a ``MatrixPrecoder`` with ``W = F D``, an analog precoder ``F`` with
  constant-modulus entries and a digital precoder ``D``.

An SNR-dependent precoder (``snr_dependent = True``: RZF, SQUID, exhaustive search) returns the
precoder designed for a given SNR from ``with_snr(snr_db)``; the evaluator calls it per SNR
point.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Protocol, runtime_checkable

import torch

from .._validation import check_channel, check_channel_and_symbols

__all__ = [
    "HybridPrecoder",
    "MatrixPrecoder",
    "Precoder",
    "design_for_snr",
    "is_snr_dependent",
]


@runtime_checkable
class Precoder(Protocol):
    """``precoder(H, s) -> y``.

    Attributes:
        name: the name it is known by in tables and in the registry.

    Shapes:
        H: ``[..., M, K]`` complex, channel (received signal ``r = H^T y + v``, eq. 6 of Feys
        et al.).
        s: ``[..., N_s, K]`` complex, ``N_s`` symbol vectors per channel realisation.
        y: ``[..., N_s, M]`` complex, the DAC outputs (on the DAC alphabet, up to the
        per-antenna denormalisation), before the average power normalisation of eq. 15.
    """

    @property
    def name(self) -> str: ...

    def __call__(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor: ...


class MatrixPrecoder(ABC):
    """A linear precoder, ``y = s W^T`` with ``W = matrix(H)``.

    Subclasses implement ``matrix``; the call validates its inputs and applies ``W`` to every
    symbol vector (no quantization).

    Args:
        total_power: ``P_T``, to which ``W`` is scaled (``||W||_F^2 = P_T``); by default ``M``,
            the convention of Feys et al.

    Shapes:
        ``matrix``: ``H: [..., M, K]`` -> ``W: [..., M, K]`` complex.
        call: ``H: [..., M, K]``, ``s: [..., N_s, K]`` -> ``y: [..., N_s, M]`` complex.
    """

    name = "linear"
    snr_dependent = False

    def __init__(self, total_power: float | None = None) -> None:
        if total_power is not None and not total_power > 0:
            raise ValueError(f"total_power must be positive, got {total_power}")
        self.total_power = total_power

    def power_for(self, H: torch.Tensor) -> float:
        """``P_T`` for this channel: the set value, or ``M``."""
        return float(H.shape[-2]) if self.total_power is None else self.total_power

    @abstractmethod
    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        """``W: [..., M, K]`` complex with ``||W||_F^2 = P_T`` for ``H: [..., M, K]``."""

    def __call__(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        check_channel_and_symbols(H, s)
        W = self.matrix(H)
        return s @ W.mT  # [..., N_s, K] @ [..., K, M] -> [..., N_s, M]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class HybridPrecoder(MatrixPrecoder):
    """A hybrid analog/digital precoder, ``W = F D``.

    Subclasses implement ``analog_digital(H) -> (F, D)`` (one design gives both, since they are
    usually optimised jointly); ``D`` is scaled so that ``||F D||_F^2 = P_T``.

    Shapes:
        ``analog``: ``H: [..., M, K]`` -> ``F: [..., M, N_RF]`` complex, ``|F_mn|`` constant.
        ``digital``: ``H: [..., M, K]`` -> ``D: [..., N_RF, K]`` complex.
    """

    num_rf_chains: int | None = None

    @abstractmethod
    def analog_digital(self, H: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(F, D)`` for ``H: [..., M, K]``."""

    def analog(self, H: torch.Tensor) -> torch.Tensor:
        """``F: [..., M, N_RF]``, constant-modulus entries."""
        return self.analog_digital(H)[0]

    def digital(self, H: torch.Tensor) -> torch.Tensor:
        """``D: [..., N_RF, K]``."""
        return self.analog_digital(H)[1]

    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        check_channel(H)
        F, D = self.analog_digital(H)
        return F @ D


def is_snr_dependent(precoder: Precoder) -> bool:
    """True when the precoder's design depends on the SNR (``snr_dependent = True``)."""
    return bool(getattr(precoder, "snr_dependent", False))


def design_for_snr(precoder: Precoder, snr_db: float) -> Precoder:
    """The precoder designed for ``snr_db``: ``with_snr(snr_db)`` for SNR-dependent precoders,
    the precoder itself otherwise."""
    if is_snr_dependent(precoder):
        return precoder.with_snr(snr_db)  # type: ignore[attr-defined]
    return precoder
