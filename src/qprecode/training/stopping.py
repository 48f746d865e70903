"""Stopping a run between steps: SIGINT (Ctrl-C) and SIGTERM (``timeout``, a cluster scheduler)
are noted while a step runs instead of breaking into it; the loop asks after every step, writes a
checkpoint of that finished step and raises ``TrainingStopped``. A second Ctrl-C interrupts at
once (the loop then checkpoints the last finished step, or keeps the last checkpoint)."""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

__all__ = ["STOP_SIGNALS", "StopSignals", "TrainingStopped"]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class TrainingStopped(KeyboardInterrupt):
    """A run stopped by ``signal`` after writing the checkpoint of ``step``.

    A ``KeyboardInterrupt``, so that whatever stops on Ctrl-C (a sweep, the command line) also
    stops on it; ``exit_code`` is the shell's convention, 128 + the signal number.
    """

    def __init__(self, signum: int, step: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name} at step {step}")
        self.signal = signum
        self.step = step

    @property
    def exit_code(self) -> int:
        return 128 + self.signal


class StopSignals:
    """A context in which SIGINT and SIGTERM set ``received`` rather than stop the process.

    Handlers can only be installed in the main thread; elsewhere (a Ray trial, say) the context
    does nothing and Ctrl-C raises ``KeyboardInterrupt`` where it lands. The previous handlers
    are put back on exit.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._note)
        return self

    def _note(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: do not wait for the step to end
        self.received = signum

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
