"""Throughput of the classical precoders besides the local search (``bench_local_search.py``), all
in one process: quantized ZF, SQUID and C2PO (each its Numba kernel and its torch form, the form
it had before the kernel) in symbol vectors per second (1-bit DACs, 10 dB), at M = 32/64/128 and
K = 1/4/16; WMMSE (its Numba kernel and its torch form) in channels per second (all four starts,
tolerance 1e-5) on i.i.d. Rayleigh channels at the same sizes and on the Munich sample (M = 64,
K = 4, -21.5 dB, as Kasalaee et al.). Each kernel's row gives its ratio to its torch form.

Each rate is also given as achieved FLOP/s (``cost.classical``: the counts of each algorithm;
WMMSE's per step as implemented times the steps it took) over the FLOP/s of a float32 matmul
measured in the same process, since these machines are shared and noisy. A profile at one size
(``--profile-size``, ``M,K``) says where each precoder's time goes: torch's operators by their
own time, the compiled kernels as one entry each, the rest (Python) as the remainder of the wall
time; on ``--profile-threads`` threads (1 by default: shares of the work itself, without the
waits for a descheduled thread that a busy machine adds to every parallel region).

    python benchmarks/bench_precoders.py [--antennas 32,64,128] [--users 1,4,16] [--threads N]
        [--json out.json]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import torch
from _profile import profile_call
from _timing import matmul_flops_per_second, seconds_per_call

from qprecode.channels import RayleighChannel
from qprecode.cost import classical_flops, wmmse_step_flops
from qprecode.evaluation import gaussian_symbols
from qprecode.precoders import C2PO, SQUID, WMMSE
from qprecode.registry import build_precoder
from qprecode.results import run_metadata, write_json

MUNICH = Path(__file__).resolve().parents[1] / "data" / "samples" / "munich-j4.h5"
# best of this many timed calls: the kernels' calls take tens of ms, and on a shared machine one
# descheduled thread can double a call (SQUID at M = 32, K = 16 read 7x in one run, 10-11x in five)
REPEATS = 5


def vector_rates(M: int, K: int, channels: int, symbols: int, peak: float) -> list[dict[str, Any]]:
    """One row per precoder: vectors/s, counted FLOPs per vector, fraction of the peak."""
    H = RayleighChannel(M, K).sample(channels, torch.Generator().manual_seed(0))
    s = gaussian_symbols(channels, symbols, K, seed=1, dtype=H.dtype)
    precoders = {
        "zf-1bit": (build_precoder("zf", 1), "zf"),
        "squid": (SQUID(1, 10.0, backend="numba"), "squid"),
        "squid (torch form)": (SQUID(1, 10.0, backend="torch"), "squid"),
        "c2po": (C2PO(backend="numba"), "c2po"),
        "c2po (torch form)": (C2PO(backend="torch"), "c2po"),
    }
    rows = []
    for name, (precoder, counted) in precoders.items():
        if counted == "zf" and K > M:
            continue
        seconds = seconds_per_call(lambda p=precoder: p(H, s), repeats=REPEATS)
        flops = classical_flops(counted, M, K).for_vectors(symbols).total / symbols
        rate = channels * symbols / seconds
        rows.append({"precoder": name, "antennas": M, "users": K, "vectors_per_second": rate,
                     "flops_per_vector": flops,
                     "fraction_of_matmul": rate * flops / peak})  # fmt: skip
    _ratios(rows, "vectors_per_second")
    return rows


def _ratios(rows: list[dict[str, Any]], key: str) -> None:
    """Each kernel's row gets ``over_torch_form``: its rate over its torch form's (same run)."""
    for row in rows:
        twin = [r for r in rows if r["precoder"] == f"{row['precoder']} (torch form)"
                and r["antennas"] == row["antennas"] and r["users"] == row["users"]
                and r.get("setting") == row.get("setting")]  # fmt: skip
        if twin:
            row["over_torch_form"] = row[key] / twin[0][key]


def _over(row: dict[str, Any]) -> float:
    return float(row.get("over_torch_form", float("nan")))


def wmmse_rates(H: torch.Tensor, snr_db: float, setting: str, peak: float) -> list[dict[str, Any]]:
    """Channels/s of the default WMMSE on ``H``, its kernel and its torch form, and their counted
    FLOP rates (the kernel's steps in the user space: ``cost.wmmse_step_flops(user_space=True)``).
    """
    M, K = H.shape[-2:]
    rows = []
    for name, backend in [("wmmse", "numba"), ("wmmse (torch form)", "torch")]:
        precoder = WMMSE(snr_db, backend=backend)
        steps = precoder.solve(H).total_iterations.double().mean().item()
        seconds = seconds_per_call(lambda p=precoder: p.solve(H), repeats=REPEATS)
        flops = steps * wmmse_step_flops(M, K, user_space=backend == "numba").total
        rate = H.shape[0] / seconds
        rows.append({"precoder": name, "setting": setting, "antennas": M, "users": K,
                     "channels_per_second": rate, "steps_per_channel": steps,
                     "flops_per_channel": flops,
                     "fraction_of_matmul": rate * flops / peak})  # fmt: skip
    _ratios(rows, "channels_per_second")
    return rows


def profiles(M: int, K: int, symbols: int, wall: float) -> list[dict[str, Any]]:
    """Where each precoder's time goes at ``M, K`` (``_profile.profile_call``)."""
    H = RayleighChannel(M, K).sample(max(8, 16_000 // (M * K)), torch.Generator().manual_seed(0))
    s = gaussian_symbols(H.shape[0], symbols, K, seed=1, dtype=H.dtype)
    calls = {
        "zf-1bit": lambda: build_precoder("zf", 1)(H, s),
        "squid": lambda: SQUID(1, 10.0, backend="numba")(H, s),
        "c2po": lambda: C2PO(backend="numba")(H, s),
        "wmmse": lambda: WMMSE(10.0, backend="numba").solve(H[: max(20, H.shape[0] // 4)]),
    }
    return [{"precoder": name, "antennas": M, "users": K, **profile_call(fn, wall)}
            for name, fn in calls.items()]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--antennas", default="32,64,128")
    parser.add_argument("--users", default="1,4,16")
    parser.add_argument("--symbols", type=int, default=125)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--profile-size", default="64,4")
    parser.add_argument("--profile-threads", type=int, default=1)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    peak = matmul_flops_per_second()
    print(f"{torch.get_num_threads()} threads, float32 matmul {peak / 1e9:.1f} GFLOP/s")
    vectors, channels = [], []
    for M in map(int, args.antennas.split(",")):
        for K in map(int, args.users.split(",")):
            count = max(8, 16_000 // (M * K))  # fewer channels where the torch forms are slow
            vectors += vector_rates(M, K, count, args.symbols, peak)
            H = RayleighChannel(M, K).sample(max(20, count // 4), torch.Generator().manual_seed(2))
            channels += wmmse_rates(H, 10.0, "rayleigh, 10 dB", peak)
    if MUNICH.is_file():
        from qprecode.datasets import LOS_SELECTIONS, FileChannel

        source = FileChannel(MUNICH, 4, "test", los=LOS_SELECTIONS["nlos"])
        H = source.sample(100, torch.Generator().manual_seed(1))
        channels += wmmse_rates(H, -21.5, "munich sample NLOS, -21.5 dB", peak)
    size = tuple(map(int, args.profile_size.split(",")))
    torch.set_num_threads(args.profile_threads)
    profile = profiles(size[0], size[1], args.symbols, wall=1.0)
    torch.set_num_threads(args.threads)
    print(f"{'precoder':20s} {'M':>4} {'K':>3} {'vectors/s':>12} {'FLOP/vector':>12} {'of peak':>8}"
          f" {'x torch form':>12}")  # fmt: skip
    for r in vectors:
        print(f"{r['precoder']:20s} {r['antennas']:>4} {r['users']:>3} "
              f"{r['vectors_per_second']:>12,.0f} {r['flops_per_vector']:>12,.0f} "
              f"{r['fraction_of_matmul']:>8.4f} {_over(r):>12.1f}")  # fmt: skip
    print(f"{'wmmse':39s} {'M':>4} {'K':>3} {'channels/s':>12} {'steps':>8} {'of peak':>8}"
          f" {'x torch form':>12}")  # fmt: skip
    for r in channels:
        print(f"{r['precoder'] + ', ' + r['setting']:39s} {r['antennas']:>4} {r['users']:>3} "
              f"{r['channels_per_second']:>12,.1f} {r['steps_per_channel']:>8.1f} "
              f"{r['fraction_of_matmul']:>8.4f} {_over(r):>12.1f}")  # fmt: skip
    for r in profile:
        shares = ", ".join(f"{e['name']} {e['share']:.0%}" for e in r["entries"])
        print(f"profile {r['precoder']} M={r['antennas']} K={r['users']}: {shares}")
    if args.json:
        write_json(args.json, {"config": vars(args), "meta": run_metadata(),
                               "matmul_flops_per_second": peak, "vectors": vectors,
                               "wmmse": channels, "profile": profile})  # fmt: skip


if __name__ == "__main__":
    main()
