"""Size generalisation: trained GNNs and the classical precoders at numbers of antennas and
users other than the training ones, as a fraction of the WMMSE (sum SE) or WMMSE-PF (log-SE)
baseline on the same channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from ...channels import make_channel
from ...nn import kind_of
from ...precoders import WMMSE, WMMSEPF, MatrixPrecoder
from ...progress import progress_bar
from ...registry import build_precoder, find_entry
from ...seeds import stream_seed
from ...training.zhang import utility

__all__ = ["size_generalisation"]


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
