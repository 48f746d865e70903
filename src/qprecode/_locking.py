"""A lock on an output folder (a run or a sweep), so that two processes never write the same
folder: the second is refused at once with a one-line error naming the holder."""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LOCK_NAME", "folder_lock"]

LOCK_NAME = ".qprecode.lock"


@contextmanager
def folder_lock(folder: str | Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (made if missing) while the block runs; raise
    ``ValueError`` at once if another process holds it. The lock is the kernel's (``flock``):
    it ends with the process, so a killed run leaves no stale lock behind."""
    path = Path(folder) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ValueError(
            f"{folder} is in use by another {what} ({holder}): wait until it ends, or choose "
            "another --out"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} on {socket.gethostname()}")
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
