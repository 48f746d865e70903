"""Validation sum rate against training step of the 12 FP32 runs of ``run.py`` (one panel per
channel set), with the test-set levels of MRT, ZF and WMMSE:

    python scripts/kasalaee/gpu_plot.py   # writes results/kasalaee/gpu/curves.png
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parents[2] / "results/kasalaee/gpu"  # the curves it draws
SETS = {"kasalaee": "i.i.d. Rayleigh, -4 dB", "site-munich": "Munich NLOS, -21.5 dB",
        "site-etoile": "Etoile LOS, -35 dB"}  # fmt: skip


def read(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


def main() -> None:
    records = read(HERE / "records.csv")
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, (name, title) in zip(axes, SETS.items(), strict=True):
        for seed in range(4):
            rows = read(HERE / "curves" / f"{name}-fp32-s{seed}.csv")
            steps = [int(r["step"]) for r in rows]
            ax.plot(steps, [float(r["val_sum_rate"]) for r in rows], label=f"DNN seed {seed}")
        level = next(r for r in records if r["sweep"] == f"{name}-fp32-gpu")
        for key, style in (("wmmse", "k--"), ("zf", "k:"), ("mrt", "k-.")):
            ax.axhline(float(level[key]), color="k", ls=style[1:], lw=1, label=key.upper())
        ax.set(title=title, xlabel="training step (batch 1,000)", ylabel="sum rate [bit/s/Hz]")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle("Default network (C=64, D=1024) on one H200: validation sum rate; lines: "
                 "test-set levels of the baselines", fontsize=10)  # fmt: skip
    fig.tight_layout()
    fig.savefig(HERE / "curves.png", dpi=120)


if __name__ == "__main__":
    main()
