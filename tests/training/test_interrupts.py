"""A run stopped at any point (Ctrl-C, SIGTERM, an exception in the middle of a step) and resumed
ends with the weights of the uninterrupted run, bit for bit, and the same ``metrics.csv`` rows."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml

from qprecode.nn import read_files
from qprecode.training import FeysTask, config_from_raw, train
from qprecode.training.stopping import TrainingStopped

# 16 steps in all; runs stop at step STOP, before the test evaluation of a finished run
RAW = dict(
    antennas=8, users=1, bits=1, hidden_dim=8, hidden_layers=1, train_channels=64,
    val_channels=16, test_channels=16, symbols=8, eval_symbols=16, batch_size=16, epochs=4,
    eval_every=3, checkpoint_every=4,
)  # fmt: skip
STOP = 10
QUIET = dict(progress=False, echo=lambda _: None)


def tensors(run: Path) -> dict[str, torch.Tensor]:
    """Every tensor of ``run/last``: weights, optimiser state and the noise generator."""
    return read_files(run / "last")[0]


def rows(run: Path) -> list[dict[str, str]]:
    """``metrics.csv`` without the wall-clock column."""
    with (run / "metrics.csv").open(newline="") as handle:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(handle)]


def assert_same_run(run: Path, reference: Path) -> None:
    got, want = tensors(run), tensors(reference)
    assert got.keys() == want.keys()
    for key in want:
        assert torch.equal(got[key], want[key]), key
    assert rows(run) == rows(reference)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The uninterrupted run to step STOP."""
    out = tmp_path_factory.mktemp("uninterrupted")
    train(config_from_raw(RAW), out, max_steps=STOP, **QUIET)
    assert [int(r["step"]) for r in rows(out)] == [3, 4, 6, 8, 9, 10]
    return out


def interrupt_at(monkeypatch, method: str, step: int, after: bool, raising=None) -> None:
    """Make ``FeysTask.<method>`` raise ``KeyboardInterrupt`` (or call ``raising()``) before or
    after its work at ``step`` (``training_batch``: the 0-based step it draws for;
    ``validate``: the step count of the model it validates)."""
    original = getattr(FeysTask, method)
    state = {"validated": 0}

    def hooked(self, *args):
        if method == "training_batch":
            now = args[2]
        else:  # validations happen at steps 3, 4, 6, 8, 9, 10
            now = [3, 4, 6, 8, 9, 10][state["validated"]]
            state["validated"] += 1
        fire = raising or _raise_interrupt
        if now == step and not after:
            fire()
        result = original(self, *args)
        if now == step and after:
            fire()
        return result

    monkeypatch.setattr(FeysTask, method, hooked)


def _raise_interrupt() -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("method", "step", "after"),
    [
        ("training_batch", 0, True),  # the first step's noise drawn, nothing finished
        ("training_batch", 4, True),  # after the noise of step 5 is drawn
        ("training_batch", 6, False),  # at the start of step 7
        ("validate", 6, False),  # step 6 is done but not yet validated nor logged
        ("validate", 9, True),  # validated, not logged, no checkpoint since step 8
    ],
)
def test_an_exception_in_the_middle_of_a_step_resumes_bit_for_bit(
    reference, tmp_path, monkeypatch, method, step, after
):
    config = config_from_raw(RAW)
    interrupt_at(monkeypatch, method, step, after)
    with pytest.raises(KeyboardInterrupt):
        train(config, tmp_path, max_steps=STOP, **QUIET)
    monkeypatch.undo()
    if not (tmp_path / "last.json").is_file():  # stopped before the first step finished
        train(config, tmp_path, max_steps=STOP, **QUIET)
    else:
        train(config, tmp_path, resume=True, max_steps=STOP, **QUIET)
    assert_same_run(tmp_path, reference)


