"""Build classical precoders from short names, as the CLI and the experiments name them."""

from __future__ import annotations

from .._validation import check_finite_bits
from ..dac import DAC
from .base import Precoder
from .c2po import C2PO
from .exhaustive import ExhaustiveSearch
from .linear import MRT, RZF, ZF, LinearPrecoder
from .quantized import QuantizedLinearPrecoder
from .squid import SQUID

__all__ = [
    "CLASSICAL_PRECODERS",
    "LINEAR_PRECODERS",
    "baseline_name",
    "build_classical_precoder",
    "build_linear_precoder",
]

NONLINEAR_PRECODERS = ("squid", "c2po", "exhaustive", "exs")
CLASSICAL_PRECODERS = ("mrt", "zf", "rzf", "wf", "mmse", *NONLINEAR_PRECODERS)

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


def build_classical_precoder(
    name: str, bits: int | None, dac_kind: str = "lloyd-max", snr_db: float = 20.0
) -> Precoder:
    """Any classical precoder by name: the linear ones followed by ``bits``-bit DACs, or the
    non-linear ``squid``, ``c2po`` (1 bit only) and ``exhaustive`` (alias ``exs``). ``snr_db``
    is the design SNR of the SNR-dependent ones until the evaluator sets it per point."""
    key = name.strip().lower()
    if key in LINEAR_PRECODERS:
        precoder = build_linear_precoder(key, bits, dac_kind)
        return precoder.with_snr(snr_db) if precoder.snr_dependent else precoder
    if key not in NONLINEAR_PRECODERS:
        raise ValueError(
            f"unknown precoder {name!r}; known: {', '.join(CLASSICAL_PRECODERS)}, gnn:NAME"
        )
    bits = check_finite_bits(bits, key)
    if key == "squid":
        return SQUID(bits, snr_db, dac_kind=dac_kind)
    if key == "c2po":
        if bits != 1:
            raise ValueError(f"C2PO is a 1-bit precoder; got bits={bits}")
        return C2PO(dac_kind=dac_kind)
    return ExhaustiveSearch(bits, snr_db, dac_kind=dac_kind)


def baseline_name(users: int) -> str:
    """The paper's linear baseline: MRT for one user, ZF for several (Sect. II-A)."""
    return "mrt" if users == 1 else "zf"
