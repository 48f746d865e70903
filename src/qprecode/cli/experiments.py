"""``qprecode compare`` and ``qprecode reproduce``: comparison and reproduction reports."""

from __future__ import annotations

from pathlib import Path

import click

from ..experiments import PRESETS, reproduce, run_comparison
from ..experiments.common import PRESET_SIZES
from ._app import (
    cli,
    console,
)


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
