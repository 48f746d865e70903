"""Time to quality of training recipes for the Feys et al. GNN on this machine: validation sum
rate and NMSE against wall time, one run per recipe, all on the same base config and step budget.

Each recipe is a set of config overrides on ``configs/feys/small-k1-b1.yaml`` (M=32, K=1, b=1,
d_h=32, N_h=8, 20 dB). Runs are ordinary run folders (``runs/recipes/<recipe>``): an interrupted
run resumes where it stopped, a finished one is skipped. ``--report`` draws the curves of every
finished or partial run and writes the table.

    python scripts/feys/recipes.py --recipes baseline,cosine --threads 1   # train
    python scripts/feys/recipes.py --report                                 # plot + table
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import torch

from qprecode.training import load_config, train

BASE = "configs/feys/small-k1-b1.yaml"
# Shared by every recipe: the step budget's bookkeeping, a smaller validation set (its cost is
# part of the wall time) and a small test set (the card of a finished run).
COMMON = ["eval_every=200", "val_channels=500", "test_channels=500"]
RECIPES: dict[str, tuple[str, list[str]]] = {
    "baseline": (
        "small-k1-b1.yaml as it is: lr 5e-3, 64 channels x 32 symbols, Gumbel noise 1 -> 0",
        [],
    ),  # fmt: skip
    "cosine": ("learning rate 5e-3 -> 0 along a cosine", ["lr_schedule=cosine"]),
    "mrt-edges": ("edge inputs also carry conj(H_mk) s_k", ["edge_features=channel+mrt"]),
    "distill": (
        "first quarter of the steps on the local-search teacher's received error",
        ["distill_steps={quarter}"],
    ),  # fmt: skip
    "distill-all": (
        "every step on the local-search teacher's received error",
        ["distill_steps={all}"],
    ),  # fmt: skip
    "distill-all-st": (
        "every step on the teacher, straight-through softmax (no Gumbel noise)",
        ["distill_steps={all}", "estimator=st-softmax"],
    ),  # fmt: skip
    "distill-cosine": (
        "every step on the teacher, learning rate 5e-3 -> 0 along a cosine",
        ["distill_steps={all}", "lr_schedule=cosine"],
    ),  # fmt: skip
    "symbols8": (
        "256 channels x 8 symbols per step (same symbol vectors)",
        ["symbols=8", "batch_size=256"],
    ),  # fmt: skip
    "ls-gain": ("least-squares Bussgang gain in the loss", ["gain_estimate=ls"]),
    "noise-half": ("Gumbel noise 1 -> 0.5 (no annealing to zero)", ["gumbel_scale_final=0.5"]),
}
THRESHOLDS = (4.0, 5.0, 6.0)  # validation sum rates for the time-to-quality columns


def run(names: list[str], steps: int, out: Path) -> None:
    for name in names:
        _, overrides = RECIPES[name]
        extra = [o.format(quarter=steps // 4, all=steps) for o in overrides]
        config = load_config(BASE, [*COMMON, f"steps={steps}", *extra])
        folder = out / name
        done = folder / "MODEL_CARD.md"
        if done.exists():
            print(f"{name}: finished, skipped")
            continue
        resume = (folder / "last.json").is_file()
        command = f"python scripts/feys/recipes.py --recipes {name} --steps {steps}"
        train(config, folder, resume=resume, progress=False, command=command)


def read_curve(folder: Path) -> list[dict[str, float]]:
    with (folder / "metrics.csv").open(newline="") as handle:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]


def time_to(rows: list[dict[str, float]], threshold: float) -> float:
    """Minutes to the first validation at or above ``threshold`` (inf if never)."""
    return next((r["seconds"] / 60 for r in rows if r["val_sum_rate"] >= threshold), math.inf)


def report(out: Path, results: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = {n: read_curve(out / n) for n in RECIPES if (out / n / "metrics.csv").exists()}
    fig, (ax_rate, ax_nmse) = plt.subplots(1, 2, figsize=(11, 4.2))
    table = []
    for name, rows in curves.items():
        minutes = [r["seconds"] / 60 for r in rows]
        ax_rate.plot(minutes, [r["val_sum_rate"] for r in rows], marker=".", label=name)
        ax_nmse.plot(minutes, [r["val_nmse_db"] for r in rows], marker=".", label=name)
        best = max(rows, key=lambda r: r["val_sum_rate"])
        table.append({
            "recipe": name, "what": RECIPES[name][0], "steps": int(rows[-1]["step"]),
            "minutes": rows[-1]["seconds"] / 60, "best_rate": best["val_sum_rate"],
            "best_step": int(best["step"]), "nmse_db_at_best": best["val_nmse_db"],
            **{f"minutes_to_{t:g}": time_to(rows, t) for t in THRESHOLDS},
        })  # fmt: skip
    ax_rate.set(xlabel="wall time [min]", ylabel="validation sum rate [bits/c.u.]")
    ax_nmse.set(xlabel="wall time [min]", ylabel="validation NMSE [dB]")
    for ax in (ax_rate, ax_nmse):
        ax.grid(alpha=0.3)
    ax_rate.legend(fontsize=8)
    fig.suptitle("GNN M=32, K=1, b=1, 20 dB: training recipes on this machine")
    fig.tight_layout()
    results.mkdir(parents=True, exist_ok=True)
    fig.savefig(results / "time_to_quality.png", dpi=120)
    (results / "recipes.json").write_text(json.dumps(table, indent=2))
    lines = ["| recipe | steps | minutes | best rate (step) | NMSE at best [dB] | "
             + " | ".join(f"min to {t:g}" for t in THRESHOLDS) + " |",
             "|---|---|---|---|---|" + "---|" * len(THRESHOLDS)]  # fmt: skip
    for row in table:
        lines.append(
            f"| {row['recipe']} | {row['steps']} | {row['minutes']:.1f} | "
            f"{row['best_rate']:.2f} ({row['best_step']}) | {row['nmse_db_at_best']:.1f} | "
            + " | ".join(f"{row[f'minutes_to_{t:g}']:.1f}" for t in THRESHOLDS) + " |"
        )  # fmt: skip
    (results / "recipes.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default=",".join(RECIPES), help="comma-separated names")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--out", type=Path, default=Path("runs/recipes"))
    parser.add_argument("--results", type=Path, default=Path("results/feys/recipes"))
    parser.add_argument("--report", action="store_true", help="plot and tabulate, no training")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.report:
        report(args.out, args.results)
        return
    names = args.recipes.split(",")
    unknown = sorted(set(names) - set(RECIPES))
    if unknown:
        parser.error(f"unknown recipes {unknown}; known: {', '.join(RECIPES)}")
    run(names, args.steps, args.out)


if __name__ == "__main__":
    main()
