"""Classical precoders obeying the one precoder protocol ``precoder(H, s) -> y``: linear MRT, ZF
and regularised ZF, and their quantized versions (linear precoder followed by the DACs)."""

from .base import Precoder, SNRDependentPrecoder
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
from .quantized import QuantizedLinearPrecoder
from .registry import LINEAR_PRECODERS, build_linear_precoder

__all__ = [
    "LINEAR_PRECODERS",
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
