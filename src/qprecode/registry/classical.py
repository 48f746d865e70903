"""The classical precoders of the registry: one ``(PrecoderEntry, factory)`` per name, and their
aliases."""

from __future__ import annotations

import functools
from collections.abc import Callable

from ..dac import DAC
from ..precoders import (
    C2PO,
    MRT,
    OMP,
    RZF,
    SQUID,
    WMMSE,
    WMMSEPF,
    ZF,
    ExhaustiveSearch,
    LocalSearch,
    MatrixPrecoder,
    MOAltMin,
    PhasedZF,
    Precoder,
    QuantizedLinearPrecoder,
)
from .entry import PrecoderEntry

__all__ = ["ALIASES", "ANY_BITS", "CLASSICAL", "FINITE_BITS", "Factory"]

FINITE_BITS = (1, 2, 3, 4, 5, 6, 7, 8)
ANY_BITS = (*FINITE_BITS, None)

# name -> (entry, factory(bits, dac_kind, snr_db))
Factory = Callable[[int | None, str, float], Precoder]


def _linear(cls: Callable[[], MatrixPrecoder]) -> Factory:
    def build(bits: int | None, dac_kind: str, snr_db: float) -> Precoder:
        linear = cls()
        if linear.snr_dependent:
            linear = linear.with_snr(snr_db)  # type: ignore[attr-defined]
        return linear if bits is None else QuantizedLinearPrecoder(linear, DAC(bits, dac_kind))

    return build


CLASSICAL: dict[str, tuple[PrecoderEntry, Factory]] = {
    "mrt": (
        PrecoderEntry("mrt", "linear", "maximum ratio transmission, then the DACs", ANY_BITS),
        _linear(MRT),
    ),
    "zf": (
        PrecoderEntry("zf", "linear", "zero forcing, then the DACs", ANY_BITS, ("K <= M",)),
        _linear(ZF),
    ),
    "rzf": (
        PrecoderEntry(
            "rzf",
            "linear",
            "regularised ZF (Wiener filter), then the DACs",
            ANY_BITS,
            snr_dependent=True,
            aliases=("wf", "mmse"),
        ),  # fmt: skip
        _linear(RZF),
    ),
    "mrt-eq": (
        PrecoderEntry(
            "mrt-eq",
            "linear",
            "MRT with equal power per user (unit-norm columns), then the DACs",
            ANY_BITS,
        ),  # fmt: skip
        _linear(functools.partial(MRT, normalization="per-user")),
    ),
    "zf-eq": (
        PrecoderEntry(
            "zf-eq",
            "linear",
            "ZF with equal power per user (unit-norm columns), then the DACs",
            ANY_BITS,
            ("K <= M",),
        ),  # fmt: skip
        _linear(functools.partial(ZF, normalization="per-user")),
    ),
    "rzf-eq": (
        PrecoderEntry(
            "rzf-eq",
            "linear",
            "regularised ZF with equal power per user (unit-norm columns), then the DACs",
            ANY_BITS,
            snr_dependent=True,
        ),  # fmt: skip
        _linear(functools.partial(RZF, normalization="per-user")),
    ),
    "wmmse": (
        PrecoderEntry(
            "wmmse",
            "linear",
            "WMMSE (Shi et al. 2011) from RZF-eq, ZF-eq, ZF and MRT, best end kept; stops at 1e-5 "
            "relative rate change; then the DACs",
            ANY_BITS,
            (),
            snr_dependent=True,
        ),  # fmt: skip
        _linear(WMMSE),
    ),
    "wmmse-pf": (
        PrecoderEntry(
            "wmmse-pf",
            "linear",
            "proportional-fair WMMSE (weights 1/R_k each step), climbs sum_k ln R_k; then the DACs",
            ANY_BITS,
            (),
            snr_dependent=True,
        ),  # fmt: skip
        _linear(WMMSEPF),
    ),
    "pzf": (
        PrecoderEntry(
            "pzf",
            "hybrid",
            "phased ZF: analog phase matching, digital ZF, N_RF = K",
            ANY_BITS,
            ("K <= M",),
        ),  # fmt: skip
        _linear(PhasedZF),
    ),
    "mo-altmin": (
        PrecoderEntry(
            "mo-altmin",
            "hybrid",
            "MO-AltMin (Yu et al. 2016): manifold optimisation towards WMMSE, N_RF = K",
            ANY_BITS,
            ("K <= M",),
            snr_dependent=True,
            equivariant=False,  # a fixed random start / a ULA beam dictionary
        ),  # fmt: skip
        _linear(MOAltMin),
    ),
    "omp": (
        PrecoderEntry(
            "omp",
            "hybrid",
            "OMP (El Ayach et al. 2014): 4M-beam ULA dictionary towards WMMSE, N_RF = K",
            ANY_BITS,
            ("K <= M",),
            snr_dependent=True,
            equivariant=False,  # a fixed random start / a ULA beam dictionary
        ),  # fmt: skip
        _linear(OMP),
    ),
    "squid": (
        PrecoderEntry(
            "squid",
            "non-linear",
            "SQUID (Jacobsson et al. 2017), 1-bit",
            (1,),
            snr_dependent=True,
        ),  # fmt: skip
        lambda bits, dac_kind, snr_db: SQUID(bits or 1, snr_db, dac_kind=dac_kind),
    ),
    "c2po": (
        PrecoderEntry("c2po", "non-linear", "C2PO (Castaneda et al. 2017), 1-bit", (1,)),
        lambda bits, dac_kind, snr_db: C2PO(dac_kind=dac_kind),
    ),
    "local-search": (
        PrecoderEntry(
            "local-search",
            "non-linear",
            "coordinate descent over the antennas on "
            "||alpha s - H^T y||^2 from quantized ZF (its per-antenna gains kept), 3 sweeps, "
            "alpha chosen per channel",
            FINITE_BITS,
            snr_dependent=True,
            equivariant=False,
        ),  # fmt: skip
        lambda bits, dac_kind, snr_db: LocalSearch(bits or 1, snr_db=snr_db, dac_kind=dac_kind),
    ),
    "exhaustive": (
        PrecoderEntry(
            "exhaustive",
            "non-linear",
            "exhaustive search of the MSE objective over the DAC alphabet",
            FINITE_BITS,
            ("L^(2M) candidates: M <= 8 at 1 bit",),
            snr_dependent=True,
            aliases=("exs",),
        ),  # fmt: skip
        lambda bits, dac_kind, snr_db: ExhaustiveSearch(bits or 1, snr_db, dac_kind=dac_kind),
    ),
}
ALIASES = {alias: name for name, (e, _) in CLASSICAL.items() for alias in (name, *e.aliases)}
