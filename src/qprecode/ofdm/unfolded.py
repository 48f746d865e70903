"""A first learned wideband precoder for 1-bit DACs: projected gradient descent on the in-band
objective of ``ofdm.local_search``, unfolded into ``L`` layers whose step sizes and soft-quantizer
temperatures are learned (deep unfolding, as in Balatsoukas-Stimming, Castaneda, Jacobsson,
Durisi and Studer, "Neural-network optimized 1-bit precoding for massive MU-MIMO", SPAWC 2019,
here on the OFDM time samples).

State: every antenna's time samples normalised to unit power, ``u: [B, T, N, M]``, starting from
the unquantized ZF chain (``x / sqrt(rho_m)``). Output of the state: ``y = sqrt(rho_m) q(u)``,
``q(u) = (tanh(Re u / tau) + j tanh(Im u / tau)) / sqrt(2)``, the 1-bit DAC's output (``tau ->
0``: ``(sign Re u + j sign Im u) / sqrt(2)``, the chain's 1-bit levels). Layer ``i``: the users'
in-band signals ``r = H^T FFT(y)``, the best receiver gain ``beta`` (``local_search``), the residual
``e = s / beta - r``, its gradient on the time samples ``IFFT(conj(H) e)`` (the adjoint of the
in-band map; the guard band is free) and the step ``u <- u + mu_i grad / (sqrt(rho_m) ||g_m||^2)``,
the coordinate step of the local search taken by all coordinates at once, damped by ``mu_i``.
The learned parameters are ``mu_i`` and ``tau_i`` (``2 L`` numbers). The precoder's output is the
hard quantization of the last state.

Training (``in_band_objective``): the objective ``J / ||s||^2`` of the soft output of the last
state (through the last layer's quantizer), averaged over channels: an unsupervised loss, the
objective the local search descends.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..precoders.linear import zf_matrix
from .grid import OFDMGrid
from .transmitter import antenna_powers, precode_subcarriers

__all__ = ["UnfoldedOFDM", "in_band_objective"]


def in_band_objective(
    H: torch.Tensor, y: torch.Tensor, s: torch.Tensor, grid: OFDMGrid, nu: float = 0.0
) -> torch.Tensor:
    """``J / ||s||^2`` per channel for DAC outputs ``y: [B, T, N, M]`` (``local_search``'s
    objective with the best receiver gain): ``H: [B, S, M, K]``, ``s: [B, T, S, K]`` -> ``[B]``."""
    r = torch.einsum("bsmk,btsm->btsk", H, grid.take_used(grid.demodulate(y)))
    num = (r.conj() * s).sum(dim=(1, 2, 3))
    den = (r.abs() ** 2).sum(dim=(1, 2, 3)) + nu
    ss = (s.abs() ** 2).sum(dim=(1, 2, 3))
    return 1.0 - num.abs() ** 2 / (den * ss)


class UnfoldedOFDM(nn.Module):
    """``L`` unfolded projected-gradient layers for 1-bit DACs (module docstring).

    Args:
        layers: ``L``.
        step: initial ``mu_i``.
        temperature: initial ``tau_i`` (learned as ``log tau_i``).
        straight_through: every layer's quantizer hard in the forward pass, with the soft
            quantizer's gradient (straight-through estimator); else soft.

    Call: ``H: [B, S, M, K]``, ``s: [B, T, S, K]``, ``grid`` -> ``y: [B, T, N, M]`` complex,
    hard 1-bit outputs with the ZF chain's per-antenna powers (``soft=True``: the soft output of
    the last layer, for training).
    """

    name = "unfolded-ofdm"
    total_power: float | None = None

    def __init__(
        self,
        layers: int = 8,
        step: float = 0.3,
        temperature: float = 0.5,
        straight_through: bool = False,
    ) -> None:
        super().__init__()
        self.straight_through = straight_through
        if layers < 1:
            raise ValueError(f"layers must be positive, got {layers}")
        self.layers = layers
        self.step = nn.Parameter(torch.full((layers,), float(step)))
        self.log_temperature = nn.Parameter(torch.full((layers,), math.log(temperature)))

    def forward(
        self, H: torch.Tensor, s: torch.Tensor, grid: OFDMGrid, soft: bool = False
    ) -> torch.Tensor:
        M = H.shape[-2]
        W = zf_matrix(H, float(M))  # [B, S, M, K]
        rho = antenna_powers(W, grid).clamp_min(torch.finfo(H.real.dtype).tiny)  # [B, M]
        amp = rho.sqrt()[:, None, None, :]  # [B, 1, 1, M]
        u = grid.modulate(precode_subcarriers(W, s)) / amp  # [B, T, N, M]
        energy = (H.abs() ** 2).sum(dim=(1, 3)) / grid.fft_size  # [B, M]
        scale = 1.0 / (amp * energy[:, None, None, :].clamp_min(1e-12))
        for i in range(self.layers):
            y = self._quantize(u, amp, i)
            r = torch.einsum("bsmk,btsm->btsk", H, grid.take_used(grid.demodulate(y)))
            num = (r.conj() * s).sum(dim=(1, 2, 3))
            beta = num / (r.abs() ** 2).sum(dim=(1, 2, 3)).clamp_min(1e-12)  # [B]
            alpha = 1.0 / beta
            e = alpha[:, None, None, None] * s - r  # [B, T, S, K]
            grad = grid.modulate(torch.einsum("bsmk,btsk->btsm", H.conj(), e))  # [B, T, N, M]
            u = u + self.step[i] * grad * scale
        if soft:  # the last state through the last layer's quantizer
            return self._quantize(u, amp, self.layers - 1)
        hard = torch.complex(torch.sign(u.real), torch.sign(u.imag))
        return amp * hard / math.sqrt(2.0)

    def _quantize(self, u: torch.Tensor, amp: torch.Tensor, i: int) -> torch.Tensor:
        """``sqrt(rho_m) q(u)`` with layer ``i``'s temperature (module docstring)."""
        tau = self.log_temperature[i].exp()
        q = torch.complex(torch.tanh(u.real / tau), torch.tanh(u.imag / tau))
        if self.straight_through:  # hard levels forward, the soft quantizer's gradient back
            hard = torch.complex(torch.sign(u.real), torch.sign(u.imag))
            q = q + (hard - q).detach()
        return amp * q / math.sqrt(2.0)

    def extra_repr(self) -> str:
        return f"layers={self.layers}"
