"""Throughput of the local search (1-bit DACs, 3 sweeps, ZF start): symbol vectors per second of
its kernels (``precoders.local_search_kernel``, Numba by default) and of the previous form
(``backend="reference"``: one torch coordinate descent and one rate estimate per candidate gain),
with the automatic gain (the registry's ``local-search``: 9 candidates) and a fixed one, at
M = 32/64/128 and K = 1/4/16, all in one process.

The kernel runs on ``torch.get_num_threads()`` threads (``torch.set_num_threads`` sets both).
Each rate is also given as achieved FLOP/s (``local_search_flops``: the FLOPs the kernels count
per vector) over the FLOP/s of a float32 2048 x 2048 matmul measured in the same process, since
these machines are shared and noisy; ``x ref`` is the speed-up over the previous form on the same
channels (the reference runs on fewer channels at large M K, where it takes minutes: its rate on
a smaller batch is, if anything, lower, as its per-antenna overhead is per call).

    python benchmarks/bench_local_search.py [--antennas 32,64,128] [--users 1,4,16]
        [--channels 500] [--symbols 125] [--backends numba,reference] [--json out.json]
"""

from __future__ import annotations

import argparse

import torch
from _timing import matmul_flops_per_second, seconds_per_call

from qprecode.channels import RayleighChannel
from qprecode.evaluation import gaussian_symbols
from qprecode.precoders.local_search import AUTO_GAINS, LocalSearch, local_search_flops
from qprecode.precoders.local_search_kernel import NUMBA_AVAILABLE
from qprecode.results import run_metadata, write_json


def reference_channels(channels: int, M: int, K: int) -> int:
    """The previous form's batch: all channels at M = 32, K = 1, fewer where it is slow."""
    return max(min(channels, 500 * 32 // (M * K)), 8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--antennas", default="32,64,128")
    parser.add_argument("--users", default="1,4,16")
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--symbols", type=int, default=125)
    parser.add_argument("--backends", default="numba,reference" if NUMBA_AVAILABLE else
                        "torch,reference")  # fmt: skip
    parser.add_argument("--snr-db", type=float, default=10.0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    backends = args.backends.split(",")
    peak = matmul_flops_per_second()
    print(f"1-bit DACs, 3 sweeps, {args.symbols} symbol vectors per channel, "
          f"{torch.get_num_threads()} threads (torch's, and the kernel's), "
          f"matmul {peak / 1e9:.1f} GFLOP/s")  # fmt: skip
    print(f"{'M':>4} {'K':>3} {'gain':>5} {'backend':>10} {'channels':>8} {'vectors/s':>12} "
          f"{'FLOP/vector':>12} {'GFLOP/s':>8} {'of peak':>8}")  # fmt: skip
    records = []
    for M in (int(x) for x in args.antennas.split(",")):
        for K in (int(x) for x in args.users.split(",")):
            H = RayleighChannel(M, K).sample(args.channels, torch.Generator().manual_seed(0))
            s = gaussian_symbols(args.channels, args.symbols, K, seed=1, dtype=H.dtype)
            for gain in ("auto", 1.0):
                count = len(AUTO_GAINS) if gain == "auto" else 1
                flops = local_search_flops(M, K, levels=2, sweeps=3, gains=count).total
                rates = {}
                for backend in backends:
                    B = args.channels
                    if backend in ("reference", "torch"):
                        B = reference_channels(args.channels, M, K)
                    search = LocalSearch(1, gain=gain, snr_db=args.snr_db, backend=backend)
                    seconds = seconds_per_call(lambda p=search, H=H[:B], s=s[:B]: p(H, s))
                    rates[backend] = B * args.symbols / seconds
                    record = {"M": M, "K": K, "gain": gain, "backend": backend, "channels": B,
                              "vectors_per_second": rates[backend]}  # fmt: skip
                    line = (f"{M:>4} {K:>3} {gain!s:>5} {backend:>10} {B:>8} "
                            f"{rates[backend]:>12,.0f}")  # fmt: skip
                    if backend != "reference":
                        achieved = rates[backend] * flops
                        record |= {"flops_per_vector": flops, "flops_per_second": achieved,
                                   "fraction_of_matmul": achieved / peak}  # fmt: skip
                        line += f" {flops:>12,} {achieved / 1e9:>8.2f} {achieved / peak:>8.4f}"
                    records.append(record)
                    print(line, flush=True)
                if "reference" in rates:
                    for record in records[-len(backends) :]:
                        ratio = rates[record["backend"]] / rates["reference"]
                        record["speedup_over_reference"] = ratio
                    fast = [b for b in backends if b != "reference"]
                    if fast:
                        ratio = rates[fast[0]] / rates["reference"]
                        print(f"{'':>4} {'':>3} {'':>5} {'':>10} {fast[0]} / reference: "
                              f"{ratio:,.1f} x")  # fmt: skip
    if args.json:
        write_json(args.json, {"config": vars(args), "meta": run_metadata(),
                               "matmul_flops_per_second": peak,
                               "threads": torch.get_num_threads(),
                               "results": records})  # fmt: skip


if __name__ == "__main__":
    main()
