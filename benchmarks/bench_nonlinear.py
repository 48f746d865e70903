"""Throughput of the iterative 1-bit precoders at M=128, K=16: symbol vectors per second.

SQUID (50 Douglas-Rachford iterations) and C2PO (25 iterations) precode every symbol vector on
its own. Each rate is also given relative to quantized ZF on the same data, measured in the same
process, since these machines are shared and noisy.

    python benchmarks/bench_nonlinear.py [--channels 64] [--symbols 64] [--json out.json]
"""

from __future__ import annotations

import argparse
import time

import torch

from qprecode.channels import RayleighChannel
from qprecode.evaluation import gaussian_symbols
from qprecode.precoders import C2PO, SQUID
from qprecode.registry import build_precoder
from qprecode.results import run_metadata, write_json


def seconds_per_call(fn, repeats: int = 3) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--antennas", type=int, default=128)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--symbols", type=int, default=64)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    M, K = args.antennas, args.users
    H = RayleighChannel(M, K).sample(args.channels, torch.Generator().manual_seed(0))
    s = gaussian_symbols(args.channels, args.symbols, K, seed=1, dtype=H.dtype)
    vectors = args.channels * args.symbols
    precoders = {
        "zf-1bit": build_precoder("zf", 1),
        "squid": SQUID(1, snr_db=10.0),
        "c2po": C2PO(),
    }
    rates = {name: vectors / seconds_per_call(lambda p=p: p(H, s)) for name, p in precoders.items()}
    print(f"M={M}, K={K}, 1-bit DACs, {vectors} symbol vectors, {torch.get_num_threads()} threads")
    for name, rate in rates.items():
        print(
            f"  {name:8s} {rate:12,.0f} vectors/s   ({rate / rates['zf-1bit']:.3f} x quantized ZF)"
        )
    if args.json:
        write_json(
            args.json, {"config": vars(args), "meta": run_metadata(), "vectors_per_second": rates}
        )


if __name__ == "__main__":
    main()
