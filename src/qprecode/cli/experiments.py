"""``qprecode compare`` and ``qprecode reproduce``: comparison and reproduction reports. Both take
``--preset`` (named sizes), ``--seed`` (channels and symbols) and ``--out``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..experiments import (
    CATALOGUE,
    COMPARE_PRESET_ALIASES,
    COMPARE_PRESETS,
    PRESETS,
    REPRODUCE_PRESET_ALIASES,
    ComparisonConfig,
    reproduce_items,
    resolve_items,
    run_comparison,
)
from ._app import check_output_dir, cli, console, force_option


def _run_options(
    presets: list[str], preset_help: str, default_out: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--preset``, ``--seed`` and ``--out``, as both report commands take them."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
            default=Path(default_out), show_default=True, callback=check_output_dir,
            help="Output folder.",
        )(command)  # fmt: skip
        command = force_option()(command)
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
    "quick: 300 channels x 64 symbols, about 30 s on 2 CPU cores; full (or paper, as "
    "reproduce names it): 1000 x 125 and a finer SNR grid.",
    "runs/compare",
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
@click.argument("item", metavar="PAPER:ITEM", required=False)
@click.option(
    "--preset",
    type=click.Choice([*PRESETS, *REPRODUCE_PRESET_ALIASES]),
    default="quick",
    show_default=True,
    help="tiny: a smoke run in seconds (Monte-Carlo noise shows); quick: a few minutes "
    "on 2 CPU cores; paper (or full, as compare names it): the sizes of the committed "
    "reports (Feys: the paper's 10,000 test channels). All use the shipped models.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Base seed of the channels and symbols (0: those of the reports in results/).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    callback=check_output_dir,
    help="Output folder; default: runs/reproduce/PAPER.",
)
@force_option()
@click.option("--list", "list_only", is_flag=True, help="List the items and exit.")
def reproduce_command(
    item: str | None, preset: str, seed: int, out_dir: Path | None, list_only: bool
) -> None:  # fmt: skip
    """Reproduce a figure, table or study: PAPER:ITEM or PAPER:all, PAPER one of feys, kasalaee,
    zhang, studies (--list shows every item); a bare Feys item (fig7a) or all means feys:.... Each
    KEY.json holds the config, the seed and the code version with the numbers."""
    if list_only:
        for row in CATALOGUE.values():
            console.print(f"{row.key:26s} {row.summary}", markup=False)
        return
    if item is None:
        raise click.UsageError("give PAPER:ITEM (or --list)")
    try:
        paper = resolve_items(item)[0].paper
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="PAPER:ITEM") from err
    out = out_dir or Path("runs/reproduce") / paper
    for section in reproduce_items(item, preset, seed, out, echo=console.print):
        console.print(section.markdown, markup=False)
    console.print(f"wrote {out}")
