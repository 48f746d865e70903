"""Throughput of the evaluator: MRT + 1-bit DACs at M=32, K=4 on 10,000 channels x 125 symbols.

Reports channel-symbol pairs per second, and, because these machines are shared and noisy, the
same work relative to a reference measured in the same process: the bare linear precoding
``x = s W^T`` of the same channels and symbols (the least work any evaluation must do).

    python benchmarks/bench_evaluate.py [--channels 10000] [--repeats 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from qprecode.channels import RayleighChannel
from qprecode.evaluation import evaluate, gaussian_symbols
from qprecode.precoders import mrt_matrix
from qprecode.registry import build_precoder
from qprecode.results import run_metadata, write_json


def best_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000)
    parser.add_argument("--symbols", type=int, default=125)
    parser.add_argument("--antennas", type=int, default=32)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    H = RayleighChannel(args.antennas, args.users).sample(
        args.channels, torch.Generator().manual_seed(0)
    )
    s = gaussian_symbols(args.channels, args.symbols, args.users, seed=1, dtype=H.dtype)
    precoder = build_precoder("mrt", 1)
    evaluate(precoder, H[:100], [20.0], symbols=s[:100])  # warm-up (Lloyd-Max design, caches)

    t_eval = best_time(lambda: evaluate(precoder, H, [20.0], symbols=s), args.repeats)
    t_ref = best_time(lambda: s @ mrt_matrix(H, float(args.antennas)).mT, args.repeats)
    pairs = args.channels * args.symbols
    result = {
        "config": vars(args),
        "meta": run_metadata(),
        "threads": torch.get_num_threads(),
        "evaluate_seconds": t_eval,
        "pairs_per_second": pairs / t_eval,
        "reference_precoding_pairs_per_second": pairs / t_ref,
        "evaluate_over_reference_time": t_eval / t_ref,
    }
    print(
        f"evaluate MRT + 1-bit, M={args.antennas}, K={args.users}, "
        f"{args.channels} channels x {args.symbols} symbols, {torch.get_num_threads()} threads"
    )
    print(
        f"  evaluate:            {t_eval:.3f} s  ->  {pairs / t_eval:,.0f} channel-symbol pairs/s"
    )
    print(f"  bare precoding s W^T: {t_ref:.3f} s  ->  {pairs / t_ref:,.0f} pairs/s")
    print(f"  evaluate takes {t_eval / t_ref:.1f}x the time of the bare linear precoding")
    if args.json:
        write_json(args.json, result)


if __name__ == "__main__":
    main()
