"""Progress of long work: a bar (rich) in a terminal, a log line every so often when stderr is
a file or a pipe (a batch job, ``nohup``, a cluster scheduler), nothing when disabled."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

__all__ = ["LOG_EVERY_S", "progress_bar", "progress_log"]

T = TypeVar("T")

# Seconds between two progress lines of a non-interactive run (QPRECODE_PROGRESS_S overrides).
LOG_EVERY_S = 30.0


def _log_every() -> float:
    text = os.environ.get("QPRECODE_PROGRESS_S", "")
    try:
        value = float(text)
    except ValueError:
        return LOG_EVERY_S
    return value if value > 0 else LOG_EVERY_S


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def progress_log(
    items: Iterable[T],
    description: str,
    every_s: float,
    stream: TextIO,
    status: Callable[[], str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[T]:
    """Yield ``items``, writing ``description: done/total (percent), elapsed, left, status`` to
    ``stream`` after an item whenever ``every_s`` seconds have passed since the start or the
    last line, and a last line at the end if any was written."""
    total = len(items) if hasattr(items, "__len__") else None  # type: ignore[arg-type]
    start = last = clock()
    done = 0
    written = False

    def line(now: float) -> str:
        elapsed = now - start
        if total:
            left = elapsed / done * (total - done) if done else 0.0
            where = f"{done}/{total} ({100 * done / total:.0f}%), {_clock(elapsed)} elapsed, "
            where += f"~{_clock(left)} left"
        else:
            where = f"{done} done, {_clock(elapsed)} elapsed"
        extra = status() if status else ""
        return f"{description}: {where}" + (f", {extra}" if extra else "") + "\n"

    for item in items:
        yield item
        done += 1
        now = clock()
        if now - last >= every_s:
            stream.write(line(now))
            stream.flush()
            last, written = now, True
    if written and (total is None or done == total):
        stream.write(line(clock()))
        stream.flush()


def progress_bar(
    items: Iterable[T],
    description: str,
    enabled: bool = True,
    status: Callable[[], str] | None = None,
) -> Iterator[T]:
    """Yield ``items`` while showing progress on stderr when ``enabled``: a bar in a terminal,
    otherwise a log line every ``LOG_EVERY_S`` seconds (``progress_log``). ``status()``, if
    given, is shown after the bar and refreshed after every item (e.g. the current loss and
    validation rate)."""
    console = Console(stderr=True)
    if not enabled:
        yield from items
        return
    if not console.is_terminal:
        yield from progress_log(items, description, _log_every(), sys.stderr, status)
        return
    total = len(items) if hasattr(items, "__len__") else None  # type: ignore[arg-type]
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total, status="")
        for item in items:
            yield item
            bar.update(task, advance=1, status=status() if status else "")
