"""Where a call's time goes: torch's profiler over repeated calls, each operator by its own
(self) time, each compiled kernel (``precoders._kernel_threads.run_in_threads``) as one entry
named after it, and the rest of the wall time (the interpreter, allocation, the profiler's own
cost) as ``outside torch ops``."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from torch.profiler import ProfilerActivity, profile, record_function

__all__ = ["profile_call"]


@contextmanager
def _kernels_labelled() -> Iterator[None]:
    """Every module of ``qprecode.precoders`` that runs kernels gets a ``run_in_threads`` that
    records its call as ``kernel <name>``."""
    from qprecode.precoders import _kernel_threads

    original = _kernel_threads.run_in_threads

    def labelled(kernel: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        with record_function(f"kernel {kernel.__name__}"):
            original(kernel, *args, **kwargs)

    modules = [
        m
        for name, m in list(sys.modules.items())
        if name.startswith("qprecode.") and getattr(m, "run_in_threads", None) is original
    ]
    for module in modules:
        module.run_in_threads = labelled  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module in modules:
            module.run_in_threads = original  # type: ignore[attr-defined]


def profile_call(fn: Callable[[], object], wall: float = 1.0, top: int = 5) -> dict[str, Any]:
    """``fn`` called for about ``wall`` seconds under the profiler (after one warm-up call):
    ``{"seconds_per_call", "entries": [{"name", "share"}]}`` with the ``top`` entries by own
    time, then ``other torch ops`` and ``outside torch ops``, shares of the wall time."""
    fn()
    with _kernels_labelled(), profile(activities=[ProfilerActivity.CPU]) as prof:
        calls, start = 0, time.perf_counter()
        while calls == 0 or time.perf_counter() - start < wall:
            fn()
            calls += 1
        elapsed = time.perf_counter() - start
    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total_us = elapsed * 1e6
    shares = [(e.key, e.self_cpu_time_total / total_us) for e in events]
    entries = [{"name": name, "share": share} for name, share in shares[:top]]
    entries.append({"name": "other torch ops", "share": sum(s for _, s in shares[top:])})
    entries.append({"name": "outside torch ops", "share": max(0.0, 1 - sum(s for _, s in shares))})
    return {"seconds_per_call": elapsed / calls, "entries": entries}
