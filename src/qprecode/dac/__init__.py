"""DACs: real scalar quantizers (Lloyd-Max, uniform), the complex DAC of eq. 1 of Feys et al.,
and the per-antenna input normalisation of Sect. II-B3."""

from .dac import DAC, DAC_KINDS, parse_bits
from .lloyd_max import lloyd_max_gaussian
from .normalization import antenna_power, quantize_per_antenna
from .quantizer import ScalarQuantizer
from .uniform import uniform_quantizer

__all__ = [
    "DAC",
    "DAC_KINDS",
    "ScalarQuantizer",
    "antenna_power",
    "lloyd_max_gaussian",
    "parse_bits",
    "quantize_per_antenna",
    "uniform_quantizer",
]
