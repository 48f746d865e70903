"""SNR and noise: the one place where an SNR in dB becomes a noise variance.

The SNR is ``P_T / sigma_v^2`` in dB throughout qprecode (Sect. II of Feys et al.), with ``P_T``
the total transmit power (``M`` by default).
"""

from __future__ import annotations

__all__ = ["MAX_SNR_DB", "noise_variance"]

# No system works beyond it, and past it the noise leaves the range where float32 rates stay
# finite (10^(SNR/10) overflows a float from about 3,083 dB and underflows to 0 below -3,237 dB).
MAX_SNR_DB = 300.0


def noise_variance(snr_db: float, total_power: float = 1.0) -> float:
    """``sigma_v^2 = P_T / 10^(SNR/10)`` for ``SNR = P_T / sigma_v^2`` in dB.

    With ``total_power = 1`` this is ``N_0 = 1 / SNR``, the noise of a unit-power transmit vector.
    Raises ``ValueError`` for an SNR outside ``+-MAX_SNR_DB`` (or NaN).
    """
    if not -MAX_SNR_DB <= snr_db <= MAX_SNR_DB:
        raise ValueError(f"SNR must be within +-{MAX_SNR_DB:g} dB, got {snr_db:g} dB")
    return total_power / 10.0 ** (snr_db / 10.0)
