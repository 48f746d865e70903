"""``qprecode compare`` and ``qprecode reproduce``: comparison and reproduction reports. Both take
``--preset`` (named sizes), ``--seed`` (channels and symbols) and ``--out``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..experiments import (
    COMPARE_PRESET_ALIASES,
    COMPARE_PRESETS,
    EXPERIMENTS,
    REPRODUCE_PRESET_ALIASES,
    REPRODUCE_PRESETS,
    ComparisonConfig,
    ReproduceConfig,
    reproduce,
    run_comparison,
)
from ._app import cli, console


def _run_options(
    presets: list[str], preset_help: str, default_out: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--preset``, ``--seed`` and ``--out``, as both report commands take them."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
            default=Path(default_out), show_default=True, help="Output folder.",
        )(command)  # fmt: skip
        command = click.option(
            "--seed", type=click.IntRange(min=0), default=0, show_default=True,
            help="Base seed of the channels and symbols (0: those of the reports in results/).",
        )(command)  # fmt: skip
        return click.option(
            "--preset", type=click.Choice(presets), default="quick", show_default=True,
            help=preset_help,
        )(command)  # fmt: skip

    return decorate


@cli.command()
@_run_options(
    [*sorted(COMPARE_PRESETS), *COMPARE_PRESET_ALIASES],
    "quick: 300 channels x 64 symbols, about 100 s on 2 CPU cores; full (or paper, as "
    "reproduce names it): 1000 x 125 and a finer SNR grid.",
    "results/compare",
)
def compare(preset: str, seed: int, out_dir: Path) -> None:
    """MRT, ZF, WF, SQUID, C2PO, the local search and the shipped GNNs side by side (M=32, K in
    {1,2,4}, b in {1,2}; sum rate and QPSK BER vs SNR), and every 1-bit precoder against
    exhaustive search on a small problem (M=6). Writes report.md, results.json, config.json and
    plots."""
    run_comparison(ComparisonConfig.from_preset(preset, seed), out_dir, echo=console.print)
    console.print((out_dir / "report.md").read_text(), markup=False)
    console.print(f"wrote {out_dir}")


@cli.command("reproduce")
@click.argument("experiment", type=click.Choice(["all", *EXPERIMENTS]), metavar="EXPERIMENT")
@_run_options(
    [*REPRODUCE_PRESETS, *REPRODUCE_PRESET_ALIASES],
    "tiny: a smoke run in seconds (Monte-Carlo noise shows); quick: 1,000 channels, a few "
    "minutes on 2 CPU cores; paper (or full, as compare names it): the paper's 10,000 test "
    "channels. All use the shipped GNNs.",
    "results/reproduce",
)
def reproduce_command(experiment: str, preset: str, seed: int, out_dir: Path) -> None:
    """Reproduce a figure or table of Feys et al.: fig3, fig4, fig7a, fig7b, table1, fig8, fig9,
    fig10, fig11, fig12, fig13, or all (one REPORT.md). Each KEY.json holds the config, the seed
    and the code version with the numbers."""
    config = ReproduceConfig.from_preset(preset, seed)
    for section in reproduce(experiment, config, out_dir, echo=console.print):
        console.print(section.markdown, markup=False)
    console.print(f"wrote {out_dir}")
