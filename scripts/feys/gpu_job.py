"""The Feys GNN on one GPU in a fixed time: the paper's small architecture (d_h=32, N_h=8) for
K = 1 at b = 1, 2, 3 and K = 4 at b = 1, all runs at once, then the models for the reproduction
report.

Every run is one ``qprecode train`` process on ``configs/feys/paper.yaml`` with the overrides in
``RUNS`` (the job prints each command, so any run can be repeated alone). How many steps each run
trains is what fits the time: a first phase trains every run ``PROBE_STEPS`` steps, all at
once, and measures each one's speed; the second resumes each run with its step count
(``steps=N``, schedules stretched over it). Before, ``benchmarks/bench_gnn.py`` measures the
GPU's training throughput at the paper's batch, alone. At the end, one archive of the run
folders (checkpoints, metrics, model cards) and the logs.

    python scripts/feys/gpu_job.py --minutes 9 --out OUT_DIR
    python scripts/feys/gpu_job.py --smoke --minutes 2 --out /tmp/smoke   # tiny, on the CPU
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

CONFIG = "configs/feys/paper.yaml"
PROBE_STEPS = 40
PROBE_TOTAL = 400  # the probe's planned steps: fewer than any run's, so that resuming extends it
TEST_SECONDS = 25  # the test of a finished run on the GPU, with margin
EPOCHS = 20  # the paper's: 20 passes over its 200,000 training channels
COSINE = ["lr_schedule=cosine"]
FROM_DISTILLED = ["lr=0.001", "lr_schedule=cosine", "gumbel_scale_initial=0.5",
                  "gumbel_scale_final=0.0"]  # fmt: skip
RUNS = {  # name: (trial of the paper preset, overrides)
    "k1-b1-b512": ("d32-n8-k1-b1", ["batch_size=512"]),
    "k1-b1-b512-cosine": ("d32-n8-k1-b1", ["batch_size=512", *COSINE]),
    "k1-b1-b512-from-distilled": (
        "d32-n8-k1-b1", ["batch_size=512", *FROM_DISTILLED, "init_from=src/qprecode/models/k1-b1"]
    ),
    "k1-b2-b512-cosine": ("d32-n8-k1-b2", ["batch_size=512", *COSINE]),
    "k1-b3-b512-cosine": ("d32-n8-k1-b3", ["batch_size=512", *COSINE]),
    "k4-b1-cosine": ("d32-n8-k4-b1", COSINE),
    "k4-b1-from-distilled": (
        "d32-n8-k4-b1", [*FROM_DISTILLED, "init_from=runs/distill-k4-b1/best"]
    ),
}  # fmt: skip
COMMON = ["test_channels=2000", "eval_every=500", "checkpoint_every=500"]
SMOKE = ["hidden_dim=4", "hidden_layers=1", "train_channels=4096", "val_channels=20",
         "test_channels=20", "symbols=4", "eval_symbols=4", "eval_every=20"]  # fmt: skip
START = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f} s] {message}", flush=True)


def batch_size(overrides: list[str]) -> int:
    sizes = [int(o.split("=")[1]) for o in overrides if o.startswith("batch_size=")]
    return sizes[-1] if sizes else 128  # the preset's


def launch(
    name: str, extra: list[str], args: argparse.Namespace, runs: dict | None = None
) -> subprocess.Popen[bytes]:
    """Start ``qprecode train`` for the run ``name`` of ``runs`` (default ``RUNS``) in the
    background, its output into ``args.out/logs/<name>.log``."""
    trial, overrides = (RUNS if runs is None else runs)[name]
    if args.smoke:  # tiny networks: no pretrained weights fit them
        overrides = [o for o in overrides if not o.startswith("init_from=")]
    command = ["--config", CONFIG, "--trial", trial, *overrides, *COMMON,
               *(SMOKE if args.smoke else []), *extra, "--out", str(args.runs / name),
               "--device", args.device]  # fmt: skip
    log("qprecode train " + " ".join(command))
    logfile = (args.out / "logs" / f"{name}.log").open("ab")
    full = [sys.executable, "-m", "qprecode.cli", "train", *command, "--quiet"]
    return subprocess.Popen(full, stdout=logfile, stderr=subprocess.STDOUT)


def wait(procs: dict[str, subprocess.Popen[bytes]], deadline: float, logs: Path) -> list[str]:
    """Wait for the processes; at ``deadline`` (monotonic seconds) interrupt those left (they
    checkpoint and stop). A failed run does not stop the others. Returns the failed runs."""
    while any(p.poll() is None for p in procs.values()) and time.monotonic() < deadline:
        time.sleep(1)
    for name, p in procs.items():
        if p.poll() is None:
            log(f"{name}: interrupted (out of time)")
            p.send_signal(signal.SIGINT)
    for p in procs.values():
        p.wait()
    failed = [n for n, p in procs.items() if p.returncode not in (0, -signal.SIGINT, 130)]
    for name in failed:
        log(f"{name} failed:\n" + (logs / f"{name}.log").read_text()[-3000:])
    return failed


def seconds_at_last_row(run: Path) -> float:
    with (run / "metrics.csv").open() as f:
        return float(list(csv.DictReader(f))[-1]["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=9.0, help="wall time of the whole job")
    parser.add_argument("--out", type=Path, required=True, help="folder for logs and archive")
    parser.add_argument("--runs", type=Path, default=Path("runs/gpu-feys"),
                        help="folder of the run folders")  # fmt: skip
    parser.add_argument("--smoke", action="store_true", help="tiny networks on the CPU")
    args = parser.parse_args()
    args.device = "cpu" if args.smoke else "cuda"
    end = START + 60 * args.minutes
    (args.out / "logs").mkdir(parents=True, exist_ok=True)
    taken = [name for name in RUNS if (args.runs / name).exists()]
    if taken:
        raise SystemExit(f"these runs exist already in {args.runs}: {taken}")

    sizes = ["4", "4", "64"] if args.smoke else ["128", "125", "65536"]  # the paper's batch
    bench = [sys.executable, "benchmarks/bench_gnn.py", "--device", args.device,
             "--train-batch", sizes[0], "--train-symbols", sizes[1], "--inference-vectors",
             sizes[2], "--json", str(args.out / "bench_gnn.json")]  # fmt: skip
    log(" ".join(bench[1:]))
    with (args.out / "logs" / "bench.log").open("wb") as f:
        subprocess.run(bench, stdout=f, stderr=subprocess.STDOUT, timeout=120, check=False)

    # Phase 1: every run PROBE_STEPS steps at once, for its speed with all running
    probe = [f"steps={PROBE_TOTAL}", "--max-steps", str(PROBE_STEPS)]
    procs = {name: launch(name, probe, args) for name in RUNS}
    failed = wait(procs, end - 60, args.out / "logs")
    probe_wall = time.monotonic() - START
    rates = {n: PROBE_STEPS / seconds_at_last_row(args.runs / n) for n in RUNS if n not in failed}
    log("probe: " + ", ".join(f"{n} {r:.1f} steps/s" for n, r in rates.items()))

    # Phase 2: each run to the steps that fit (at most the paper's 20 epochs)
    setup = 15.0  # start of a process, loading its data, the first CUDA steps
    train_seconds = end - time.monotonic() - setup - TEST_SECONDS - 30
    plan = {}
    for name, rate in rates.items():
        trial_batch = batch_size(RUNS[name][1])
        most = 200_000 * EPOCHS // trial_batch
        plan[name] = max(PROBE_TOTAL, min(most, math.floor(0.9 * rate * train_seconds)))
    summary = {"steps": plan, "probe_steps_per_s": rates, "probe_wall_s": probe_wall}
    (args.out / "plan.json").write_text(json.dumps(summary, indent=1))
    log("plan: " + ", ".join(f"{n} {s} steps" for n, s in plan.items()))
    procs = {n: launch(n, [f"steps={steps}", "--resume"], args) for n, steps in plan.items()}
    wait(procs, end - 20, args.out / "logs")
    pack(args)
    log("done")


def pack(args: argparse.Namespace) -> None:
    """The run folders (no TensorBoard events) and the job's files, in one archive."""
    with tarfile.open(args.out / "results.tar.gz", "w:gz") as tar:
        for root in (args.runs, args.out):
            for path in sorted(root.rglob("*")):
                if path.is_file() and "tb" not in path.parts and path.suffix != ".gz":
                    tar.add(path)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
