"""The complex DAC of eq. 1 of Feys et al.: one real quantizer for the real part and one for the
imaginary part of every antenna's signal, designed for a ``CN(0, 1)`` input."""

from __future__ import annotations

import math

import torch

from .._validation import check_bits
from .lloyd_max import lloyd_max_gaussian
from .quantizer import ScalarQuantizer
from .uniform import uniform_quantizer

__all__ = ["DAC", "DAC_KINDS", "parse_bits"]

DAC_KINDS = ("lloyd-max", "uniform")


def parse_bits(text: str) -> int | None:
    """Parse one resolution: an integer ``"1".."8"``, or ``"inf"`` for infinite resolution
    (returned as ``None``)."""
    value = text.strip().lower()
    if value in ("inf", "infinite", "none"):
        return None
    try:
        bits = int(value)
    except ValueError:
        raise ValueError(f"bits must be an integer in 1..8 or 'inf', got {text!r}") from None
    check_bits(bits)
    return bits


class DAC:
    """A pair of ``b``-bit DACs per antenna, ``Q(x) = Q(Re x) + j Q(Im x)`` (eq. 1).

    The real quantizer is designed for the real part of a ``CN(0, P_in)`` input, i.e. for
    ``N(0, P_in / 2)``: Lloyd-Max (the paper's choice) or uniform with the MSE-optimal step.

    Args:
        bits: ``b`` in 1..8, or ``None`` for infinite resolution (the identity).
        kind: ``"lloyd-max"`` or ``"uniform"``.
        input_power: ``P_in``, the average power of the complex input the levels are designed for.

    Call with ``x: [...] complex`` to get ``y: [...] complex`` with every real and imaginary part
    on the alphabet ``levels`` (``L = 2**b`` values).
    """

    def __init__(self, bits: int | None, kind: str = "lloyd-max", input_power: float = 1.0):
        check_bits(bits)
        if kind not in DAC_KINDS:
            raise ValueError(f"unknown DAC kind {kind!r}; choose one of {', '.join(DAC_KINDS)}")
        if not input_power > 0 or not math.isfinite(input_power):
            raise ValueError(f"input_power must be positive and finite, got {input_power}")
        self.bits = bits
        self.kind = kind
        self.input_power = input_power
        self.quantizer: ScalarQuantizer | None = None
        if bits is not None:
            unit = lloyd_max_gaussian(bits) if kind == "lloyd-max" else uniform_quantizer(bits)
            self.quantizer = unit.scaled(math.sqrt(input_power / 2.0))

    @property
    def is_ideal(self) -> bool:
        """True for infinite resolution."""
        return self.quantizer is None

    def levels(
        self, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> torch.Tensor:
        """The real alphabet ``[L]``; raises for an ideal DAC, which has none."""
        if self.quantizer is None:
            raise ValueError("an infinite-resolution DAC has no finite alphabet")
        return self.quantizer.level_tensor(dtype, device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if not x.is_complex():
            raise ValueError(f"DAC takes a complex tensor, got dtype {x.dtype}")
        if self.quantizer is None:
            return x
        return torch.complex(self.quantizer(x.real), self.quantizer(x.imag))

    def __repr__(self) -> str:
        bits = "inf" if self.bits is None else self.bits
        return f"DAC(bits={bits}, kind={self.kind!r}, input_power={self.input_power})"
