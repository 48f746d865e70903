"""Classical precoders obeying the one precoder protocol ``precoder(H, s) -> y``: linear MRT, ZF
and regularised ZF, and their quantized versions (linear precoder followed by the DACs)."""

from .base import Precoder, SNRDependentPrecoder, design_for_snr, is_snr_dependent
from .c2po import C2PO
from .exhaustive import ExhaustiveSearch
from .linear import (
    MRT,
    RZF,
    ZF,
    LinearPrecoder,
    mrt_matrix,
    normalize_matrix_power,
    rzf_matrix,
    zf_matrix,
)
from .objective import align_sign, alphabet_noise_variance, one_bit, precoding_mse, real_channel
from .quantized import QuantizedLinearPrecoder
from .registry import (
    CLASSICAL_PRECODERS,
    LINEAR_PRECODERS,
    baseline_name,
    build_classical_precoder,
    build_linear_precoder,
)
from .squid import SQUID, prox_squared_inf_norm

__all__ = [
    "C2PO",
    "CLASSICAL_PRECODERS",
    "ExhaustiveSearch",
    "LINEAR_PRECODERS",
    "SQUID",
    "align_sign",
    "alphabet_noise_variance",
    "one_bit",
    "baseline_name",
    "build_classical_precoder",
    "design_for_snr",
    "is_snr_dependent",
    "precoding_mse",
    "prox_squared_inf_norm",
    "real_channel",
    "MRT",
    "RZF",
    "ZF",
    "LinearPrecoder",
    "Precoder",
    "QuantizedLinearPrecoder",
    "SNRDependentPrecoder",
    "build_linear_precoder",
    "mrt_matrix",
    "normalize_matrix_power",
    "rzf_matrix",
    "zf_matrix",
]
