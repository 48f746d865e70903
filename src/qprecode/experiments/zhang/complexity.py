"""The complexity tables of Zhang et al. (Tables I-IV) measured here: trainable parameters, the
fewest training samples (of a learning-curve sweep) that reach a target fraction of the baseline,
the training time of that trial, the real FLOPs per channel (``cost.matmul_flops``: the matrix
products and solves a model runs; the classical precoders' counts of ``cost.classical``) and the
inference time per sample on this machine, for the learned precoders and the classical baselines
alike."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ...channels import make_channel
from ...cost import classical_flops, matmul_flops, wmmse_step_flops
from ...nn import GraphPrecoder, HybridGNN, HybridGraphPrecoder, load_model
from ...precoders import WMMSE
from ...registry import build_precoder, resolve_checkpoint
from .curves import learning_curves

__all__ = [
    "classical_timings",
    "count_parameters",
    "hybrid_complexity",
    "inference_ms",
    "learned_complexity",
    "model_complexity",
    "model_flops",
]


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def model_flops(model: nn.Module, M: int, K: int) -> int:
    """Real FLOPs of the products and solves of ``model`` on one ``M x K`` channel."""
    H = make_channel("rayleigh", M, K).sample(1, torch.Generator().manual_seed(0))
    return matmul_flops(model, H).total


@torch.no_grad()
def inference_ms(precoder: Any, H: torch.Tensor, repeats: int = 3) -> float:
    """Median over ``repeats`` of the wall time of ``precoder.matrix(H)`` (a ``MatrixPrecoder``)
    per channel, in ms,
    after one warm-up call (``H: [N, M, K]``, one batched call)."""
    precoder.matrix(H[:2])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        precoder.matrix(H)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2] / H.shape[0] * 1e3


def learned_complexity(
    sweep_dir: str | Path, target: float, num_channels: int = 1000
) -> list[dict[str, Any]]:
    """Per curve (architecture, users, objective) of a learning-curve sweep: the fewest training
    samples whose test fraction of the baseline reaches ``target`` (``samples`` is ``None`` when
    no trial does; the best trial is reported then), that trial's training time, the model's
    parameters and its inference time per sample on ``num_channels`` i.i.d. Rayleigh channels of
    its size.

    Returns:
        Rows with ``curve``, ``antennas``, ``users``, ``parameters``, ``samples``, ``fraction``,
        ``train_seconds``, ``steps``, ``inference_ms``, ``trial``.
    """
    out = []
    for label, points in learning_curves(sweep_dir).items():
        reached = [p for p in points if p["fraction"] >= target]
        chosen = reached[0] if reached else max(points, key=lambda p: p["fraction"])
        folder = Path(chosen["folder"])
        model, info = load_model(folder / "best")
        training = info.get("training", {})
        data = info["config"]["data"]
        H = _rayleigh(data["antennas"], data["users"], num_channels)
        out.append({
            "curve": label, "antennas": data["antennas"], "users": data["users"],
            "parameters": count_parameters(model),
            "flops": model_flops(model, data["antennas"], data["users"]),
            "samples": chosen["samples"] if reached else None, "fraction": chosen["fraction"],
            "train_seconds": training.get("seconds"), "steps": training.get("steps"),
            "inference_ms": inference_ms(GraphPrecoder(model), H), "trial": chosen["trial"],
        })  # fmt: skip
    return out


def model_complexity(
    specs: dict[str, str], num_channels: int = 1000
) -> list[dict[str, Any]]:  # fmt: skip
    """Trained models (label -> a shipped name such as ``gradient-k4-n12``, a run folder or a
    model file) at the size they were trained at: parameters, FLOPs per channel, inference time
    per sample on ``num_channels`` Rayleigh channels, and what their model card recorded (the
    test fraction of the baseline, training samples, steps and seconds).

    Returns:
        Rows with ``model``, ``architecture``, ``antennas``, ``users``, ``parameters``,
        ``flops``, ``inference_ms``, ``fraction``, ``baseline``, ``train_samples``, ``steps``,
        ``train_seconds``.
    """
    rows = []
    for label, spec in specs.items():
        model, info = load_model(resolve_checkpoint(spec))
        data = info["config"]["data"]
        M, K = data["antennas"], data["users"]
        test = info.get("test", {})
        results = test.get("results", [{}])
        training = info.get("training", {})
        rows.append({
            "model": label, "architecture": info["architecture"], "antennas": M, "users": K,
            "parameters": count_parameters(model), "flops": model_flops(model, M, K),
            "inference_ms": inference_ms(GraphPrecoder(model), _rayleigh(M, K, num_channels)),
            "fraction": results[0].get("fraction_of_baseline"), "baseline": test.get("baseline"),
            "train_samples": data["train_channels"], "steps": training.get("steps"),
            "train_seconds": training.get("seconds"),
        })  # fmt: skip
    return rows


def classical_timings(
    sizes: Sequence[tuple[int, int]], names: Sequence[str], num_channels: int = 1000,
    snr_db: float = 10.0,
) -> list[dict[str, Any]]:  # fmt: skip
    """Inference time per sample of registry precoders at every ``(M, K)`` on Rayleigh channels,
    and the real FLOPs per channel of ``zf`` and ``wmmse`` (``cost.classical``; WMMSE: the Gram
    matrix and the mean number of steps it took on these channels, ``iterations``): rows with
    ``precoder``, ``antennas``, ``users``, ``inference_ms``, ``flops`` (``None`` for others)."""
    rows = []
    for M, K in sizes:
        H = _rayleigh(M, K, num_channels)
        for name in names:
            precoder = build_precoder(name, snr_db=snr_db)
            ms = inference_ms(precoder, H)
            row: dict[str, Any] = {"precoder": name, "antennas": M, "users": K,
                                   "inference_ms": ms, "flops": None}  # fmt: skip
            if name in ("zf", "rzf", "mrt"):
                row["flops"] = classical_flops(name, M, K).per_channel.total
            elif isinstance(precoder, WMMSE):
                result = precoder.solve(H)
                taken = result.iterations if result.total_iterations is None else (
                    result.total_iterations)  # fmt: skip
                steps = float(taken.double().mean())
                gram = 4 * M * K * K + (4 * M - 2) * K * K
                row["iterations"] = steps
                row["flops"] = round(gram + steps * wmmse_step_flops(M, K).total)
            rows.append(row)
    return rows


def hybrid_complexity(path: str | Path, num_channels: int = 1000) -> dict[str, Any]:
    """A trained hybrid GNN (model files ``path``.json/.safetensors) against MO-AltMin, OMP and
    phased ZF on its own channel model and size: parameters, training samples and time, the
    test fractions of MO-AltMin recorded at training, and inference times per sample (the
    classical ones on a tenth of the channels: MO-AltMin takes about 0.1 s per channel)."""
    model, info = load_model(path)
    data = info["config"]["data"]
    M, K = data["antennas"], data["users"]
    generator = torch.Generator().manual_seed(0)
    H = make_channel(data["channel"], M, K).sample(num_channels, generator)
    fewer = H[: max(2, num_channels // 10)]
    assert isinstance(model, HybridGNN), f"{path} holds no hybrid GNN"
    timings = {"hybrid-gnn": inference_ms(HybridGraphPrecoder(model), H)}
    for name in ("mo-altmin", "omp", "pzf"):
        timings[name] = inference_ms(build_precoder(name, snr_db=data["snr_db"]), fewer, 1)
    results = info.get("test", {}).get("results", [])
    fractions = {("hybrid-gnn" if r["precoder"] == "gnn" else r["precoder"]):
                 r["fraction_of_baseline"] for r in results}  # fmt: skip
    return {
        "antennas": M, "users": K, "rf_chains": data["rf_chains"],
        "parameters": count_parameters(model), "flops": model_flops(model, M, K),
        "train_samples": data["train_channels"],
        "train_seconds": info.get("training", {}).get("seconds", float("nan")),
        "fractions": fractions, "inference_ms": timings,
    }  # fmt: skip


def _rayleigh(M: int, K: int, count: int) -> torch.Tensor:
    return make_channel("rayleigh", M, K).sample(count, torch.Generator().manual_seed(0))
