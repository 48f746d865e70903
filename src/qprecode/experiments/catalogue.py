"""Every reproducible figure, table and study as ``PAPER:ITEM`` (``qprecode reproduce``).

A reproduction takes a preset name (``tiny``: a smoke run in seconds; ``quick``: minutes on two
CPU cores; ``paper``: the sizes of the committed reports), a seed and an output folder, writes its
figures there and returns its report sections with the config they were made with;
``reproduce_items`` saves each section as ``KEY.json`` (config, seed, code version, numbers) and
``KEY.md``. The Feys et al. items take their ``ReproduceConfig`` (``experiments.feys``), and
``feys:all`` also writes the combined ``REPORT.md``. A new item is one function and one row of
``CATALOGUE``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..results import run_metadata
from .common import Section, write_section
from .feys import EXPERIMENTS as FEYS_ITEMS
from .feys import PRESET_ALIASES, ReproduceConfig, reproduce
from .kasalaee import energy_section
from .studies import csi_study, gap_study
from .zhang import load_zhang_models, plot_sizes, size_generalisation

__all__ = ["CATALOGUE", "PAPERS", "PRESETS", "Reproduction", "reproduce_items", "resolve_items"]

PRESETS = ("tiny", "quick", "paper")
Runner = Callable[[str, int, Path], tuple[list[Section], dict[str, Any]]]


@dataclass(frozen=True)
class Reproduction:
    """One item: ``paper:item``, what it reproduces, and the function that runs it
    ``(preset, seed, out_dir) -> (sections, config)``."""

    paper: str
    item: str
    summary: str
    run: Runner

    @property
    def key(self) -> str:
        return f"{self.paper}:{self.item}"


def _first_line(function: Callable[..., Any]) -> str:
    return (function.__doc__ or "").strip().splitlines()[0].rstrip(".")


def _sizes(preset: str, tiny: int, quick: int, paper: int) -> int:
    return {"tiny": tiny, "quick": quick, "paper": paper}[preset]


def _feys(item: str) -> Runner:
    def run(preset: str, seed: int, out: Path) -> tuple[list[Section], dict[str, Any]]:
        config = ReproduceConfig.from_preset(preset, seed)
        return [FEYS_ITEMS[item](config, out)], config.to_dict()

    return run


def _energy(preset: str, seed: int, out: Path) -> tuple[list[Section], dict[str, Any]]:
    # counted, not sampled: every preset gives the same numbers
    return [energy_section()], {"preset": preset}


def _zhang_sizes(
    key: str, title: str, model: str, antennas: tuple[int, ...], users: tuple[int, ...],
    channel: str, classical: tuple[str, ...], channels: tuple[int, int, int],
) -> Runner:  # fmt: skip
    def run(preset: str, seed: int, out: Path) -> tuple[list[Section], dict[str, Any]]:
        count = _sizes(preset, *channels)
        models = load_zhang_models({model: model})
        grid = [(m, k) for m in antennas for k in users]
        rows = size_generalisation(models, grid, 10.0, "se", count, seed, channel, False,
                                   classical)  # fmt: skip
        plot_sizes(rows, out / f"{key}.png", 10.0, "se")
        names = list(dict.fromkeys(r["precoder"] for r in rows))
        lines = [f"## {title}", "",
                 f"`zhang:{model}` and {', '.join(classical)} as a fraction of WMMSE (sum SE, "
                 f"10 dB, {channel} channels, {count} per size, seed {seed}).", "",
                 f"| M | K | {' | '.join(names)} |", "|---" * (len(names) + 2) + "|"]  # fmt: skip
        for m, k in grid:
            cells = {r["precoder"]: f"{r['fraction']:.1%}" for r in rows
                     if (r["antennas"], r["users"]) == (m, k)}  # fmt: skip
            lines.append(f"| {m} | {k} | {' | '.join(cells.get(n, '-') for n in names)} |")
        config = {"preset": preset, "seed": seed, "model": model, "antennas": list(antennas),
                  "users": list(users), "snr_db": 10.0, "objective": "se", "channel": channel,
                  "channels": count, "classical": list(classical)}  # fmt: skip
        section = Section(key, title, "\n".join(lines) + "\n", [f"{key}.png"], {"rows": rows})
        return [section], config

    return run


def _csi(preset: str, seed: int, out: Path) -> tuple[list[Section], dict[str, Any]]:
    channels, symbols = _sizes(preset, 8, 100, 500), _sizes(preset, 8, 64, 64)
    config = {"preset": preset, "seed": seed, "channels": channels, "symbols": symbols}
    return [csi_study(channels, symbols, seed, out)], config


def _gap(preset: str, seed: int, out: Path) -> tuple[list[Section], dict[str, Any]]:
    channels = _sizes(preset, 4, 20, 50)
    return [gap_study(channels, seed)], {"preset": preset, "seed": seed, "channels": channels}


_ROWS = [
    *(Reproduction("feys", key, _first_line(run), _feys(key)) for key, run in FEYS_ITEMS.items()),
    Reproduction("kasalaee", "energy", "Tables I-II: energy of WMMSE, ZF and the DNN", _energy),
    Reproduction("zhang", "fig6", "Fig. 6: the gradient-driven GNN over K at M = 12",
                 _zhang_sizes("fig6", "Zhang et al. Fig. 6: generalisation over users",
                              "gradient-k4-n12", (12,), tuple(range(1, 13)), "rayleigh",
                              ("rzf", "mrt", "zf"), (10, 200, 1000))),
    Reproduction("zhang", "fig14", "Fig. 14: the hybrid GNN over K at M = 16",
                 _zhang_sizes("fig14", "Zhang et al. Fig. 14: hybrid precoding over users",
                              "hybrid-k4-n16", (16,), (1, 2, 3, 4), "sv",
                              ("mo-altmin", "omp", "pzf"), (4, 40, 200))),
    Reproduction("zhang", "fig15", "Fig. 15: the hybrid GNN over M at K = 4",
                 _zhang_sizes("fig15", "Zhang et al. Fig. 15: hybrid precoding over antennas",
                              "hybrid-k4-n16", (8, 12, 16, 24, 32), (4,), "sv",
                              ("mo-altmin", "omp", "pzf"), (4, 40, 200))),
    Reproduction("studies", "csi", "Every precoder family under imperfect CSI", _csi),
    Reproduction("studies", "local-search-gap", "The local search against enumeration", _gap),
]  # fmt: skip
CATALOGUE: dict[str, Reproduction] = {row.key: row for row in _ROWS}
PAPERS = tuple(dict.fromkeys(row.paper for row in _ROWS))


def resolve_items(spec: str) -> list[Reproduction]:
    """The items of ``spec``: ``PAPER:ITEM``, ``PAPER:all``, a bare Feys item (``fig7a``) or
    ``all`` (every Feys item, as before papers were named)."""
    if spec == "all" or spec in FEYS_ITEMS:
        spec = f"feys:{spec}"
    paper, _, item = spec.partition(":")
    if item == "all" and paper in PAPERS:
        return [row for row in _ROWS if row.paper == paper]
    if spec not in CATALOGUE:
        raise ValueError(f"unknown item {spec!r}; choose PAPER:all ({', '.join(PAPERS)}) or one "
                         f"of {', '.join(CATALOGUE)}")  # fmt: skip
    return [CATALOGUE[spec]]


def reproduce_items(
    spec: str, preset: str, seed: int, out_dir: str | Path, echo: Callable[[str], None] = print
) -> list[Section]:
    """Run the items of ``spec`` (``resolve_items``) at ``preset`` and ``seed``, writing into
    ``out_dir``; returns their sections in order."""
    preset = PRESET_ALIASES.get(preset, preset)
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    items = resolve_items(spec)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if spec in ("all", "feys:all"):  # with the combined REPORT.md
        return reproduce("all", ReproduceConfig.from_preset(preset, seed), out, echo)
    meta: dict[str, Any] = run_metadata()
    sections = []
    for row in items:
        echo(f"reproducing {row.key} (preset {preset}, seed {seed})")
        made, config = row.run(preset, seed, out)
        for section in made:
            write_section(section, out, config, meta)
            sections.append(section)
    return sections
