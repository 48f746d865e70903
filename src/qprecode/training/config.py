"""Run configuration: a nested, frozen config loaded from one small YAML file, with typed
``key=value`` overrides and an optional sweep section that makes one file a grid of runs.

A config file looks like::

    task: feys-gnn          # which task trains (training.tasks.TASKS)
    seed: 0                 # initial weights, data order, training noise
    model: {...}            # the task's sections (model, data, loss for the Feys GNN)
    data: {...}
    optim: {lr: 0.005, batch_size: 128, epochs: 20}
    loop: {eval_every: 500, checkpoint_every: 100, device: cpu}
    sweep:                  # optional: a list of grids, each a mapping key -> list of values
      - {hidden_dim: [128], hidden_layers: [4], users: [1, 2], bits: [1, 2]}
    name: d{hidden_dim}-n{hidden_layers}-k{users}-b{bits}   # a trial's name (with a sweep)

A key is a dotted path (``optim.lr``) or, when no other section has it, its bare name (``lr``).
A flat file of bare keys (the format before sections) reads the same way.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import types
import typing
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

import yaml

from .._validation import check_device

__all__ = [
    "LR_SCHEDULES",
    "PRESETS_DIR",
    "LoopConfig",
    "OptimConfig",
    "config_from_dict",
    "config_to_dict",
    "diff_keys",
    "expand_sweep",
    "flatten_config",
    "leaf_paths",
    "parse_assignments",
    "presets",
    "read_config_file",
    "resolve_config",
    "set_key",
]


LR_SCHEDULES = ("constant", "cosine")
# The configs shipped in the package (a clone's configs/ points here).
PRESETS_DIR = Path(__file__).resolve().parent.parent / "configs"


@dataclass(frozen=True)
class OptimConfig:
    """Adam's learning rate, the global batch (channels per step) and the length of the run:
    ``epochs`` passes over the training set, or, when ``steps`` is set, that many steps whatever
    the set's size (a learning curve over set sizes at one budget).

    ``lr_schedule``: ``constant`` keeps ``lr``; ``cosine`` decays it from ``lr`` at the first step
    to ``lr_final`` at the last along half a cosine (``lr_at``). ``lr_warmup``: steps over which
    the rate rises linearly to the schedule's, for a run that starts from trained weights with a
    fresh Adam (whose first steps move every weight by about ``lr`` whatever its gradient).

    ``micro_batch``: channels per forward and backward pass; the gradients of the
    ``batch_size / micro_batch`` passes of a step add up to the gradient of the whole batch (for
    tasks whose loss is a mean over examples), so the run computes the same thing with less
    memory. On a CPU it is also faster: a whole 128 x 125-symbol batch of the Feys GNN trains at
    about a third of the samples per second of 16-channel passes
    (``benchmarks/bench_gnn.py --train-micro-batch``).
    ``None``: one pass per step.
    """

    lr: float = 5e-3
    batch_size: int = 128
    epochs: int = 20
    steps: int | None = None
    lr_schedule: str = "constant"
    lr_final: float = 0.0
    lr_warmup: int = 0
    micro_batch: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.lr < math.inf:
            raise ValueError(f"lr must be a positive finite number, got {self.lr}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {self.lr_schedule!r}")
        if not 0 <= self.lr_final <= self.lr:
            raise ValueError(f"lr_final must be in [0, lr], got {self.lr_final}")
        for name in ("batch_size", "epochs"):
            _check_positive(name, getattr(self, name))
        if self.steps is not None:
            _check_positive("steps", self.steps)
        if self.lr_warmup < 0:
            raise ValueError(f"lr_warmup must be >= 0 steps, got {self.lr_warmup}")
        if self.micro_batch is not None:
            _check_positive("micro_batch", self.micro_batch)

    def total_steps(self, num_train: int) -> int:
        """Steps of the whole run over a training set of ``num_train`` examples: ``steps``, or
        ``epochs`` passes of ``num_train // batch_size`` steps."""
        return self.steps or num_train // self.batch_size * self.epochs

    def lr_at(self, step: int, total_steps: int) -> float:
        """The learning rate of step ``step`` (0-based) of a run of ``total_steps``."""
        warmup = min(1.0, (step + 1) / self.lr_warmup) if self.lr_warmup else 1.0
        if self.lr_schedule == "constant" or total_steps <= 1:
            return warmup * self.lr
        progress = min(step / (total_steps - 1), 1.0)
        cosine = 0.5 * (1 + math.cos(math.pi * progress))
        return warmup * (self.lr_final + (self.lr - self.lr_final) * cosine)


