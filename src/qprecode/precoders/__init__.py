"""Classical precoders behind the precoder interfaces (``precoders.base``): linear MRT, ZF,
regularised ZF, WMMSE and proportional-fair WMMSE (``MatrixPrecoder``), hybrid phased ZF, MO-AltMin
and OMP (``HybridPrecoder``), a linear precoder followed by the DACs, and the non-linear SQUID,
C2PO, local search and exhaustive search. Build them by name with
``qprecode.registry.build_precoder``."""

from .base import HybridPrecoder, MatrixPrecoder, Precoder, design_for_snr, is_snr_dependent
from .c2po import C2PO
from .exhaustive import ExhaustiveSearch
from .hybrid import PhasedZF, normalize_hybrid_power
from .linear import (
    MRT,
    POWER_NORMALIZATIONS,
    RZF,
    ZF,
    equal_user_power,
    mrt_matrix,
    normalize_matrix_power,
    normalize_power,
    rzf_matrix,
    zf_matrix,
)
from .local_search import (
    AUTO_GAINS,
    LocalSearch,
    LocalSearchFlops,
    common_gain,
    coordinate_descent,
    local_search_flops,
)
from .mo_altmin import MOAltMin, manifold_descent
from .objective import align_sign, alphabet_noise_variance, one_bit, precoding_mse, real_channel
from .omp import OMP, beam_dictionary
from .quantized import QuantizedLinearPrecoder
from .squid import SQUID, prox_squared_inf_norm
from .structure import structure_flops, structured_matrix
from .wmmse import (
    WMMSE,
    WMMSE_INITS,
    WMMSE_STARTS,
    WMMSEResult,
    power_multiplier,
    weighted_sum_rate,
    wmmse_update,
)
from .wmmse_pf import WMMSEPF

__all__ = [
    "AUTO_GAINS",
    "C2PO",
    "MRT",
    "OMP",
    "MOAltMin",
    "RZF",
    "SQUID",
    "WMMSE",
    "WMMSE_INITS",
    "WMMSE_STARTS",
    "POWER_NORMALIZATIONS",
    "WMMSEPF",
    "ZF",
    "ExhaustiveSearch",
    "HybridPrecoder",
    "LocalSearch",
    "LocalSearchFlops",
    "MatrixPrecoder",
    "PhasedZF",
    "Precoder",
    "QuantizedLinearPrecoder",
    "WMMSEResult",
    "align_sign",
    "beam_dictionary",
    "manifold_descent",
    "normalize_hybrid_power",
    "alphabet_noise_variance",
    "common_gain",
    "coordinate_descent",
    "design_for_snr",
    "is_snr_dependent",
    "local_search_flops",
    "equal_user_power",
    "mrt_matrix",
    "normalize_matrix_power",
    "normalize_power",
    "one_bit",
    "power_multiplier",
    "precoding_mse",
    "prox_squared_inf_norm",
    "real_channel",
    "rzf_matrix",
    "structure_flops",
    "structured_matrix",
    "weighted_sum_rate",
    "wmmse_update",
    "zf_matrix",
]
