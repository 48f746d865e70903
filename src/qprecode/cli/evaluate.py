"""``qprecode evaluate``: metrics of precoders on the same channels, symbols and noise."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click
import torch
from rich.table import Table

from .. import _parsing
from .._validation import check_device
from ..channels import CHANNEL_NAMES, make_channel
from ..datasets import LOS_SELECTIONS, SPLITS, FileChannel
from ..evaluation import MIN_SYMBOLS, evaluate_side_by_side, records
from ..evaluation.csi import DB_LIMIT
from ..evaluation.notes import (
    channel_conditioning,
    expectation_notes,
    nmse_note,
    rate_bound_note,
    zero_gain_notes,
)
from ..metrics import MODULATIONS
from ..plotting import plot_metric
from ..registry import build_precoder, find_entry
from ..results import bits_json, run_metadata, write_json
from ..seeds import SYMBOL_OFFSET
from ._app import (
    bits_label,
    build_all,
    cli,
    console,
    force_option,
    json_option,
    plot_option,
    precoder_options,
)


@cli.command()
@precoder_options
@click.option("--users", "-K", type=int, default=1, show_default=True, help="Users K.")
@click.option(
    "--channel",
    type=click.Choice(CHANNEL_NAMES),
    default="rayleigh",
    show_default=True,
    help="Channel model.",
)
@click.option(
    "--channel-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Draw the channels from a channel file instead of --channel: HDF5 (qprecode.datasets), "
    "or a .npy/.mat array [N, M, K] (samples) or [P, M] (positions); M comes from the file, "
    "groups of --users distinct positions per channel.",
)
@click.option(
    "--positions",
    type=click.Choice(tuple(LOS_SELECTIONS)),
    default="all",
    show_default=True,
    help="With --channel-file: draw users from all, LOS-only or NLOS-only positions.",
)
@click.option(
    "--split",
    type=click.Choice(SPLITS),
    default="all",
    show_default=True,
    help="With --channel-file: the positions of this split (80/10/10 by position, as training).",
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
@click.option(
    "--csi-error-db",
    type=click.FloatRange(max=DB_LIMIT),
    default=None,
    help="Imperfect CSI: the precoders see H + E with this estimation NMSE in dB (e.g. -20, at "
    f"most {DB_LIMIT:g}); the metrics use the true H.",
)
@click.option("--batch-size", type=int, default=1000, show_default=True,
              help="Channels per chunk. Above 256 MiB of channels and symbols they are also "
                   "drawn per chunk (own seeds), so memory is bounded by the chunk.")  # fmt: skip
@click.option("--device", default="cpu", show_default=True, help="torch device, e.g. cpu or cuda.")
@json_option("results")
@plot_option(
    "Write a metric-vs-SNR plot (PNG) of the first metric; each further one goes to "
    "NAME_METRIC.png (--plot runs/ber.png --metric ber,sum_rate: runs/ber_sum_rate.png)."
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
@force_option()
def evaluate(
    precoders: str,
    antennas: int,
    users: int,
    bits_text: str,
    dac_kind: str,
    channel: str,
    channel_file: Path | None,
    positions: str,
    split: str,
    snr_text: str,
    num_channels: int,
    modulation: str,
    metrics_text: str,
    num_symbols: int,
    seed: int,
    csi_error_db: float | None,
    batch_size: int,
    device: str,
    json_path: Path | None,
    plot_path: Path | None,
    quiet: bool,
) -> None:
    """Sum rate, noiseless NMSE and uncoded BER of precoders on the same channels, symbols and
    noise (sum rate of eq. 9 of Feys et al.)."""
    names = _parsing.parse_name_list(precoders)
    bits_list = _parsing.parse_bits_list(bits_text)
    snrs = _parsing.parse_snr_range(snr_text)
    metrics = _parsing.parse_name_list(metrics_text, "metric")
    unknown = sorted(set(metrics) - {"sum_rate", "ber"})
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from sum_rate, ber")
    if "ber" in metrics and modulation == "gaussian":
        raise ValueError("--metric ber needs a constellation: --modulation qpsk, 16qam or 64qam")
    if num_channels < 1:
        raise ValueError(f"--channels must be a positive integer, got {num_channels}")
    if num_symbols < MIN_SYMBOLS:
        raise ValueError(
            f"--symbols must be at least {MIN_SYMBOLS}: the Bussgang gain is fitted per channel "
            f"over its symbol vectors, and fewer over-fit it (1-bit MRT, M=32, K=1, 20 dB: "
            f"3.00 bits/c.u. with 4 symbols, 2.30 with 16, 2.16 with 125), got {num_symbols}"
        )
    dev = check_device(device)
    if channel_file is not None:
        source: Any = FileChannel(channel_file, users, split, los=LOS_SELECTIONS[positions],
                                  distinct=True)  # fmt: skip
        source.check_count(num_channels)
        antennas, channel = source.num_antennas, str(channel_file)
    else:
        source = make_channel(channel, antennas, users, device=dev)
    if num_symbols < users:
        raise ValueError(f"--symbols must be at least K={users} (the Bussgang fit), got "
                         f"{num_symbols}")  # fmt: skip
    outside = {name: find_entry(name).outside_training(antennas, users, snrs, channel)
               for name in names}  # fmt: skip
    for name, notes in outside.items():
        if notes:
            console.print(f"[yellow]note: {name} is used outside its training: {'; '.join(notes)}")
    built = build_all(names, bits_list, dac_kind)
    labelled = [(f"{name} {bits_label(bits)}-bit", precoder) for name, bits, precoder in built]
    same: dict[str, Any] = {
        "source": source, "antennas": antennas, "num_channels": num_channels,
        "num_symbols": num_symbols, "users": users, "seed": seed, "snr_db": snrs,
        "modulation": modulation, "csi_error_nmse_db": csi_error_db, "batch_size": batch_size,
        "device": dev,
    }  # fmt: skip
    results, streamed = evaluate_side_by_side(labelled, **same, progress=not quiet)
    rows = [
        row for (name, bits, _), result in zip(built, results, strict=True)
        for row in records(name, bits, result, antennas, users, channel, modulation)
    ]  # fmt: skip
    readings = _readings(rows, built, outside, same, dac_kind, channel)

    caption = (
        f"M={antennas}, K={users}, {channel}, {modulation} symbols, "
        f"{num_channels} channels x {num_symbols} symbols, seed {seed}"
        + ("" if csi_error_db is None else f", CSI error NMSE {csi_error_db:g} dB")
    )
    titles = {
        "sum_rate": r"Sum rate \[bits/channel use] ± standard error vs SNR \[dB]",
        "ber": r"Uncoded BER vs SNR \[dB] (< x: no error in 1/x simulated bits)",
    }
    if modulation != "gaussian":
        titles["sum_rate"] = (r"Sum rate \[bits/channel use, Gaussian-signalling bound "
                              r"log2(1 + SNIDR)] ± standard error vs SNR \[dB]")  # fmt: skip
    readings += [note for note in [rate_bound_note(rows, modulation, users)] if note]
    readings += zero_gain_notes(rows, num_channels, users)
    config = {
        "command": "evaluate",
        "precoders": names,
        "bits": [bits_json(b) for b in bits_list],
        "dac": dac_kind,
        "antennas": antennas,
        "users": users,
        "channel": channel,
        **({"positions": positions, "split": split} if channel_file is not None else {}),
        "modulation": modulation,
        "metrics": metrics,
        "snr_db": snrs,
        "channels": num_channels,
        "symbols": num_symbols,
        "seed": seed,
        "symbol_seed": seed + SYMBOL_OFFSET,
        "csi_error_nmse_db": csi_error_db,
        "streamed": streamed,
        "outside_training": {name: notes for name, notes in outside.items() if notes},
        "rate": "log2(1 + SNIDR) (eq. 9): Gaussian signalling"
        + ("" if modulation == "gaussian" else f", a bound for {modulation}"),
        "notes": readings,
        "device": device,
    }
    # the files first: a closed terminal or pipe (`| head`) must not lose the results
    written = []
    if json_path is not None:
        write_json(json_path, {"config": config, "meta": run_metadata(), "results": rows})
        written.append(json_path)
    simulated = num_channels * num_symbols * users * MODULATIONS[modulation]  # bits per point
    if plot_path is not None:
        title = f"M={antennas}, K={users}, {channel} channel"
        for metric in metrics:
            path = plot_path if metric == metrics[0] else _sibling(plot_path, metric)
            plot_metric(rows, path, metric, title=title, ber_floor=1 / max(simulated, 1))
            written.append(path)
    for metric in metrics:
        _print_table(rows, snrs, metric, titles[metric], caption, simulated)
    for note in readings:
        console.print(f"[yellow]note: {note}")
    for path in written:
        console.print(f"wrote {path}")


def _readings(
    rows: list[dict[str, Any]],
    built: list[tuple[str, int | None, Any]],
    outside: dict[str, list[str]],
    same: dict[str, Any],
    dac_kind: str,
    channel: str,
) -> list[str]:
    """Notes on what the numbers mean: NMSE above 0 dB explained by the channels, and for a
    learned model outside its training its rate against a classical reference at its bits on
    the same channels (MRT for one user, ZF for several; evaluated here if not asked for)."""
    source, antennas, users, seed = (same[k] for k in ("source", "antennas", "users", "seed"))
    num_channels = same["num_channels"]
    notes = []
    if any(r["nmse_db"] is not None and 0 < r["nmse_db"] < math.inf for r in rows):
        count = min(num_channels, 1000)
        here = channel_conditioning(source.sample(count, torch.Generator().manual_seed(seed)))
        rayleigh = make_channel("rayleigh", antennas, users)
        iid = channel_conditioning(rayleigh.sample(count, torch.Generator().manual_seed(seed)))
        notes += [n for n in [nmse_note(rows, here, iid)] if n]
    for name, bits, _ in built:
        if not outside.get(name) or find_entry(name).kind != "learned":
            continue
        reference = "mrt" if users == 1 or users > antennas else "zf"
        model = [r for r in rows if r["precoder"] == name and r["bits"] == bits_json(bits)]
        ref = [r for r in rows if r["precoder"] == reference and r["bits"] == bits_json(bits)]
        if not ref:  # cheap: one classical precoder on the same channels and symbols
            precoder = build_precoder(reference, bits, dac_kind)
            label = f"{reference} {bits_label(bits)}-bit"
            (result,), _ = evaluate_side_by_side([(label, precoder)], **same, progress=False)
            ref = records(reference, bits, result, antennas, users, channel, same["modulation"])
        notes += expectation_notes(name, model, ref, f"{bits_label(bits)}-bit {reference.upper()}")
    return notes


def _sibling(path: Path, metric: str) -> Path:
    """``out.png`` -> ``out_METRIC.png`` for a further metric's plot."""
    return path.with_name(f"{path.stem}_{metric}{path.suffix}")


