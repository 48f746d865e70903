"""``qprecode baselines``: the reference precoders of a Kasalaee setting in their strongest form
(MRT, ZF, RZF in both power normalisations; WMMSE over its start and stopping tolerance) on the
config's test channels, at one or more SNRs, with the per-user SNR each SNR gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .._parsing import parse_float_list, parse_name_list
from ..experiments.kasalaee import (
    linear_references,
    per_user_snr_db,
    wmmse_margins,
    wmmse_references,
)
from ..precoders import WMMSE_INITS
from ..results import atomic_write_bytes, run_metadata, write_json
from ..training import load_config
from ._app import check_output_path, cli, console, force_option


@cli.command()
@click.option("--config", "config_path", required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A kasalaee-dnn config (configs/kasalaee/*.yaml).")  # fmt: skip
@click.option("--trial", default=None, help="A trial of the config's sweep (any: the data agree).")
@click.option("--snr-db", "snr_text", default=None,
              help="Transmit SNRs in dB, comma-separated; default: the config's.")  # fmt: skip
@click.option("--channels", type=int, default=300, show_default=True,
              help="Test channels (groups of users) drawn from the config's test set.")  # fmt: skip
@click.option("--inits", "init_text", default="multi,rzf-eq,mrt", show_default=True,
              help=f"WMMSE starts, comma-separated, of {', '.join(WMMSE_INITS)}.")  # fmt: skip
@click.option(
    "--tolerances",
    "tolerance_text",
    default="1e-3,1e-4,1e-5,1e-6",
    show_default=True,
    help="WMMSE stopping tolerances (relative rate change), comma-separated.",
)
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              callback=check_output_path, help="Write the rows with the config here.")  # fmt: skip
@click.option("--md", "md_path", type=click.Path(dir_okay=False, path_type=Path),
              callback=check_output_path, help="Write the table as Markdown here.")  # fmt: skip
@force_option()
def baselines(
    config_path: Path, trial: str | None, snr_text: str | None, channels: int, init_text: str,
    tolerance_text: str, json_path: Path | None, md_path: Path | None,
) -> None:  # fmt: skip
    """MRT, ZF and RZF with the whole matrix scaled to P_T and with equal power per user
    (-eq), and WMMSE per start and tolerance (iterations, ms per channel, energy of eqs. 12/14),
    on the config's test channels; for each linear precoder, on how many channels the strongest
    WMMSE (four starts, tightest tolerance) ends below it."""
    if channels < 2:
        raise click.BadParameter(f"must be >= 2, got {channels}", param_hint="--channels")
    inits = parse_name_list(init_text, "init")
    unknown = [i for i in inits if i not in WMMSE_INITS]
    if unknown:
        raise click.BadParameter(
            f"unknown start {unknown[0]!r}; one of {', '.join(WMMSE_INITS)}", param_hint="--inits"
        )
    tolerances = parse_float_list(tolerance_text, "tolerance")
    if any(not t >= 0 for t in tolerances):
        raise click.BadParameter("tolerances must be >= 0", param_hint="--tolerances")
    config = load_config(config_path, trial=trial)
    if config.task != "kasalaee-dnn":
        raise click.BadParameter(f"{config_path} is a {config.task} config", param_hint="--config")
    d = config.data
    snrs = [d.snr_db] if snr_text is None else parse_float_list(snr_text, "SNR")
    H = d.sample("test", channels, d.test_seed)
    rows: list[dict[str, Any]] = []
    for snr in snrs:
        per_user = per_user_snr_db(H, snr)
        found = linear_references(H, snr) + wmmse_references(H, snr, inits, tolerances)
        wmmse_margins(found)
        for row in found:
            del row["rates"]  # per channel: only for the margins
            rows.append({"snr_db": snr, "per_user_snr_db": per_user, **row})
    _print(rows, d.channel, channels)
    if json_path is not None:
        write_json(json_path, {"config": {"command": "baselines", "config": str(config_path),
                   "trial": trial, "data": vars(d), "channels": channels, "snr_db": snrs,
                   "inits": inits, "tolerances": tolerances}, "meta": run_metadata(),
                   "rows": rows})  # fmt: skip
        console.print(f"wrote {json_path}")
    if md_path is not None:
        atomic_write_bytes(md_path, ("\n".join(_markdown(rows)) + "\n").encode())
        console.print(f"wrote {md_path}")


_HEADER = ("SNR [dB]", "per-user SNR [dB]", "precoder", "tolerance", "sum rate", "of best",
           "iterations", "ms / channel", "energy [uJ]", "WMMSE below on")  # fmt: skip


def _cells(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    best: dict[float, float] = {}
    for row in rows:
        best[row["snr_db"]] = max(best.get(row["snr_db"], 0.0), row["sum_rate"])
    out: list[tuple[str, ...]] = []
    for r in rows:
        tol = f"{r['tolerance']:g}" if "tolerance" in r else "-"
        iters = "-" if r["iterations"] != r["iterations"] else f"{r['iterations']:.1f}"
        ms = f"{r['ms_per_channel']:.2f}" if "ms_per_channel" in r else "-"
        below = f"{r['channels_wmmse_below']} channels" if "channels_wmmse_below" in r else "-"
        out.append((f"{r['snr_db']:g}", f"{r['per_user_snr_db']:.1f}", r["precoder"], tol,
                    f"{r['sum_rate']:.2f} +- {r['sum_rate_std']:.2f}",
                    f"{r['sum_rate'] / best[r['snr_db']]:.1%}", iters, ms,
                    f"{r['energy_uj']:.3g}", below))  # fmt: skip
    return out


def _print(rows: list[dict[str, Any]], channel: str, channels: int) -> None:
    table = Table(title=f"Reference precoders on {channels} test channels of {channel}")
    for column in _HEADER:
        table.add_column(column, justify="right")
    for cells in _cells(rows):
        table.add_row(*cells)
    console.print(table)


def _markdown(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
    return lines + ["| " + " | ".join(cells) + " |" for cells in _cells(rows)]
