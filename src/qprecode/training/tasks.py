"""The training tasks by name, and loading a run configuration for one of them.

A task (``training.task.Task``: *what* is trained) gives the loop its model, its training
batches, the module whose forward returns the loss, a validation metric to select the best model
by, and a test evaluation for the model card. ``training.loop`` is *how* it is trained, the same
for every task.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from .task import Task
from .zhang import ZhangTask

__all__ = ["TASKS", "Task", "config_from_raw", "list_trials", "load_config", "task_for"]


# name -> task class (``config_class``)
TASKS: dict[str, type[Task]] = {
    "feys-gnn": FeysTask,
    "kasalaee-dnn": KasalaeeTask,
    "zhang-gnn": ZhangTask,
}


def task_for(config: Any) -> Task:
    """The task that trains ``config``."""
    return TASKS[config.task](config)


def _config_class(raw: dict[str, Any]) -> type:
    name = raw.get("task", "feys-gnn")
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}")
    return TASKS[name].config_class


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
    try:
        trials = expand_sweep(raw)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
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
        elif names == [""]:
            raise ValueError(f"{path} has no sweep section: --trial applies to a config with one")
        else:
            raise ValueError(f"{path} has no trial {trial!r}; trials: {', '.join(names)}")
    assignments = list(chosen.items()) + parse_assignments(overrides or [])
    try:
        return config_from_raw(raw, assignments)
    except ValueError as err:  # name the file: the defect may be in it or in an override
        raise ValueError(f"{path}: {err}") from None
