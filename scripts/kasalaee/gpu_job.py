"""Table II of Kasalaee et al. on one GPU in a fixed time: the default network (C=64, D=1024) on
i.i.d. Rayleigh (-4 dB), Munich NLOS (-21.5 dB) and Etoile LOS (-35 dB), 4 seeds each in FP32,
then LSQ at uniform 8, 4 and 2 bits from each seed's FP32 model; PTQ and the table by
``qprecode compress-table``. Beside it, the paper preset of the Feys GNN (d_h=32, N_h=8, K=1,
b=1) trains on the same GPU for the time-to-quality curve of the GPU path.

Every run is one ``qprecode train`` process (the 12 FP32 runs at once, then 12 chains of LSQ
runs); the number of epochs of each phase is what fits its share of the time, from the speed
measured in a first short phase (``--max-steps``, then ``--resume`` with more epochs). Every
command is printed, so each run can be repeated with ``qprecode train`` alone.

    python scripts/kasalaee/gpu_job.py --minutes 9 --out OUT_DIR
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
from typing import Any

SEEDS = (0, 1, 2, 3)
WIDTHS = (8, 4, 2)
STEPS_PER_EPOCH = 100  # 100,000 training channels in batches of 1,000
PROBE_STEPS = 40
STUDIES = {  # name: (FP32 config, LSQ config, FP32 sweep folder, LSQ sweep folder)
    "rayleigh": ("configs/kasalaee/fp32.yaml", "configs/kasalaee/qat.yaml",
                 "sweeps/kasalaee-fp32-gpu", "sweeps/kasalaee-qat-gpu"),
    "munich": ("configs/kasalaee/site-munich-fp32-gpu.yaml",
               "configs/kasalaee/site-munich-qat-gpu.yaml",
               "sweeps/site-munich-fp32-gpu", "sweeps/site-munich-qat-gpu"),
    "etoile": ("configs/kasalaee/site-etoile-fp32-gpu.yaml",
               "configs/kasalaee/site-etoile-qat-gpu.yaml",
               "sweeps/site-etoile-fp32-gpu", "sweeps/site-etoile-qat-gpu"),
}  # fmt: skip
LOOP = ["eval_every=500", "checkpoint_every=100000"]  # same for every run of the study
QAT_LOOP = ["eval_every=200", "checkpoint_every=100000"]
QAT_FROM = {"rayleigh": ["qat.init_from=sweeps/kasalaee-fp32-gpu/trials/fp32-s{seed}"]}
GNN = ["--config", "configs/feys/paper.yaml", "--trial", "d32-n8-k1-b1",
       "eval_every=250", "checkpoint_every=250"]  # fmt: skip
START = time.monotonic()
SETTINGS: dict[str, Any] = {"device": "cuda", "smoke": False}  # --smoke: tiny networks, CPU
SMOKE = ["conv_channels=2", "fc_dim=16", "val_channels=100", "test_channels=100"]
GNN_SMOKE = ["hidden_dim=4", "hidden_layers=1", "val_channels=20", "test_channels=20"]


def log(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f} s] {message}", flush=True)


def launch(args: list[str], logfile: Path, smoke: list[str]) -> subprocess.Popen[bytes]:
    args = [*args, *(smoke if SETTINGS["smoke"] else []), "--device", SETTINGS["device"]]
    log("qprecode train " + " ".join(args))
    command = [sys.executable, "-m", "qprecode.cli", "train", *args, "--quiet"]
    logfile.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(command, stdout=logfile.open("ab"), stderr=subprocess.STDOUT)


def wait(procs: dict[str, subprocess.Popen[bytes]], deadline: float) -> list[str]:
    """Wait for every process; at ``deadline`` (monotonic seconds) interrupt the ones left (they
    checkpoint and stop). Returns the names of the processes that failed (at the first failure,
    the others are interrupted)."""
    while any(p.poll() is None for p in procs.values()):
        failed = [n for n, p in procs.items() if p.poll() not in (None, 0)]
        if failed or time.monotonic() > deadline:
            for name, p in procs.items():
                if p.poll() is None:
                    log(f"{name}: interrupted" + ("" if failed else " (out of time)"))
                    p.send_signal(signal.SIGINT)
            for p in procs.values():
                p.wait()
            return failed
        time.sleep(1)
    return [n for n, p in procs.items() if p.returncode != 0]


def report_failure(failed: list[str], logs: Path) -> None:
    for name in failed:
        log(f"{name} failed:\n" + (logs / f"{name}.log").read_text()[-3000:])


def loop_seconds(run: Path) -> float:
    """Seconds of training the run folder's metrics.csv reports at its last row."""
    with (run / "metrics.csv").open() as f:
        return float(list(csv.DictReader(f))[-1]["seconds"])


