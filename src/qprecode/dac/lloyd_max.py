"""Lloyd-Max design of the minimum-MSE quantizer for a Gaussian input (Max, 1960; Sect. II-B2 of
Feys et al.): alternate thresholds at the midpoints of the levels and levels at the centroids
(conditional means) of their cells, from several initialisations, and keep the best."""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.special import ndtr
from scipy.stats import norm

from .._validation import check_bits
from .quantizer import ScalarQuantizer

__all__ = ["lloyd_max_gaussian"]

# Initial level spreads, as multiples of the standard deviation: the largest level starts at
# this value; a spread that is too narrow or too wide converges to a worse local optimum for
# some bit-widths, so several are tried.
_INITIAL_SPREADS = (1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)


def _centroids(thresholds: np.ndarray) -> np.ndarray:
    """Conditional means of ``N(0, 1)`` over the cells bounded by ``thresholds: [S, L-1]``,
    for ``S`` quantizers at once: ``[S, L]``."""
    inf = np.full((thresholds.shape[0], 1), np.inf)
    edges = np.concatenate([-inf, thresholds, inf], axis=1)
    prob = np.diff(ndtr(edges), axis=1)
    mass = -np.diff(np.exp(-0.5 * edges**2), axis=1) / np.sqrt(2.0 * np.pi)
    return mass / np.maximum(prob, 1e-300)


def _lloyd(levels: np.ndarray, max_iter: int, tol: float) -> np.ndarray:
    """Run the Lloyd iteration on ``S`` starting points ``[S, L]`` together until all move less
    than ``tol``."""
    for _ in range(max_iter):
        new = _centroids(0.5 * (levels[:, 1:] + levels[:, :-1]))
        done = np.max(np.abs(new - levels)) < tol
        levels = new
        if done:
            break
    return levels


@cache
def lloyd_max_gaussian(
    bits: int, max_iter: int = 20_000, tol: float = 1e-12, seed: int = 0
) -> ScalarQuantizer:
    """MMSE quantizer with ``2**bits`` levels for a unit-variance Gaussian input ``N(0, 1)``.

    The Lloyd-Max iteration is a hill climb that can stop at local optima, so it is run from a
    set of uniform initialisations of different spreads and from random symmetric ones, and the
    result with the lowest mean squared error is kept. Results are cached per bit-width.

    Returns:
        A ``ScalarQuantizer`` with ``L = 2**bits`` levels; scale it with ``.scaled(sigma)`` for an
        input of standard deviation ``sigma``.
    """
    check_bits(bits)
    assert bits is not None
    L = 2**bits
    rng = np.random.default_rng(seed)
    starts = [np.linspace(-a, a, L) for a in _INITIAL_SPREADS]
    # The high-resolution optimum (Panter-Dite): level density proportional to f(x)^(1/3), i.e.
    # the quantiles of N(0, 3). Close to the optimum for many bits, where Lloyd converges slowly.
    starts.append(np.sqrt(3.0) * norm.ppf((np.arange(L) + 0.5) / L))
    for _ in range(3):
        half = np.sort(rng.uniform(0.05, 4.0, L // 2))
        starts.append(np.concatenate([-half[::-1], half]))
    best: ScalarQuantizer | None = None
    best_mse = np.inf
    for levels in _lloyd(np.stack(starts), max_iter, tol):
        levels = 0.5 * (levels - levels[::-1])  # enforce the symmetry of the optimum exactly
        candidate = ScalarQuantizer(levels, 0.5 * (levels[1:] + levels[:-1]))
        mse = candidate.gaussian_mse()
        if mse < best_mse:
            best, best_mse = candidate, mse
    assert best is not None
    return best
