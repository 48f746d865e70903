"""``qprecode zhang``: the experiments of Zhang et al. on trained GNN precoders: size
generalisation (``sizes``), learning curves from a sweep over training-set sizes (``curve``),
the complexity tables (``complexity``), and Figs. 10 and 15 beside the paper's text (``fig10``,
``fig15``)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from .. import _parsing
from ..channels import CHANNEL_NAMES
from ..evaluation import OBJECTIVES
from ..experiments.zhang import (
    PAPER,
    classical_timings,
    figure10,
    figure15,
    hybrid_complexity,
    learned_complexity,
    learning_curves,
    model_complexity,
    sizes_report,
)
from ..plotting import plot_curves
from ..registry import resolve_checkpoint
from ..results import run_metadata, write_json
from ._app import check_output_dir, cli, console, force_option
from ._checks import FiniteFloat


@cli.group()
def zhang() -> None:
    """Experiments of Zhang et al. (gradient-driven GNN precoders)."""


@zhang.command("sizes")
@click.option("--model", "models_text", required=True,
              help="Comma list of LABEL=PATH (run folder or model file).")  # fmt: skip
@click.option("--antennas", "-M", "antennas_text", default="12", show_default=True,
              help="Antennas M: start:stop[:step], a comma list or one value.")  # fmt: skip
@click.option("--users", "-K", "users_text", default="1:12", show_default=True,
              help="Users K: start:stop[:step], a comma list or one value.")  # fmt: skip
@click.option("--snr-db", type=float, default=10.0, show_default=True)
@click.option("--objective", type=click.Choice(OBJECTIVES), default="se", show_default=True)
@click.option("--channels", "num_channels", type=int, default=1000, show_default=True,
              help="Test channels per size.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--channel", type=click.Choice(CHANNEL_NAMES), default="rayleigh", show_default=True)
@click.option("--classical", "classical_text", default="rzf,mrt,zf", show_default=True,
              help="Classical precoders (e.g. mo-altmin,omp,pzf for hybrid).")  # fmt: skip
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              callback=check_output_dir,
              help="Folder for sizes.json, sizes.csv and sizes.png.")  # fmt: skip
@force_option()
@click.option("--quiet", is_flag=True, help="No progress bar.")
def sizes(
    models_text: str, antennas_text: str, users_text: str, snr_db: float, objective: str,
    num_channels: int, seed: int, channel: str, classical_text: str, out_dir: Path, quiet: bool,
) -> None:  # fmt: skip
    """Trained GNNs and classical precoders (--classical) at every (M, K) of the grid, as a
    fraction of WMMSE (se) or WMMSE-PF (log-se) on the same channels (Figs. 6, 7, 11, 12 of Zhang
    et al.; Fig. 14 with a hybrid model, --channel sv --classical mo-altmin,omp,pzf)."""
    pairs = [item.split("=", 1) for item in _parsing.parse_name_list(models_text, "model")]
    if any(len(p) != 2 or not p[0] for p in pairs):
        raise ValueError(f"--model takes LABEL=PATH items, got {models_text!r}")
    antennas = _parsing.parse_int_range(antennas_text, "--antennas")
    users = _parsing.parse_int_range(users_text, "--users")
    classical = _parsing.parse_name_list(classical_text)
    rows = sizes_report(dict(pairs), antennas, users, out_dir, snr_db, objective, num_channels,
                        seed, channel, classical, not quiet)  # fmt: skip
    names = list(dict.fromkeys(r["precoder"] for r in rows))
    table = Table(title=f"{objective}: fraction of the baseline ({num_channels} channels, "
                        f"{snr_db:g} dB)")  # fmt: skip
    for column in ("M", "K", *names):
        table.add_column(column, justify="right")
    for m, k in [(m, k) for m in antennas for k in users]:
        cells = {r["precoder"]: f"{r['fraction']:.1%}" for r in rows
                 if (r["antennas"], r["users"]) == (m, k)}  # fmt: skip
        table.add_row(str(m), str(k), *(cells.get(n, "-") for n in names))
    console.print(table)
    console.print(f"wrote {out_dir / 'sizes.json'}, sizes.csv and sizes.png")


@zhang.command("curve")
@click.argument("sweep_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              callback=check_output_dir,
              help="Folder for curve.json and curve.png; default: the sweep folder.")  # fmt: skip
@force_option()
def curve(sweep_dir: Path, out_dir: Path | None) -> None:
    """Learning curves (test fraction of WMMSE or WMMSE-PF vs training samples) from a sweep of
    configs/zhang/curve.yaml (Figs. 4, 5, 10 of Zhang et al.)."""
    curves = learning_curves(sweep_dir)
    out = out_dir or sweep_dir
    out.mkdir(parents=True, exist_ok=True)
    table = Table(title="Fraction of the WMMSE baseline vs training samples")
    for column in ("curve", "samples", "fraction", "seed"):
        table.add_column(column, justify="right")
    for label, points in curves.items():
        for p in points:
            table.add_row(label, str(p["samples"]), f"{p['fraction']:.1%}", str(p["seed"]))
    console.print(table)
    write_json(out / "curve.json", {"config": {"command": "zhang curve", "sweep": str(sweep_dir)},
               "meta": run_metadata(), "curves": curves})  # fmt: skip
    plot_curves({k: ([p["samples"] for p in v], [p["fraction"] for p in v])
                 for k, v in curves.items()}, out / "curve.png", "training samples",
                "fraction of the baseline", logx=True)  # fmt: skip
    console.print(f"wrote {out / 'curve.json'} and {out / 'curve.png'}")


@zhang.command("complexity")
@click.option("--sweep", "sweep_dir", default=None,
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A learning-curve sweep (configs/zhang/curve.yaml).")  # fmt: skip
@click.option("--model", "models_text", default=None,
              help="Trained models as a comma list of LABEL=NAME (shipped name, run folder or "
                   "model file), each at the size it was trained at.")  # fmt: skip
@click.option("--target", type=FiniteFloat(0.0, 1.5, min_open=True), default=0.99,
              show_default=True,
              help="Fraction of the baseline a model must reach.")  # fmt: skip
@click.option("--hybrid", "hybrid_run", default=None,
              help="A trained hybrid model (shipped name, run folder or model file).")  # fmt: skip
@click.option("--channels", "num_channels", type=int, default=1000, show_default=True,
              help="Channels per inference timing.")  # fmt: skip
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              callback=check_output_dir, help="Folder for complexity.json.")  # fmt: skip
@force_option()
def complexity(
    sweep_dir: Path | None, models_text: str | None, target: float, hybrid_run: str | None,
    num_channels: int, out_dir: Path,
) -> None:  # fmt: skip
    """Tables I-IV of Zhang et al. on this machine: parameters, real FLOPs per channel (matrix
    products and solves), fewest training samples to reach the target (--sweep), training time,
    and inference time per sample of the learned and classical precoders (one batched call over
    --channels channels, median of 3)."""
    if not 0 < target <= 1.5 or num_channels < 1:
        raise ValueError(f"need 0 < --target <= 1.5 and --channels >= 1, got {target}, "
                         f"{num_channels}")  # fmt: skip
    if sweep_dir is None and models_text is None and hybrid_run is None:
        raise ValueError("give --sweep, --model or --hybrid (what to measure)")
    specs: dict[str, str] = {}
    if models_text is not None:
        pairs = [item.split("=", 1) for item in _parsing.parse_name_list(models_text, "model")]
        if any(len(p) != 2 or not p[0] for p in pairs):
            raise ValueError(f"--model takes LABEL=NAME items, got {models_text!r}")
        specs = dict(pairs)
        for spec in specs.values():
            resolve_checkpoint(spec)  # a clear error for a missing model, before any work
    learned = [] if sweep_dir is None else learned_complexity(sweep_dir, target, num_channels)
    models = model_complexity(specs, num_channels)
    sizes = sorted({(r["antennas"], r["users"]) for r in [*learned, *models]})
    classical = classical_timings(sizes, ("wmmse", "zf"), num_channels)
    hybrid = {}
    if hybrid_run is not None:
        hybrid = hybrid_complexity(resolve_checkpoint(hybrid_run), num_channels)
    table = Table(title=f"Fewest training samples to {target:.0%} of the baseline, and timings")
    for column in ("precoder", "M, K", "parameters", "FLOPs", "samples", "fraction",
                   "train [s]", "infer [ms/sample]"):  # fmt: skip
        table.add_column(column, justify="right")
    for r in learned:
        table.add_row(r["curve"], f"{r['antennas']}, {r['users']}", f"{r['parameters']:,}",
                      f"{r['flops']:,}", str(r["samples"] or "not reached"),
                      f"{r['fraction']:.1%}", f"{r['train_seconds']:.0f}",
                      f"{r['inference_ms']:.3f}")  # fmt: skip
    for r in models:
        seconds = "-" if r["train_seconds"] is None else f"{r['train_seconds']:.0f}"
        fraction = "-" if r["fraction"] is None else f"{r['fraction']:.1%} of {r['baseline']}"
        table.add_row(r["model"], f"{r['antennas']}, {r['users']}", f"{r['parameters']:,}",
                      f"{r['flops']:,}", str(r["train_samples"]), fraction, seconds,
                      f"{r['inference_ms']:.3f}")  # fmt: skip
    for r in classical:
        flops = "-" if r["flops"] is None else f"{r['flops']:,}"
        table.add_row(r["precoder"], f"{r['antennas']}, {r['users']}", "-", flops, "-", "-",
                      "-", f"{r['inference_ms']:.3f}")  # fmt: skip
    for name, ms in hybrid.get("inference_ms", {}).items():
        size = f"{hybrid['antennas']}, {hybrid['users']}"
        fraction = f"{hybrid['fractions'].get(name, float('nan')):.1%} of MO"
        if name == "hybrid-gnn":
            table.add_row(name, size, f"{hybrid['parameters']:,}", f"{hybrid['flops']:,}",
                          str(hybrid["train_samples"]), fraction,
                          f"{hybrid['train_seconds']:.0f}", f"{ms:.3f}")  # fmt: skip
        else:
            table.add_row(name, size, "-", "-", "-", fraction, "-", f"{ms:.3f}")
    console.print(table)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = {"command": "zhang complexity",
              "sweep": None if sweep_dir is None else str(sweep_dir), "models": specs,
              "target": target, "hybrid": hybrid_run, "channels": num_channels}  # fmt: skip
    write_json(out_dir / "complexity.json", {"config": config, "meta": run_metadata(),
               "learned": learned, "models": models, "classical": classical,
               "hybrid": hybrid})  # fmt: skip
    console.print(f"wrote {out_dir / 'complexity.json'}")


@zhang.command("fig10")
@click.argument("sweep_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              callback=check_output_dir, help="Folder for fig10.json and fig10.png.")  # fmt: skip
@force_option()
def fig10(sweep_dir: Path, out_dir: Path) -> None:
    """Fig. 10 of Zhang et al.: log-SE learning curves (fraction of WMMSE-PF against training
    samples) from a sweep of configs/zhang/curve-log-se.yaml, beside the paper's text."""
    result = figure10(sweep_dir, out_dir)
    table = Table(title="Fig. 10: log-SE / log-SE of WMMSE-PF on the test channels")
    for column in ("curve", "samples", "fraction"):
        table.add_column(column, justify="right")
    for label, points in result["curves"].items():
        for p in points:
            table.add_row(label, str(p["samples"]), f"{p['fraction']:.1%}")
    for p in PAPER["fig10"]["points"]:
        table.add_row(f"paper: {p['curve']}", str(p["samples"]), f"{p['fraction']:.1%}")
    console.print(table)
    console.print(f"paper: {PAPER['fig10']['text']}")
    console.print(f"wrote {out_dir / 'fig10.json'} and {out_dir / 'fig10.png'}")


