"""The ``qprecode`` command line: evaluate precoders and draw radiation patterns.

Every command prints a table, and can save its numbers (``--json``) with their config and a plot
(``--plot``). Bad input gives a one-line error and exit status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import torch
from rich.console import Console
from rich.table import Table

from . import _parsing
from ._validation import check_device
from .channels import CHANNEL_NAMES, make_channel
from .dac import DAC_KINDS
from .experiments import PRESETS, reproduce, run_comparison
from .experiments.common import PRESET_SIZES
from .metrics import (
    MODULATIONS,
    draw_symbols,
    los_radiation_db,
)
from .metrics import evaluate as evaluate_precoder
from .plotting import plot_metric, plot_power, plot_radiation
from .power import Accelerator, DACPowerModel, power_panels, power_records
from .precoders import Precoder, design_for_snr
from .results import run_metadata, write_json
from .seeds import SYMBOL_OFFSET
from .training import load_config
from .training import retest as retest_run
from .training import train as train_run
from .zoo import build_precoder, is_learned

__all__ = ["cli", "main"]

console = Console()
if not console.is_terminal:  # piped or logged output: do not squeeze tables to 80 columns
    console.width = 160


def _bits_text(bits: int | None) -> str:
    return "inf" if bits is None else str(bits)


PRECODER_HELP = (
    "Comma list of precoders: mrt, zf, rzf (alias wf), squid, c2po, exhaustive, gnn:NAME (a "
    "shipped model) or gnn:PATH (a checkpoint). A GNN runs at its own bit-width."
)
precoder_option = click.option(
    "--precoder", "precoders", default="mrt", show_default=True, help=PRECODER_HELP
)
bits_option = click.option(
    "--bits", "bits_text", default="1", show_default=True,
    help="Comma list of DAC resolutions, 1..8 or inf.",
)  # fmt: skip
dac_option = click.option(
    "--dac", "dac_kind", type=click.Choice(DAC_KINDS), default="lloyd-max", show_default=True,
    help="DAC level design.",
)  # fmt: skip
antennas_option = click.option(
    "--antennas", "-M", type=int, default=32, show_default=True, help="Antennas M."
)


def json_option(what: str) -> Callable[[Any], Any]:
    return click.option(
        "--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
        help=f"Write config and {what} as JSON.",
    )  # fmt: skip


def plot_option(help_text: str) -> Callable[[Any], Any]:
    return click.option(
        "--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), help=help_text
    )


def build_all(
    names: list[str], bits_list: list[int | None], dac_kind: str
) -> list[tuple[str, int | None, Precoder]]:
    """(name, bits, precoder) for every classical precoder at every resolution, and once for
    every GNN at its own resolution."""
    built: list[tuple[str, int | None, Precoder]] = []
    for name in names:
        if is_learned(name):
            precoder = build_precoder(name)
            built.append((name, precoder.bits, precoder))  # type: ignore[attr-defined]
        else:
            built += [(name, b, build_precoder(name, b, dac_kind)) for b in bits_list]
    return built


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qprecode")
def cli() -> None:
    """qprecode: quantization-aware precoding for massive MIMO with low-resolution DACs."""


@cli.command()
@precoder_option
@bits_option
@dac_option
@antennas_option
@click.option("--users", "-K", type=int, default=1, show_default=True, help="Users K.")
@click.option(
    "--channel",
    type=click.Choice(CHANNEL_NAMES),
    default="rayleigh",
    show_default=True,
    help="Channel model.",
)
@click.option(
    "--snr-db",
    "snr_text",
    default="-30:30:5",
    show_default=True,
    help="SNR points P_T/sigma^2 in dB: start:stop:step, a comma list or one value.",
)
@click.option(
    "--channels",
    "num_channels",
    type=int,
    default=1000,
    show_default=True,
    help="Channel realisations.",
)
@click.option(
    "--modulation",
    type=click.Choice(list(MODULATIONS)),
    default="gaussian",
    show_default=True,
    help="Symbols: CN(0,1) or a Gray-mapped QAM constellation.",
)
@click.option(
    "--metric",
    "metrics_text",
    default="sum_rate",
    show_default=True,
    help="Comma list of sum_rate and ber (ber needs a constellation).",
)
@click.option(
    "--symbols",
    "num_symbols",
    type=int,
    default=125,
    show_default=True,
    help="Symbol vectors N_s per channel.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of channels and symbols."
)
@click.option("--batch-size", type=int, default=1000, show_default=True, help="Channels per chunk.")
@click.option("--device", default="cpu", show_default=True, help="torch device, e.g. cpu or cuda.")
@json_option("results")
@plot_option("Write a metric-vs-SNR plot (PNG); a second metric goes to NAME_ber.png.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def evaluate(
    precoders: str,
    antennas: int,
    users: int,
    bits_text: str,
    dac_kind: str,
    channel: str,
    snr_text: str,
    num_channels: int,
    modulation: str,
    metrics_text: str,
    num_symbols: int,
    seed: int,
    batch_size: int,
    device: str,
    json_path: Path | None,
    plot_path: Path | None,
    quiet: bool,
) -> None:
    """Sum rate (eq. 9), noiseless NMSE and uncoded BER of precoders on the same channels,
    symbols and noise."""
    names = _parsing.parse_name_list(precoders)
    bits_list = _parsing.parse_bits_list(bits_text)
    snrs = _parsing.parse_snr_range(snr_text)
    metrics = _parsing.parse_name_list(metrics_text, "metric")
    unknown = sorted(set(metrics) - {"sum_rate", "ber"})
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from sum_rate, ber")
    if "ber" in metrics and modulation == "gaussian":
        raise ValueError("--metric ber needs a constellation: --modulation qpsk, 16qam or 64qam")
    for value, what in [(num_symbols, "--symbols"), (num_channels, "--channels")]:
        if value < 1:
            raise ValueError(f"{what} must be a positive integer, got {value}")
    dev = check_device(device)
    model = make_channel(channel, antennas, users, device=dev)
    H = model.sample(num_channels, torch.Generator().manual_seed(seed))
    s, indices = draw_symbols(
        num_channels, num_symbols, users, seed + SYMBOL_OFFSET, H.dtype, modulation
    )
    records: list[dict[str, Any]] = []
    for name, bits, precoder in build_all(names, bits_list, dac_kind):
        label = f"{name} {_bits_text(bits)}-bit"
        result = evaluate_precoder(
            precoder,
            H,
            snrs,
            symbols=s.to(dev),
            modulation=modulation,
            symbol_indices=indices,
            seed=seed + SYMBOL_OFFSET,
            batch_size=batch_size,
            progress=not quiet,
            description=label,
        )
        for i, snr in enumerate(result.snr_db):
            records.append(
                {
                    "precoder": name,
                    "bits": _bits_text(bits),
                    "antennas": antennas,
                    "users": users,
                    "channel": channel,
                    "snr_db": snr,
                    "sum_rate": result.sum_rate[i],
                    "sum_rate_std": result.sum_rate_std[i],
                    "snidr_db": result.snidr_db[i],
                    "nmse_db": result.nmse_db[i],
                    "modulation": modulation,
                    **({"ber": result.ber[i]} if result.ber is not None else {}),
                }
            )

    caption = (
        f"M={antennas}, K={users}, {channel}, {modulation} symbols, "
        f"{num_channels} channels x {num_symbols} symbols, seed {seed}"
    )
    titles = {
        "sum_rate": r"Sum rate \[bits/channel use] vs SNR \[dB]",
        "ber": r"Uncoded BER vs SNR \[dB]",
    }
    for metric in metrics:
        _print_table(records, snrs, metric, titles[metric], caption)
    config = {
        "command": "evaluate",
        "precoders": names,
        "bits": [_bits_text(b) for b in bits_list],
        "dac": dac_kind,
        "antennas": antennas,
        "users": users,
        "channel": channel,
        "modulation": modulation,
        "metrics": metrics,
        "snr_db": snrs,
        "channels": num_channels,
        "symbols": num_symbols,
        "seed": seed,
        "symbol_seed": seed + SYMBOL_OFFSET,
        "device": device,
    }
    if json_path is not None:
        write_json(json_path, {"config": config, "meta": run_metadata(), "results": records})
        console.print(f"wrote {json_path}")
    if plot_path is not None:
        title = f"M={antennas}, K={users}, {channel} channel"
        for metric in metrics:
            path = plot_path if metric == metrics[0] else _sibling(plot_path, metric)
            plot_metric(records, path, metric, title=title)
            console.print(f"wrote {path}")


def _sibling(path: Path, metric: str) -> Path:
    """``out.png`` -> ``out_ber.png`` for the second metric's plot."""
    return path.with_name(f"{path.stem}_{metric}{path.suffix}")


