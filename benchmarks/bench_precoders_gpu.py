"""Throughput of the classical precoders on a GPU, in one process: quantized ZF, SQUID, C2PO and
the local search (automatic gain) in symbol vectors per second (1-bit DACs, 10 dB), WMMSE in
channels per second (all four starts, tolerance 1e-5), at M = 32/64/128 and K = 1/4/16 on
i.i.d. Rayleigh channels. On a GPU every precoder runs its torch form (the Numba kernels are
CPU-only), on bigger batches than ``bench_precoders.py`` takes.

Each rate is also given as achieved FLOP/s (the counts of ``cost``, as in ``bench_precoders.py``)
over the FLOP/s of a float32 matmul measured on the same GPU in the same process (TF32 off, as the
precoders run in float32/complex64). A precoder that fails on the device is recorded with its
error and the others go on; sizes left when ``--seconds`` have passed are skipped, and the JSON is
written after every size.

    python benchmarks/bench_precoders_gpu.py [--device cuda] [--seconds 150] [--json out.json]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import torch
from _timing import matmul_flops_per_second, seconds_per_call

from qprecode.channels import RayleighChannel
from qprecode.cost import classical_flops, wmmse_step_flops
from qprecode.evaluation import gaussian_symbols
from qprecode.precoders import C2PO, SQUID, WMMSE
from qprecode.precoders.local_search import AUTO_GAINS, LocalSearch, local_search_flops
from qprecode.registry import build_precoder
from qprecode.results import run_metadata, write_json


def vector_rows(M: int, K: int, channels: int, symbols: int, device: torch.device,
                peak: float) -> list[dict[str, Any]]:  # fmt: skip
    H = RayleighChannel(M, K).sample(channels, torch.Generator().manual_seed(0)).to(device)
    s = gaussian_symbols(channels, symbols, K, seed=1, dtype=H.dtype).to(device)
    gains = len(AUTO_GAINS)
    precoders = {  # name: (precoder, counted FLOPs per vector)
        "zf-1bit": (lambda: build_precoder("zf", 1),
                    lambda: classical_flops("zf", M, K).for_vectors(symbols).total / symbols),
        "squid": (lambda: SQUID(1, 10.0, backend="torch"),
                  lambda: classical_flops("squid", M, K).for_vectors(symbols).total / symbols),
        "c2po": (lambda: C2PO(),
                 lambda: classical_flops("c2po", M, K).for_vectors(symbols).total / symbols),
        "local-search": (lambda: LocalSearch(1, gain="auto", snr_db=10.0, backend="torch"),
                         lambda: local_search_flops(M, K, levels=2, sweeps=3, gains=gains).total),
    }  # fmt: skip
    rows = []
    for name, (make, count) in precoders.items():
        if name == "zf-1bit" and K > M:
            continue
        row: dict[str, Any] = {"precoder": name, "antennas": M, "users": K, "channels": channels}
        try:
            precoder = make()
            seconds = seconds_per_call(lambda p=precoder: p(H, s), repeats=2, device=device)
            rate = channels * symbols / seconds
            row |= {"vectors_per_second": rate, "flops_per_vector": count(),
                    "fraction_of_matmul": rate * count() / peak}  # fmt: skip
        except Exception as error:  # a benchmark row, not a crash: say what failed
            row["error"] = f"{type(error).__name__}: {error}"
        rows.append(row)
        print(row, flush=True)
    return rows


def wmmse_row(M: int, K: int, channels: int, device: torch.device, peak: float) -> dict[str, Any]:
    H = RayleighChannel(M, K).sample(channels, torch.Generator().manual_seed(2)).to(device)
    row: dict[str, Any] = {"precoder": "wmmse", "antennas": M, "users": K, "channels": channels}
    try:
        precoder = WMMSE(10.0, backend="torch")
        steps = precoder.solve(H).total_iterations.double().mean().item()
        rate = channels / seconds_per_call(lambda: precoder.solve(H), repeats=2, device=device)
        flops = steps * wmmse_step_flops(M, K).total
        row |= {"channels_per_second": rate, "steps_per_channel": steps,
                "flops_per_channel": flops, "fraction_of_matmul": rate * flops / peak}  # fmt: skip
    except Exception as error:
        row["error"] = f"{type(error).__name__}: {error}"
    print(row, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--antennas", default="32,64,128")
    parser.add_argument("--users", default="1,4,16")
    parser.add_argument("--channels", type=int, default=2000, help="per size, for the vectors")
    parser.add_argument("--wmmse-channels", type=int, default=1000)
    parser.add_argument("--symbols", type=int, default=125)
    parser.add_argument("--seconds", type=float, default=150.0, help="skip sizes after this")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    start = time.monotonic()
    peak = matmul_flops_per_second(8192 if device.type == "cuda" else 1024, device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"{name}: float32 matmul {peak / 1e12:.2f} TFLOP/s", flush=True)
    vectors: list[dict[str, Any]] = []
    channels: list[dict[str, Any]] = []
    skipped = []
    for M in map(int, args.antennas.split(",")):
        for K in map(int, args.users.split(",")):
            if time.monotonic() - start > args.seconds:
                skipped.append([M, K])
            else:
                vectors += vector_rows(M, K, args.channels, args.symbols, device, peak)
                channels.append(wmmse_row(M, K, args.wmmse_channels, device, peak))
            if args.json:
                write_json(args.json, {"config": vars(args), "meta": run_metadata(),
                                       "device_name": name, "matmul_flops_per_second": peak,
                                       "vectors": vectors, "wmmse": channels,
                                       "skipped": skipped})  # fmt: skip


if __name__ == "__main__":
    main()
