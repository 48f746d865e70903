"""Second-order statistics of a DAC driven by circularly-symmetric Gaussian inputs: the Bussgang
gain, the output power and the output correlation of two correlated inputs.

For ``x, x' ~ CN(0, 1)`` with ``E[x x'^*] = c`` and the complex DAC ``Q`` of eq. 1 of Feys et al.
(one real quantizer ``q`` per part, designed for unit input power),

``E[Q(x) Q(x')^*] = f(Re c) + j f(Im c)``, with ``f(r) = E[q_1(z) q_1(z')]``

for standard normals ``z, z'`` of correlation ``r`` and ``q_1`` the real quantizer rescaled to a
unit-variance input. Price's theorem gives ``f'(r) = sum_{i,j} D_i D_j phi_2(t_i, t_j; r)``,
``D_i`` the jump of ``q_1`` at its threshold ``t_i`` and ``phi_2`` the bivariate normal density;
with ``r = sin(theta)`` the integrand is bounded and

``f(sin theta) = (1 / 2 pi) int_0^theta sum_{i,j} D_i D_j
exp(-(t_i^2 - 2 t_i t_j sin u + t_j^2) / (2 cos^2 u)) du``,

which is tabulated once per quantizer. For one bit (a single threshold at 0) it is the arcsine law
``f(r) = (2 / pi) l^2 arcsin(r)`` that Jacobsson et al. (IEEE TWC 2019) use for 1-bit
OFDM; for more bits it is the same law for any quantizer (Price 1958), so the wideband model needs
no diagonal approximation at any resolution.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import torch
from scipy.integrate import cumulative_trapezoid
from scipy.stats import norm

from ..dac import DAC

__all__ = ["GaussianDAC"]

_TABLE_POINTS = 4097  # theta grid on [0, pi/2]; linear interpolation error ~ 1e-8


@cache
def _correlation_table(levels: tuple[float, ...], thresholds: tuple[float, ...]) -> np.ndarray:
    """``f(sin theta)`` on ``_TABLE_POINTS`` uniform ``theta`` in ``[0, pi/2]`` (float64)."""
    t = np.asarray(thresholds)
    jumps = np.diff(np.asarray(levels))
    theta = np.linspace(0.0, 0.5 * math.pi, _TABLE_POINTS)
    sin, cos2 = np.sin(theta), np.maximum(np.cos(theta) ** 2, 1e-300)
    integrand = np.zeros_like(theta)
    for i in range(t.size):  # row by row: (L-1) x G floats at a time
        # i == j has the stable form exp(-t^2 / (1 + sin)) (same value, no 0/0 at theta = pi/2)
        exponent = -(t[i] ** 2 - 2.0 * t[i] * t[:, None] * sin + t[:, None] ** 2) / (2.0 * cos2)
        exponent[i] = -(t[i] ** 2) / (1.0 + sin)
        integrand += jumps[i] * (jumps[:, None] * np.exp(exponent)).sum(axis=0)
    integrand /= 2.0 * math.pi
    return np.asarray(cumulative_trapezoid(integrand, theta, initial=0.0))


class GaussianDAC:
    """Statistics of a DAC for ``CN(0, 1)`` inputs.

    Args:
        dac: the DAC, designed for unit input power (``DAC(bits, kind)``; the per-antenna
            normalisation of ``dac.quantize_per_antenna`` feeds it unit-power signals).

    Attributes:
        gain: Bussgang gain ``alpha = E[Q(x) x^*] / E[|x|^2]`` (1 for an ideal DAC).
        output_power: ``E[|Q(x)|^2]`` (1 for an ideal DAC).

    ``correlation(c: [...] complex) -> [...] complex``, ``E[Q(x) Q(x')^*]`` for
    ``E[x x'^*] = c`` (entries with ``|Re c|, |Im c| <= 1``).
    """

    def __init__(self, dac: DAC) -> None:
        if dac.input_power != 1.0:
            raise ValueError(f"GaussianDAC needs a DAC designed for unit input power, got {dac}")
        self.dac = dac
        if dac.quantizer is None:
            self.gain, self.output_power = 1.0, 1.0
            self._table: np.ndarray | None = None
            return
        unit = dac.quantizer.scaled(math.sqrt(2.0))  # the real part has variance 1/2
        edges = np.concatenate([[-np.inf], unit.thresholds, [np.inf]])
        self.gain = unit.bussgang_gain(1.0)
        self.output_power = float(np.sum(unit.levels**2 * np.diff(norm.cdf(edges))))
        self._table = _correlation_table(tuple(unit.levels), tuple(unit.thresholds))

    @property
    def distortion_power(self) -> float:
        """``E[|Q(x) - alpha x|^2] = E[|Q(x)|^2] - alpha^2``, the distortion of a unit input."""
        return self.output_power - self.gain**2

    def real_correlation(self, r: torch.Tensor) -> torch.Tensor:
        """``f(r)`` for real correlations ``r: [...]`` in ``[-1, 1]`` (clamped), same dtype."""
        if self._table is None:
            return r.clone()
        table = torch.as_tensor(self._table, dtype=r.dtype, device=r.device)
        step = 0.5 * math.pi / (table.numel() - 1)
        theta = torch.asin(r.abs().clamp(max=1.0))
        pos = theta / step
        low = pos.floor().long().clamp(max=table.numel() - 2)
        frac = pos - low
        value = table[low] + frac * (table[low + 1] - table[low])
        return torch.sign(r) * value  # f is odd

    def correlation(self, c: torch.Tensor) -> torch.Tensor:
        """``E[Q(x) Q(x')^*] = f(Re c) + j f(Im c)``; ``c: [...]`` complex -> ``[...]`` complex."""
        if not c.is_complex():
            raise ValueError(f"correlation takes complex correlations, got {c.dtype}")
        return torch.complex(self.real_correlation(c.real), self.real_correlation(c.imag))

    def __repr__(self) -> str:
        return f"GaussianDAC({self.dac!r}, gain={self.gain:.4f}, power={self.output_power:.4f})"
