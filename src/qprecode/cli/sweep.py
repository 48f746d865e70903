"""``qprecode sweep``: every trial of a config's sweep section, locally or on Ray Tune, into one
results table; ``qprecode pareto``: the Pareto fronts of such a table."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from .._locking import folder_lock
from ..experiments.kasalaee import pareto_report
from ..results import run_metadata, write_csv, write_json
from ..sweeps import ENGINES, plan_sweep, ray_available, run_local, run_ray
from ..training.config import parse_assignments
from ._app import check_output_dir, cli, console, force_option


@cli.command()
@click.option("--config", "config_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="YAML config with a sweep section (configs/<paper>/*.yaml).")  # fmt: skip
@click.argument("overrides", nargs=-1)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              callback=check_output_dir,
              help="Sweep folder; default sweeps/<config name>.")  # fmt: skip
@force_option()
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
              help="ray: Ray Tune (pip install 'qprecode[sweep]'); local: one trial after the "
              "other in this process; auto: ray when installed.")  # fmt: skip
@click.option(
    "--address",
    default=None,
    help="Address of an existing Ray cluster (default: a local Ray instance).",
)
@click.option("--cpus-per-trial", type=click.IntRange(min=1), default=1, show_default=True,
              help="CPUs (torch threads) per Ray trial.")  # fmt: skip
@click.option(
    "--max-concurrent",
    type=click.IntRange(min=1),
    default=None,
    help="At most this many Ray trials at once.",
)
@click.option("--list", "list_only", is_flag=True, help="List the trials and exit.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def sweep(
    config_path: Path, overrides: tuple[str, ...], out_dir: Path | None, engine: str,
    address: str | None, cpus_per_trial: int, max_concurrent: int | None, list_only: bool,
    quiet: bool,
) -> None:  # fmt: skip
    """Train every trial of a sweep and write OUT/results.csv (one row per trial: config, seed,
    validation and test sum rate, energy and energy efficiency where the task has a cost model)
    and OUT/results.json. Run it again to resume after a stop: finished trials are read back,
    stopped ones continue from their last checkpoint."""
    trials = plan_sweep(config_path, parse_assignments(list(overrides)))
    if list_only:
        for index, trial in enumerate(trials):
            console.print(f"{index:4d}  {trial.name}")
        return
    if cpus_per_trial < 1:
        raise ValueError(f"--cpus-per-trial must be a positive integer, got {cpus_per_trial}")
    out = out_dir or Path("sweeps") / config_path.stem
    chosen = engine if engine != "auto" else ("ray" if ray_available() else "local")
    console.print(f"{len(trials)} trials of {config_path}, engine {chosen}, into {out}")
    with folder_lock(out, "qprecode sweep"):  # one sweep per folder
        if chosen == "ray":
            records = run_ray(trials, out, address, cpus_per_trial, max_concurrent, console.print)
        else:
            records = run_local(trials, out, console.print, progress=not quiet)
        write_csv(out / "results.csv", records)
        write_json(out / "results.json", {
            "config": {"command": "sweep", "config_file": str(config_path),
                       "overrides": list(overrides), "engine": chosen, "address": address},
            "meta": run_metadata(), "results": records,
        })  # fmt: skip
    table = Table(title=f"{config_path}: {len(records)} trials")
    columns = [c for c in ("trial", "status", "val_best", "test_sum_rate", "energy_uj",
                           "energy_efficiency")
               if any(c in r for r in records)]  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for record in records:
        table.add_row(*(_cell(record.get(c)) for c in columns))
    console.print(table)
    console.print(f"wrote {out / 'results.csv'}")
    failed = [r["trial"] for r in records if r.get("status") == "failed"]
    if failed:
        raise ValueError(
            f"{len(failed)} of {len(records)} trials failed ({', '.join(failed[:5])}): see the "
            f"status and error columns of {out / 'results.csv'}; run the sweep again to retry them"
        )


def _cell(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value if value is not None else "-")


@cli.command()
@click.argument("tables", nargs=-1, required=True,
                type=click.Path(dir_okay=False, exists=True, path_type=Path))  # fmt: skip
@click.option("--wmmse", "wmmse_channels", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also draw the reference precoders on this many test channels of the first "
              "table's setting: WMMSE over its stopping tolerance (four starts, and the paper's "
              "MRT start) and ZF/RZF in both power normalisations (Fig. 3); 0: no.")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              callback=check_output_dir,
              help="Output folder; default: the first table's folder.")  # fmt: skip
@force_option()
def pareto(tables: tuple[Path, ...], wmmse_channels: int, out_dir: Path | None) -> None:
    """Pareto fronts of energy efficiency (bits/s/Hz/uJ) against sum rate from one or more
    sweeps' results.csv or results.json (Figs. 2-3 of Kasalaee et al.; e.g. the paper's network
    and the structured one): seeds averaged, fronts per architecture and over all. Writes
    pareto.json, pareto_architectures.png and pareto_overall.png."""
    out = out_dir or tables[0].parent
    report = pareto_report(tables, wmmse_channels, out)
    points, wmmse, linear = report.points, report.wmmse, report.linear
    result = Table(title="Pareto-optimal configurations (mean over seeds)")
    for column in ("architecture", "bits", "seeds", "sum rate", "energy [uJ]", "EE", "front"):
        result.add_column(column, justify="right")
    for p in sorted(points, key=lambda p: -p.sum_rate):
        if p.on_architecture_front or p.on_overall_front:
            result.add_row(p.architecture, p.bits, str(p.seeds),
                           f"{p.sum_rate:.3f} +- {p.sum_rate_std:.3f}", f"{p.energy_uj:.3g}",
                           f"{p.energy_efficiency:.3g}",
                           "overall" if p.on_overall_front else "architecture")  # fmt: skip
    console.print(result)
    for c in wmmse:
        console.print(f"{c['precoder']} tolerance {c['tolerance']:g}: "
                      f"{c['iterations']:.1f} iterations, {c['sum_rate']:.3f} bit/s/Hz, "
                      f"{c['energy_uj']:.3g} uJ")  # fmt: skip
    for row in linear:
        console.print(f"{row['precoder']}: {row['sum_rate']:.3f} bit/s/Hz, "
                      f"{row['energy_uj']:.3g} uJ")  # fmt: skip
    console.print(f"wrote {out / 'pareto.json'} and the plots")
