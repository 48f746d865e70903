"""Feys et al. Table I at 2, 3 and 4 bits on one GPU in a fixed time: the paper's preset
(d_h=32, N_h=8, K=1, batch 128 x 125 symbols, lr 5e-3 constant, Gumbel noise at full scale),
all three runs at once until the deadline.

The 2-bit run starts from the shipped model (``init_from``: weights only, with a fresh Adam
whose first steps move every weight by about ``lr``, so the rate rises over ``lr_warmup`` steps);
the 3-bit run starts from scratch (the shipped one was trained on another recipe: batch 512, a
cosine schedule), the 4-bit run too. The schedule is constant, so a run interrupted at the
deadline is the same run as one planned that long; each checkpoints and stops on SIGINT, and
``qprecode train ... --resume`` continues it (on the CPU in micro-batches too). Sharing the GPU
gains nothing and loses nothing against running them one after another (``../../results/feys/
gpu/README.md``), and every run gets the same share of the time. At the end, one archive of the
run folders and the logs.

The second phase (``--phase anneal``) starts each model from the one the first phase shipped
(weights only, ``lr_warmup`` steps) and decays the learning rate to zero along half a cosine over
a planned number of steps: at a constant 5e-3 the 2-bit run had stopped improving, its validation
rate moving by about 0.2 bit/c.u. between evaluations. The 4-bit run, nearest its target, gets
the fewest steps, so that the other two have the GPU to themselves at the end.

    python scripts/feys/gpu_table1.py --minutes 9 --out OUT_DIR
    python scripts/feys/gpu_table1.py --phase anneal --minutes 9.2 --out OUT_DIR
    python scripts/feys/gpu_table1.py --phase anneal-b4 --minutes 3.1 --out OUT_DIR
    python scripts/feys/gpu_table1.py --smoke --minutes 1 --out /tmp/smoke   # tiny, on the CPU
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gpu_job import launch, log, pack, wait  # noqa: E402

PAPER_STEPS = 31_250  # 20 epochs of 200,000 channels at batch 128
PHASES = {  # phase: {name: (trial of the paper preset, overrides)}
    "train": {  # the paper's constant learning rate, to its 31,250 steps
        "k1-b2-continued": ("d32-n8-k1-b2", ["init_from=src/qprecode/models/k1-b2",
                                             "lr_warmup=500", f"steps={PAPER_STEPS}"]),
        "k1-b3": ("d32-n8-k1-b3", [f"steps={PAPER_STEPS}"]),
        "k1-b4": ("d32-n8-k1-b4", [f"steps={PAPER_STEPS}"]),
    },
    "anneal": {  # from the shipped models, the learning rate decayed to zero
        "k1-b2-annealed": ("d32-n8-k1-b2", ["init_from=src/qprecode/models/k1-b2", "lr=0.002",
                                            "lr_schedule=cosine", "lr_warmup=300", "steps=9500"]),
        "k1-b3-annealed": ("d32-n8-k1-b3", ["init_from=src/qprecode/models/k1-b3", "lr=0.005",
                                            "lr_schedule=cosine", "lr_warmup=300", "steps=10000"]),
        "k1-b4-annealed": ("d32-n8-k1-b4", ["init_from=src/qprecode/models/k1-b4", "lr=0.003",
                                            "lr_schedule=cosine", "lr_warmup=300", "steps=6000"]),
    },
    "anneal-b4": {  # the 4-bit model annealed once more, alone, at the 3-bit run's peak rate
        "k1-b4-annealed-2": ("d32-n8-k1-b4", ["init_from=src/qprecode/models/k1-b4", "lr=0.005",
                                              "lr_schedule=cosine", "lr_warmup=300", "steps=6000"]),
    },
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=9.0, help="wall time of the whole job")
    parser.add_argument("--out", type=Path, required=True, help="folder for logs and archive")
    parser.add_argument("--runs", type=Path, default=Path("runs/gpu-table1"),
                        help="folder of the run folders")  # fmt: skip
    parser.add_argument("--phase", choices=sorted(PHASES), default="train")
    parser.add_argument("--smoke", action="store_true", help="tiny networks on the CPU")
    args = parser.parse_args()
    args.device = "cpu" if args.smoke else "cuda"
    end = time.monotonic() + 60 * args.minutes
    (args.out / "logs").mkdir(parents=True, exist_ok=True)
    runs = PHASES[args.phase]
    procs = {
        name: launch(name, ["--resume"] if (args.runs / name).exists() else [], args, runs)
        for name in runs
    }
    failed = wait(procs, end - 25, args.out / "logs")  # leaves time for the archive
    pack(args)
    log(f"done; failed: {failed or 'none'}")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    main()
