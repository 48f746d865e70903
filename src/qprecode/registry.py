"""The one list of precoders: classical ones and learned models (shipped or a checkpoint), by
name, with what each needs. The CLI, the experiments, ``qprecode precoders`` and the conformance
test all read it; nothing else keeps a list of names.

Names: ``mrt``, ``zf``, ``rzf`` (aliases ``wf``, ``mmse``; the whole matrix scaled to ``P_T``),
``mrt-eq``, ``zf-eq``, ``rzf-eq`` (equal power per user), ``wmmse``, ``wmmse-pf``, ``pzf``,
``mo-altmin``, ``omp``, ``squid``, ``c2po``, ``local-search``, ``exhaustive`` (alias ``exs``); a
shipped model as ``gnn:NAME`` (``gnn:k1-b1``); any saved model as ``gnn:PATH`` (a Feys GNN) or
``dnn:PATH`` (a Kasalaee CNN+FC precoder) or ``zhang:PATH`` (a Zhang et al. GNN), where ``PATH`` is
a run folder (its ``best.*``) or ``X.safetensors`` with its ``X.json`` beside it; the file's
architecture picks the wrapper and must match the prefix. Any quantized precoder followed by
``+ls`` (``gnn:k1-b1+ls``, ``squid+ls``) is that precoder's output refined by the local search
(``LocalSearch`` started from it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._validation import check_bits
from .dac import DAC
from .models import SHIPPED_DIR, shipped_models
from .nn import LEARNED_KINDS, kind_of, load_model, read_files
from .precoders import (
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
from .results import bits_json

__all__ = [
    "LEARNED_PREFIX",
    "LEARNED_PREFIXES",
    "REFINED_SUFFIX",
    "PrecoderEntry",
    "baseline_name",
    "build_precoder",
    "entries",
    "find_entry",
    "resolve_checkpoint",
]

LEARNED_PREFIX = "gnn:"
REFINED_SUFFIX = "+ls"
# architecture of a saved model -> the prefix that names it (``nn.LEARNED_KINDS``)
LEARNED_PREFIXES = {kind.architecture: kind.prefix for kind in LEARNED_KINDS}


@dataclass(frozen=True)
class PrecoderEntry:
    """One precoder the registry can build.

    Attributes:
        name: the name it is built by.
        kind: ``linear``, ``hybrid``, ``non-linear`` or ``learned``.
        description: one line.
        bits: the DAC resolutions it takes, e.g. ``(1, ..., 8, None)`` (``None``: unquantized);
            a learned model has exactly one, its own.
        needs: conditions on the problem, in words (``K <= M``, ...).
        snr_dependent: designed per SNR point.
        equivariant: claims antenna-permutation equivariance and user-permutation invariance.
        aliases: other names.
        trained_on: for a learned model, the settings it was trained with (M, K, channel, SNR).
    """

    name: str
    kind: str
    description: str
    bits: tuple[int | None, ...]
    needs: tuple[str, ...] = ()
    snr_dependent: bool = False
    equivariant: bool = True
    aliases: tuple[str, ...] = ()
    trained_on: dict[str, Any] = field(default_factory=dict)

    def check_bits(self, bits: int | None) -> None:
        """Raise ``ValueError`` unless ``bits`` is one this precoder takes."""
        check_bits(bits)
        if bits not in self.bits:
            allowed = ", ".join(str(bits_json(b)) for b in self.bits)
            raise ValueError(f"{self.name} takes bits in {{{allowed}}}, got {bits_json(bits)}")

    def outside_training(self, antennas: int, users: int, snrs_db: Sequence[float]) -> list[str]:
        """What of ``(M, K, SNR points)`` differs from the settings a learned model was trained
        at (``trained_on``), in words; empty for a classical precoder or a match."""
        known = self.trained_on
        notes = [
            f"{what}={value} (trained at {known[key]})"
            for key, what, value in (("antennas", "M", antennas), ("users", "K", users))
            if isinstance(known.get(key), int) and known[key] != value
        ]
        trained_snr = known.get("snr_db")
        if isinstance(trained_snr, (int, float)):
            other = [x for x in snrs_db if x != trained_snr]
            if other:
                notes.append(
                    f"SNR {', '.join(f'{x:g}' for x in other)} dB (trained at {trained_snr:g} dB)"
                )
        return notes

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (bits as integers or ``"inf"``)."""
        return {
            "name": self.name, "kind": self.kind, "description": self.description,
            "bits": [bits_json(b) for b in self.bits], "needs": list(self.needs),
            "snr_dependent": self.snr_dependent, "equivariant": self.equivariant,
            "aliases": list(self.aliases), "trained_on": self.trained_on,
        }  # fmt: skip


