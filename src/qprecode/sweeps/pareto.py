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
    """Group the records whose configuration (the dotted ``section.key`` columns) is the same up
    to ``seed_key``; per group, the columns that do not vary within it (configuration, costs),
    ``<metric>_mean`` and ``<metric>_std`` (sample std, 0 for one seed) of every metric, and
    ``seeds`` (the group's size)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record in records:
        config = sorted(k for k in record if "." in k and k != seed_key)
        key = tuple(f"{k}={record[k]!r}" for k in config)
        groups.setdefault(key, []).append(record)
    out = []
    for members in groups.values():
        first = members[0]
        row = {k: v for k, v in first.items() if all(m.get(k) == v for m in members)}
        row.pop(seed_key, None)
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