def test_an_interrupt_inside_the_optimiser_update_keeps_the_last_checkpoint(
    reference, tmp_path, monkeypatch
):
    """Weights half-updated by an interrupted Adam step are not saved: the last checkpoint
    stays, and resuming from it still ends on the uninterrupted run."""
    config = config_from_raw(RAW)
    original = torch.optim.Adam.step
    calls = {"count": 0}

    def interrupted_update(self, *args, **kwargs):
        calls["count"] += 1
        result = original(self, *args, **kwargs)
        if calls["count"] == 7:  # the update of step 7 is applied, its step not counted
            raise KeyboardInterrupt
        return result

    monkeypatch.setattr(torch.optim.Adam, "step", interrupted_update)
    said: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        train(config, tmp_path, max_steps=STOP, progress=False, echo=said.append)
    monkeypatch.undo()
    saved = json.loads((tmp_path / "last.json").read_text())["step"]
    assert saved < 7
    assert said[-1] == (
        f"interrupted while the optimiser updated the weights of step 7: {tmp_path}'s last "
        "checkpoint is kept; --resume continues from it"
    )
    train(config, tmp_path, resume=True, max_steps=STOP, **QUIET)
    assert_same_run(tmp_path, reference)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("step", [2, 5])
def test_a_signal_ends_the_step_then_checkpoints_and_resume_is_bit_for_bit(
    reference, tmp_path, monkeypatch, signum, step
):
    config = config_from_raw(RAW)
    interrupt_at(monkeypatch, "training_batch", step, True, lambda: os.kill(os.getpid(), signum))
    said: list[str] = []
    with pytest.raises(TrainingStopped) as stopped:
        train(config, tmp_path, max_steps=STOP, progress=False, echo=said.append)
    monkeypatch.undo()
    assert stopped.value.signal == signum
    # the step the signal came in finished, and the checkpoint is of that step
    assert json.loads((tmp_path / "last.json").read_text())["step"] == step + 1
    name = signal.Signals(signum).name
    assert said[-1] == (
        f"stopped by {name}: checkpoint of step {step + 1} in {tmp_path}; --resume continues"
    )
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handlers are put back
    train(config, tmp_path, resume=True, max_steps=STOP, **QUIET)
    assert_same_run(tmp_path, reference)


def test_resume_after_a_crash_between_validations_logs_the_same_rows(
    reference, tmp_path, monkeypatch
):
    """A run that dies without a checkpoint of its own (here an error in step 8) continues from
    its last periodic checkpoint (step 7), with the training loss summed since the row of step
    6: the row of step 8 equals the uninterrupted run's."""
    config = config_from_raw({**RAW, "checkpoint_every": 1})
    interrupt_at(monkeypatch, "training_batch", 7, False, raising=_crash)
    with pytest.raises(RuntimeError):
        train(config, tmp_path, max_steps=STOP, **QUIET)
    monkeypatch.undo()
    assert json.loads((tmp_path / "last.json").read_text())["step"] == 7
    train(config, tmp_path, resume=True, max_steps=STOP, **QUIET)
    assert_same_run(tmp_path, reference)


def _crash() -> None:
    raise RuntimeError("the machine went down")


def test_sigterm_to_qprecode_train_checkpoints_exits_143_and_resume_is_bit_for_bit(tmp_path):
    config_file = tmp_path / "tiny.yaml"
    config_file.write_text(yaml.safe_dump({**RAW, "epochs": 10_000, "checkpoint_every": 1000}))
    out = tmp_path / "run"
    command = [sys.executable, "-m", "qprecode.cli", "train", "--config", str(config_file),
               "--out", str(out), "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "metrics.csv").is_file():  # a few steps are done: stop it in the middle
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    stopped = json.loads((out / "last.json").read_text())["step"]
    assert f"stopped by SIGTERM: checkpoint of step {stopped} in {out}" in stdout
    config = config_from_raw({**RAW, "epochs": 10_000, "checkpoint_every": 1000})
    train(config, out, resume=True, max_steps=stopped + 5, **QUIET)
    train(config, tmp_path / "uninterrupted", max_steps=stopped + 5, **QUIET)
    assert_same_run(out, tmp_path / "uninterrupted")
