"""Real scalar quantizers defined by their output levels and decision thresholds.

A quantizer with ``L`` levels ``l_0 < ... < l_{L-1}`` and interior thresholds
``t_1 < ... < t_{L-1}`` maps ``x`` in the cell ``(t_i, t_{i+1}]`` to ``l_i``, with
``t_0 = -inf`` and ``t_L = +inf`` (Sect. II-B1 of Feys et al.).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from scipy.stats import norm

__all__ = ["ScalarQuantizer"]


class ScalarQuantizer:
    """A real quantizer ``Q: R -> {l_0, ..., l_{L-1}}``.

    Args:
        levels: ``[L]`` strictly increasing output levels.
        thresholds: ``[L - 1]`` strictly increasing interior thresholds ``t_1, ..., t_{L-1}``.

    Call with ``x: [...] real`` to get ``Q(x): [...]`` on the same dtype and device.
    """

    def __init__(
        self, levels: Sequence[float] | np.ndarray, thresholds: Sequence[float] | np.ndarray
    ) -> None:
        lv = np.asarray(levels, dtype=np.float64)
        th = np.asarray(thresholds, dtype=np.float64)
        if lv.ndim != 1 or lv.size < 2:
            raise ValueError(f"a quantizer needs at least 2 levels, got {lv.size}")
        if th.shape != (lv.size - 1,):
            raise ValueError(f"{lv.size} levels need {lv.size - 1} thresholds, got {th.size}")
        if not (np.all(np.isfinite(lv)) and np.all(np.isfinite(th))):
            raise ValueError("levels and thresholds must be finite")
        if np.any(np.diff(lv) <= 0) or np.any(np.diff(th) <= 0):
            raise ValueError("levels and thresholds must be strictly increasing")
        self.levels = lv
        self.thresholds = th
        self._symmetric_one_bit = lv.size == 2 and lv[0] == -lv[1] and th[0] == 0

    @property
    def one_bit_level(self) -> float | None:
        """``h`` where this is the symmetric 1-bit quantizer (levels ``-h, h``, threshold 0: the
        sign alone decides), else ``None``."""
        return float(self.levels[1]) if self._symmetric_one_bit else None

    @property
    def num_levels(self) -> int:
        """``L``, the number of output levels."""
        return int(self.levels.size)

    @property
    def bits(self) -> float:
        """``log2(L)``."""
        return math.log2(self.num_levels)

    def scaled(self, factor: float) -> ScalarQuantizer:
        """The same quantizer for an input scaled by ``factor > 0``: levels and thresholds scale."""
        if not factor > 0:
            raise ValueError(f"scale factor must be positive, got {factor}")
        return ScalarQuantizer(self.levels * factor, self.thresholds * factor)

    def indices(self, x: torch.Tensor) -> torch.Tensor:
        """Cell index of every entry of ``x: [...]``: ``[...]`` int64 in ``0..L-1``."""
        th = torch.as_tensor(self.thresholds, dtype=x.dtype, device=x.device)
        # right=False puts x == t_i into the lower cell, i.e. cells are (t_i, t_{i+1}].
        return torch.bucketize(x.contiguous(), th, right=False)

    def level_tensor(
        self, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> torch.Tensor:
        """The output levels as a ``[L]`` tensor."""
        return torch.as_tensor(self.levels, dtype=dtype, device=device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if x.is_complex():
            raise ValueError("ScalarQuantizer takes a real tensor; use DAC for complex signals")
        high = self.one_bit_level
        if high is not None:  # -h or h: a seventh of bucketize's time, same outputs
            # (x > 0) 2h - h is h or -h exactly; x = 0 gives -h
            return (x > 0).to(x.dtype).mul_(2 * high).sub_(high)
        return self.level_tensor(x.dtype, x.device)[self.indices(x)]

    # Statistics for a zero-mean Gaussian input of standard deviation ``sigma``.
    def _cell_stats(self, sigma: float) -> tuple[np.ndarray, np.ndarray]:
        edges = np.concatenate([[-np.inf], self.thresholds / sigma, [np.inf]])
        prob = np.diff(norm.cdf(edges))  # P(x in cell i)
        partial_mean = -np.diff(norm.pdf(edges)) * sigma  # E[x 1{x in cell i}]
        return prob, partial_mean

    def gaussian_mse(self, sigma: float = 1.0) -> float:
        """``E[(x - Q(x))^2]`` for ``x ~ N(0, sigma^2)``, in closed form."""
        prob, partial_mean = self._cell_stats(sigma)
        return float(
            sigma**2 - 2.0 * np.sum(self.levels * partial_mean) + np.sum(self.levels**2 * prob)
        )

    def bussgang_gain(self, sigma: float = 1.0) -> float:
        """Bussgang gain ``alpha = E[x Q(x)] / E[x^2]`` (eq. 2) for ``x ~ N(0, sigma^2)``."""
        _, partial_mean = self._cell_stats(sigma)
        return float(np.sum(self.levels * partial_mean) / sigma**2)

    def __repr__(self) -> str:
        levels = ", ".join(f"{v:.4f}" for v in self.levels[:4])
        more = ", ..." if self.num_levels > 4 else ""
        return f"ScalarQuantizer(L={self.num_levels}, levels=[{levels}{more}])"
