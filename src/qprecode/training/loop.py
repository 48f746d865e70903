"""One training loop for every task: seeding, DDP, resume, logging, validation, best and last
checkpoints, and the model card once the run is complete.

A run folder holds ``last.*`` (weights, optimiser and noise-generator state, config and step;
written every ``loop.checkpoint_every`` steps and after a new best model), ``best.*`` (the model
with the best validation metric), ``metrics.csv``, TensorBoard events under ``tb/`` and, at the
end, ``MODEL_CARD.md`` with the test metrics. Resuming replays exactly the steps of an
uninterrupted run: the data order of epoch ``e`` comes from ``seed * EPOCH_ORDER_STRIDE + e`` and
the training noise from one generator whose state is checkpointed.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..nn import load_model, model_header, read_files, save_model
from ..progress import progress_bar
from ..results import run_metadata
from ..seeds import EPOCH_ORDER_STRIDE, TRAIN_NOISE_OFFSET
from .checkpoint import optimizer_tensors, restore_optimizer
from .config import config_to_dict, diff_keys
from .distributed import DistributedContext
from .model_card import earlier_machines, finish, hardware
from .run_log import RunLog
from .tasks import Task, task_for

__all__ = ["EXTENDABLE_KEYS", "RESUMABLE_KEYS", "TrainResult", "train"]

# Keys that may change when a run is resumed: they change how it runs, not what it computes.
RESUMABLE_KEYS = ("loop.eval_every", "loop.checkpoint_every", "loop.device", "optim.micro_batch")
# keys that may grow on resume, to extend a run (schedules over the run stretch to the new end)
EXTENDABLE_KEYS = ("optim.steps", "optim.epochs")


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
    """
    out = Path(out_dir)
    if not resume and not overwrite and (out / "last.json").is_file():
        raise ValueError(
            f"{out} already holds a run: --resume continues it, --force starts it again "
            "(overwriting its checkpoints, logs and model card), or choose another --out"
        )
    if overwrite and not resume:
        _clear_run(out)
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
    step, best, history_seconds = 0, -math.inf, 0.0
    machines: list[dict[str, Any]] = []  # [{"hardware", "from_step"}], one per machine used
    if resume:
        step, best, history_seconds, machines = _restore(out, config, model, optimizer, noise, echo)
        echo(f"resumed {out} at step {step} (best {task.selection_metric} {best:.3f})")
    machine = hardware(str(ctx.device))
    if not machines or machines[-1]["hardware"] != machine:
        machines.append({"hardware": machine, "from_step": step + 1})
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
    if resume:
        log.drop_after(step)  # rows logged after the checkpoint are logged again
    started = time.perf_counter()

    def seconds() -> float:
        return history_seconds + time.perf_counter() - started

    def checkpoint() -> None:
        info = {
            "config": config_to_dict(config), "step": step, "epoch": step / steps_per_epoch,
            "best_metric": best, "seconds": seconds(),
            "optimizer_param_groups": optimizer.state_dict()["param_groups"], "meta": meta,
            "machines": machines,
        }  # fmt: skip
        extra = {**optimizer_tensors(optimizer), "rng.noise": noise.get_state()}
        save_model(out / "last", model, info, extra)

    loss_sum, loss_count, shown_loss = 0.0, 0, math.nan
    metrics: dict[str, float] = {}

    def status() -> str:
        return (f"loss {shown_loss:.3f}  {task.selection_metric} "
                f"{metrics.get(task.selection_metric, math.nan):.3f}  best {best:.3f}")  # fmt: skip

    order = _epoch_order(config.seed, step // steps_per_epoch, task.num_train)
    bar = progress_bar(range(step, last_step), "train", progress and ctx.is_main, status)
    if ctx.is_main:
        echo(f"training {task.name} into {out}: steps {step + 1}..{last_step} of {total_steps}, "
             f"batch {batch}, validation every {config.loop.eval_every} steps")  # fmt: skip
    try:
        for step_index in bar:
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
                    part_loss = wrapped(*(t[start : start + micro].to(ctx.device) for t in tensors))
                    (part_loss / passes).backward()
                loss += part_loss.detach() / passes
            optimizer.step()
            step = step_index + 1
            shown_loss = loss.item()
            loss_sum, loss_count = loss_sum + shown_loss, loss_count + 1

            improved = False
            end_of_epoch = step % steps_per_epoch == 0
            if ctx.is_main and (
                step % config.loop.eval_every == 0 or end_of_epoch or step == last_step
            ):
                model.eval()
                metrics = task.validate(model)
                model.train()
                value = metrics[task.selection_metric]
                improved = value > best
                if improved:
                    best = value
                    save_model(out / "best", model, {
                        "config": config_to_dict(config), "step": step, "metrics": metrics,
                        "trained_on": task.trained_on(), "meta": meta,
                    })  # fmt: skip
                row = {
                    "step": step,
                    "epoch": step / steps_per_epoch,
                    "train_loss": loss_sum / max(loss_count, 1),
                    **metrics,
                    "seconds": seconds(),
                }
                log.log(row)  # fmt: skip
                shown = "  ".join(f"{k} {v:.3f}" for k, v in metrics.items())
                echo(f"step {step}/{total_steps}  epoch {row['epoch']:.2f}  loss "
                     f"{row['train_loss']:.3f}  {shown}  (best {best:.3f})  "
                     f"{row['seconds']:.0f} s")  # fmt: skip
                loss_sum, loss_count = 0.0, 0
            # a new best model is always followed by a checkpoint, so a resumed run never compares
            # against an older best than best.* holds
            if ctx.is_main and (
                step % config.loop.checkpoint_every == 0 or step == last_step or improved
            ):
                checkpoint()

    except KeyboardInterrupt:
        # the last finished step is kept (the interrupted one is repeated on resume, so a
        # resumed run is not bit-identical to an uninterrupted one)
        if ctx.is_main and step > 0:
            checkpoint()
            echo(f"interrupted: checkpoint of step {step} in {out}; --resume continues")
        raise

    result = TrainResult(out, step, best, metrics)
    log.plot(task.selection_metric)
    log.close()
    ctx.barrier()  # before the test evaluation, which only the main process runs
    if ctx.is_main and step == total_steps:
        training = {"command": command, "steps": step, "processes": ctx.world,
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


def _clear_run(out: Path) -> None:
    """Remove what a run writes into ``out`` (checkpoints, model card, logs), nothing else."""
    for name in ("last.json", "last.safetensors", "best.json", "best.safetensors",
                 "MODEL_CARD.md", "metrics.csv", "training.png"):  # fmt: skip
        (out / name).unlink(missing_ok=True)
    if (out / "tb").is_dir():
        for path in (out / "tb").iterdir():
            path.unlink()


def _grows(key: str, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether ``key`` is an ``EXTENDABLE_KEYS`` entry whose value grows from ``old`` to
    ``new`` (nested config dicts)."""
    if key not in EXTENDABLE_KEYS:
        return False
    section, name = key.split(".")
    before, after = old.get(section, {}).get(name), new.get(section, {}).get(name)
    return isinstance(before, int) and isinstance(after, int) and after > before


def _restore(
    out: Path,
    config: Any,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    noise: torch.Generator,
    echo: Callable[[str], None],
) -> tuple[int, float, float, list[dict[str, Any]]]:
    """Load ``out/last.*`` into the model, optimiser and generator; returns the step, the best
    validation metric, the seconds spent so far and the machines used (``[{"hardware",
    "from_step"}]``; a checkpoint from before this record: the hardware of a finished run's
    ``best.json``, else "unrecorded"). A run resumed on another kind of device than its noise
    was drawn on (a GPU run on the CPU, say) draws new noise, seeded by the step.
    """
    tensors, info = read_files(out / "last")
    old, new = info["config"], config_to_dict(config)
    changed = [k for k in diff_keys(old, new)
               if k not in RESUMABLE_KEYS and not _grows(k, old, new)]  # fmt: skip
    if changed:
        raise ValueError(
            f"cannot resume {out}: its config differs from the given config in {changed} "
            f"(only {', '.join(RESUMABLE_KEYS)} may change on resume, and "
            f"{', '.join(EXTENDABLE_KEYS)} may grow to extend the run)"
        )
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    restore_optimizer(optimizer, tensors, info["optimizer_param_groups"])
    step = int(info["step"])
    state = tensors["rng.noise"]
    if state.numel() == noise.get_state().numel():
        noise.set_state(state)
    else:  # a CPU generator's state is 5,056 bytes, a CUDA generator's 16
        noise.manual_seed(config.seed + TRAIN_NOISE_OFFSET + step)
        echo(
            f"the training noise of {out} was drawn on another kind of device: from step "
            f"{step} on it is drawn afresh (seed {config.seed + TRAIN_NOISE_OFFSET + step})"
        )
    best = -math.inf if info["best_metric"] is None else float(info["best_metric"])
    machines = info.get("machines")
    if machines is None:
        finished = out / "best.json"
        facts = json.loads(finished.read_text()).get("training", {}) if finished.is_file() else {}
        machines = [{"hardware": facts.get("hardware", "unrecorded"), "from_step": 1}]
    return step, best, float(info["seconds"]), machines
