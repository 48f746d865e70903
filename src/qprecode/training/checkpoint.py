"""The resumable state of a run (``last.*``): model weights, optimiser tensors and the noise
generator's state as safetensors entries (``model.*``, ``optim.<param>.<key>``, ``rng.noise``),
and beside them in JSON the config, the step, the best validation metric and the running training
loss of the validation interval; restoring it, and clearing a run folder."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..nn import model_header, read_files
from ..seeds import TRAIN_NOISE_OFFSET
from .config import config_to_dict, diff_keys

__all__ = [
    "EXTENDABLE_KEYS",
    "RESUMABLE_KEYS",
    "RunState",
    "clear_run",
    "optimizer_tensors",
    "restore_optimizer",
    "restore_run",
]

# Keys that may change when a run is resumed: they change how it runs, not what it computes.
RESUMABLE_KEYS = ("loop.eval_every", "loop.checkpoint_every", "loop.device", "optim.micro_batch")
# keys that may grow on resume, to extend a run (schedules over the run stretch to the new end)
EXTENDABLE_KEYS = ("optim.steps", "optim.epochs")


@dataclass
class RunState:
    """Where a run stands after ``step`` finished steps.

    Attributes:
        step: finished optimiser steps.
        best: best validation metric so far (``-inf`` before the first validation).
        seconds: training time so far.
        machines: ``[{"hardware", "from_step"}]``, one per machine the run used.
        loss_sum, loss_count: the training losses since the last ``metrics.csv`` row, whose
            mean the next row reports.
        validated: false when ``step`` is due for validation and its row is not yet logged
            (a run interrupted while validating): resume validates it first.
    """

    step: int = 0
    best: float = -math.inf
    seconds: float = 0.0
    machines: list[dict[str, Any]] | None = None
    loss_sum: float = 0.0
    loss_count: int = 0
    validated: bool = True

    def info(self) -> dict[str, Any]:
        """The JSON entries of the state (``write_json`` turns an infinite ``best_metric``, before
        any validation, into ``null``)."""
        return {"step": self.step, "best_metric": self.best,
                "seconds": self.seconds, "machines": self.machines, "loss_sum": self.loss_sum,
                "loss_count": self.loss_count, "validated": self.validated}  # fmt: skip


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    """The optimiser's per-parameter state as named tensors."""
    out = {}
    for index, state in optimizer.state_dict()["state"].items():
        for key, value in state.items():
            out[f"optim.{index}.{key}"] = torch.as_tensor(value)
    return out


def restore_optimizer(
    optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], groups: list[dict]
) -> None:
    """Load the state written by ``optimizer_tensors`` and the JSON-saved ``param_groups``."""
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, value in tensors.items():
        if name.startswith("optim."):
            _, index, key = name.split(".", 2)
            state.setdefault(int(index), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def restore_run(
    out: Path,
    config: Any,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    noise: torch.Generator,
    echo: Callable[[str], None],
) -> RunState:
    """Load ``out/last.*`` into the model, optimiser and generator and return the run's state.

    A checkpoint from before the machines were recorded gets the hardware of a finished run's
    ``best.json``, else "unrecorded"; one from before the running loss was saved starts it
    afresh. A run resumed on another kind of device than its noise was drawn on (a GPU run on
    the CPU, say) draws new noise, seeded by the step.
    """
    tensors, info = read_files(out / "last")
    if not isinstance(info.get("config"), dict) or "step" not in info:
        raise ValueError(f"{out / 'last.json'} holds no config or step: not a checkpoint of a run")
    header = model_header(model)
    # both are read before a step runs or a file is written; a run stopped before its first
    # validation has no best model yet
    stems = ["last"] + (["best"] if (out / "best.json").is_file() else [])
    for stem in stems:
        theirs = info if stem == "last" else read_files(out / stem)[1]
        if (theirs["architecture"], theirs["hyperparameters"]) != (
            header["architecture"],
            header["hyperparameters"],
        ):
            raise ValueError(
                f"{out / stem}.json describes a {theirs['architecture']} model with "
                f"{theirs['hyperparameters']}, not the config's {header['architecture']} with "
                f"{header['hyperparameters']}"
            )
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
    machines = info.get("machines")
    if machines is None:
        finished = out / "best.json"
        facts = json.loads(finished.read_text()).get("training", {}) if finished.is_file() else {}
        machines = [{"hardware": facts.get("hardware", "unrecorded"), "from_step": 1}]
    loss_sum = info.get("loss_sum", 0.0)
    return RunState(
        step=step,
        best=-math.inf if info["best_metric"] is None else float(info["best_metric"]),
        seconds=float(info["seconds"]),
        machines=machines,
        loss_sum=math.nan if loss_sum is None else float(loss_sum),  # null: a diverged loss
        loss_count=int(info.get("loss_count", 0)),
        validated=bool(info.get("validated", True)),
    )


def _grows(key: str, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether ``key`` is an ``EXTENDABLE_KEYS`` entry whose value grows from ``old`` to
    ``new`` (nested config dicts)."""
    if key not in EXTENDABLE_KEYS:
        return False
    section, name = key.split(".")
    before, after = old.get(section, {}).get(name), new.get(section, {}).get(name)
    return isinstance(before, int) and isinstance(after, int) and after > before


def clear_run(out: Path) -> None:
    """Remove what a run writes into ``out`` (checkpoints, model card, logs), nothing else."""
    for name in ("last.json", "last.safetensors", "best.json", "best.safetensors",
                 "MODEL_CARD.md", "metrics.csv", "training.png"):  # fmt: skip
        (out / name).unlink(missing_ok=True)
    if (out / "tb").is_dir():
        for path in (out / "tb").iterdir():
            path.unlink()
