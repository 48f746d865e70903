"""Build classical precoders from short names, as the CLI and the experiments name them."""

from __future__ import annotations

from ..dac import DAC
from .linear import MRT, RZF, ZF, LinearPrecoder
from .quantized import QuantizedLinearPrecoder

__all__ = ["LINEAR_PRECODERS", "build_linear_precoder"]

# Short name -> linear precoder class; "wf" (Wiener filter) and "mmse" are aliases of "rzf".
LINEAR_PRECODERS: dict[str, type[LinearPrecoder]] = {
    "mrt": MRT,
    "zf": ZF,
    "rzf": RZF,
    "wf": RZF,
    "mmse": RZF,
}


def build_linear_precoder(
    name: str, bits: int | None, dac_kind: str = "lloyd-max", total_power: float | None = None
) -> QuantizedLinearPrecoder:
    """``name`` in ``mrt``, ``zf``, ``rzf`` (alias ``wf``, ``mmse``) followed by ``bits``-bit DACs
    (``None``: infinite resolution)."""
    key = name.strip().lower()
    if key not in LINEAR_PRECODERS:
        known = ", ".join(sorted(LINEAR_PRECODERS))
        raise ValueError(f"unknown precoder {name!r}; known linear precoders: {known}")
    return QuantizedLinearPrecoder(
        LINEAR_PRECODERS[key](total_power=total_power), DAC(bits, dac_kind)
    )