def _print_table(
    records: list[dict[str, Any]], snrs: list[float], key: str, title: str, caption: str
) -> None:
    table = Table(title=title, caption=caption)
    table.add_column("precoder")
    table.add_column("bits", justify="right")
    for snr in snrs:
        table.add_column(f"{snr:g}", justify="right")
    table.add_column(r"NMSE \[dB]", justify="right")
    rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        rows.setdefault((r["precoder"], r["bits"]), []).append(r)
    for (name, bits), rs in rows.items():
        nmse = rs[-1]["nmse_db"]
        cells = (f"{r[key]:.2f}" if key == "sum_rate" else f"{r[key]:.2e}" for r in rs)
        table.add_row(name, bits, *cells, f"{nmse:.2f}")
    console.print(table)


@cli.command()
@precoder_option
@bits_option
@dac_option
@antennas_option
@click.option(
    "--angles",
    "angles_text",
    default="110",
    show_default=True,
    help="User angles in degrees, comma list (one per user; 90 is broadside).",
)
@click.option(
    "--symbols",
    "num_symbols",
    type=int,
    default=10_000,
    show_default=True,
    help="Symbol vectors used to estimate G and E[qq^H].",
)
@click.option(
    "--resolution", type=float, default=0.25, show_default=True, help="Angle grid step in degrees."
)
@click.option(
    "--snr-db",
    "snr_db",
    type=float,
    default=20.0,
    show_default=True,
    help="Design SNR of rzf, squid and exhaustive (others ignore it).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the symbols.")
