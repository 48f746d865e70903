"""One training loop for every task: seeding, DDP, resume, logging, validation, best and last
checkpoints, and the model card once the run is complete.

A run folder holds ``last.*`` (``training.checkpoint``: weights, optimiser and noise-generator
state, config, step and running loss; written every ``loop.checkpoint_every`` steps, after a new
best model and when the run is stopped), ``best.*`` (the model with the best validation metric),
``metrics.csv``, TensorBoard events under ``tb/`` and, at the end, ``MODEL_CARD.md`` with the test
metrics. Resuming replays exactly the steps of an uninterrupted run: the data order of epoch ``e``
comes from ``seed * EPOCH_ORDER_STRIDE + e`` and the training noise from one generator whose state
is checkpointed.

Stopping keeps that exact: SIGINT (Ctrl-C) and SIGTERM let the step in progress finish, then a
checkpoint of it is written (``training.stopping``). A ``KeyboardInterrupt`` raised inside a step
(a second Ctrl-C) checkpoints the last finished step with the noise generator wound back to before
the unfinished step's draws; one that lands in the optimiser's update keeps the last checkpoint.
A step interrupted in its validation is validated again on resume, so no ``metrics.csv`` row is
lost or written twice.
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..nn import load_model, model_header, save_model
from ..progress import progress_bar
from ..results import run_metadata
from ..seeds import EPOCH_ORDER_STRIDE, TRAIN_NOISE_OFFSET
from .checkpoint import (
    EXTENDABLE_KEYS,
    RESUMABLE_KEYS,
    RunState,
    clear_run,
    optimizer_tensors,
    restore_run,
)
from .config import config_to_dict
from .distributed import DistributedContext
from .model_card import earlier_machines, finish, hardware
from .run_log import RunLog
from .stopping import StopSignals, TrainingStopped
from .tasks import Task, task_for

__all__ = ["EXTENDABLE_KEYS", "RESUMABLE_KEYS", "TrainResult", "TrainingStopped", "train"]


@dataclass
class TrainResult:
    """What a run reports: its folder, last step, best validation metrics and (once complete)
    the test metrics."""

    out_dir: Path
    step: int
    best: float
    metrics: dict[str, float] = field(default_factory=dict)
    test: dict[str, Any] = field(default_factory=dict)


def _epoch_order(seed: int, epoch: int, count: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed * EPOCH_ORDER_STRIDE + epoch)
    return torch.randperm(count, generator=generator)


def _initial_model(task: Task, config: Any, resume: bool) -> nn.Module:
    with torch.random.fork_rng(devices=[]):  # seeded locally, global state restored
        torch.manual_seed(config.seed)
        model = task.build_model()
    source_path = config.loop.init_from
    if source_path is not None and not resume:
        source, _ = load_model(source_path)
        if model_header(source) != model_header(model):
            raise ValueError(
                f"init_from {source_path} has architecture {model_header(source)}, but the "
                f"config asks for {model_header(model)}"
            )
        model.load_state_dict(source.state_dict())
    return model


def train(
    config: Any,
    out_dir: str | Path,
    resume: bool = False,
    progress: bool = True,
    max_steps: int | None = None,
    echo: Callable[[str], None] = print,
    command: str | None = None,
    overwrite: bool = False,
) -> TrainResult:
    """Train the task of ``config``, writing checkpoints and logs under ``out_dir``.

    Args:
        config: a task's config (e.g. ``FeysConfig``), from ``load_config``.
        out_dir: the run folder.
        resume: continue from ``out_dir/last.*``; its config must equal ``config`` up to
            ``RESUMABLE_KEYS`` and to ``EXTENDABLE_KEYS`` that grow (a finished run so
            continues to its new end).
        progress: show a progress bar with the loss and the validation metric.
        max_steps: stop after this global step (to split long runs); the test evaluation only
            happens when all epochs are done.
        echo: where status lines go.
        command: the command line that reproduces the run, for the model card.
        overwrite: start afresh in a folder that holds a run (its files are removed first);
            without it (or ``resume``) such a folder is refused.

    Raises:
        TrainingStopped: on SIGINT or SIGTERM, once the step in progress is done and
            checkpointed (``--resume`` continues it).
    """
    out = Path(out_dir)
    if not resume and not overwrite and (out / "last.json").is_file():
        raise ValueError(
            f"{out} already holds a run: --resume continues it, --force starts it again "
            "(overwriting its checkpoints, logs and model card), or choose another --out"
        )
    if overwrite and not resume:
        clear_run(out)
    ctx = DistributedContext.start(torch.device(config.loop.device))
    batch = config.optim.batch_size
    if batch % ctx.world:
        raise ValueError(f"batch_size {batch} must divide by the {ctx.world} processes")
    if ctx.is_main:
        out.mkdir(parents=True, exist_ok=True)
    meta = run_metadata()  # code version and machine, captured once per run
    task = task_for(config)
    model = _initial_model(task, config, resume).to(ctx.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.optim.lr)
    noise_device = ctx.device if task.noise_on_device else torch.device("cpu")
    noise = torch.Generator(device=noise_device).manual_seed(config.seed + TRAIN_NOISE_OFFSET)
    run = RunState(machines=[])
    if resume:
        run = restore_run(out, config, model, optimizer, noise, echo)
        echo(f"resumed {out} at step {run.step} (best {task.selection_metric} {run.best:.3f})")
    machines = run.machines = run.machines or []
    machine = hardware(str(ctx.device))
    if not machines or machines[-1]["hardware"] != machine:
        machines.append({"hardware": machine, "from_step": run.step + 1})
    objective = task.objective(model)
    ddp = nn.parallel.DistributedDataParallel(objective) if ctx.enabled else None
    wrapped = objective if ddp is None else ddp

    steps_per_epoch = task.num_train // batch
    if steps_per_epoch < 1:
        raise ValueError(f"the training set ({task.num_train}) must hold at least one batch")
    total_steps = config.optim.total_steps(task.num_train)
    last_step = total_steps if max_steps is None else min(total_steps, max_steps)
    local = batch // ctx.world
    passes = _passes_per_step(task, config.optim.micro_batch, local)
    micro = local // passes
    log = RunLog(out, ctx.is_main)
    if resume:  # rows logged after the checkpoint are logged again, as is an unfinished row
        log.drop_after(run.step if run.validated else run.step - 1)
    started, history_seconds = time.perf_counter(), run.seconds

    def seconds() -> float:
        return history_seconds + time.perf_counter() - started

    def checkpoint() -> None:
        run.seconds = seconds()
        info = {
            "config": config_to_dict(config), **run.info(), "epoch": run.step / steps_per_epoch,
            "optimizer_param_groups": optimizer.state_dict()["param_groups"], "meta": meta,
        }  # fmt: skip
        extra = {**optimizer_tensors(optimizer), "rng.noise": noise.get_state()}
        save_model(out / "last", model, info, extra)

    shown_loss = math.nan
    metrics: dict[str, float] = {}

    def status() -> str:
        current = metrics.get(task.selection_metric, math.nan)
        return f"loss {shown_loss:.3f}  {task.selection_metric} {current:.3f}  best {run.best:.3f}"

    def validate() -> bool:
        """Validate the model of step ``run.step``, log its row; whether it is a new best."""
        nonlocal metrics
        step = run.step
        run.validated = False  # until the row is logged: resume validates this step again
        model.eval()
        metrics = task.validate(model)
        model.train()
        value = metrics[task.selection_metric]
        improved = value > run.best
        if improved:  # best.* is written before the new best is noted
            save_model(out / "best", model, {
                "config": config_to_dict(config), "step": step, "metrics": metrics,
                "trained_on": task.trained_on(), "meta": meta,
            })  # fmt: skip
            run.best = value
        row = {"step": step, "epoch": step / steps_per_epoch,
               "train_loss": run.loss_sum / max(run.loss_count, 1), **metrics,
               "seconds": seconds()}  # fmt: skip
        log.log(row)
        run.loss_sum, run.loss_count, run.validated = 0.0, 0, True
        shown = "  ".join(f"{k} {v:.3f}" for k, v in metrics.items())
        echo(f"step {step}/{total_steps}  epoch {row['epoch']:.2f}  loss "
             f"{row['train_loss']:.3f}  {shown}  (best {run.best:.3f})  "
             f"{row['seconds']:.0f} s")  # fmt: skip
        return improved

    def after_step(force_validation: bool = False) -> None:
        """The validation and checkpoint due after step ``run.step``."""
        step = run.step
        improved = False
        if ctx.is_main and (force_validation or step % config.loop.eval_every == 0
                            or step % steps_per_epoch == 0 or step == last_step):  # fmt: skip
            improved = validate()
        # a new best model is always followed by a checkpoint, so a resumed run never compares
        # against an older best than best.* holds
        if ctx.is_main and (
            step % config.loop.checkpoint_every == 0 or step == last_step or improved
        ):
            checkpoint()

    def stop_if_asked(stop: StopSignals) -> None:
        """After a finished step: on SIGINT or SIGTERM (in any process), checkpoint and stop."""
        if not ctx.any(stop.received is not None):
            return
        signum = stop.received or signal.SIGTERM  # another process received it
        if ctx.is_main:
            checkpoint()
            echo(f"stopped by {signal.Signals(signum).name}: checkpoint of step {run.step} in "
                 f"{out}; --resume continues")  # fmt: skip
        raise TrainingStopped(signum, run.step)

    order = _epoch_order(config.seed, run.step // steps_per_epoch, task.num_train)
    bar = progress_bar(range(run.step, last_step), "train", progress and ctx.is_main, status)
    if ctx.is_main:
        setting = ", ".join(f"{k} {v}" for k, v in task.trained_on().items())
        echo(f"training {task.name} ({setting}) on {ctx.device} into {out}: steps "
             f"{run.step + 1}..{last_step} of {total_steps}, batch {batch}, validation every "
             f"{config.loop.eval_every} steps")  # fmt: skip
    first_index = run.step
    unfinished: torch.Tensor | None = None  # noise state before the draws of an unfinished step
    updating = False  # the optimiser is changing the weights
    try:
        with StopSignals() as stop:
            if not run.validated:
                after_step(force_validation=True)
                stop_if_asked(stop)
            for step_index in bar:
                unfinished = noise.get_state()
                epoch, within = divmod(step_index, steps_per_epoch)
                if within == 0:
                    order = _epoch_order(config.seed, epoch, task.num_train)
                indices = order[within * batch : (within + 1) * batch]
                tensors = task.training_batch(indices, noise, step_index, total_steps)
                for group in optimizer.param_groups:
                    group["lr"] = config.optim.lr_at(step_index, total_steps)
                optimizer.zero_grad(set_to_none=True)
                loss = torch.zeros((), device=ctx.device)
                for chunk in range(passes):  # the gradients of the passes add up to the batch's
                    start = ctx.rank * local + chunk * micro
                    # under DDP the processes average their gradients once, after the last pass
                    last_pass = chunk == passes - 1
                    with contextlib.nullcontext() if ddp is None or last_pass else ddp.no_sync():
                        part = wrapped(*(t[start : start + micro].to(ctx.device) for t in tensors))
                        (part / passes).backward()
                    loss += part.detach() / passes
                value = loss.item()
                updating = True
                optimizer.step()
                run.step, run.loss_sum, run.loss_count = (
                    step_index + 1, run.loss_sum + value, run.loss_count + 1
                )  # fmt: skip
                updating, unfinished, shown_loss = False, None, value
                after_step()
                if ctx.is_main and step_index == first_index:
                    echo(_first_step_line(run.step, time.perf_counter() - started, ctx.device))
                stop_if_asked(stop)
    except KeyboardInterrupt as interrupt:
        if ctx.is_main and not isinstance(interrupt, TrainingStopped):
            if updating:
                echo(f"interrupted while the optimiser updated the weights of step "
                     f"{run.step + 1}: {out}'s last checkpoint is kept; --resume continues "
                     "from it")  # fmt: skip
            elif run.step > 0:
                if unfinished is not None:  # the unfinished step draws its noise again
                    noise.set_state(unfinished)
                checkpoint()
                echo(f"interrupted: checkpoint of step {run.step} in {out}; --resume continues")
        raise

    result = TrainResult(out, run.step, run.best, metrics)
    log.plot(task.selection_metric)
    log.close()
    ctx.barrier()  # before the test evaluation, which only the main process runs
    if ctx.is_main and run.step == total_steps:
        training = {"command": command, "steps": run.step, "processes": ctx.world,
                    "device": str(ctx.device), "seconds": seconds(),
                    **earlier_machines(machines)}  # fmt: skip
        result.test = finish(out, task, echo, training)
    return result


def _passes_per_step(task: Task, micro_batch: int | None, local_batch: int) -> int:
    """Forward/backward passes per step of this process's ``local_batch`` channels in
    micro-batches of ``micro_batch`` (``None``: one pass)."""
    if micro_batch is None or micro_batch >= local_batch:
        return 1
    if not task.splits_batches:
        raise ValueError(
            f"the {task.name} task cannot split its batch into micro-batches (its loss is not a "
            "mean over independent examples): leave optim.micro_batch unset"
        )
    if local_batch % micro_batch:
        raise ValueError(
            f"micro_batch {micro_batch} must divide the batch of each process ({local_batch})"
        )
    return local_batch // micro_batch


def _first_step_line(step: int, seconds: float, device: torch.device) -> str:
    """What the first step of this process took: its time and the peak memory so far (the
    process's resident memory on a CPU, the allocated memory on a GPU), as a log line."""
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated(device)
        where = "GPU memory"
    else:
        import resource  # POSIX only

        # kilobytes on Linux, bytes on macOS
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (
            1 if sys.platform == "darwin" else 1024
        )
        where = "process memory"
    return f"step {step} done in {seconds:.1f} s; peak {where} {peak / 2**30:.2f} GiB"
