"""Imperfect CSI: the sum rate of every precoder family when the base station precodes with a
channel estimate ``H_hat`` and the users receive through the true ``H``.

Two error models (``evaluation.csi``): an additive error of a given estimation NMSE, swept from
-30 to 0 dB, and a pilot-based LS or MMSE estimate at a given pilot SNR. Every precoder sees the
same channels, symbols and estimates.

Run ``python -m qprecode.experiments.csi --out results/csi`` (the report's numbers and plots).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from matplotlib.figure import Figure

from ..channels import RayleighChannel
from ..evaluation import evaluate, pilot_channel_estimate, pilot_estimate_nmse_db
from ..registry import build_precoder, find_entry
from ..results import run_metadata

__all__ = ["ERRORS_DB", "PILOT_SNRS_DB", "csi_sweep", "pilot_sweep", "plot_csi_sweep"]

ERRORS_DB = (-30.0, -25.0, -20.0, -15.0, -10.0, -5.0, 0.0)
PILOT_SNRS_DB = (-10.0, -5.0, 0.0, 5.0, 10.0, 20.0)
PRECODERS = {  # per number of users; the GNNs of K = 2 also at K = 4 (size transfer)
    1: ("mrt", "zf", "squid", "c2po", "local-search", "gnn:k1-b1", "gnn:k1-b1-distilled"),
    2: ("mrt", "zf", "squid", "c2po", "local-search", "gnn:k2-b1", "gnn:k2-b1-csi10"),
    4: ("mrt", "zf", "squid", "c2po", "local-search", "gnn:k4-b1", "gnn:k2-b1", "gnn:k2-b1-csi10"),
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
    rate of each precoder as a dotted line, 95 % bands over channels."""
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
        ax.legend(fontsize="small")
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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/csi"))
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--symbols", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dnn", type=Path, action="append", default=[],
                        help="a compressed DNN of Kasalaee et al. at M=32 (a run folder or model "
                             "file), added as dnn:PATH to the sweep of the K it was trained for; "
                             "repeatable")  # fmt: skip
    args = parser.parse_args(argv)
    common = {"channels": args.channels, "symbols": args.symbols, "seed": args.seed}
    precoders = {k: list(names) for k, names in PRECODERS.items()}
    for path in args.dnn:
        users = find_entry(f"dnn:{path}").trained_on["users"]
        if users not in precoders:
            raise SystemExit(
                f"{path} was trained for K={users}; the sweeps have K={list(precoders)}"
            )
        precoders[users].append(f"dnn:{path}")
    start = time.perf_counter()
    sweeps = {f"M=32, K={k}, 1-bit DACs, 20 dB": csi_sweep(precoders[k], users=k, **common)
              for k in precoders}  # fmt: skip
    pilots = pilot_sweep(precoders[4], users=4, **common)
    seconds = time.perf_counter() - start
    args.out.mkdir(parents=True, exist_ok=True)
    plot_csi_sweep(sweeps, args.out / "rate_vs_csi_error.png")
    report = {"config": {**common, "antennas": 32, "bits": 1, "snr_db": 20.0},
              "csi_sweeps": sweeps, "pilot_sweep": pilots, "seconds": seconds,
              "meta": run_metadata()}  # fmt: skip
    (args.out / "csi.json").write_text(json.dumps(report, indent=2))
    tables = [f"### {title}\n\n{_table(rows, 'csi_error_db')}" for title, rows in sweeps.items()]
    for estimator in ("ls", "mmse"):
        rows = [r for r in pilots if r["estimator"] == estimator]
        tables.append(f"### Pilot SNR, {estimator.upper()} estimate, M=32, K=4\n\n"
                      + _table(rows, "pilot_snr_db"))  # fmt: skip
    (args.out / "tables.md").write_text("\n\n".join(tables) + "\n")
    print("\n\n".join(tables))
    print(f"{seconds:.0f} s; wrote {args.out}")


if __name__ == "__main__":
    main()
