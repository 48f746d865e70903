"""Imperfect CSI: the sum rate of every precoder family when the base station precodes with a
channel estimate ``H_hat`` and the users receive through the true ``H``.

Two error models (``evaluation.csi``): an additive error of a given estimation NMSE, swept from
-30 to 0 dB, and a pilot-based LS or MMSE estimate at a given pilot SNR. Every precoder sees the
same channels, symbols and estimates.

Run ``qprecode reproduce studies:csi --preset paper --out results/csi`` (the report's numbers
and plots).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from matplotlib.figure import Figure

from ...channels import RayleighChannel
from ...evaluation import evaluate, pilot_channel_estimate, pilot_estimate_nmse_db
from ...registry import build_precoder
from ..common import Section

__all__ = [
    "ERRORS_DB", "PILOT_SNRS_DB", "PRECODERS", "csi_study", "csi_sweep", "pilot_sweep",
    "plot_csi_sweep",
]  # fmt: skip

ERRORS_DB = (-30.0, -25.0, -20.0, -15.0, -10.0, -5.0, 0.0)
PILOT_SNRS_DB = (-10.0, -5.0, 0.0, 5.0, 10.0, 20.0)
# per number of users; the GNNs of K = 2 also at K = 4 (size transfer); the compressed DNNs of
# Kasalaee et al. (the paper's smallest network, FP32, 1-bit DACs after it) at their own K
_CLASSICAL = ("mrt", "zf", "squid", "c2po", "local-search")
PRECODERS = {
    1: (*_CLASSICAL, "gnn:k1-b1", "gnn:k1-b1-distilled", "dnn:c8-d512-m32-k1"),
    2: (*_CLASSICAL, "gnn:k2-b1", "gnn:k2-b1-csi10"),
    4: (*_CLASSICAL, "gnn:k4-b1", "gnn:k2-b1", "gnn:k2-b1-csi10", "dnn:c8-d512-m32-k4"),
}


def _channels(antennas: int, users: int, count: int, seed: int) -> torch.Tensor:
    return RayleighChannel(antennas, users).sample(count, torch.Generator().manual_seed(seed))


def csi_sweep(
    precoders: Sequence[str],
    antennas: int = 32,
    users: int = 1,
    bits: int = 1,
    snr_db: float = 20.0,
    errors_db: Sequence[float] = ERRORS_DB,
    channels: int = 500,
    symbols: int = 64,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Sum rate vs estimation NMSE: one row ``{precoder, csi_error_db (None: perfect),
    sum_rate, sum_rate_stderr, nmse_db}`` per precoder and error, on i.i.d. Rayleigh channels."""
    H = _channels(antennas, users, channels, seed)
    rows = []
    for name in precoders:
        precoder = build_precoder(name, bits, snr_db=snr_db)
        for error in (None, *errors_db):
            result = evaluate(precoder, H, [snr_db], num_symbols=symbols, seed=seed,
                              csi_error_nmse_db=error)  # fmt: skip
            rows.append({"precoder": name, "csi_error_db": error, **_point(result)})
    return rows


