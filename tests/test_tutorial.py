"""The documentation's tutorial (``docs/tutorial.md``) runs as written: its Python blocks in
order in one namespace, then its shell commands, in an empty folder, with only the core
dependencies (no documentation tools). The assertions hold it to what its text says."""

from __future__ import annotations

import json
import math
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from qprecode.cli import main

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", TUTORIAL.read_text(), re.S | re.M)


def _commands() -> list[list[str]]:
    """The ``qprecode`` commands of the tutorial's bash blocks, continuation lines joined."""
    commands = []
    for block in _blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                assert words[0] == "qprecode", f"the tutorial runs only qprecode, got {line!r}"
                commands.append(words[1:])
    return commands


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the tutorial in an empty folder; its namespace, and the folder as ``__folder__``."""
    folder = tmp_path_factory.mktemp("tutorial")
    namespace: dict[str, Any] = {"__name__": "tutorial"}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for index, block in enumerate(_blocks("python")):
            exec(compile(block, f"{TUTORIAL.name}, python block {index + 1}", "exec"), namespace)
        for args in _commands():
            with pytest.raises(SystemExit) as stop:
                main(args)
            assert stop.value.code in (0, None), f"qprecode {shlex.join(args)} failed"
    namespace["__folder__"] = folder
    return namespace


def test_the_tutorial_has_code_to_run():
    assert len(_blocks("python")) >= 4 and len(_commands()) >= 1


def test_the_tutorial_needs_no_documentation_tools():
    # the docs extra (mkdocs, mkdocstrings) is not imported by running it
    code = "\n".join(_blocks("python"))
    assert "mkdocs" not in code and "mkdocstrings" not in code


def test_your_zf_equals_the_builtin_zf(tutorial):
    mine, builtin = tutorial["mine"], tutorial["builtin"]
    assert mine.snr_db == builtin.snr_db == [0.0, 10.0, 20.0]
    for a, b in zip(mine.sum_rate, builtin.sum_rate, strict=True):
        assert a == pytest.approx(b, rel=1e-4)
    # no DACs: zero forcing leaves no interference, so the rate grows with the SNR
    assert mine.sum_rate[0] < mine.sum_rate[1] < mine.sum_rate[2]


def test_with_one_bit_dacs_your_zf_matches_and_the_shipped_gnn_is_above(tutorial):
    rayleigh = tutorial["rayleigh"]
    assert rayleigh["my-zf, 1 bit"].sum_rate[0] == pytest.approx(
        rayleigh["zf, 1 bit"].sum_rate[0], rel=1e-3
    )
    assert rayleigh["my-zf, 1 bit"].sum_rate[0] < tutorial["builtin"].sum_rate[-1]
    gnn, zf = rayleigh["gnn:k4-b1"], rayleigh["zf, 1 bit"]
    assert gnn.sum_rate[0] - 3 * gnn.sum_rate_sem[0] > zf.sum_rate[0] + 3 * zf.sum_rate_sem[0]


def test_your_channel_file_is_read_and_evaluated(tutorial):
    folder: Path = tutorial["__folder__"]
    assert (folder / "my_channels.npy").is_file()
    file = tutorial["mine_file"]
    assert file.layout == "samples" and tuple(file.channels.shape) == (200, 32, 4)
    on_file, rayleigh = tutorial["on_file"], tutorial["rayleigh"]
    assert set(on_file) == set(tutorial["one_bit"])
    assert on_file["my-zf, 1 bit"].sum_rate[0] == pytest.approx(
        on_file["zf, 1 bit"].sum_rate[0], rel=1e-3
    )
    # the text: every precoder loses rate on the correlated channels against i.i.d. Rayleigh
    for label in on_file:
        assert on_file[label].sum_rate[0] < rayleigh[label].sum_rate[0], label


def test_the_command_line_evaluates_the_same_file(tutorial):
    folder: Path = tutorial["__folder__"]
    report = json.loads((folder / "runs" / "tutorial" / "my_channels.json").read_text())
    records = report["results"]
    assert {r["precoder"] for r in records} == {"zf", "mrt", "gnn:k4-b1"}
    assert {r["snr_db"] for r in records} == {0.0, 10.0, 20.0}
    assert all(r["users"] == 4 and r["antennas"] == 32 for r in records)
    # the command draws every channel of the file once (200 of 200), with other symbols than
    # the Python block: its 1-bit ZF rate at 20 dB agrees within the standard error
    zf = next(r for r in records if r["precoder"] == "zf" and r["snr_db"] == 20.0)
    python = tutorial["on_file"]["zf, 1 bit"]
    tolerance = 3 * math.hypot(zf["sum_rate_sem"], python.sum_rate_sem[0])
    assert abs(zf["sum_rate"] - python.sum_rate[0]) < tolerance
    assert "mkdocs" not in sys.modules
