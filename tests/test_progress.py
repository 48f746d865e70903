"""Progress of non-interactive runs: a log line every so often instead of a silent wait."""

import io
import os
import subprocess
import sys

from qprecode.progress import progress_log


class _Clock:
    """A fake monotonic clock that advances ``step`` seconds per reading."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_progress_log_writes_a_line_every_interval_and_at_the_end():
    stream = io.StringIO()
    items = list(progress_log(range(10), "train", 25.0, stream, lambda: "loss 0.1", _Clock(10)))
    assert items == list(range(10))  # every item, in order
    lines = stream.getvalue().splitlines()
    # readings at 10, 20, ... s after a start at 10 s: lines after items 3, 6, 9 and at the end
    assert [line.split(":")[1].split("(")[0].strip() for line in lines] == [
        "3/10", "6/10", "9/10", "10/10"
    ]  # fmt: skip
    assert lines[0] == "train: 3/10 (30%), 0:30 elapsed, ~1:10 left, loss 0.1"
    assert lines[-1].startswith("train: 10/10 (100%)")


def test_progress_log_is_silent_for_short_work_and_counts_without_a_length():
    stream = io.StringIO()
    assert list(progress_log(range(5), "quick", 30.0, stream, clock=_Clock(1))) == list(range(5))
    assert stream.getvalue() == ""
    stream = io.StringIO()
    list(progress_log(iter(range(4)), "stream", 1.0, stream, clock=_Clock(1)))
    assert stream.getvalue().splitlines()[0] == "stream: 1 done, 0:01 elapsed"


def test_a_piped_run_logs_progress_on_stderr():
    code = (
        "from qprecode.progress import progress_bar\n"
        "import time\n"
        "for _ in progress_bar(range(3), 'work'): time.sleep(0.2)\n"
    )
    env = {**os.environ, "QPRECODE_PROGRESS_S": "0.1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, check=True)  # fmt: skip
    lines = done.stderr.splitlines()
    assert lines[0].startswith("work: 1/3 (33%)") and lines[-1].startswith("work: 3/3 (100%)")
    assert done.stdout == ""
