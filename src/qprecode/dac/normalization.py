"""Per-antenna input normalisation and denormalisation around the DACs (Sect. II-B3 of Feys et
al.): scale each antenna's signal to the DAC's design power, quantize, and scale back."""

from __future__ import annotations

import torch

from .dac import DAC

__all__ = ["antenna_power", "quantize_per_antenna"]

_TINY = 1e-30


def antenna_power(W: torch.Tensor) -> torch.Tensor:
    """``rho_m = ||w_m||_2^2``, the power of antenna ``m``'s precoded signal for unit-power symbols.

    Args:
        W: ``[..., M, K]`` complex precoding matrix.

    Returns:
        ``rho: [..., M]`` real.
    """
    return (W.abs() ** 2).sum(dim=-1)


def quantize_per_antenna(x: torch.Tensor, rho: torch.Tensor, dac: DAC) -> torch.Tensor:
    """``y_m = sqrt(rho_m) Q(x_m / sqrt(rho_m))`` for every antenna ``m``.

    Args:
        x: ``[..., N_s, M]`` complex, unquantized precoded symbols.
        rho: ``[..., M]`` real, per-antenna input powers (``antenna_power(W)`` for a linear
            precoder); the DAC is designed for unit input power.
        dac: the DAC pair applied to every antenna.

    Returns:
        ``y: [..., N_s, M]`` complex; an antenna with ``rho_m = 0`` outputs zero.
    """
    if dac.is_ideal:
        return x
    scale = rho.sqrt().unsqueeze(-2)  # [..., 1, M]
    return dac(x / scale.clamp_min(_TINY)) * scale
