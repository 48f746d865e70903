"""The wideband transmit chain with low-resolution DACs: linear precoding per subcarrier, an IFFT
per antenna, the DACs on the time-domain samples (Fig. 1 of Jacobsson et al., IEEE TWC 2019).

Every antenna's samples are scaled to the DAC's design power before quantization and scaled back
after it, as in the narrowband path (``dac.quantize_per_antenna``, Sect. II-B3 of Feys et al.),
with ``rho_m``, the antenna's average time-domain power. The output is then scaled by
``1 / sqrt(E|Q(x)|^2)``, the DAC's output power for its Gaussian design input, so that the chain
transmits on average the power of the unquantized signal, ``S P_T / N`` per time sample
(``P_T`` per used subcarrier, in and out of band together). A fixed scale, rather than one
measured on each OFDM symbol, is what a power amplifier with a fixed gain does, and it leaves the
ideal chain exactly the per-subcarrier narrowband precoder.
"""

from __future__ import annotations

import math

import torch

from .._validation import check_channel
from ..dac import DAC, quantize_per_antenna
from ..precoders import MatrixPrecoder
from .gaussian_dac import GaussianDAC
from .grid import OFDMGrid

__all__ = ["OFDMTransmitter", "antenna_powers", "precode_subcarriers", "subcarrier_matrices"]


def subcarrier_matrices(precoder: MatrixPrecoder, H: torch.Tensor) -> torch.Tensor:
    """The narrowband precoder's matrix on every subcarrier, ``W[f] = matrix(H[f])``.

    ``H: [..., S, M, K]`` complex -> ``W: [..., S, M, K]`` complex, each ``||W[f]||_F^2 = P_T``
    under the precoder's normalisation."""
    check_channel(H)
    if H.dim() < 3:
        raise ValueError(f"H must have shape [..., S, M, K], got {tuple(H.shape)}")
    return precoder.matrix(H)


def precode_subcarriers(W: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """``X[t, f] = W[f] s[t, f]`` for every OFDM symbol ``t`` and subcarrier ``f``.

    ``W: [B, S, M, K]``, ``s: [B, T, S, K]`` -> ``X: [B, T, S, M]`` complex."""
    if s.dim() != 4 or W.dim() != 4 or s.shape[2:] != (W.shape[1], W.shape[3]):
        raise ValueError(
            f"expected W [B, S, M, K] and s [B, T, S, K], got {tuple(W.shape)} and {tuple(s.shape)}"
        )
    return torch.einsum("bsmk,btsk->btsm", W, s)


def antenna_powers(W: torch.Tensor, grid: OFDMGrid) -> torch.Tensor:
    """``rho_m = (1/N) sum_f ||w_m[f]||^2``, antenna ``m``'s average time-domain power for
    unit-power symbols (unitary IFFT). ``W: [..., S, M, K]`` -> ``[..., M]`` real."""
    return (W.abs() ** 2).sum(dim=(-3, -1)) / grid.fft_size


class OFDMTransmitter:
    """Precode, IFFT, quantize per antenna and scale (the module docstring).

    Args:
        grid: the OFDM grid.
        dac: the DACs of every antenna, designed for unit input power.

    Call: ``W: [B, S, M, K]``, ``s: [B, T, S, K]`` -> ``y: [B, T, N, M]`` complex, the
    time-domain DAC outputs of ``T`` OFDM symbols (without cyclic prefix, which repeats samples
    the DACs have already quantized). ``grid.demodulate(y)`` gives their spectrum.
    """

    def __init__(self, grid: OFDMGrid, dac: DAC) -> None:
        self.grid = grid
        self.dac = dac
        self.statistics = GaussianDAC(dac)

    @property
    def output_scale(self) -> float:
        """``1 / sqrt(E|Q(x)|^2)`` for ``x ~ CN(0, 1)``."""
        return 1.0 / math.sqrt(self.statistics.output_power)

    @property
    def gain(self) -> float:
        """The chain's time-domain Bussgang gain, ``alpha / sqrt(E|Q(x)|^2)``."""
        return self.statistics.gain * self.output_scale

    def __call__(self, W: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        x = self.grid.modulate(precode_subcarriers(W, s))  # [B, T, N, M]
        rho = antenna_powers(W, self.grid).unsqueeze(1)  # [B, 1, M]
        return quantize_per_antenna(x, rho, self.dac) * self.output_scale

    def __repr__(self) -> str:
        return f"OFDMTransmitter({self.grid!r}, {self.dac!r})"