@zhang.command("fig15")
@click.option("--model", "model", default="hybrid-k4-n16", show_default=True,
              help="A trained hybrid model (shipped name, run folder or model file).")  # fmt: skip
@click.option("--antennas", "-M", "antennas_text", default="8,12,16,24,32,48,64",
              show_default=True, help="Antennas N: start:stop[:step] or a comma list.")  # fmt: skip
@click.option("--users", "-K", type=int, default=4, show_default=True)
@click.option("--snr-db", type=float, default=10.0, show_default=True)
@click.option("--channels", "num_channels", type=int, default=200, show_default=True,
              help="Test channels per N.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--classical", "classical_text", default="mo-altmin,omp,pzf", show_default=True,
              help="Classical hybrid precoders beside it.")  # fmt: skip
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              callback=check_output_dir,
              help="Folder for fig15.json, fig15.csv and fig15.png.")  # fmt: skip
@force_option()
@click.option("--quiet", is_flag=True, help="No progress bar.")
def fig15(
    model: str, antennas_text: str, users: int, snr_db: float, num_channels: int, seed: int,
    classical_text: str, out_dir: Path, quiet: bool,
) -> None:  # fmt: skip
    """Fig. 15 of Zhang et al.: a hybrid network trained at one number of antennas, and the
    classical hybrid precoders, at others (sum SE, Saleh-Valenzuela, K users), beside the
    paper's text."""
    if num_channels < 1 or users < 1:
        raise ValueError(f"--channels and --users must be >= 1, got {num_channels}, {users}")
    antennas = _parsing.parse_int_range(antennas_text, "--antennas")
    classical = _parsing.parse_name_list(classical_text)
    result = figure15(model, antennas, out_dir, users, snr_db, num_channels, seed, classical,
                      not quiet)  # fmt: skip
    rows = result["rows"]
    names = list(dict.fromkeys(r["precoder"] for r in rows))
    table = Table(title=f"Fig. 15: sum SE (fraction of the fully digital WMMSE), K = {users}, "
                        f"{snr_db:g} dB, {num_channels} SV channels per N")  # fmt: skip
    for column in ("N", *names):
        table.add_column(column, justify="right")
    for m in antennas:
        cells = {r["precoder"]: f"{r['utility']:.2f} ({r['fraction']:.0%})" for r in rows
                 if r["antennas"] == m}  # fmt: skip
        table.add_row(str(m), *(cells.get(n, "-") for n in names))
    console.print(table)
    console.print(f"paper: {PAPER['fig15']['text']}")
    console.print(f"wrote {out_dir / 'fig15.json'}, fig15.csv and fig15.png")
