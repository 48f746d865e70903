"""Pareto fronts of compressed DNN precoders (Figs. 2-3 of Kasalaee et al.).

A sweep's table (``qprecode sweep``) holds one row per trial: the configuration (architecture,
per-layer weight bits, seed), the test sum rate at the training SNR and the inference energy of
the energy model. Rows that differ only in the seed are averaged (the paper's 4 seeds); the
energy efficiency is the mean rate over the energy, ``EE = R / E`` in bits/s/Hz per µJ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch

from ...channels import make_channel
from ...cost import baseline_energy_uj, wmmse_multiplications
from ...metrics import noise_variance, sinr_from_matrix, sum_rate
from ...precoders import WMMSE
from ...sweeps import aggregate_seeds, pareto_mask

__all__ = ["WMMSE_TOLERANCES", "FrontPoint", "pareto_fronts", "wmmse_tradeoff"]

WMMSE_TOLERANCES = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 1e-4, 1e-5)
_ARCH = ("model.conv_channels", "model.fc_dim")
_BITS = ("model.conv_bits", "model.fc1_bits", "model.fc2_bits", "model.fc3_bits")


@dataclass(frozen=True)
class FrontPoint:
    """One configuration averaged over its seeds."""

    architecture: str  # "C x D"
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
    arch = [f"{r.get(_ARCH[0])}x{r.get(_ARCH[1])}" for r in rows]
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


@torch.no_grad()
def wmmse_tradeoff(
    antennas: int,
    users: int,
    channel: str,
    snr_db: float,
    channels: int = 1000,
    seed: int = 3,
    tolerances: Sequence[float] = WMMSE_TOLERANCES,
) -> list[dict[str, float]]:
    """WMMSE's rate and energy over its stopping tolerance (the curve of Fig. 3): per tolerance,
    the mean iteration count ``I``, the mean sum rate on ``channels`` channels of the given model
    (seeded), the energy of eqs. 12 and 14 at ``I`` and the energy efficiency."""
    H = make_channel(channel, antennas, users).sample(channels, torch.Generator().manual_seed(seed))
    noise = noise_variance(snr_db, float(antennas))
    out = []
    for tolerance in tolerances:
        result = WMMSE(snr_db, tolerance=tolerance).solve(H.to(torch.complex128))
        rate = float(sum_rate(sinr_from_matrix(H.to(torch.complex128), result.W, noise)).mean())
        iterations = float(result.iterations.double().mean())
        energy = baseline_energy_uj(wmmse_multiplications(antennas, users, iterations))
        out.append({"tolerance": tolerance, "iterations": iterations, "sum_rate": rate,
                    "energy_uj": energy, "energy_efficiency": rate / energy})  # fmt: skip
    return out