def _cell(record: dict[str, Any], key: str, simulated_bits: int) -> str:
    value = record[key]
    if key == "sum_rate":  # with its standard error over channels
        return f"{value:.2f} ± {record['sum_rate_sem']:.2f}"
    if value == 0:  # no error seen: an upper bound, not a zero
        return f"< {1 / max(simulated_bits, 1):.1e}"
    return f"{value:.2e}"


def _nmse_cell(nmse: float) -> str:
    if math.isinf(nmse) and nmse > 0:  # a user without signal: see the note
        return "+inf"
    # below -100 dB the NMSE is rounding error of an exact precoder (e.g. unquantized ZF)
    return f"{nmse:.2f}" if nmse > -100 else "< -100"


def _print_table(
    records: list[dict[str, Any]], snrs: list[float], key: str, title: str, caption: str,
    simulated_bits: int,
) -> None:  # fmt: skip
    table = Table(title=title, caption=caption)
    table.add_column("precoder")
    table.add_column("bits", justify="right")
    for snr in snrs:
        table.add_column(f"{snr:g}", justify="right")
    # a precoder designed for each SNR has an NMSE per SNR: the column gives the last one listed
    table.add_column(f"NMSE \\[dB] at {snrs[-1]:g} dB", justify="right")
    rows: dict[tuple[str, int | str], list[dict[str, Any]]] = {}
    for r in records:
        rows.setdefault((r["precoder"], r["bits"]), []).append(r)
    for (name, bits), rs in rows.items():
        cells = (_cell(r, key, simulated_bits) for r in rs)
        table.add_row(name, str(bits), *cells, _nmse_cell(rs[-1]["nmse_db"]))
    console.print(table)