@dataclass(frozen=True)
class LoopConfig:
    """How the loop runs: validation and checkpoint cadence (steps), device, and the weights to
    start from (``init_from``: ``X.safetensors`` + ``X.json`` of the same architecture)."""

    eval_every: int = 500
    checkpoint_every: int = 100
    device: str = "cpu"
    init_from: str | None = None

    def __post_init__(self) -> None:
        for name in ("eval_every", "checkpoint_every"):
            _check_positive(name, getattr(self, name))
        check_device(self.device)


def _check_positive(name: str, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def config_to_dict(config: Any) -> dict[str, Any]:
    """A (nested) dataclass as plain dicts, tuples as lists (as they read back from JSON)."""
    return dataclasses.asdict(config, dict_factory=lambda items: {
        k: list(v) if isinstance(v, tuple) else v for k, v in items
    })  # fmt: skip


def flatten_config(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts -> one level with dotted keys (``{"optim": {"lr": 1}}`` ->
    ``{"optim.lr": 1}``; lists stay values)."""
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        if isinstance(value, dict):
            out.update(flatten_config(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def leaf_paths(cls: type) -> dict[str, list[str]]:
    """Bare key -> dotted paths of every leaf field of a nested dataclass type."""
    out: dict[str, list[str]] = {}
    for f in fields(cls):
        kind = typing.get_type_hints(cls)[f.name]
        if is_dataclass(kind):
            for leaf, paths in leaf_paths(kind).items():  # type: ignore[arg-type]
                out.setdefault(leaf, []).extend(f"{f.name}.{p}" for p in paths)
        else:
            out.setdefault(f.name, []).append(f.name)
    return out


def set_key(raw: dict[str, Any], key: str, value: Any, cls: type) -> None:
    """Set ``key`` (dotted, or a bare name that is unique in ``cls``) in the nested ``raw``."""
    paths = leaf_paths(cls)
    if "." not in key:
        found = paths.get(key, [])
        if len(found) != 1:
            known = sorted(p for ps in paths.values() for p in ps)
            why = "is ambiguous" if found else "is unknown"
            raise ValueError(f"config key {key!r} {why}; known keys: {known}")
        key = found[0]
    elif not any(key in ps for ps in paths.values()):
        known = sorted(p for ps in paths.values() for p in ps)
        raise ValueError(f"config key {key!r} is unknown; known keys: {known}")
    *sections, leaf = key.split(".")
    node = raw
    for section in sections:
        node = node.setdefault(section, {})
        if not isinstance(node, dict):
            raise ValueError(f"config section {section!r} must be a mapping")
    node[leaf] = value


def config_from_dict(cls: type, data: dict[str, Any], where: str = "") -> Any:
    """Build the nested frozen dataclass ``cls`` from plain dicts, checking every key and type.

    Ints are accepted for floats (and strings such as ``"1e-3"``, which YAML 1.1 reads as
    strings); unknown keys and wrong types raise ``ValueError`` naming the key.
    """
    if not isinstance(data, dict):
        raise ValueError(f"config section {where or 'top'!r} must be a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(
            f"unknown config keys {[where + k for k in unknown]}; known: {sorted(known)}"
        )
    values = {}
    for name, value in data.items():
        kind = hints[name]
        if is_dataclass(kind):
            values[name] = config_from_dict(kind, value, f"{where}{name}.")  # type: ignore[arg-type]
        else:
            values[name] = _coerce(f"{where}{name}", kind, value)
    return cls(**values)


def _coerce(key: str, kind: Any, value: Any) -> Any:
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    if value is None and type(None) in options:
        return None
    base = next(o for o in options if o is not type(None))
    if typing.get_origin(base) is tuple:  # tuple[int, ...]: a YAML list of integers
        ints = isinstance(value, list | tuple) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        )
        if ints:
            return tuple(value)
        raise ValueError(f"config key {key!r} must be a list of integers, got {value!r}")
    if base is float and not isinstance(value, bool):
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    exact_int = base is int and not isinstance(value, bool)
    if (exact_int or base in (str, bool, dict)) and isinstance(value, base):
        return value
    raise ValueError(f"config key {key!r} must be {base.__name__}, got {value!r}")


def parse_assignments(assignments: list[str]) -> list[tuple[str, Any]]:
    """``["optim.lr=1e-3", "bits=2"]`` -> ``[("optim.lr", 0.001), ("bits", 2)]`` (YAML values)."""
    out = []
    for item in assignments:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"override {item!r} must look like key=value")
        out.append((key.strip(), yaml.safe_load(text) if text.strip() else None))
    return out


def presets() -> dict[str, Path]:
    """The configs shipped with the package, by name (``feys/small-k1-b1``) -> file."""
    return {str(p.relative_to(PRESETS_DIR).with_suffix("")): p
            for p in sorted(PRESETS_DIR.glob("*/*.yaml"))}  # fmt: skip


def resolve_config(path: str | Path) -> Path:
    """A config file: ``path`` itself when it exists, else the shipped preset of that name
    (``feys/small-k1-b1``, with or without ``.yaml`` or a leading ``configs/``)."""
    if Path(path).is_file():
        return Path(path)
    name = str(path).removeprefix("configs/").removesuffix(".yaml")
    found = presets().get(name)
    if found is None:
        raise ValueError(
            f"config file {path} does not exist, nor a preset of that name "
            f"(`qprecode configs` lists them: {', '.join(presets())})"
        )
    return found


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The YAML mapping of a config file or preset (``resolve_config``); an empty file is
    refused rather than read as every default (the paper's full-size training)."""
    try:
        data = yaml.safe_load(resolve_config(path).read_text())
    except FileNotFoundError:
        raise ValueError(f"config file {path} does not exist") from None
    except yaml.YAMLError as err:
        raise ValueError(f"config file {path} is not valid YAML: {_yaml_problem(err)}") from None
    except UnicodeDecodeError:
        raise ValueError(f"config file {path} is not valid YAML: it is not UTF-8 text") from None
    if data is None or data == {}:
        raise ValueError(
            f"config file {path} is empty: give at least its task and sizes, or start from a "
            "shipped preset (`qprecode configs` lists them)"
        )
    if not isinstance(data, dict):
        raise ValueError(f"config file {path} must hold a mapping of keys to values")
    return data


def _yaml_problem(err: yaml.YAMLError) -> str:
    """One line from a YAML error: what is wrong, and where (line and column, 1-based)."""
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    mark = getattr(err, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{problem}{where}"


def expand_sweep(raw: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The trials of a config with a ``sweep`` section: ``(name, assignments)`` for every point
    of every grid, in order; the name comes from the ``name`` template (bare keys in braces).
    A config without a sweep is one trial named ``""``."""
    grids = raw.get("sweep")
    if grids is None:
        return [("", {})]
    if isinstance(grids, dict):
        grids = [grids]
    if not isinstance(grids, list) or not all(isinstance(g, dict) and g for g in grids):
        raise ValueError("sweep must be a mapping key -> list of values, or a list of them")
    template = str(raw.get("name", "-".join(f"{{{k}}}" for k in grids[0])))
    trials = []
    for grid in grids:
        keys = list(grid)
        lists = [v if isinstance(v, list) else [v] for v in grid.values()]
        empty = [k for k, v in zip(keys, lists, strict=True) if not v]
        if empty:
            raise ValueError(f"sweep key {empty[0]!r} has an empty list of values")
        for values in itertools.product(*lists):
            point = dict(zip(keys, values, strict=True))
            bare = {k.rsplit(".", 1)[-1]: v for k, v in point.items()}
            try:
                name = template.format(**bare)
            except KeyError as err:
                raise ValueError(
                    f"sweep name template {template!r} uses {err}, not swept"
                ) from None
            trials.append((name, point))
    names = [n for n, _ in trials]
    if len(set(names)) != len(names):
        raise ValueError(f"sweep name template {template!r} gives the same name to two trials")
    return trials


def diff_keys(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two nested dicts."""
    out = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if isinstance(x, dict) and isinstance(y, dict):
            out += diff_keys(x, y, f"{prefix}{key}.")
        elif x != y:
            out.append(f"{prefix}{key}")
    return out
