"""A run's log: ``metrics.csv`` (one row per validation), TensorBoard scalars and a training-curve
plot (``training.png``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..plotting import plot_training

__all__ = ["RunLog", "plot_metrics"]


class RunLog:
    """Append rows to ``out_dir/metrics.csv`` (header once) and to TensorBoard under ``tb/``.

    Args:
        out_dir: the run folder.
        enabled: false on every process but the main one.
    """

    def __init__(self, out_dir: Path, enabled: bool) -> None:
        self.path = out_dir / "metrics.csv"
        self.enabled = enabled
        self.writer: Any = None
        if enabled:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.writer = SummaryWriter(str(out_dir / "tb"))
            except ImportError:  # tensorboard is optional
                self.writer = None

    def drop_after(self, step: int) -> None:
        """Remove the rows of steps after ``step`` (logged after the last checkpoint)."""
        if not self.enabled or not self.path.exists():
            return
        with self.path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        kept = [r for r in rows if int(r["step"]) <= step]
        if len(kept) < len(rows):
            with self.path.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(kept)

    def log(self, row: dict[str, float]) -> None:
        if not self.enabled:
            return
        new = not self.path.exists()
        with self.path.open("a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)
        if self.writer is not None:
            for key, value in row.items():
                if key != "step":
                    self.writer.add_scalar(key, value, int(row["step"]))
            self.writer.flush()

    def plot(self, metric: str) -> Path | None:
        """Draw ``training.png`` beside ``metrics.csv`` (see ``plot_metrics``)."""
        return plot_metrics(self.path, metric) if self.enabled else None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def plot_metrics(path: Path, metric: str) -> Path | None:
    """Draw ``training.png`` beside the ``metrics.csv`` at ``path`` (loss and validation
    ``metric`` vs step); the plot's path, or ``None`` when there is nothing to draw."""
    if not path.exists():
        return None
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or metric not in rows[0]:
        return None
    out = path.with_name("training.png")
    plot_training(rows, out, metric, title=f"{path.parent.name}: training curve")
    return out
