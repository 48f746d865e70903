"""Classical precoders behind the precoder interfaces (``precoders.base``): linear MRT, ZF,
regularised ZF and WMMSE (``MatrixPrecoder``), hybrid phased ZF (``HybridPrecoder``), a linear
precoder followed by the DACs, and the non-linear SQUID, C2PO and exhaustive search. Build them
by name with ``qprecode.registry.build_precoder``."""

from .base import HybridPrecoder, MatrixPrecoder, Precoder, design_for_snr, is_snr_dependent
from .c2po import C2PO
from .exhaustive import ExhaustiveSearch
from .hybrid import PhasedZF
from .linear import MRT, RZF, ZF, mrt_matrix, normalize_matrix_power, rzf_matrix, zf_matrix
from .local_search import AUTO_GAINS, LocalSearch, coordinate_descent
from .objective import align_sign, alphabet_noise_variance, one_bit, precoding_mse, real_channel
from .quantized import QuantizedLinearPrecoder
from .squid import SQUID, prox_squared_inf_norm
from .wmmse import WMMSE, WMMSE_INITS, WMMSEResult, weighted_sum_rate, wmmse_update

__all__ = [
    "AUTO_GAINS",
    "C2PO",
    "MRT",
    "RZF",
    "SQUID",
    "WMMSE",
    "WMMSE_INITS",
    "ZF",
    "ExhaustiveSearch",
    "HybridPrecoder",
    "LocalSearch",
    "MatrixPrecoder",
    "PhasedZF",
    "Precoder",
    "QuantizedLinearPrecoder",
    "WMMSEResult",
    "align_sign",
    "alphabet_noise_variance",
    "coordinate_descent",
    "design_for_snr",
    "is_snr_dependent",
    "mrt_matrix",
    "normalize_matrix_power",
    "one_bit",
    "precoding_mse",
    "prox_squared_inf_norm",
    "real_channel",
    "rzf_matrix",
    "weighted_sum_rate",
    "wmmse_update",
    "zf_matrix",
]
