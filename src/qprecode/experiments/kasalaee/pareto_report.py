"""The report of ``qprecode pareto``: fronts of energy efficiency against sum rate from one or
more sweep tables (Fig. 2 of Kasalaee et al.), optionally with the reference precoders drawn on
the tables' test channels (Fig. 3), as ``pareto.json`` and two plots."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...plotting import plot_pareto
from ...results import run_metadata, write_json
from .baselines import WMMSE_TOLERANCES, data_from_row, linear_references, wmmse_references
from .fronts import FrontPoint, pareto_fronts

__all__ = ["ParetoReport", "pareto_report", "read_sweep_table"]

_AXES = "sum rate [bit/s/Hz]", "energy efficiency [bit/s/Hz/uJ]"


@dataclass(frozen=True)
class ParetoReport:
    """The fronts' points (seeds averaged), and the references' rows (WMMSE per start and
    tolerance, the linear precoders; empty without ``wmmse_channels``)."""

    points: list[FrontPoint]
    wmmse: list[dict[str, Any]]
    linear: list[dict[str, Any]]


def pareto_report(
    tables: Sequence[str | Path], wmmse_channels: int, out_dir: str | Path
) -> ParetoReport:
    """Read the sweep tables (``results.csv`` or ``results.json`` of one setting), compute the
    fronts per architecture and overall, draw the references on ``wmmse_channels`` test channels
    of that setting (0: none), and write ``pareto.json``, ``pareto_architectures.png`` and
    ``pareto_overall.png`` to ``out_dir``."""
    if wmmse_channels < 0:
        raise ValueError(f"--wmmse must be >= 0, got {wmmse_channels}")
    paths = [Path(t) for t in tables]
    read = [read_sweep_table(path) for path in paths]
    settings = [_setting(rows) for rows in read]
    for path, setting in zip(paths, settings, strict=True):
        if setting != settings[0]:
            raise ValueError(
                f"{path} is another setting (data.* columns) than {paths[0]}: one front "
                "compares networks on the same channels"
            )
    records = [row for rows in read for row in rows]
    points = pareto_fronts(records)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    groups: dict[str, tuple[list[float], list[float], list[bool]]] = {}
    for p in points:
        xs, ys, front = groups.setdefault(f"DNN {p.architecture}", ([], [], []))
        xs.append(p.sum_rate)
        ys.append(p.energy_efficiency)
        front.append(p.on_architecture_front)
    plot_pareto(groups, out / "pareto_architectures.png", *_AXES, "per architecture (Fig. 2)")
    wmmse, linear = _references(records[0], wmmse_channels) if wmmse_channels else ([], [])
    overall = {
        "DNN, all configurations": (
            [p.sum_rate for p in points],
            [p.energy_efficiency for p in points],
            [p.on_overall_front for p in points],
        )
    }
    references = _reference_curves(wmmse, linear)
    title = "all DNNs vs the references (Fig. 3)"
    plot_pareto(overall, out / "pareto_overall.png", *_AXES, title, references)
    config = {"command": "pareto", "tables": [str(t) for t in paths],
              "wmmse_channels": wmmse_channels}  # fmt: skip
    rows = {"points": [p.to_dict() for p in points], "wmmse": wmmse, "linear": linear}
    write_json(out / "pareto.json", {"config": config, "meta": run_metadata(), **rows})
    return ParetoReport(points, wmmse, linear)


def _references(
    row: dict[str, Any], channels: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """WMMSE (four starts, and the paper's MRT start, over its tolerance) and the linear
    precoders on ``channels`` test channels of the setting of ``row``."""
    data = data_from_row(row)
    H = data.sample("test", channels, data.test_seed)
    wmmse = wmmse_references(H, data.snr_db, ("multi", "mrt"), WMMSE_TOLERANCES)
    linear = linear_references(H, data.snr_db)
    for reference in wmmse + linear:
        del reference["rates"]  # per channel, not for the JSON
    return wmmse, linear


def _reference_curves(
    wmmse: list[dict[str, Any]], linear: list[dict[str, Any]]
) -> dict[str, tuple[list[float], list[float]]]:
    curves: dict[str, tuple[list[float], list[float]]] = {}
    for init, name in (("multi", "WMMSE, 4 starts"), ("mrt", "WMMSE, MRT start (paper)")):
        curve = [c for c in wmmse if c["init"] == init]
        curves[f"{name}, over its tolerance"] = (
            [c["sum_rate"] for c in curve],
            [c["sum_rate"] / c["energy_uj"] for c in curve],
        )
    for row in linear:
        if row["precoder"] in ("zf", "zf-eq", "rzf-eq"):
            curves[row["precoder"].upper()] = (
                [row["sum_rate"]],
                [row["sum_rate"] / row["energy_uj"]],
            )
    return curves


def _setting(rows: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    """The distinct ``data.*`` values of a table's rows (the channels its networks were tested
    on), as a comparable key."""
    return tuple(sorted({(k, repr(v)) for row in rows for k, v in row.items()
                         if k.startswith("data.")}))  # fmt: skip


def read_sweep_table(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a sweep's ``results.csv`` (numbers parsed) or ``results.json``."""
    path = Path(path)
    try:
        if path.suffix == ".json":
            rows = json.loads(path.read_text()).get("results")
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise ValueError("its 'results' must be a list of rows")
        else:
            with path.open(newline="") as handle:
                rows = [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(handle)]
    except (OSError, UnicodeDecodeError, AttributeError, csv.Error, json.JSONDecodeError) as err:
        raise ValueError(f"sweep table {path} is not readable: {err}") from None
    except ValueError as err:
        raise ValueError(f"sweep table {path}: {err}") from None
    rows = [r for r in rows if r.get("status", "ok") != "failed"]  # failed trials: no numbers
    missing = [c for c in _NEEDED if not rows or c not in rows[0]]
    if missing:
        raise ValueError(
            f"sweep table {path} has no {', '.join(missing)} column"
            f"{'s' if len(missing) > 1 else ''} (or no finished trial): pareto reads the "
            "results.csv or results.json of a kasalaee sweep"
        )
    for index, row in enumerate(rows):
        for column in _NEEDED:
            value = row.get(column)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"sweep table {path}, row {index + 1} ({row.get('trial', '?')}): {column} "
                    f"must be a finite non-negative number, got {value!r}"
                )
    return rows


_NEEDED = ("test_sum_rate", "energy_uj")


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return None if text == "" else text
