"""Pareto fronts of sweep results and the mean/std over seeds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["aggregate_seeds", "pareto_mask"]


def pareto_mask(points: Sequence[tuple[float, float]]) -> list[bool]:
    """For points ``(x, y)`` where both are to be maximised, True for those no other point
    dominates (at least as good in both, better in one). ``O(n^2)``, fine for thousands."""
    mask = []
    for i, (x, y) in enumerate(points):
        dominated = any(
            (a >= x and b >= y) and (a > x or b > y) for j, (a, b) in enumerate(points) if j != i
        )
        mask.append(not dominated)
    return mask


def aggregate_seeds(
    records: Sequence[dict[str, Any]], metrics: Sequence[str], seed_key: str = "seed"
) -> list[dict[str, Any]]:
    """Group records that differ only in ``seed_key`` (and their trial name and metrics); per
    group, the config, ``<metric>_mean``, ``<metric>_std`` (sample std, 0 for one seed) and
    ``seeds`` (their count)."""
    ignored = {seed_key, "trial", "step", "val_best", *metrics}
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for record in records:
        key = tuple(sorted((k, repr(v)) for k, v in record.items() if k not in ignored
                           and not k.startswith("test_sum_rate")))  # fmt: skip
        groups.setdefault(key, []).append(record)
    out = []
    for members in groups.values():
        row = {k: v for k, v in members[0].items() if k not in ignored
               and not k.startswith("test_sum_rate")}  # fmt: skip
        row["seeds"] = len(members)
        for metric in metrics:
            values = [float(m[metric]) for m in members if metric in m]
            if not values:
                continue
            mean = sum(values) / len(values)
            var = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0
            row[f"{metric}_mean"], row[f"{metric}_std"] = mean, math.sqrt(var)
        out.append(row)
    return out
