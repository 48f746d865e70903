"""The training tasks by name, and loading a run configuration for one of them.

A task (Lightning's ``LightningModule`` split: *what* is trained) gives the loop its model, its
training batches, the module whose forward returns the loss, a validation metric to select the
best model by, and a test evaluation for the model card. ``training.loop`` is *how* it is
trained, the same for every task.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn

from .config import (
    config_from_dict,
    expand_sweep,
    leaf_paths,
    parse_assignments,
    read_config_file,
    set_key,
)
from .feys import FeysTask
from .kasalaee import KasalaeeTask
from .zhang import ZhangTask

__all__ = ["TASKS", "Task", "config_from_raw", "list_trials", "load_config", "task_for"]


class Task(Protocol):
    """What the loop needs from a task; ``FeysTask`` is the reference."""

    name: str
    selection_metric: str  # a key of ``validate``'s result; higher is better
    config: Any  # a frozen dataclass with ``task``, ``seed``, ``optim`` and ``loop``
    # whether ``training_batch`` draws from a generator on the training device (a GPU draws its
    # own training noise) rather than on the CPU
    noise_on_device: bool
    # whether the loss is a mean over independent examples (no batch statistics), so that a
    # batch may be split into micro-batches whose gradients add up to the batch's
    splits_batches: bool

    @property
    def num_train(self) -> int: ...

    def build_model(self) -> nn.Module: ...

    def training_batch(
        self, indices: torch.Tensor, generator: torch.Generator, step: int, total_steps: int
    ) -> tuple[torch.Tensor, ...]: ...

    def objective(self, model: nn.Module) -> nn.Module: ...

    def validate(self, model: nn.Module) -> dict[str, float]: ...

    def test(self, model: nn.Module) -> dict[str, Any]: ...

    def trained_on(self) -> dict[str, Any]: ...

    def card_summary(self) -> list[str]: ...

    def card_data(self) -> list[str]: ...


# name -> task class (``config_class``)
TASKS: dict[str, Any] = {
    "feys-gnn": FeysTask,
    "kasalaee-dnn": KasalaeeTask,
    "zhang-gnn": ZhangTask,
}


def task_for(config: Any) -> Task:
    """The task that trains ``config``."""
    return TASKS[config.task](config)  # type: ignore[no-any-return]


def _config_class(raw: dict[str, Any]) -> type:
    name = raw.get("task", "feys-gnn")
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}")
    return TASKS[name].config_class  # type: ignore[no-any-return]


def config_from_raw(raw: dict[str, Any], assignments: list[tuple[str, Any]] | None = None) -> Any:
    """The typed config of a raw mapping (nested sections, or flat bare keys), with
    assignments (``(key, value)``, dotted or bare keys) applied in order."""
    cls = _config_class(raw)
    sections = {p.split(".")[0] for paths in leaf_paths(cls).values() for p in paths if "." in p}
    nested: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("sweep", "name"):
            continue
        if isinstance(value, dict) and key in sections:
            for inner, inner_value in value.items():
                set_key(nested, f"{key}.{inner}", inner_value, cls)
        else:
            set_key(nested, key, value, cls)
    for key, value in assignments or []:
        set_key(nested, key, value, cls)
    return config_from_dict(cls, nested)


def list_trials(path: str | Path) -> list[str]:
    """Names of the trials of a config file with a sweep section (``[""]`` without one)."""
    return [name for name, _ in expand_sweep(read_config_file(path))]


def load_config(
    path: str | Path, overrides: list[str] | None = None, trial: str | None = None
) -> Any:
    """Read a config file, pick a trial of its sweep (by name or index), apply ``key=value``
    overrides, and check everything."""
    raw = read_config_file(path)
    trials = expand_sweep(raw)
    if trial is None and len(trials) > 1:
        raise ValueError(
            f"{path} is a grid of {len(trials)} trials; choose one with --trial NAME or INDEX "
            f"(e.g. {trials[0][0]}); `qprecode train --config {path} --list` names them"
        )
    chosen: dict[str, Any] = {}
    if trial is not None:
        names = [name for name, _ in trials]
        if trial in names:
            chosen = trials[names.index(trial)][1]
        elif trial.isdigit() and int(trial) < len(trials):
            chosen = trials[int(trial)][1]
        else:
            raise ValueError(f"{path} has no trial {trial!r}; trials: {', '.join(names)}")
    assignments = list(chosen.items()) + parse_assignments(overrides or [])
    return config_from_raw(raw, assignments)
