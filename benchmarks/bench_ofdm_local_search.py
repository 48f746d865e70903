"""Throughput of the wideband local search (``ofdm.local_search``, ``ls-ofdm``: 1-bit DACs, 3
sweeps, quantized ZF start): time samples (symbol vectors of ``M`` DAC outputs) per second of its
Numba kernel, with the quantized ZF chain it starts from (ZF per subcarrier, IFFT, DACs) for
comparison, at M = 32, K = 4, S = 64 used subcarriers and N/S = 1, 2, 4, all in one process.

A call searches ``channels`` channels of ``T`` OFDM symbols each (the start, the search and the
power scaling: what ``qprecode ofdm`` runs per channel), so it handles ``channels T N`` time
samples. The kernel runs on ``torch.get_num_threads()`` threads. Each rate is also given as
achieved FLOP/s (``local_search_ofdm_flops``: the sweeps' counted FLOPs per time sample) over the
FLOP/s of a float32 2048 x 2048 matmul measured in the same process, since these machines are
shared and noisy.

    python benchmarks/bench_ofdm_local_search.py [--oversampling 1,2,4] [--channels 8]
        [--symbols 64] [--backends numba] [--json out.json]
"""

from __future__ import annotations

import argparse

import torch
from _timing import matmul_flops_per_second, seconds_per_call

from qprecode.dac import DAC
from qprecode.ofdm import (
    OFDMGrid,
    OFDMLocalSearch,
    OFDMTransmitter,
    TappedDelayLineChannel,
    frequency_response,
    local_search_ofdm_flops,
)
from qprecode.ofdm.evaluate import draw_ofdm_symbols
from qprecode.ofdm.local_search import NUMBA_AVAILABLE
from qprecode.precoders import zf_matrix
from qprecode.results import run_metadata, write_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--antennas", type=int, default=32)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--subcarriers", type=int, default=64)
    parser.add_argument("--oversampling", default="1,2,4")
    parser.add_argument("--taps", type=int, default=8)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--symbols", type=int, default=64)
    parser.add_argument("--sweeps", type=int, default=3)
    parser.add_argument("--backends", default="numba" if NUMBA_AVAILABLE else "torch")
    parser.add_argument("--snr-db", type=float, default=10.0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    M, K, S, B, T = args.antennas, args.users, args.subcarriers, args.channels, args.symbols
    peak = matmul_flops_per_second()
    print(f"1-bit DACs, {args.sweeps} sweeps, M={M}, K={K}, S={S}, {B} channels x {T} OFDM "
          f"symbols per call, {torch.get_num_threads()} threads (torch's, and the kernel's), "
          f"matmul {peak / 1e9:.1f} GFLOP/s")  # fmt: skip
    print(f"{'N/S':>4} {'N':>5} {'precoder':>16} {'samples/s':>12} {'FLOP/sample':>12} "
          f"{'GFLOP/s':>8} {'of peak':>8}")  # fmt: skip
    channel = TappedDelayLineChannel(M, K, args.taps)
    taps = channel.sample(B, torch.Generator().manual_seed(0))
    s, _ = draw_ofdm_symbols(B, T, S, K, seed=1)
    records = []
    for ratio in (int(x) for x in args.oversampling.split(",")):
        grid = OFDMGrid.from_oversampling(S, ratio)
        H = frequency_response(taps, grid)
        N = grid.fft_size
        samples = B * T * N
        transmitter = OFDMTransmitter(grid, DAC(1))
        seconds = seconds_per_call(lambda H=H, tx=transmitter: tx(zf_matrix(H, float(M)), s))
        rate = samples / seconds
        records.append({"oversampling": ratio, "fft_size": N, "precoder": "zf (quantized)",
                        "samples_per_second": rate})  # fmt: skip
        print(f"{ratio:>4} {N:>5} {'zf (quantized)':>16} {rate:>12,.0f}")
        flops = local_search_ofdm_flops(N, S, M, K, args.sweeps)
        for backend in args.backends.split(","):
            search = OFDMLocalSearch(1, args.sweeps, args.snr_db, backend=backend)
            count = B if backend == "numba" else 1  # the torch form: one channel (minutes)
            seconds = seconds_per_call(
                lambda p=search, H=H[:count], s=s[:count], g=grid: p(H, s, g), repeats=2
            )
            rate = count * T * N / seconds
            achieved = rate * flops
            name = f"ls-ofdm ({backend})"
            records.append({"oversampling": ratio, "fft_size": N, "precoder": name,
                            "samples_per_second": rate, "flops_per_sample": flops,
                            "flops_per_second": achieved,
                            "fraction_of_matmul": achieved / peak})  # fmt: skip
            print(f"{ratio:>4} {N:>5} {name:>16} {rate:>12,.0f} {flops:>12,} "
                  f"{achieved / 1e9:>8.2f} {achieved / peak:>8.4f}")  # fmt: skip
    if args.json:
        config = {"antennas": M, "users": K, "subcarriers": S, "taps": args.taps, "bits": 1,
                  "sweeps": args.sweeps, "channels": B, "ofdm_symbols": T,
                  "snr_db": args.snr_db, "threads": torch.get_num_threads(),
                  "matmul_flops_per_second": peak}  # fmt: skip
        write_json(args.json, {"config": config, "meta": run_metadata(), "results": records})
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
