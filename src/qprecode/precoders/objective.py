"""The MSE objective of quantized precoding with the optimal precoding factor (Jacobsson et al.,
"Quantized precoding for massive MU-MIMO", IEEE TCOM 2017, Sect. V), shared by the exhaustive
search and the iterative non-linear precoders.

With ``A = H^T`` (``K x M``), a transmit vector ``x`` and a receiver that scales by a real
``beta``, the MSE is ``||s - beta A x||^2 + beta^2 K sigma^2``. The best ``beta`` is
``Re(s^H A x) / (||A x||^2 + K sigma^2)``, which leaves

    J(x) = ||s||^2 - Re(s^H A x)^2 / (||A x||^2 + K sigma^2).

``x`` is taken on the DAC alphabet, whose vectors do not have unit power per antenna (a 1-bit
Lloyd-Max DAC outputs ``2/pi`` per antenna), so the noise of an SNR is scaled to the alphabet's
mean vector power: ``sigma^2 = E||x||^2 / SNR`` (``alphabet_noise_variance``).
"""

from __future__ import annotations

import torch

from ..dac import DAC
from ..metrics import noise_variance

__all__ = ["alphabet_noise_variance", "align_sign", "one_bit", "precoding_mse", "real_channel"]


def precoding_mse(
    H: torch.Tensor, s: torch.Tensor, y: torch.Tensor, noise_var: float
) -> torch.Tensor:
    """``J(y)`` for every symbol vector.

    Args:
        H: ``[..., M, K]`` complex.
        s: ``[..., N_s, K]`` complex.
        y: ``[..., N_s, M]`` complex transmit vectors.
        noise_var: ``sigma^2``.

    Returns:
        ``[..., N_s]`` real.
    """
    r = y @ H  # [..., N_s, K], r[n] = A y_n
    corr = (s.conj() * r).sum(-1).real  # Re(s^H A y)
    energy = (r.abs() ** 2).sum(-1)
    K = H.shape[-1]
    return (s.abs() ** 2).sum(-1) - corr**2 / (energy + K * noise_var)


def alphabet_noise_variance(levels: torch.Tensor, antennas: int, snr_db: float) -> float:
    """``sigma^2 = E||x||^2 / SNR`` for transmit vectors drawn uniformly from the alphabet: each
    antenna carries ``2 mean(l^2)`` (real and imaginary part)."""
    return noise_variance(snr_db, 2 * float((levels.double() ** 2).mean()) * antennas)


def one_bit(x: torch.Tensor, dac: DAC) -> torch.Tensor:
    """The 1-bit DAC output of the signs of ``x``'s real and imaginary parts."""
    q = dac.quantizer
    if q is not None and q.one_bit_level is not None:
        return dac(x)  # a threshold at 0 sees the sign alone: the same output without a sign pass
    return dac(torch.complex(torch.sign(x.real), torch.sign(x.imag)))


def align_sign(H: torch.Tensor, s: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Flip the symbol vectors whose precoding factor would be negative, ``Re(s^H A y) < 0``, so
    that all vectors of a channel share a positive gain (the DAC alphabets are symmetric)."""
    corr = (s.conj() * (y @ H)).sum(-1).real  # [..., N_s]
    return torch.where((corr < 0).unsqueeze(-1), -y, y)


def real_channel(H: torch.Tensor) -> torch.Tensor:
    """Real-valued decomposition of ``A = H^T``: ``[[Re A, -Im A], [Im A, Re A]]``.

    ``H: [..., M, K]`` -> ``[..., 2K, 2M]`` real, acting on ``[Re x; Im x]``.
    """
    A = H.mT
    top = torch.cat([A.real, -A.imag], dim=-1)
    bottom = torch.cat([A.imag, A.real], dim=-1)
    return torch.cat([top, bottom], dim=-2)