def pilot_sweep(
    precoders: Sequence[str],
    antennas: int = 32,
    users: int = 4,
    bits: int = 1,
    snr_db: float = 20.0,
    pilot_snrs_db: Sequence[float] = PILOT_SNRS_DB,
    channels: int = 500,
    symbols: int = 64,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Sum rate vs pilot SNR with LS and MMSE estimates from ``K`` orthogonal pilots: one row
    ``{precoder, estimator, pilot_snr_db, estimate_nmse_db, sum_rate, ...}`` per point."""
    H = _channels(antennas, users, channels, seed)
    built = {name: build_precoder(name, bits, snr_db=snr_db) for name in precoders}
    rows = []
    for estimator in ("ls", "mmse"):
        for pilot_snr in pilot_snrs_db:
            generator = torch.Generator().manual_seed(seed + 1)
            H_hat = pilot_channel_estimate(H, pilot_snr, generator, estimator)
            for name, precoder in built.items():
                result = evaluate(precoder, H, [snr_db], num_symbols=symbols, seed=seed,
                                  channel_estimates=H_hat)  # fmt: skip
                rows.append({"precoder": name, "estimator": estimator, "pilot_snr_db": pilot_snr,
                             "estimate_nmse_db": pilot_estimate_nmse_db(pilot_snr, users,
                                                                        estimator),
                             **_point(result)})  # fmt: skip
    return rows


def _point(result: Any) -> dict[str, float]:
    return {"sum_rate": result.sum_rate[0], "sum_rate_stderr": result.sum_rate_sem[0],
            "nmse_db": result.nmse_db[0]}  # fmt: skip


def plot_csi_sweep(panels: dict[str, list[dict[str, Any]]], path: str | Path) -> Figure:
    """Sum rate vs estimation NMSE, one panel per ``{title: csi_sweep rows}``; the perfect-CSI
    rate of each precoder as a dotted line, 95 % bands over channels, each panel's legend below
    it."""
    fig = Figure(figsize=(5.2 * len(panels), 4.2))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, rows) in zip(axes, panels.items(), strict=True):
        for index, name in enumerate(dict.fromkeys(r["precoder"] for r in rows)):
            mine = [r for r in rows if r["precoder"] == name]
            noisy = [r for r in mine if r["csi_error_db"] is not None]
            x = [r["csi_error_db"] for r in noisy]
            y = torch.tensor([r["sum_rate"] for r in noisy])
            band = 1.96 * torch.tensor([r["sum_rate_stderr"] for r in noisy])
            color = f"C{index}"
            ax.plot(x, y, marker="o", color=color, label=name)
            ax.fill_between(x, y - band, y + band, color=color, alpha=0.2)
            perfect = [r["sum_rate"] for r in mine if r["csi_error_db"] is None]
            if perfect:
                ax.axhline(perfect[0], color=color, linestyle=":", linewidth=1)
        ax.set_xlabel("channel estimation NMSE [dB]")
        ax.set_ylabel("sum rate [bits/channel use]")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        # below the panel, outside it: a legend inside covered the curves
        ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    fig.suptitle("dotted: perfect CSI", fontsize="small")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=130, bbox_inches="tight")
    return fig


def _table(rows: list[dict[str, Any]], column: str) -> str:
    """Markdown: one row per precoder, one column per value of ``column``."""
    values = list(dict.fromkeys(r[column] for r in rows))
    head = ["perfect" if v is None else f"{v:g} dB" for v in values]
    lines = [f"| precoder | {' | '.join(head)} |", "|---" * (len(values) + 1) + "|"]
    for name in dict.fromkeys(r["precoder"] for r in rows):
        cells = {r[column]: r for r in rows if r["precoder"] == name}
        rates = " | ".join(f"{cells[v]['sum_rate']:.2f}" for v in values)
        lines.append(f"| {name} | {rates} |")
    return "\n".join(lines)


def csi_study(channels: int, symbols: int, seed: int, out_dir: str | Path) -> Section:
    """The imperfect-CSI report: the additive-error sweep at K = 1, 2, 4 and the pilot sweep at
    K = 4 (M = 32, 1-bit DACs, 20 dB), with ``rate_vs_csi_error.png`` in ``out_dir``."""
    start = time.perf_counter()
    sweeps = {f"M=32, K={k}, 1-bit DACs, 20 dB": csi_sweep(names, users=k, channels=channels,
                                                           symbols=symbols, seed=seed)
              for k, names in PRECODERS.items()}  # fmt: skip
    pilots = pilot_sweep(PRECODERS[4], users=4, channels=channels, symbols=symbols, seed=seed)
    seconds = time.perf_counter() - start
    plot_csi_sweep(sweeps, Path(out_dir) / "rate_vs_csi_error.png")
    tables = [f"### {title}\n\n{_table(rows, 'csi_error_db')}" for title, rows in sweeps.items()]
    for estimator in ("ls", "mmse"):
        rows = [r for r in pilots if r["estimator"] == estimator]
        tables.append(f"### Pilot SNR, {estimator.upper()} estimate, M=32, K=4\n\n"
                      + _table(rows, "pilot_snr_db"))  # fmt: skip
    data = {"antennas": 32, "bits": 1, "snr_db": 20.0, "csi_sweeps": sweeps,
            "pilot_sweep": pilots, "seconds": seconds}  # fmt: skip
    markdown = "## Imperfect CSI\n\n" + "\n\n".join(tables) + "\n"
    return Section("csi", "Imperfect CSI", markdown, ["rate_vs_csi_error.png"], data)
