"""Learning curves: the test fraction of the WMMSE baseline against the number of training
samples, read from a sweep over ``train_channels`` (``configs/zhang/curve.yaml`` run by
``qprecode sweep``), one curve per architecture, number of users and objective."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from ...sweeps.plan import read_trial_record

__all__ = ["learning_curves"]


def learning_curves(sweep_dir: str | Path) -> dict[str, list[dict[str, Any]]]:
    """The finished trials of a Zhang et al. sweep, grouped into curves.

    Args:
        sweep_dir: a ``qprecode sweep`` output folder (its ``trials/*/record.json``).

    Returns:
        ``label -> points`` sorted by samples; a label is ``ARCH K=k OBJECTIVE``, a point has
        ``samples``, ``fraction`` (of WMMSE or WMMSE-PF), ``utility``, ``seed``, ``trial`` and
        the trial's ``folder``.

    Raises ``ValueError`` when the folder holds no finished trial of the ``zhang-gnn`` task.
    """
    curves: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(Path(sweep_dir).glob("trials/*/record.json")):
        record = read_trial_record(path)
        if record.get("task") != "zhang-gnn" or "test_fraction" not in record:
            continue
        label = (f"{record['model.architecture']} K={record['data.users']} "
                 f"{record['data.objective']}")  # fmt: skip
        curves[label].append({
            "samples": record["data.train_channels"], "fraction": record["test_fraction"],
            "utility": record["test_utility"], "seed": record["seed"], "trial": record["trial"],
            "folder": str(path.parent),
        })  # fmt: skip
    if not curves:
        raise ValueError(f"{sweep_dir} holds no finished zhang-gnn trial (trials/*/record.json)")
    return {label: sorted(points, key=lambda p: p["samples"]) for label, points in curves.items()}
