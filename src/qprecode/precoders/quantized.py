"""A linear precoder followed by the DACs: normalise each antenna's input, quantize, denormalise
(Fig. 1 and Sect. II-B3 of Feys et al.)."""

from __future__ import annotations

import torch

from .._validation import check_channel_and_symbols
from ..dac import DAC, antenna_power, quantize_per_antenna
from .base import MatrixPrecoder, Precoder

__all__ = ["QuantizedLinearPrecoder"]


class QuantizedLinearPrecoder:
    """``y_m = sqrt(rho_m) Q(x_m / sqrt(rho_m))`` with ``x = W(H) s`` and ``rho_m = ||w_m||^2``.

    Args:
        linear: the linear precoder giving ``W(H)``.
        dac: the DACs of every antenna.

    Call: ``H: [..., M, K]``, ``s: [..., N_s, K]`` -> ``y: [..., N_s, M]`` complex.
    """

    def __init__(self, linear: MatrixPrecoder, dac: DAC) -> None:
        self.linear = linear
        self.dac = dac

    @property
    def bits(self) -> int | None:
        """The DAC resolution ``b``."""
        return self.dac.bits

    @property
    def name(self) -> str:
        return self.linear.name

    @property
    def snr_dependent(self) -> bool:
        return self.linear.snr_dependent

    def with_snr(self, snr_db: float) -> Precoder:
        """The same wrapper around the linear precoder designed for ``snr_db`` (RZF); other
        precoders do not depend on the SNR and are returned unchanged."""
        if not self.snr_dependent:
            return self
        return QuantizedLinearPrecoder(self.linear.with_snr(snr_db), self.dac)  # type: ignore[attr-defined]

    def __call__(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        check_channel_and_symbols(H, s)
        W = self.linear.matrix(H)  # [..., M, K]
        x = s @ W.mT  # [..., N_s, M]
        return quantize_per_antenna(x, antenna_power(W), self.dac)

    def __repr__(self) -> str:
        return f"QuantizedLinearPrecoder({self.linear!r}, {self.dac!r})"
