"""``qprecode train`` and ``qprecode retest``: training the GNN precoder and re-testing a run."""

from __future__ import annotations

from pathlib import Path

import click

from ..training import load_config
from ..training import retest as retest_run
from ..training import train as train_run
from ._app import (
    cli,
    console,
)


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
