"""Time to quality of the Feys GNN for M=32, K=1: validation sum rate and NMSE against wall time
for the GPU runs (``curves/*.csv``, the runs' ``metrics.csv``) and four CPU runs, with
the levels of MRT at 2 and 3 bits on the same validation channels:

    python scripts/feys/gpu_plot.py   # writes results/feys/gpu/time_to_quality.png
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parents[2] / "results/feys/gpu"  # the curves it draws
PANELS = {  # title: {curve file: label}
    "b = 1": {
        "k1-b1-b128": "paper preset, batch 128, H200 alone",
        "k1-b1-b512": "batch 512, H200 shared by 7 runs",
        "k1-b1-b512-cosine": "batch 512, cosine lr, shared",
        "k1-b1-b512-from-distilled": "batch 512 from gnn:k1-b1-distilled, shared",
        "cpu-distill-k1-b1": "distilled from the local search, 2 CPU cores",
        "cpu-paper-s16": "paper preset with 16 symbols per channel, 2 CPU cores",
        "cpu-paper-micro16": "paper preset in micro-batches of 16 channels, 2 CPU cores",
    },
    "b = 2 and b = 3": {
        "k1-b2-b128": "b=2, paper preset, H200 alone",
        "cpu-k1-b2-continued": "b=2, paper preset continued on 2 CPU cores in micro-batches",
        "k1-b2-b512-cosine": "b=2, batch 512, cosine lr, shared",
        "k1-b3-b512-cosine": "b=3, batch 512, cosine lr, shared",
    },
}
MRT = {2: (4.43, -13.0), 3: (6.80, -20.3)}  # rate and NMSE at 20 dB (model cards' test sets)


def read(name: str) -> tuple[list[float], list[float], list[float]]:
    with (HERE / "curves" / f"{name}.csv").open() as f:
        rows = list(csv.DictReader(f))
    return (
        [float(r["seconds"]) for r in rows],
        [float(r["val_sum_rate"]) for r in rows],
        [float(r["val_nmse_db"]) for r in rows],
    )


def main() -> None:
    fig, axes = plt.subplots(2, 2, figsize=(14, 9), sharex=True)
    for column, (title, curves) in enumerate(PANELS.items()):
        rate_ax, nmse_ax = axes[0, column], axes[1, column]
        for name, label in curves.items():
            seconds, rate, nmse = read(name)
            rate_ax.plot(seconds, rate, marker=".", label=label)
            nmse_ax.plot(seconds, nmse, marker=".", label=label)
        for bits, (rate, nmse) in MRT.items():
            rate_ax.axhline(rate, color="k", ls=":" if bits == 2 else "--", lw=1,
                            label=f"MRT, {bits}-bit DACs")  # fmt: skip
            nmse_ax.axhline(nmse, color="k", ls=":" if bits == 2 else "--", lw=1)
        rate_ax.set(title=f"M = 32, K = 1, {title}", ylabel="validation sum rate [bit/c.u.]")
        nmse_ax.set(xlabel="wall time [s]", ylabel="validation NMSE [dB]", xscale="log")
        for ax in (rate_ax, nmse_ax):
            ax.grid(alpha=0.3, which="both")
        # under the column, so that no curve hides behind it
        handles, labels = rate_ax.get_legend_handles_labels()
        nmse_ax.legend(handles, labels, fontsize=7, ncol=2, loc="upper center",
                       bbox_to_anchor=(0.5, -0.16))  # fmt: skip
    fig.suptitle("Time to quality of the GNN at 20 dB (validation: 1,000 channels x 125 symbols)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    fig.savefig(HERE / "time_to_quality.png", dpi=110)


if __name__ == "__main__":
    main()