_FINITE = (1, 2, 3, 4, 5, 6, 7, 8)
_ANY = (*_FINITE, None)

# name -> (entry, factory(bits, dac_kind, snr_db))
_Factory = Callable[[int | None, str, float], Precoder]


def _linear(cls: Callable[[], MatrixPrecoder]) -> _Factory:
    def build(bits: int | None, dac_kind: str, snr_db: float) -> Precoder:
        linear = cls()
        if linear.snr_dependent:
            linear = linear.with_snr(snr_db)  # type: ignore[attr-defined]
        return linear if bits is None else QuantizedLinearPrecoder(linear, DAC(bits, dac_kind))

    return build


_CLASSICAL: dict[str, tuple[PrecoderEntry, _Factory]] = {
    "mrt": (
        PrecoderEntry("mrt", "linear", "maximum ratio transmission, then the DACs", _ANY),
        _linear(MRT),
    ),
    "zf": (
        PrecoderEntry("zf", "linear", "zero forcing, then the DACs", _ANY, ("K <= M",)),
        _linear(ZF),
    ),
    "rzf": (
        PrecoderEntry(
            "rzf",
            "linear",
            "regularised ZF (Wiener filter), then the DACs",
            _ANY,
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
            _ANY,
        ),  # fmt: skip
        _linear(functools.partial(MRT, normalization="per-user")),
    ),
    "zf-eq": (
        PrecoderEntry(
            "zf-eq",
            "linear",
            "ZF with equal power per user (unit-norm columns), then the DACs",
            _ANY,
            ("K <= M",),
        ),  # fmt: skip
        _linear(functools.partial(ZF, normalization="per-user")),
    ),
    "rzf-eq": (
        PrecoderEntry(
            "rzf-eq",
            "linear",
            "regularised ZF with equal power per user (unit-norm columns), then the DACs",
            _ANY,
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
            _ANY,
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
            _ANY,
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
            _ANY,
            ("K <= M",),
        ),  # fmt: skip
        _linear(PhasedZF),
    ),
    "mo-altmin": (
        PrecoderEntry(
            "mo-altmin",
            "hybrid",
            "MO-AltMin (Yu et al. 2016): manifold optimisation towards WMMSE, N_RF = K",
            _ANY,
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
            _ANY,
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
            _FINITE,
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
            _FINITE,
            ("L^(2M) candidates: M <= 8 at 1 bit",),
            snr_dependent=True,
            aliases=("exs",),
        ),  # fmt: skip
        lambda bits, dac_kind, snr_db: ExhaustiveSearch(bits or 1, snr_db, dac_kind=dac_kind),
    ),
}
_ALIASES = {alias: name for name, (e, _) in _CLASSICAL.items() for alias in (name, *e.aliases)}


def resolve_checkpoint(spec: str) -> Path:
    """The checkpoint path (without suffix) of a shipped model name, a run folder or a file."""
    if spec in shipped_models():
        return SHIPPED_DIR / spec
    path = Path(spec)
    if path.is_dir():
        path = path / "best"
    if path.suffix in (".safetensors", ".json"):
        path = path.with_suffix("")
    if not path.with_suffix(".safetensors").is_file():
        raise ValueError(
            f"no model at {spec!r}: give a shipped model ({', '.join(shipped_models())}), a run "
            "folder, or the path of a .safetensors file with its .json beside it"
        )
    return path


def _learned_prefix(key: str) -> str | None:
    """The learned-model prefix ``key`` starts with (case-insensitive), if any."""
    return next((p for p in LEARNED_PREFIXES.values() if key.lower().startswith(p)), None)


def _check_prefix(prefix: str, spec: str, architecture: str) -> None:
    if LEARNED_PREFIXES.get(architecture) != prefix:
        wanted = LEARNED_PREFIXES.get(architecture)
        hint = f"; name it {wanted}{spec}" if wanted else ""
        raise ValueError(f"{prefix}{spec} holds a {architecture} model{hint}")


def _learned_entry(spec: str, prefix: str = LEARNED_PREFIX) -> PrecoderEntry:
    _, info = read_files(resolve_checkpoint(spec))
    _check_prefix(prefix, spec, info["architecture"])
    trained_on = info.get("trained_on", {})
    said = kind_of(info["architecture"]).describe(info["hyperparameters"], trained_on)
    return PrecoderEntry(
        f"{prefix}{spec}", said.kind, said.description, said.bits, said.needs,
        equivariant=said.equivariant, trained_on=trained_on,
    )  # fmt: skip