@json_option("patterns")
@plot_option("Write polar plots of P_lin, P_dist and SDR (PNG).")
def radiation(
    precoders: str,
    bits_text: str,
    antennas: int,
    angles_text: str,
    num_symbols: int,
    resolution: float,
    snr_db: float,
    dac_kind: str,
    seed: int,
    json_path: Path | None,
    plot_path: Path | None,
) -> None:
    """Radiation patterns of the intended signal and the distortion (eqs. 11-12) on a
    line-of-sight ULA channel, as in Figs. 3-4 of Feys et al. (SNR-dependent precoders are
    designed for --snr-db)."""
    names = _parsing.parse_name_list(precoders)
    bits_list = _parsing.parse_bits_list(bits_text)
    user_angles = _parsing.parse_float_list(angles_text, "angle")
    if not 0 < resolution <= 45:
        raise ValueError(f"--resolution must be in (0, 45] degrees, got {resolution}")
    if num_symbols < 1:
        raise ValueError(f"--symbols must be a positive integer, got {num_symbols}")
    if not all(0 <= a <= 180 for a in user_angles):
        raise ValueError(f"--angles must be in [0, 180] degrees, got {user_angles}")
    grid = torch.arange(0.0, 180.0 + resolution / 2, resolution)

    patterns: list[dict[str, Any]] = []
    table = Table(title=f"Radiation, M={antennas}, users at {user_angles} deg")
    for col in ("precoder", "bits", r"SDR at users \[dB]", r"min SDR \[dB]"):
        table.add_column(col, justify="right")
    for name, bits, built in build_all(names, bits_list, dac_kind):
        precoder = design_for_snr(built, snr_db)
        record: dict[str, Any] = {
            "label": f"{name.upper()} {_bits_text(bits)}-bit",
            "precoder": name,
            "bits": _bits_text(bits),
            **los_radiation_db(precoder, antennas, user_angles, num_symbols, grid, seed),
        }
        patterns.append(record)
        at_users = [record["sdr_db"][int(round(a / resolution))] for a in user_angles]
        table.add_row(
            name,
            _bits_text(bits),
            ", ".join(f"{v:.1f}" for v in at_users),
            f"{min(record['sdr_db']):.1f}",
        )
    console.print(table)
    config = {
        "command": "radiation",
        "precoders": names,
        "bits": [_bits_text(b) for b in bits_list],
        "antennas": antennas,
        "angles_deg": user_angles,
        "symbols": num_symbols,
        "resolution_deg": resolution,
        "snr_db": snr_db,
        "dac": dac_kind,
        "seed": seed,
    }
    if json_path is not None:
        write_json(json_path, {"config": config, "meta": run_metadata(), "patterns": patterns})
        console.print(f"wrote {json_path}")
    if plot_path is not None:
        plot_radiation(patterns, user_angles, plot_path)
        console.print(f"wrote {plot_path}")


