"""Compiled kernels over a batch of channels: the choice between a kernel and its torch form
(``resolve_backend``), and the kernels run on Python threads: each thread takes slices of the
channels and the kernel releases the GIL. The threads sleep when idle, where an OpenMP pool spins;
on a machine whose cores are all busy, two spinning pools (Numba's and torch's) slow each other
by orders of magnitude."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import torch

__all__ = ["BACKENDS", "kernel_serves", "resolve_backend", "run_in_threads"]

BACKENDS = ("auto", "numba", "torch")

_POOL: tuple[int, ThreadPoolExecutor] | None = None  # (threads, pool)
_POOL_LOCK = threading.Lock()


def _forget_pool() -> None:
    """In a forked child the pool's threads do not exist: start a new one when needed."""
    global _POOL
    _POOL = None


os.register_at_fork(after_in_child=_forget_pool)


def resolve_backend(backend: str, numba_available: bool) -> str:
    """``"auto"`` -> ``"numba"`` where the kernel imports, else ``"torch"``; raises for an unknown
    name or ``"numba"`` without Numba."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        return "numba" if numba_available else "torch"
    if backend == "numba" and not numba_available:
        raise ValueError("backend 'numba' needs the numba package, which does not import here")
    return backend


def kernel_serves(backend: str, *tensors: torch.Tensor) -> bool:
    """Whether a call runs the Numba kernel: the backend is ``"numba"``, the tensors are on the
    CPU and no gradient is asked for through them (the kernels have none: the torch form serves)."""
    wants_grad = torch.is_grad_enabled() and any(t.requires_grad for t in tensors)
    return backend == "numba" and all(t.device.type == "cpu" for t in tensors) and not wants_grad


def run_in_threads(
    kernel: Callable[..., None], count: int, args: Sequence[object], sliced: set[int]
) -> None:
    """``kernel(*args)`` over slices of ``count`` channels on ``torch.get_num_threads()`` threads
    (the arguments whose positions are in ``sliced`` cut on their first axis, the others passed
    as they are), several slices per thread so that a thread on a busy core takes fewer."""
    threads = max(1, min(torch.get_num_threads(), count))

    def run(lo: int, hi: int) -> None:
        kernel(*(a[lo:hi] if i in sliced else a for i, a in enumerate(args)))  # type: ignore[index]

    if threads == 1:
        run(0, count)
        return
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL[0] != threads:
            if _POOL is not None:
                _POOL[1].shutdown(wait=False)
            _POOL = (threads, ThreadPoolExecutor(threads, thread_name_prefix="qprecode-kernel"))
        pool = _POOL[1]
    chunks = min(count, 4 * threads)
    edges = [count * i // chunks for i in range(chunks + 1)]
    for future in [pool.submit(run, lo, hi) for lo, hi in zip(edges, edges[1:], strict=False)]:
        future.result()
