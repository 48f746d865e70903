"""Running the trials of a sweep: one after the other in this process (``local``), or as Ray Tune
trials (``ray``: a local Ray instance by default, an existing cluster with ``address``).

Both engines resume: a finished trial is read back from its ``record.json``, a stopped one
continues from its last checkpoint. Ray Tune's own experiment state lives under ``OUT/tune``;
``Tuner.restore`` resumes it after the sweep itself was stopped.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..progress import progress_bar
from ..training.config import config_to_dict, flatten_config
from ..training.stopping import TrainingStopped
from .plan import Trial, execute_trial

__all__ = ["ENGINES", "ray_available", "run_local", "run_ray"]

ENGINES = ("auto", "ray", "local")


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
        from ray import tune  # noqa: F401
    except ImportError:
        return False
    return True


def run_local(
    trials: list[Trial], out_dir: str | Path, echo: Callable[[str], None] = print,
    progress: bool = True,
) -> list[dict[str, Any]]:  # fmt: skip
    """Run the trials one after the other; returns their records in order. A trial that fails
    (an exception other than an interrupt) gets a record with ``status`` ``failed`` and its
    ``error``, and the sweep goes on; it writes no ``record.json``, so a later run retries it."""
    records = []
    for trial in progress_bar(trials, "sweep", enabled=progress):
        try:
            record = {**execute_trial(trial, out_dir), "status": "ok"}
        except (KeyboardInterrupt, SystemExit, TrainingStopped):
            raise
        except Exception as err:  # recorded, and the next trial runs
            record = failed_record(trial, err)
            echo(f"{trial.name}: failed: {record['error']}")
        else:
            echo(f"{trial.name}: {_summary(record)}")
        records.append(record)
    return records


def failed_record(trial: Trial, err: BaseException) -> dict[str, Any]:
    """The table row of a trial that failed: its name and config, ``status`` ``failed`` and the
    ``error`` (type and first line of the message)."""
    first = (str(err).strip().splitlines() or [""])[0]
    return {
        "trial": trial.name,
        **flatten_config(config_to_dict(trial.config)),
        "status": "failed",
        "error": f"{type(err).__name__}: {first}",
    }


def run_ray(
    trials: list[Trial],
    out_dir: str | Path,
    address: str | None = None,
    cpus_per_trial: int = 1,
    max_concurrent: int | None = None,
    echo: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Run the trials as Ray Tune trials (grid search over the trial index) and return their
    records in order. Each trial uses ``cpus_per_trial`` torch threads."""
    if not ray_available():
        raise ValueError("the ray engine needs Ray Tune: pip install 'qprecode[sweep]'")
    import ray
    from ray import tune

    out = Path(out_dir).resolve()
    by_index = dict(enumerate(trials))

    def trainable(params: dict[str, Any]) -> None:
        import torch

        torch.set_num_threads(cpus_per_trial)
        tune.report(_numeric(execute_trial(by_index[params["index"]], out)))

    if not ray.is_initialized():
        cpus = None if address else os.cpu_count()
        ray.init(address=address, num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    resources = tune.with_resources(trainable, {"cpu": cpus_per_trial})
    storage, name = str(out), "tune"
    if tune.Tuner.can_restore(str(out / name)):
        echo(f"resuming the Ray Tune experiment in {out / name}")
        tuner = tune.Tuner.restore(str(out / name), trainable=resources, resume_errored=True)
    else:
        tuner = tune.Tuner(
            resources,
            param_space={"index": tune.grid_search(list(by_index))},
            tune_config=tune.TuneConfig(max_concurrent_trials=max_concurrent),
            run_config=tune.RunConfig(storage_path=storage, name=name, verbose=0),
        )
    results = tuner.fit()
    if results.num_errors:
        raise ValueError(f"{results.num_errors} Ray trials failed; first: {results.errors[0]}")
    records = [execute_trial(trial, out) for trial in trials]  # read back, in order
    for record in records:
        echo(f"{record['trial']}: {_summary(record)}")
    return records


def _numeric(record: dict[str, Any]) -> dict[str, float]:
    return {
        k: v for k, v in record.items() if isinstance(v, int | float) and not isinstance(v, bool)
    }


def _summary(record: dict[str, Any]) -> str:
    keys = ("val_best", "test_sum_rate", "energy_uj", "energy_efficiency")
    return "  ".join(f"{k} {record[k]:.4g}" for k in keys if k in record)
