"""Throughput of the non-linear 1-bit precoders (M=128, K=16 by default): symbol vectors per
second.

SQUID (50 Douglas-Rachford iterations) and C2PO (25 iterations) precode every symbol vector on
its own; the local search runs 3 sweeps of coordinate descent for each of its candidate gains
(``AUTO_GAINS``).
Each rate is given relative to quantized ZF on the same data, and as achieved FLOP/s (the counts
of ``cost.classical``) over the FLOP/s of a float32 matmul measured in the same process, since
these machines are shared and noisy.

    python benchmarks/bench_nonlinear.py [--antennas 32 --users 1] [--channels 64] [--symbols 64]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import time

import torch

from qprecode.channels import RayleighChannel
from qprecode.cost import classical_flops
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


def matmul_flops_per_second(size: int = 1024) -> float:
    """FLOP/s of a float32 ``size x size`` matmul (``2 size^3`` FLOPs), best of 3."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    return 2 * size**3 / seconds_per_call(lambda: a @ b)


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
        "local-search": build_precoder("local-search", 1, snr_db=10.0),
    }
    rates = {name: vectors / seconds_per_call(lambda p=p: p(H, s)) for name, p in precoders.items()}
    peak = matmul_flops_per_second()
    flops = {
        name: classical_flops(name, M, K).for_vectors(args.symbols).total / args.symbols
        for name in ("squid", "c2po", "local-search")
    }
    print(f"M={M}, K={K}, 1-bit DACs, {vectors} symbol vectors, {torch.get_num_threads()} threads, "
          f"matmul {peak / 1e9:.1f} GFLOP/s")  # fmt: skip
    for name, rate in rates.items():
        line = (
            f"  {name:12s} {rate:12,.0f} vectors/s   ({rate / rates['zf-1bit']:.3f} x quantized ZF)"
        )
        if name in flops:
            share = rate * flops[name] / peak
            line += f"   {flops[name]:10,.0f} FLOP/vector, {share:.4f} of the matmul"
        print(line)
    if args.json:
        write_json(args.json, {"config": vars(args), "meta": run_metadata(),
                               "vectors_per_second": rates, "flops_per_vector": flops,
                               "matmul_flops_per_second": peak})  # fmt: skip


if __name__ == "__main__":
    main()
