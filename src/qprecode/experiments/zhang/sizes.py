"""Size generalisation: trained GNNs and the classical precoders at numbers of antennas and
users other than the training ones, as a fraction of the WMMSE (sum SE) or WMMSE-PF (log-SE)
baseline on the same channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ...channels import make_channel
from ...nn import kind_of, load_model
from ...plotting import plot_curves
from ...precoders import WMMSE, WMMSEPF, MatrixPrecoder
from ...progress import progress_bar
from ...registry import build_precoder, find_entry, resolve_checkpoint
from ...results import run_metadata, write_csv, write_json
from ...seeds import stream_seed
from ...training.zhang import utility

__all__ = ["load_zhang_models", "plot_sizes", "size_generalisation", "sizes_report"]


def size_generalisation(
    models: Mapping[str, nn.Module],
    sizes: Sequence[tuple[int, int]],
    snr_db: float = 10.0,
    objective: str = "se",
    num_channels: int = 1000,
    seed: int = 0,
    channel: str = "rayleigh",
    progress: bool = True,
    classical: Sequence[str] = ("rzf", "mrt", "zf"),
) -> list[dict[str, Any]]:
    """Evaluate ``models`` (size-free GNNs) and classical precoders at every ``(M, K)`` of
    ``sizes``.

    Args:
        models: label -> trained ``GradientGNN``, ``EdgeGNN``, ``UserGAT`` or ``HybridGNN``.
        sizes: ``(M, K)`` pairs.
        snr_db: ``P / sigma^2`` in dB.
        objective: ``se`` (baseline WMMSE) or ``log-se`` (baseline WMMSE-PF).
        num_channels: test channels per size, drawn from the stream ``size-M-K`` of ``seed``.
        seed: seed of the test channels.
        channel: channel model name.
        progress: show a progress bar over the sizes.
        classical: registry names of the classical precoders next to the models (e.g.
            ``mo-altmin``, ``omp``, ``pzf`` for hybrid precoding).

    Returns:
        One row per size and precoder: ``antennas``, ``users``, ``precoder``, ``utility`` (mean),
        ``fraction`` (of the baseline's mean); the baseline's own row has fraction 1. A precoder
        that needs ``K <= M`` is left out where ``K > M``, a model built for another ``M`` (the
        GAT) or with fewer RF chains than users (a hybrid GNN) where it cannot run.
    """
    baseline: MatrixPrecoder = (
        WMMSE(snr_db, tolerance=1e-4) if objective == "se" else WMMSEPF(snr_db)
    )
    rows: list[dict[str, Any]] = []
    for M, K in progress_bar(list(sizes), "sizes", progress):
        generator = torch.Generator().manual_seed(stream_seed(seed, f"size-{M}-{K}"))
        H = make_channel(channel, M, K).sample(num_channels, generator)
        precoders: dict[str, MatrixPrecoder] = {baseline.name: baseline}
        for label, model in models.items():
            # a hybrid GNN serves K <= N_RF users, a GAT runs at its own M only
            if getattr(model, "num_rf_chains", K) >= K and getattr(model, "antennas", M) == M:
                learned = kind_of(model).precoder(model, label)
                assert isinstance(learned, MatrixPrecoder)  # a Zhang GNN: digital or hybrid
                precoders[label] = learned
        for name in classical:
            if K <= M or find_entry(name).needs == ():
                precoder = build_precoder(name, snr_db=snr_db)
                assert isinstance(precoder, MatrixPrecoder)
                precoders[name] = precoder
        values = {}
        for name, precoder in precoders.items():
            with torch.no_grad():
                values[name] = float(utility(H, precoder.matrix(H), snr_db, objective).mean())
        reference = values[baseline.name]
        for name, value in values.items():
            rows.append({"antennas": M, "users": K, "precoder": name, "utility": value,
                         "fraction": value / reference})  # fmt: skip
    return rows


def load_zhang_models(specs: Mapping[str, str]) -> dict[str, nn.Module]:
    """label -> trained Zhang GNN, from label -> a shipped name (``gradient-k4-n12``), a run
    folder or a model file; refuses a model of another task."""
    models = {}
    for label, spec in specs.items():
        model, info = load_model(resolve_checkpoint(spec))
        if kind_of(info["architecture"]).task != "zhang-gnn":
            raise ValueError(f"{spec} holds a {info['architecture']} model, not a zhang-gnn one")
        models[label] = model
    return models


def sizes_report(
    models: Mapping[str, str],
    antennas: Sequence[int],
    users: Sequence[int],
    out_dir: str | Path,
    snr_db: float = 10.0,
    objective: str = "se",
    num_channels: int = 1000,
    seed: int = 0,
    channel: str = "rayleigh",
    classical: Sequence[str] = ("rzf", "mrt", "zf"),
    progress: bool = True,
) -> list[dict[str, Any]]:
    """``size_generalisation`` of the models ``label -> spec`` (``load_zhang_models``) over the
    grid ``antennas x users``, written to ``out_dir`` as ``sizes.json`` (with the config),
    ``sizes.csv`` and ``sizes.png`` (fraction of the baseline over the longer axis). Returns the
    rows."""
    if num_channels < 1:
        raise ValueError(f"--channels must be a positive integer, got {num_channels}")
    for name in classical:
        find_entry(name)  # a clear error for an unknown name, before any work
    loaded = load_zhang_models(models)
    grid = [(m, k) for m in antennas for k in users]
    rows = size_generalisation(loaded, grid, snr_db, objective, num_channels, seed, channel,
                               progress, classical)  # fmt: skip
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = {"command": "zhang sizes", "models": dict(models), "antennas": list(antennas),
              "users": list(users), "snr_db": snr_db, "objective": objective,
              "channels": num_channels, "seed": seed, "channel": channel,
              "classical": list(classical)}  # fmt: skip
    write_json(out / "sizes.json", {"config": config, "meta": run_metadata(), "rows": rows})
    write_csv(out / "sizes.csv", rows)
    plot_sizes(rows, out / "sizes.png", snr_db, objective)
    return rows


def plot_sizes(rows: list[dict[str, Any]], path: str | Path, snr_db: float, objective: str) -> None:
    """Fraction of the baseline over the axis (users or antennas) with more values, at the first
    row's value of the other, one curve per precoder."""
    vary_users = len({r["users"] for r in rows}) >= len({r["antennas"] for r in rows})
    axis, fixed = ("users", "antennas") if vary_users else ("antennas", "users")
    curves = {}
    for name in dict.fromkeys(r["precoder"] for r in rows):
        points = [r for r in rows if r["precoder"] == name and r[fixed] == rows[0][fixed]]
        curves[name] = ([p[axis] for p in points], [p["fraction"] for p in points])
    xlabel = "K (users)" if vary_users else "M (antennas)"
    title = f"{fixed} = {rows[0][fixed]}, {snr_db:g} dB"
    plot_curves(curves, path, xlabel, f"{objective} / baseline", title)
