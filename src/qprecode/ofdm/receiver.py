"""What the users see after their FFT: the error-vector magnitude (EVM) per subcarrier and the
uncoded bit errors per subcarrier, from a simulated chain (``simulate_chain``).

The receiver of every user on every subcarrier scales its signal by its effective gain ``a_kk[f]``
(the least-squares Bussgang fit over the OFDM symbols, as the narrowband ``metrics.nmse`` and
``metrics.bit_errors`` do per channel) and, for the BER, detects the nearest constellation point.
EVM is measured without receiver noise, as the transmitter EVM of 3GPP TS 38.104 is: it is the
interference and the distortion the precoder and the DACs leave, ``EVM^2 = sum |s_hat - s|^2 /
sum |s|^2`` pooled over channels, users and OFDM symbols.
"""

from __future__ import annotations

import torch

from ..metrics import bit_errors, constellation, nmse_terms
from .simulate import ChainMeasurement

__all__ = ["evm_terms", "subcarrier_bit_errors"]


def evm_terms(
    H: torch.Tensor, s: torch.Tensor, chain: ChainMeasurement
) -> tuple[torch.Tensor, torch.Tensor]:
    """Error energy and symbol energy per channel and subcarrier, to be pooled by the caller
    (``EVM[f] = sqrt(sum_b err[b, f] / sum_b energy[b, f])``).

    Args:
        H: ``[B, S, M, K]`` complex channels.
        s: ``[B, T, S, K]`` complex symbols that were sent.
        chain: the measurement of the same batch.

    Returns:
        ``(err [B, S], energy [B, S])`` real.
    """
    return nmse_terms(H, chain.spectra, s.transpose(1, 2), chain.fit)


def subcarrier_bit_errors(
    H: torch.Tensor,
    indices: torch.Tensor,
    noise: torch.Tensor,
    noise_var: float,
    chain: ChainMeasurement,
    modulation: str,
) -> torch.Tensor:
    """Wrong bits per channel and subcarrier at one noise level.

    Args:
        H: ``[B, S, M, K]`` complex channels.
        indices: ``[B, T, S, K]`` int64 constellation indices that were sent.
        noise: ``[B, T, S, K]`` complex ``CN(0, 1)`` draws, scaled by ``sqrt(noise_var)``.
        noise_var: ``sigma_v^2`` per subcarrier.
        chain: the measurement of the same batch.
        modulation: ``qpsk``, ``16qam`` or ``64qam``.

    Returns:
        ``[B, S]`` int64.
    """
    return bit_errors(
        H, chain.spectra, indices.transpose(1, 2), noise.transpose(1, 2), noise_var, chain.fit,
        constellation(modulation),
    )  # fmt: skip