def fp32_runs() -> dict[str, tuple[list[str], Path]]:
    runs = {}
    for study, (config, _, sweep, _) in STUDIES.items():
        for seed in SEEDS:
            folder = Path(sweep) / "trials" / f"fp32-s{seed}"
            args = ["--config", config, "--trial", f"fp32-s{seed}", "--out", str(folder)]
            runs[f"{study}-fp32-s{seed}"] = (args, folder)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=9.0, help="wall time of the whole job")
    parser.add_argument("--out", type=Path, required=True, help="folder for logs and tables")
    parser.add_argument("--no-gnn", action="store_true", help="leave the Feys GNN out")
    parser.add_argument("--fp32-epochs", type=int, default=None,
                        help="the FP32 runs are trained to this many epochs already: test them "
                             "(resuming them) and go on with LSQ")  # fmt: skip
    parser.add_argument("--tables-only", action="store_true",
                        help="only the tables and the archive of a job run into --out")  # fmt: skip
    parser.add_argument("--smoke", action="store_true",
                        help="try the whole job on the CPU with tiny networks")  # fmt: skip
    args = parser.parse_args()
    if args.smoke:
        SETTINGS.update(device="cpu", smoke=True)
    end = START + 60 * args.minutes
    logs = args.out / "logs"
    gnn_dir = Path("runs/gpu-feys-d32-n8-k1-b1")
    if args.tables_only:
        plan = json.loads((args.out / "plan.json").read_text())
        tables(args.out, plan["fp32_epochs"], plan["qat_epochs"])
        pack(args.out, gnn_dir)
        return
    ours = (3,) if args.fp32_epochs else (2, 3)  # the sweep folders this job starts
    taken = [p for s in STUDIES.values() for i in ours if Path(p := s[i]).exists()]
    if taken or (gnn_dir.exists() and not args.no_gnn):
        raise SystemExit(f"these folders exist already: {[*taken, gnn_dir]}")

    # Phase 0: every FP32 run for PROBE_STEPS steps (and the GNN, which runs to the end)
    gnn = (
        None if args.no_gnn else launch([*GNN, "--out", str(gnn_dir)], logs / "gnn.log", GNN_SMOKE)
    )
    runs = fp32_runs()
    if args.fp32_epochs is None:
        probe = ["epochs=1", *LOOP, "--max-steps", str(PROBE_STEPS)]
        procs = {name: launch([*a, *probe], logs / f"{name}.log", SMOKE)
                 for name, (a, _) in runs.items()}  # fmt: skip
        failed = wait(procs, end)
        if failed:
            report_failure(failed, logs)
            raise SystemExit(1)
        probe_wall = time.monotonic() - START
        rate = min(PROBE_STEPS / loop_seconds(folder) for _, folder in runs.values())
        log(f"FP32 probe: {rate:.2f} steps/s per run with all running ({probe_wall:.0f} s)")

        # Phase 1: FP32 to about 60 % of the time left, LSQ chains to the rest
        left = end - time.monotonic() - 45  # tables and packing at the end
        setup = probe_wall - PROBE_STEPS / rate  # start-up of a process, at worst
        fp32_train = 0.6 * left - 2 * setup - 20  # 20 s: the test (WMMSE on the GPU)
        epochs = max(1, math.floor((PROBE_STEPS + rate * fp32_train) / STEPS_PER_EPOCH))
    else:
        epochs, setup, left = args.fp32_epochs, 20.0, end - time.monotonic()
    log(f"FP32: {epochs} epochs ({epochs * STEPS_PER_EPOCH} steps)")
    procs = {name: launch([*a, f"epochs={epochs}", *LOOP, "--resume"], logs / f"{name}.log",
                          SMOKE) for name, (a, _) in runs.items()}  # fmt: skip
    phase_start = time.monotonic()
    failed = wait(procs, end - 0.4 * left)
    if failed:
        report_failure(failed, logs)
        raise SystemExit(1)
    fp32_wall = time.monotonic() - phase_start
    fp32_rate = min(epochs * STEPS_PER_EPOCH / loop_seconds(f) for _, f in runs.values())
    log(f"FP32 done in {fp32_wall:.0f} s ({fp32_rate:.2f} steps/s per run)")

    # Phase 2: per study and seed, LSQ at 8, 4 and 2 bits one after the other
    left = end - time.monotonic() - 45
    per_run = left / len(WIDTHS) - setup - 20
    qat_epochs = max(1, math.floor(0.7 * fp32_rate * per_run / STEPS_PER_EPOCH))
    log(f"LSQ: {qat_epochs} epochs per run ({per_run:.0f} s each planned)")
    plan = {"fp32_epochs": epochs, "qat_epochs": qat_epochs, "fp32_steps_per_s": fp32_rate}
    (args.out / "plan.json").write_text(json.dumps(plan))
    for width in WIDTHS:
        procs = {}
        for study, (_, config, _, sweep) in STUDIES.items():
            for seed in SEEDS:
                trial = f"b{width}-{width}-{width}-{width}-s{seed}"
                folder = Path(sweep) / "trials" / trial
                procs[f"{study}-{trial}"] = launch(
                    ["--config", config, "--trial", trial, "--out", str(folder),
                     f"epochs={qat_epochs}", *QAT_LOOP, *QAT_FROM.get(study, [])],
                    logs / f"{study}-{trial}.log", SMOKE,
                )  # fmt: skip
        failed = wait(procs, end - 40)
        if failed:  # no more LSQ; the tables of what finished
            report_failure(failed, logs)
            break

    if gnn is not None:  # the GNN stops here; its best model so far is tested
        if gnn.poll() is not None:
            log(f"the GNN ended early with code {gnn.returncode} (logs/gnn.log)")
        gnn.send_signal(signal.SIGINT)
        gnn.wait()
        retest = [sys.executable, "-m", "qprecode.cli", "retest", str(gnn_dir), "--unfinished"]
        with (logs / "gnn.log").open("ab") as f:
            subprocess.run(retest, stdout=f, stderr=subprocess.STDOUT,
                           timeout=max(5, end - time.monotonic() - 20))  # fmt: skip

    tables(args.out, epochs, qat_epochs)
    pack(args.out, gnn_dir)
    log("done")


