"""Saving results with their config: atomic JSON and CSV writes, and run metadata."""

from __future__ import annotations

import csv
import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch

from . import __version__

__all__ = ["atomic_write_bytes", "bits_json", "run_metadata", "write_csv", "write_json"]


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so that a reader never
    sees a half-written file. Parent folders are created."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it normal rights
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | Path, payload: Any) -> None:
    """Atomically write ``payload`` as indented JSON: non-finite floats become ``null``, except
    under a ``bits`` key, where a resolution is an integer or ``"inf"`` (unquantized: ``None`` or
    ``inf``), as ``bits_json`` writes it."""
    text = json.dumps(_finite_or_none(payload), indent=2, sort_keys=False)
    atomic_write_bytes(path, (text + "\n").encode())


def write_csv(path: str | Path, records: Sequence[dict[str, Any]]) -> None:
    """Atomically write a list of flat records as CSV, columns in first-seen order."""
    columns: list[str] = []
    for record in records:
        columns += [key for key in record if key not in columns]
    lines: list[str] = []

    class _Sink:
        def write(self, text: str) -> None:
            lines.append(text)

    writer = csv.DictWriter(_Sink(), fieldnames=columns)
    writer.writeheader()
    writer.writerows(records)
    atomic_write_bytes(path, "".join(lines).encode())


def _git_commit() -> str | None:
    """The commit of the source tree, when it is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def run_metadata() -> dict[str, Any]:
    """Code version, time and machine, to store beside every result."""
    return {
        "qprecode_version": __version__,
        "git_commit": _git_commit(),
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def bits_json(bits: float | None) -> int | str:
    """A DAC resolution as JSON writes it: an integer, or ``"inf"`` unquantized (``None``)."""
    if bits is None or bits == float("inf"):
        return "inf"
    if float(bits) != int(bits):
        raise ValueError(f"bits must be a whole number or unquantized, got {bits}")
    return int(bits)


def _bits_or_any(value: Any) -> Any:
    """``bits_json`` of a resolution or a list of them; anything else as it is."""
    if value is None or isinstance(value, int | float) and not isinstance(value, bool):
        return bits_json(value)
    if isinstance(value, list | tuple) and all(
        v is None or isinstance(v, int | float) for v in value
    ):
        return [bits_json(v) for v in value]
    return _finite_or_none(value)


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {k: _bits_or_any(v) if k == "bits" else _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    return value
