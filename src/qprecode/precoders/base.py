"""The one protocol every precoder obeys, learned or classical, linear or not."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

__all__ = ["Precoder", "SNRDependentPrecoder", "design_for_snr", "is_snr_dependent"]


@runtime_checkable
class Precoder(Protocol):
    """``precoder(H, s) -> y``.

    Shapes:
        H: ``[..., M, K]`` complex, channel (received signal ``r = H^T y + v``, eq. 6).
        s: ``[..., N_s, K]`` complex, ``N_s`` symbol vectors per channel realisation.
        y: ``[..., N_s, M]`` complex, the DAC outputs (on the DAC alphabet, up to the
        per-antenna denormalisation), before the average power normalisation of eq. 15.
    """

    def __call__(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class SNRDependentPrecoder(Precoder, Protocol):
    """A precoder whose design depends on the noise level (e.g. regularised ZF).

    When ``snr_dependent`` is true, ``with_snr(snr_db)`` returns the precoder designed for
    ``SNR = P_T / sigma_v^2`` in dB, and the evaluator calls it once per SNR point.
    """

    snr_dependent: bool

    def with_snr(self, snr_db: float) -> Precoder: ...


def is_snr_dependent(precoder: Precoder) -> bool:
    """True when the precoder's design depends on the SNR (``snr_dependent = True``)."""
    return bool(getattr(precoder, "snr_dependent", False))


def design_for_snr(precoder: Precoder, snr_db: float) -> Precoder:
    """The precoder designed for ``snr_db``: ``with_snr(snr_db)`` for SNR-dependent precoders,
    the precoder itself otherwise."""
    if is_snr_dependent(precoder):
        return precoder.with_snr(snr_db)  # type: ignore[attr-defined]
    return precoder
