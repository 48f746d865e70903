"""Parsing of the command line's list and range syntax, with clear errors."""

from __future__ import annotations

import math

from .dac import parse_bits

__all__ = [
    "parse_bits_list",
    "parse_float_list",
    "parse_int_range",
    "parse_name_list",
    "parse_snr_range",
]

_MAX_POINTS = 10_000


def parse_snr_range(text: str) -> list[float]:
    """SNR points in dB from ``"start:stop:step"`` (stop included when on the grid), a comma list
    ``"0,10,20"`` or a single value ``"20"``."""
    value = text.strip()
    if not value:
        raise ValueError("SNR range is empty; use start:stop:step, a comma list or one value")
    if ":" in value:
        parts = value.split(":")
        if len(parts) != 3:
            raise ValueError(f"SNR range {text!r} must be start:stop:step, e.g. -30:30:5")
        start, stop, step = (_finite(p, "SNR range") for p in parts)
        if step <= 0:
            raise ValueError(f"SNR range step must be positive, got {step:g}")
        if stop < start:
            raise ValueError(f"SNR range stop {stop:g} is below its start {start:g}")
        count = math.floor((stop - start) / step + 1e-9) + 1
        if count > _MAX_POINTS:
            raise ValueError(f"SNR range {text!r} has {count} points; at most {_MAX_POINTS}")
        return [round(start + i * step, 10) for i in range(count)]
    return parse_float_list(value, "SNR")


def parse_int_range(text: str, what: str) -> list[int]:
    """Positive integers from ``"start:stop"`` or ``"start:stop:step"`` (stop included when on
    the grid), a comma list ``"1,2,4"`` or one value."""
    value = text.strip()
    parts = value.split(":") if ":" in value else None
    if parts is not None and len(parts) not in (2, 3):
        raise ValueError(f"{what} {text!r} must be start:stop[:step], a comma list or one value")
    items = parts if parts is not None else value.split(",")
    try:
        numbers = [int(p) for p in items]
    except ValueError:
        raise ValueError(f"{what} {text!r} must hold integers") from None
    if parts is not None:
        start, stop, step = numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 1
        if step < 1 or stop < start:
            raise ValueError(f"{what} {text!r}: need step >= 1 and stop >= start")
        numbers = list(range(start, stop + 1, step))
    if not numbers or min(numbers) < 1 or len(numbers) > _MAX_POINTS:
        raise ValueError(f"{what} {text!r} must give 1 to {_MAX_POINTS} positive integers")
    return numbers


def parse_float_list(text: str, what: str) -> list[float]:
    """A comma list of finite numbers."""
    items = [p for p in text.split(",")]
    if not text.strip() or any(not p.strip() for p in items):
        raise ValueError(f"{what} list {text!r} has an empty entry")
    return [_finite(p, what) for p in items]


def parse_name_list(text: str, what: str = "precoder") -> list[str]:
    """A comma list of distinct names, e.g. ``"mrt,zf"``."""
    names = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not n for n in names):
        raise ValueError(f"{what} list {text!r} has an empty entry")
    _refuse_repeats(text, what, names)
    return names


def parse_bits_list(text: str) -> list[int | None]:
    """A comma list of distinct resolutions, integers in 1..8 or ``inf`` (``None``)."""
    bits = [parse_bits(p) for p in parse_name_list(text, "bits")]
    _refuse_repeats(text, "bits", ["inf" if b is None else str(b) for b in bits])
    return bits


def _refuse_repeats(text: str, what: str, names: list[str]) -> None:
    """One row or column of a results table per entry: a repeated one would be evaluated twice
    and shift the table, so it is refused."""
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(
            f"{what} list {text!r} repeats {', '.join(repeated)}; each may appear once"
        )


def _finite(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{what}: {text.strip()!r} is not finite")
    return value