def _shipped_prefix(name: str) -> str:
    """The prefix that names the shipped model ``name`` (from its architecture)."""
    _, info = read_files(SHIPPED_DIR / name)
    return LEARNED_PREFIXES.get(info["architecture"], LEARNED_PREFIX)


def entries(include_learned: bool = True) -> list[PrecoderEntry]:
    """Every classical precoder, then every shipped model (under its architecture's prefix)."""
    out = [entry for entry, _ in _CLASSICAL.values()]
    if include_learned:
        out += [_learned_entry(name, _shipped_prefix(name)) for name in shipped_models()]
    return out


def _refined_base(key: str) -> str | None:
    """``X`` of a name ``X+ls``, else ``None``."""
    return key[: -len(REFINED_SUFFIX)] if key.lower().endswith(REFINED_SUFFIX) else None


def _refined_entry(base: PrecoderEntry) -> PrecoderEntry:
    finite = tuple(b for b in base.bits if b is not None)
    if not finite:
        raise ValueError(f"{base.name} is unquantized; local search refines DAC outputs")
    return replace(
        base, name=f"{base.name}{REFINED_SUFFIX}",
        kind="learned" if base.kind == "learned" else "non-linear",
        description=f"{base.description}; then local search (3 sweeps, automatic gain)",
        bits=finite, snr_dependent=True, equivariant=False, aliases=(),
    )  # fmt: skip


def find_entry(name: str) -> PrecoderEntry:
    """The entry of a name or alias (``gnn:...`` and ``dnn:...`` read the model's metadata)."""
    key = name.strip()
    base = _refined_base(key)
    if base is not None:
        return _refined_entry(find_entry(base))
    prefix = _learned_prefix(key)
    if prefix is not None:
        return _learned_entry(key[len(prefix) :], prefix)
    if key.lower() not in _ALIASES:
        prefixes = dict.fromkeys(LEARNED_PREFIXES.values())
        learned = [f"{LEARNED_PREFIX}NAME", *(f"{p}PATH" for p in prefixes)]
        known = ", ".join([*_ALIASES, *learned])
        raise ValueError(f"unknown precoder {name!r}; known: {known}")
    return _CLASSICAL[_ALIASES[key.lower()]][0]


def build_precoder(
    name: str, bits: int | None = None, dac_kind: str = "lloyd-max", snr_db: float = 20.0
) -> Precoder:
    """A precoder by name.

    Args:
        name: a registry name or alias, ``gnn:NAME``, ``gnn:PATH`` or ``dnn:PATH``.
        bits: DAC resolution (``None``: unquantized) of a classical precoder; checked against
            what it takes. A learned model runs at its own resolution and ignores it, except
            the CNN+FC precoder of Kasalaee et al., a linear precoder without DACs of its own,
            which gets DACs of this resolution after it.
        dac_kind: DAC level design, ``lloyd-max`` or ``uniform``.
        snr_db: design SNR of the SNR-dependent precoders until the evaluator sets it per point.
    """
    key = name.strip()
    base = _refined_base(key)
    if base is not None:
        entry = find_entry(key)
        if entry.kind != "learned":
            entry.check_bits(bits)
        start = build_precoder(base, bits, dac_kind, snr_db)
        own_bits = getattr(start, "bits", None) if entry.kind == "learned" else bits
        return LocalSearch(own_bits or 1, start=start, snr_db=snr_db, dac_kind=dac_kind)
    prefix = _learned_prefix(key)
    if prefix is not None:
        spec = key[len(prefix) :]
        model, info = load_model(resolve_checkpoint(spec))
        _check_prefix(prefix, spec, info["architecture"])
        kind = kind_of(info["architecture"])
        learned = kind.precoder(model, f"{prefix}{spec}")
        if kind.dacs_after and bits is not None:  # a linear precoder: DACs after it, if asked
            assert isinstance(learned, MatrixPrecoder)
            return QuantizedLinearPrecoder(learned, DAC(bits, dac_kind))
        return learned
    entry = find_entry(key)
    entry.check_bits(bits)
    return _CLASSICAL[entry.name][1](bits, dac_kind, snr_db)


def baseline_name(users: int) -> str:
    """The linear baseline of Feys et al.: MRT for one user, ZF for several (Sect. II-A)."""
    return "mrt" if users == 1 else "zf"