def tables(out: Path, epochs: int, qat_epochs: int) -> None:
    """Records of the finished runs, then Table II per study (``qprecode compress-table``)."""
    for study, (fp32_config, qat_config, fp32_sweep, qat_sweep) in STUDIES.items():
        smoke = SMOKE if SETTINGS["smoke"] else []
        write_records(fp32_config, fp32_sweep, [f"epochs={epochs}", *LOOP, *smoke])
        qat = [f"epochs={qat_epochs}", *QAT_LOOP, *QAT_FROM.get(study, []), *smoke]
        write_records(qat_config, qat_sweep, qat)
        table = [sys.executable, "-m", "qprecode.cli", "compress-table", "--fp32", fp32_sweep,
                 "--qat", qat_sweep, "--out", str(out / "tables" / study)]  # fmt: skip
        with (out / "logs" / "tables.log").open("ab") as f:
            subprocess.run(table, stdout=f, stderr=subprocess.STDOUT)


def write_records(config: str, sweep: str, overrides: list[str]) -> None:
    """``record.json`` of every finished trial (``qprecode sweep`` would train the others)."""
    from qprecode.sweeps import execute_trial, plan_sweep
    from qprecode.training.config import parse_assignments

    for trial in plan_sweep(config, parse_assignments(overrides)):
        best = Path(sweep) / "trials" / trial.name / "best.json"
        info = json.loads(best.read_text()) if best.is_file() else {}
        if "test" in info and not info.get("training", {}).get("stopped_at"):
            execute_trial(trial, sweep)
        else:
            log(f"{sweep}/{trial.name}: not finished, left out of the table")


def pack(out: Path, gnn_dir: Path) -> None:
    """Everything small into one archive: cards, metrics, best.json, records, tables, logs,
    and the GNN's model."""
    with tarfile.open(out / "results.tar.gz", "w:gz") as tar:
        for root in [*(Path(s[i]) for s in STUDIES.values() for i in (2, 3)), gnn_dir, out]:
            for path in sorted(root.rglob("*")):
                small = path.suffix in {".json", ".csv", ".md", ".png", ".log"}
                wanted = small or path.parent == gnn_dir
                if path.is_file() and wanted and "tb" not in path.parts:
                    tar.add(path)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
