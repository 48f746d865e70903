"""Metrics shared by every precoder: power normalisation (eq. 15), Bussgang decomposition
(eq. 5), SNIDR (eq. 8), sum rate (eq. 9), NMSE, radiation patterns (eqs. 11-12), and the one
evaluator."""

from .ber import bit_errors
from .bussgang import (
    GAIN_ESTIMATES,
    bussgang_gain,
    distortion,
    distortion_covariance,
    normalize_average_power,
)
from .evaluate import EvaluationResult, draw_symbols, evaluate, gaussian_symbols
from .modulation import MODULATIONS, Constellation, constellation
from .nmse import nmse, nmse_terms, received_estimates
from .radiation import RadiationPattern, los_radiation_db, radiation_pattern
from .rate import SNIDRTerms, noise_variance, snidr, snidr_terms, sum_rate

__all__ = [
    "GAIN_ESTIMATES",
    "MODULATIONS",
    "Constellation",
    "bit_errors",
    "constellation",
    "draw_symbols",
    "EvaluationResult",
    "RadiationPattern",
    "SNIDRTerms",
    "bussgang_gain",
    "distortion",
    "distortion_covariance",
    "evaluate",
    "gaussian_symbols",
    "los_radiation_db",
    "noise_variance",
    "nmse",
    "nmse_terms",
    "normalize_average_power",
    "radiation_pattern",
    "received_estimates",
    "snidr",
    "snidr_terms",
    "sum_rate",
]
