"""Running ``qprecode`` in-process for the tests that hold every command to its contract: exit 0
with finite numbers, or exit 2 with a one-line error (``error: ...``), never a traceback."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from qprecode.cli import main

# numbers as a user may type them: small integers, any float, and text that is not a number
NUMBERS = st.one_of(
    st.integers(-3, 6).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "", "x", "0", "-0.0", "1e-300"]),
)
INTEGERS = st.one_of(st.integers(-3, 6).map(str), st.sampled_from(["", "x", "1.5", "nan"]))


def run_cli(args: list[str], capsys: Any) -> tuple[int, str, str]:
    """``(exit status, stdout, stderr)`` of ``qprecode ARGS`` run in this process; an exception
    that escapes the CLI fails the test with its traceback."""
    try:
        main(args)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_clean(code: int, err: str) -> None:
    """Exit 0, or exit 2 with exactly one error line and no traceback."""
    assert code in (0, 2), err
    assert "Traceback" not in err, err
    if code == 2:
        lines = [line for line in err.strip().splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        assert len(errors) == 1, err
        assert errors[0] == lines[-1], err


def non_finite(value: Any, where: str = "") -> list[str]:
    """The paths of NaN or infinite numbers in a JSON value."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [where]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in non_finite(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in non_finite(v, f"{where}[{i}]")]
    return []


def assert_finite_json(path: Path) -> None:
    """Every number in the JSON file ``path`` is finite (``json.loads`` reads NaN/Infinity)."""
    bad = non_finite(json.loads(path.read_text()))
    assert not bad, bad[:10]
