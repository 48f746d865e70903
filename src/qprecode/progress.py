"""Progress bars for long work (rich), silent when disabled."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

__all__ = ["progress_bar"]

T = TypeVar("T")


def progress_bar(
    items: Iterable[T],
    description: str,
    enabled: bool = True,
    status: Callable[[], str] | None = None,
) -> Iterator[T]:
    """Yield ``items`` while showing a progress bar on stderr when ``enabled`` and stderr is a
    terminal. ``status()``, if given, is shown after the bar and refreshed after every item
    (e.g. the current loss and validation rate)."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield from items
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
