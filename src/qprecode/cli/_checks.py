"""Option types that refuse a bad number where it is parsed, so that the error names the option
the user typed (``Invalid value for '--at-bandwidth': -5.0 is not in the range x>0``) before any
work: finite floats in a range, and integers in a range."""

from __future__ import annotations

import math
from typing import Any

import click

__all__ = ["SEED", "FiniteFloat", "bits_range", "positive_float", "positive_int"]

# a seed torch.Generator.manual_seed takes
SEED = click.IntRange(0, 2**63 - 1)


class FiniteFloat(click.FloatRange):
    """A ``click.FloatRange`` that also refuses NaN and infinities (which compare false with
    every bound and would slip through a plain range)."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return super().convert(number, param, ctx)


def positive_float() -> FiniteFloat:
    """A finite number above 0."""
    return FiniteFloat(min=0.0, min_open=True)


def positive_int() -> click.IntRange:
    """An integer of at least 1."""
    return click.IntRange(min=1)


def bits_range(high: int = 8) -> click.IntRange:
    """A finite resolution in bits, 1..``high``."""
    return click.IntRange(1, high)
