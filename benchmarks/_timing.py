"""Timing shared by the benchmarks: the best of a few calls, and the float32 matmul peak of this
process (every throughput is also reported as a fraction of it, since the machines are shared
and noisy)."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

__all__ = ["matmul_flops_per_second", "seconds_per_call"]


def seconds_per_call(
    fn: Callable[[], object], repeats: int = 3, device: torch.device | None = None
) -> float:
    """Best wall time of ``repeats`` calls after one warm-up call (compilation, caches); on a
    CUDA ``device`` each call is timed to the end of its kernels."""

    def sync() -> None:
        if device is not None and device.type == "cuda":
            torch.cuda.synchronize(device)

    fn()
    sync()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - start)
    return best


def matmul_flops_per_second(size: int = 2048, device: torch.device | None = None) -> float:
    """FLOP/s of a float32 ``size x size`` matmul (``2 size^3`` FLOPs) on ``device`` (the CPU
    by default), best of 3."""
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    return 2 * size**3 / seconds_per_call(lambda: a @ b, device=device)
