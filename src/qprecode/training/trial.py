"""One training trial, as a sweep engine calls it: a typed config (or a plain mapping, as in a
config file) trained in its folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .config import config_to_dict
from .loop import train
from .tasks import config_from_raw

__all__ = ["run_trial"]


def run_trial(
    config: Any, out_dir: str | Path, resume: bool = False, progress: bool = False
) -> dict[str, Any]:
    """Train one config (a task's typed config, or a mapping as in a config file, nested or
    flat) in ``out_dir`` and
    return its metrics: the best validation value, the last validation metrics, and the test
    metrics once the run is complete.

    Returns:
        ``{"config": nested config, "step", "best", "validation": {...}, "test": {...}}``.
    """
    typed = config_from_raw(dict(config)) if isinstance(config, Mapping) else config
    result = train(typed, out_dir, resume=resume, progress=progress, echo=lambda _: None)
    return {"config": config_to_dict(typed), "step": result.step, "best": result.best,
            "validation": result.metrics, "test": result.test}  # fmt: skip