@cli.command(context_settings={"ignore_unknown_options": False})
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML config (configs/*.yaml).",
)
@click.argument("overrides", nargs=-1)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder; default runs/<config name>.",
)
@click.option("--resume", is_flag=True, help="Continue the interrupted run in the run folder.")
@click.option("--device", default=None, help="cpu or cuda (overrides the config).")
@click.option("--max-steps", type=int, default=None, help="Stop after this global step.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(
    config_path: Path,
    overrides: tuple[str, ...],
    out_dir: Path | None,
    resume: bool,
    device: str | None,
    max_steps: int | None,
    quiet: bool,
) -> None:
    """Train the quantized GNN precoder. Any config key can be overridden as key=value, e.g.
    `qprecode train --config configs/small-k1-b1.yaml epochs=2 lr=1e-3`. For several processes
    (DDP), launch with `torchrun --nproc_per_node N -m qprecode.cli train ...`."""
    items = list(overrides) + ([f"device={device}"] if device else [])
    config = load_config(config_path, items)
    out = out_dir or Path("runs") / config_path.stem
    command = " ".join(["qprecode train --config", str(config_path), *overrides])
    result = train_run(
        config,
        out,
        resume=resume,
        progress=not quiet,
        max_steps=max_steps,
        echo=console.print,
        command=command,
    )
    console.print(
        f"run folder {result.out_dir}: step {result.step}, best validation sum rate "
        f"{result.best_val_sum_rate:.3f}"
    )


@cli.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
def retest(run_dir: Path) -> None:
    """Evaluate the best model of a finished training run on its test set again and rewrite its
    best.json and MODEL_CARD.md."""
    retest_run(run_dir, echo=console.print)
    console.print((run_dir / "MODEL_CARD.md").read_text(), markup=False)


@cli.command()
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default="quick",
    show_default=True,
    help="quick: 300 channels x 64 symbols; full: 1000 x 125 and a finer SNR grid.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/compare"),
    show_default=True,
    help="Output folder.",
)
def compare(preset: str, out_dir: Path) -> None:
    """MRT, ZF, WF, SQUID, C2PO and the shipped GNNs side by side (M=32, K in {1,2,4}, b in
    {1,2}; sum rate and QPSK BER vs SNR), and every 1-bit precoder against exhaustive search on
    a small problem (M=6). Writes report.md, results.json, config.json and plots."""
    run_comparison(PRESETS[preset], out_dir, echo=console.print)
    console.print((out_dir / "report.md").read_text())
    console.print(f"wrote {out_dir}")


@cli.command()
@click.option("--antennas", "-M", type=int, default=32, show_default=True, help="Antennas M.")
@click.option("--users", "-K", type=int, default=1, show_default=True, help="Users K.")
@click.option("--gnn-bits", type=int, default=1, show_default=True, help="Bits of the GNN's DACs.")
@click.option("--baseline-bits", type=int, default=3, show_default=True,
              help="Bits of the baseline's (e.g. MRT) DACs.")  # fmt: skip
@click.option("--arch", "arch_text", default="128x4,32x8", show_default=True,
              help="Comma list of GNN architectures d_h x N_h.")  # fmt: skip
@click.option("--at-bandwidth", "at_bandwidth", type=float, default=1e6, show_default=True,
              help="Bandwidth [Hz] at which the power reductions are reported.")  # fmt: skip
@click.option("--efficiency", type=float, default=646.6e12, show_default=True,
              help="Accelerator efficiency eta [FLOP/s/W].")  # fmt: skip
@click.option("--max-flops", type=float, default=39.8e12, show_default=True,
              help="Accelerator speed cap [FLOP/s].")  # fmt: skip
@click.option("--rolloff", type=float, default=0.1, show_default=True, help="Roll-off alpha.")
@click.option("--vdd", type=float, default=3.0, show_default=True, help="DAC supply V_dd [V].")
@click.option("--i0", type=float, default=10e-6, show_default=True, help="LSB current I_0 [A].")
@click.option("--cp", type=float, default=1e-12, show_default=True, help="Parasitic C_p [F].")
@click.option("--carrier", type=float, default=3.5e9, show_default=True,
              help="RF-DAC carrier f_c [Hz].")  # fmt: skip
@json_option("records")
@plot_option("Write power vs bandwidth for baseband and RF-DACs (PNG).")
def power(
    antennas: int, users: int, gnn_bits: int, baseline_bits: int, arch_text: str,
    at_bandwidth: float, efficiency: float, max_flops: float, rolloff: float, vdd: float,
    i0: float, cp: float, carrier: float, json_path: Path | None, plot_path: Path | None,
) -> None:  # fmt: skip
    """DAC power (eq. 39), GNN processing power and total power of a GNN precoder with few-bit
    DACs against a baseline with more bits, for baseband and RF-DACs (Sect. VII of Feys et al.)."""
    archs = []
    for item in _parsing.parse_name_list(arch_text, "architecture"):
        width, sep, depth = item.lower().partition("x")
        if not sep or not width.isdigit() or not depth.isdigit():
            raise ValueError(f"architecture {item!r} must look like 128x4 (d_h x N_h)")
        archs.append((int(width), int(depth)))
    options: dict[str, Any] = {
        "rolloff": rolloff,
        "dac_model": DACPowerModel(vdd=vdd, i0=i0, cp=cp, carrier_hz=carrier),
        "accelerator": Accelerator(efficiency, max_flops),
    }
    records = power_records(archs, antennas, users, gnn_bits, baseline_bits, at_bandwidth,
                            **options)  # fmt: skip
    table = Table(title=f"GNN with {gnn_bits}-bit DACs vs baseline with {baseline_bits}-bit "
                        f"DACs, M={antennas}, K={users}")  # fmt: skip
    for col in ("d_h x N_h", "DACs", "MFLOP/vector", "crossover", "accelerator limit",
                f"DAC-only / total reduction at {at_bandwidth / 1e6:g} MHz",
                "total reduction at the limit"):  # fmt: skip
        table.add_column(col, justify="right")
    for r in records:
        crossover = r["crossover_bandwidth_hz"]
        red = r["power_reduction"]
        table.add_row(
            f"{r['dh']}x{r['nh']}", r["dac"], f"{r['flops_per_vector'] / 1e6:.2f}",
            "none" if crossover is None else f"{crossover / 1e6:.3f} MHz",
            f"{r['max_bandwidth_hz'] / 1e6:.2f} MHz",
            f"{red['dac_only']:.2f} / {red['total']:.2f}",
            f"{red['at_max_bandwidth']['total']:.2f}",
        )  # fmt: skip
    console.print(table)
    config = {
        "command": "power", "antennas": antennas, "users": users, "gnn_bits": gnn_bits,
        "baseline_bits": baseline_bits, "architectures": archs, "at_bandwidth_hz": at_bandwidth,
        "efficiency_flops_per_watt": efficiency, "max_flops": max_flops, "rolloff": rolloff,
        "vdd": vdd, "i0": i0, "cp": cp, "carrier_hz": carrier,
    }  # fmt: skip
    if json_path is not None:
        write_json(json_path, {"config": config, "meta": run_metadata(), "results": records})
        console.print(f"wrote {json_path}")
    if plot_path is not None:
        panels = power_panels(archs, ("baseband", "rf"), antennas, users, gnn_bits,
                              baseline_bits, **options)  # fmt: skip
        plot_power(panels, plot_path)
        console.print(f"wrote {plot_path}")


@cli.command("reproduce")
@click.argument("experiment")
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESET_SIZES)),
    default="quick",
    show_default=True,
    help="quick: 1,000 channels, a minute on 2 CPU cores; paper: the paper's 10,000 test "
    "channels. Both use the shipped GNNs.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/reproduce"),
    show_default=True,
    help="Output folder.",
)
def reproduce_command(experiment: str, preset: str, out_dir: Path) -> None:
    """Reproduce a figure or table of Feys et al.: fig3, fig4, fig7a, fig7b, table1, fig8, fig9,
    fig10, fig11, fig12, fig13, or all (one REPORT.md)."""
    for section in reproduce(experiment, preset, out_dir, echo=console.print):
        console.print(section.markdown, markup=False)
    console.print(f"wrote {out_dir}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning a ``ValueError`` into a one-line error and exit 2."""
    try:
        code = cli.main(args=argv, prog_name="qprecode", standalone_mode=False)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except ValueError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
