"""The trials of a sweep, and running one of them into its own folder with a flat result record.

A sweep is a config file with a ``sweep`` section (``training.config``); each trial is a complete
config. Its run folder is ``OUT/trials/<name>``; a trial that was stopped resumes from its last
checkpoint, and a finished one is not run again. ``record.json`` in the run folder is the trial's
row of the sweep's table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..results import write_json
from ..training import RESUMABLE_KEYS, config_from_raw, expand_sweep, run_trial, task_for
from ..training.config import config_to_dict, diff_keys, flatten_config, read_config_file

__all__ = ["Trial", "execute_trial", "plan_sweep", "trial_dir"]


@dataclass(frozen=True)
class Trial:
    """One point of a sweep: its name and its complete typed config (e.g. ``FeysConfig``)."""

    name: str
    config: Any


def plan_sweep(
    config_path: str | Path, overrides: list[tuple[str, Any]] | None = None
) -> list[Trial]:
    """Every trial of a config file (one trial named ``run`` without a sweep section), each with
    ``overrides`` applied after the trial's own assignments."""
    raw = read_config_file(config_path)
    try:
        points = expand_sweep(raw)
    except ValueError as err:
        raise ValueError(f"{config_path}: {err}") from None
    trials = []
    for name, point in points:
        try:
            config = config_from_raw(raw, [*point.items(), *(overrides or [])])
        except ValueError as err:  # name the file and the trial
            raise ValueError(f"{config_path}, trial {name or 'run'!r}: {err}") from None
        trials.append(Trial(name or "run", config))
    return trials


def trial_dir(out_dir: str | Path, trial: Trial) -> Path:
    return Path(out_dir).resolve() / "trials" / trial.name


def _finished_run(folder: Path, trial: Trial) -> dict[str, Any] | None:
    """The metrics (``step``, ``best``, ``test``) of a run of ``trial``'s config trained to its
    end and tested in ``folder`` by ``qprecode train`` (several trials trained at once in
    separate processes, say), or ``None``."""
    best, last = folder / "best.json", folder / "last.json"
    if not (best.is_file() and last.is_file()):
        return None
    info, state = json.loads(best.read_text()), json.loads(last.read_text())
    training = info.get("training", {})
    if "test" not in info or training.get("stopped_at"):
        return None  # not finished, or tested before it finished (retest --unfinished)
    changed = diff_keys(state["config"], config_to_dict(trial.config))
    if [k for k in changed if k not in RESUMABLE_KEYS]:
        return None  # another config: resuming it refuses with the reason
    return {"step": state["step"], "best": state["best_metric"], "test": info["test"]}


def execute_trial(trial: Trial, out_dir: str | Path) -> dict[str, Any]:
    """Run (or resume, or read back, also when ``qprecode train`` ran it into its folder) one
    trial and return its record: the trial's name, its flattened config, the best validation
    value, the task's test columns (``task.test_record``: by default the test sum rates at the
    training SNR), and its costs (``task.costs()``, e.g. the inference energy)."""
    folder = trial_dir(out_dir, trial)
    record_path = folder / "record.json"
    if record_path.is_file():
        return read_trial_record(record_path)
    metrics = _finished_run(folder, trial)
    if metrics is None:
        resume = (folder / "last.json").is_file()
        metrics = run_trial(trial.config, folder, resume=resume)
    task = task_for(trial.config)
    record: dict[str, Any] = {
        "trial": trial.name,
        **flatten_config(config_to_dict(trial.config)),
        "step": metrics["step"],
        "val_best": metrics["best"],
    }
    record.update(task.test_record(metrics["test"]))
    costs = task.costs()
    record.update(costs)
    if "energy_uj" in costs and "test_sum_rate" in record:
        record["energy_efficiency"] = record["test_sum_rate"] / costs["energy_uj"]
    write_json(record_path, record)
    return record


def read_trial_record(path: str | Path, needed: Sequence[str] = ()) -> dict[str, Any]:
    """A trial's ``record.json`` with the ``needed`` columns, or a one-line ``ValueError`` naming
    the file and what is wrong (unreadable, not an object, columns missing)."""
    source = Path(path)
    try:
        record = json.loads(source.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(
            f"trial record {source} is not readable ({err}); delete it to run the trial again"
        ) from None
    if not isinstance(record, dict):
        raise ValueError(f"trial record {source} must hold a JSON object")
    missing = [key for key in needed if key not in record]
    if missing:
        raise ValueError(
            f"trial record {source} has no {', '.join(missing)}: a trial of another task, or "
            "recorded by an older qprecode (qprecode retest its run folder, then delete the record)"
        )
    return record
