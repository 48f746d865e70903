"""``qprecode train`` and ``qprecode retest``: training a learned precoder and re-testing a run."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from .._locking import folder_lock
from ..training import TrainingStopped, list_trials, load_config, presets
from ..training import retest as retest_run
from ..training import train as train_run
from ._app import check_output_dir, cli, console, force_option


@cli.command(context_settings={"ignore_unknown_options": False})
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML config file, or a shipped preset by name (feys/small-k1-b1; `qprecode configs`).",
)
@click.argument("overrides", nargs=-1)
@click.option("--trial", default=None, help="Trial of a config with a sweep: its name or index.")
@click.option("--list", "list_only", is_flag=True, help="List the trials of the config and exit.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    callback=check_output_dir,
    help="Run folder; default runs/<config name>[-<trial>].",
)
@click.option("--resume", is_flag=True, help="Continue the interrupted run in the run folder.")
@force_option("Start again in a run folder that holds a run (overwrites it).", expose_value=True)
@click.option("--device", default=None, help="cpu or cuda (overrides loop.device).")
@click.option("--max-steps", type=click.IntRange(min=1), default=None,
              help="Stop after this global step.")  # fmt: skip
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(
    config_path: Path,
    overrides: tuple[str, ...],
    trial: str | None,
    list_only: bool,
    out_dir: Path | None,
    resume: bool,
    force: bool,
    device: str | None,
    max_steps: int | None,
    quiet: bool,
) -> None:
    """Train a learned precoder. Any config key can be overridden as key=value (dotted, or the
    bare name when it is unique), e.g. `qprecode train --config configs/feys/small-k1-b1.yaml
    epochs=2 optim.lr=1e-3`. For several processes (DDP), launch with
    `torchrun --nproc_per_node N -m qprecode.cli train ...`. Ctrl-C or SIGTERM ends the step in
    progress, writes a checkpoint and exits (130 or 143); --resume continues bit for bit."""
    if list_only:
        for index, name in enumerate(list_trials(config_path)):
            console.print(f"{index:3d}  {name or '(no sweep: one run)'}")
        return
    items = list(overrides) + ([f"loop.device={device}"] if device else [])
    config = load_config(config_path, items, trial)
    if out_dir is None:
        out_dir = Path("runs") / (config_path.stem + (f"-{trial}" if trial else ""))
    trial_part = [f"--trial {trial}"] if trial else []
    command = " ".join(
        [
            "qprecode train --config",
            str(config_path),
            *trial_part,
            *overrides,
            "--out",
            str(out_dir),
            # the device matters to what is computed: a GPU draws its own training noise
            *([f"--device {device}"] if device else []),
        ]
    )
    # one process per run folder (torchrun's other ranks write nothing: only rank 0 locks)
    lock = folder_lock(out_dir, "qprecode train") if _rank_zero() else contextlib.nullcontext()
    try:
        with lock:
            result = train_run(
                config,
                out_dir,
                resume=resume,
                overwrite=force,
                progress=not quiet,
                max_steps=max_steps,
                echo=console.print,
                command=command,
            )
    except TrainingStopped as stopped:  # the loop has said where its checkpoint is
        raise SystemExit(stopped.exit_code) from None
    console.print(
        f"run folder {result.out_dir}: step {result.step}, best validation {result.best:.3f}"
    )


def _rank_zero() -> bool:
    """Whether this is the process that writes the run (rank 0 of torchrun, or alone)."""
    return os.environ.get("RANK", "0") == "0"


@cli.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--unfinished", is_flag=True,
              help="Test the best model so far of a stopped run; its card says where it "
                   "stopped.")  # fmt: skip
def retest(run_dir: Path, unfinished: bool) -> None:
    """Evaluate the best model of a finished training run on its test set again and rewrite its
    best.json and MODEL_CARD.md."""
    retest_run(run_dir, echo=console.print, unfinished=unfinished)
    console.print((run_dir / "MODEL_CARD.md").read_text(), markup=False)


@cli.command("configs")
def configs_command() -> None:
    """List the shipped config presets: `qprecode train --config NAME` takes the name (a clone
    also has them as files under configs/)."""
    for name, path in presets().items():
        first = next((line for line in path.read_text().splitlines() if line.startswith("#")), "")
        console.print(f"{name:34s} {first.lstrip('# ')}", highlight=False, soft_wrap=True)
