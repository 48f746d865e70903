"""Metrics as pure functions of tensors: power normalisation (eq. 15 of Feys et al.), Bussgang
decomposition (eq. 5), SNIDR (eq. 8), SINR of a precoding matrix, per-user rate, sum rate
(eq. 9), log-SE, NMSE, uncoded BER, energy efficiency and radiation patterns (eqs. 11-12).
The evaluation runner that applies them to a precoder lives in ``qprecode.evaluation``."""

from .ber import bit_errors
from .bussgang import (
    GAIN_ESTIMATES,
    bussgang_gain,
    distortion,
    distortion_covariance,
    gain_fit,
    normalize_average_power,
)
from .energy import energy_efficiency
from .modulation import MODULATIONS, Constellation, constellation
from .nmse import nmse, nmse_terms, received_estimates
from .radiation import RadiationPattern, radiation_pattern
from .rate import log_se, sum_rate, user_rates
from .sinr import sinr_from_cross, sinr_from_matrix
from .snidr import SNIDRTerms, snidr, snidr_terms
from .snr import noise_variance

__all__ = [
    "GAIN_ESTIMATES",
    "MODULATIONS",
    "Constellation",
    "RadiationPattern",
    "SNIDRTerms",
    "bit_errors",
    "bussgang_gain",
    "constellation",
    "distortion",
    "distortion_covariance",
    "energy_efficiency",
    "gain_fit",
    "log_se",
    "nmse",
    "nmse_terms",
    "noise_variance",
    "normalize_average_power",
    "radiation_pattern",
    "received_estimates",
    "sinr_from_cross",
    "sinr_from_matrix",
    "snidr",
    "snidr_terms",
    "sum_rate",
    "user_rates",
]
