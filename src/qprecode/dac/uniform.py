"""Uniform (mid-rise) quantizers, with the step that minimises the MSE for a Gaussian input."""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.optimize import minimize_scalar

from .._validation import check_bits
from .quantizer import ScalarQuantizer

__all__ = ["uniform_quantizer"]


def _midrise(bits: int, step: float) -> ScalarQuantizer:
    L = 2**bits
    levels = (np.arange(L) - (L - 1) / 2.0) * step
    return ScalarQuantizer(levels, 0.5 * (levels[1:] + levels[:-1]))


@cache
def _optimal_step(bits: int) -> float:
    # The Gaussian MSE is unimodal in the step; bracket generously (8 standard deviations span).
    L = 2**bits
    result = minimize_scalar(
        lambda step: _midrise(bits, step).gaussian_mse(),
        bounds=(1e-3, 8.0 / max(L - 1, 1) + 2.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    return float(result.x)


def uniform_quantizer(bits: int, step: float | None = None) -> ScalarQuantizer:
    """Mid-rise uniform quantizer with ``2**bits`` levels ``(i - (L-1)/2) * step``.

    Args:
        bits: resolution ``b`` in 1..8.
        step: the level spacing; by default the step minimising the MSE for ``N(0, 1)``.
    """
    check_bits(bits)
    assert bits is not None
    if step is None:
        step = _optimal_step(bits)
    if not step > 0:
        raise ValueError(f"step must be positive, got {step}")
    return _midrise(bits, step)
