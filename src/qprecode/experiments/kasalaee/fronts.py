"""Pareto fronts of compressed DNN precoders (Figs. 2-3 of Kasalaee et al.), the paper's
direct-output network and the structured one side by side.

A sweep's table (``qprecode sweep``) holds one row per trial: the configuration (architecture,
per-layer weight bits, seed), the test sum rate at the training SNR and the inference energy of
the energy model. Rows that differ only in the seed are averaged (the paper's 4 seeds); the
energy efficiency is the mean rate over the energy, ``EE = R / E`` in bits/s/Hz per µJ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ...sweeps import aggregate_seeds, pareto_mask

__all__ = ["FrontPoint", "architecture_label", "pareto_fronts"]

_ARCH = ("model.conv_channels", "model.fc_dim")
_BITS = ("model.conv_bits", "model.fc1_bits", "model.fc2_bits", "model.fc3_bits")


@dataclass(frozen=True)
class FrontPoint:
    """One configuration averaged over its seeds."""

    architecture: str  # "C x D", or "structured C x D"
    bits: str  # "[CONV, FC1, FC2, FC3]"
    seeds: int
    sum_rate: float  # mean over seeds, bits/s/Hz
    sum_rate_std: float
    energy_uj: float
    energy_efficiency: float  # bits/s/Hz per µJ
    on_architecture_front: bool
    on_overall_front: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def architecture_label(row: dict[str, Any]) -> str:
    """``"CxD"`` of a row, ``"structured CxD"`` for the structured network (``model.head``)."""
    sizes = f"{row.get(_ARCH[0])}x{row.get(_ARCH[1])}"
    return f"structured {sizes}" if row.get("model.head") == "structured" else sizes


def _bits_label(row: dict[str, Any]) -> str:
    return "[" + ",".join("16" if row.get(k) in (None, "") else str(row[k]) for k in _BITS) + "]"


def pareto_fronts(records: Sequence[dict[str, Any]]) -> list[FrontPoint]:
    """Average the sweep's rows over seeds and mark the Pareto-optimal configurations (highest
    rate and highest energy efficiency) per architecture and over all."""
    rows = [r for r in aggregate_seeds(records, ["test_sum_rate"]) if "test_sum_rate_mean" in r]
    if not rows or "energy_uj" not in rows[0]:
        raise ValueError("the table needs test_sum_rate and energy_uj columns (a kasalaee sweep)")
    points = [(r["test_sum_rate_mean"], r["test_sum_rate_mean"] / r["energy_uj"]) for r in rows]
    overall = pareto_mask(points)
    arch = [architecture_label(r) for r in rows]
    per_arch = [False] * len(rows)
    for name in set(arch):
        members = [i for i, a in enumerate(arch) if a == name]
        for i, keep in zip(members, pareto_mask([points[i] for i in members]), strict=True):
            per_arch[i] = keep
    return [
        FrontPoint(arch[i], _bits_label(r), r["seeds"], r["test_sum_rate_mean"],
                   r["test_sum_rate_std"], r["energy_uj"], points[i][1], per_arch[i], overall[i])
        for i, r in enumerate(rows)
    ]  # fmt: skip
