"""``qprecode compress-table``: Table II of Kasalaee et al. from the FP32 and LSQ sweeps."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ..cost import PAPER_TABLE_II as PAPER_TABLE_II_ENERGY
from ..cost import PAPER_TABLE_II_RATES
from ..experiments.kasalaee import compression_table
from ..results import atomic_write_bytes, run_metadata, write_json
from ._app import check_output_dir, cli, console, force_option

# Kasalaee et al., Table II ((64, 1024) with uniform weight bits) as the table's text
PAPER_TABLE_II = {
    f"[{b},{b},{b},{b}]": (f"{PAPER_TABLE_II_ENERGY[b]:g}", f"{rate:g} +- {std:g}")
    for b, (rate, std) in PAPER_TABLE_II_RATES.items()
}


@cli.command("compress-table")
@click.option("--fp32", "fp32_dir", required=True,
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Sweep folder of the FP32 runs (configs/kasalaee/fp32.yaml).")  # fmt: skip
@click.option("--qat", "qat_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Sweep folder of the LSQ runs (configs/kasalaee/qat.yaml).")  # fmt: skip
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    callback=check_output_dir,
    help="Where table2.json and table2.md go; default: the FP32 sweep folder.",
)
@force_option()
def compress_table(fp32_dir: Path, qat_dir: Path | None, out_dir: Path | None) -> None:
    """The default network at 16 bits, LSQ and PTQ at uniform 8, 4 and 2 bits: sum rate and its
    fraction of WMMSE (mean +- std over seeds), inference energy (eqs. 7-11, I2 and I1) and
    training time, next to the paper's Table II."""
    rows = compression_table(fp32_dir, qat_dir)
    reference = rows[0]["wmmse"]
    out = out_dir or fp32_dir
    table = Table(title="Table II: compression of the network")
    header = ("method", "bits", "seeds", "sum rate", "of WMMSE", "energy I2 / I1 [uJ]",
              "EE / WMMSE's", "train [min]", "paper: energy, rate")  # fmt: skip
    for column in header:
        table.add_column(column, justify="right")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        paper = PAPER_TABLE_II.get(r["bits"], ("-", "-")) if r["method"] != "ptq" else ("-", "-")
        cells = (r["method"], r["bits"], str(r["seeds"]),
                 f"{r['sum_rate']:.2f} +- {r['sum_rate_std']:.3f}",
                 f"{r['fraction_of_wmmse']:.1%} +- {r['fraction_of_wmmse_std']:.1%}",
                 f"{r['energy_uj']:.3g} / {r['energy_uj_i1']:.3g}",
                 _ratio(r["efficiency_over_wmmse"]), _minutes(r["train_minutes"]),
                 f"{paper[0]} uJ, {paper[1]}")  # fmt: skip
        table.add_row(*cells)
        lines.append("| " + " | ".join(cells) + " |")
    wmmse = (f"WMMSE ({reference['kind']}, tolerance 1e-5) on the same test channels: "
             f"{reference['sum_rate']:.2f} bit/s/Hz, {reference['iterations']:.1f} iterations per "
             f"channel (all starts), {reference['energy_uj']:.4g} uJ (eqs. 12, 14); EE / "
             "WMMSE's: the row's energy efficiency over this WMMSE's")  # fmt: skip
    console.print(table)
    console.print(wmmse)
    lines += ["", wmmse + "."]
    write_json(out / "table2.json", {"config": {"command": "compress-table", "fp32": str(fp32_dir),
               "qat": str(qat_dir)}, "meta": run_metadata(), "rows": rows,
               "wmmse": reference})  # fmt: skip
    atomic_write_bytes(out / "table2.md", ("\n".join(lines) + "\n").encode())
    console.print(f"wrote {out / 'table2.json'} and {out / 'table2.md'}")


def _ratio(value: float) -> str:
    return "-" if value != value else f"{value:,.0f}x"


def _minutes(value: float) -> str:
    return "-" if value != value else f"{value:.1f}"
