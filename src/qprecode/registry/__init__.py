"""The one list of precoders: classical ones and learned models (shipped or a checkpoint), by
name, with what each needs. The CLI, the experiments, ``qprecode precoders`` and the conformance
test all read it; nothing else keeps a list of names.

Names: ``mrt``, ``zf``, ``rzf`` (aliases ``wf``, ``mmse``; the whole matrix scaled to ``P_T``),
``mrt-eq``, ``zf-eq``, ``rzf-eq`` (equal power per user), ``wmmse``, ``wmmse-pf``, ``pzf``,
``mo-altmin``, ``omp``, ``squid``, ``c2po``, ``local-search``, ``exhaustive`` (alias ``exs``); a
shipped model as ``gnn:NAME`` (``gnn:k1-b1``); any saved model as ``gnn:PATH`` (a Feys GNN) or
``dnn:PATH`` (a Kasalaee CNN+FC precoder) or ``zhang:PATH`` (a Zhang et al. GNN), where ``PATH`` is
a run folder (its ``best.*``) or ``X.safetensors`` with its ``X.json`` beside it; the file's
architecture picks its row of ``nn.LEARNED_KINDS`` (wrapper, description) and must match the
row's prefix. Any quantized precoder followed by
``+ls`` (``gnn:k1-b1+ls``, ``squid+ls``) is that precoder's output refined by the local search
(``LocalSearch`` started from it).

``entry``: ``PrecoderEntry``; ``classical``: the classical precoders' table.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..dac import DAC
from ..models import SHIPPED_DIR, shipped_models
from ..nn import LEARNED_KINDS, kind_of, load_model, read_files
from ..precoders import LocalSearch, MatrixPrecoder, Precoder, QuantizedLinearPrecoder
from .classical import ALIASES, CLASSICAL
from .entry import PrecoderEntry
from .summary import model_summary

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
    try:
        said = kind_of(info["architecture"]).describe(info["hyperparameters"], trained_on)
    except (KeyError, TypeError, ValueError) as err:  # a JSON edited or of another kind
        raise ValueError(
            f"{prefix}{spec}: its hyperparameters do not describe a {info['architecture']} "
            f"model (missing or wrong {err})"
        ) from None
    summary = model_summary(info, said.description)
    description = f"{said.description}: {summary}" if summary else said.description
    return PrecoderEntry(
        f"{prefix}{spec}", said.kind, description, said.bits, said.needs,
        equivariant=said.equivariant, trained_on=trained_on,
    )  # fmt: skip


def _shipped_prefix(name: str) -> str:
    """The prefix that names the shipped model ``name`` (from its architecture)."""
    _, info = read_files(SHIPPED_DIR / name)
    return LEARNED_PREFIXES.get(info["architecture"], LEARNED_PREFIX)


def entries(include_learned: bool = True) -> list[PrecoderEntry]:
    """Every classical precoder, then every shipped model (under its architecture's prefix)."""
    out = [entry for entry, _ in CLASSICAL.values()]
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
    if key.lower() not in ALIASES:
        prefixes = dict.fromkeys(LEARNED_PREFIXES.values())
        learned = [f"{LEARNED_PREFIX}NAME", *(f"{p}PATH" for p in prefixes)]
        known = ", ".join([*ALIASES, *learned])
        raise ValueError(
            f"unknown precoder {name!r}; known: {known}, and NAME{REFINED_SUFFIX} for NAME's "
            "output refined by the local search (`qprecode precoders` lists the shipped models)"
        )
    return CLASSICAL[ALIASES[key.lower()]][0]


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
    return CLASSICAL[entry.name][1](bits, dac_kind, snr_db)


def baseline_name(users: int) -> str:
    """The linear baseline of Feys et al.: MRT for one user, ZF for several (Sect. II-A)."""
    return "mrt" if users == 1 else "zf"
