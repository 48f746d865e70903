"""SNR and noise: the one place where an SNR in dB becomes a noise variance.

The SNR is ``P_T / sigma_v^2`` in dB throughout qprecode (Sect. II of Feys et al.), with ``P_T``
the total transmit power (``M`` by default).
"""

from __future__ import annotations

__all__ = ["noise_variance"]


def noise_variance(snr_db: float, total_power: float = 1.0) -> float:
    """``sigma_v^2 = P_T / 10^(SNR/10)`` for ``SNR = P_T / sigma_v^2`` in dB.

    With ``total_power = 1`` this is ``N_0 = 1 / SNR``, the noise of a unit-power transmit vector.
    """
    return total_power / 10.0 ** (snr_db / 10.0)
