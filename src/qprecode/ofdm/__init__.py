"""Wideband massive MU-MIMO-OFDM with low-resolution DACs (Jacobsson et al., "Linear precoding
with low-resolution DACs for massive MU-MIMO-OFDM downlink", IEEE TWC 2019).

``N`` subcarriers of which ``S`` carry data (``grid``), frequency-selective tapped-delay-line
channels (``channel``), any narrowband linear precoder applied per subcarrier, an IFFT and the
project's DACs on the time-domain samples of every antenna (``transmitter``); a Bussgang model of
the per-subcarrier SNDR and of the transmitted spectrum (``bussgang``, with the DAC's Gaussian
statistics in ``gaussian_dac``), a Monte-Carlo simulation of the same chain (``simulate``),
out-of-band emission (``spectrum``), EVM and uncoded bit errors (``receiver``), coded block
errors with a 5G-NR LDPC code (``coded``, Sionna PHY), the non-linear wideband local search over
the time-domain DAC levels (``local_search``), and the runner that puts a precoder through all of
it (``evaluate``).
"""

from .bussgang import DISTORTION_MODELS, WidebandTerms, bussgang_model, sndr
from .channel import DELAY_PROFILES, TappedDelayLineChannel, delay_profile, frequency_response
from .coded import LDPCCode, ldpc_unavailable_reason
from .gaussian_dac import GaussianDAC
from .grid import OFDMGrid
from .local_search import OFDMLocalSearch, local_search_ofdm_flops
from .receiver import evm_terms, subcarrier_bit_errors
from .simulate import ChainMeasurement, measure_output, simulate_chain
from .spectrum import aclr_db, guard_to_inband_db, psd_db
from .transmitter import OFDMTransmitter, antenna_powers, precode_subcarriers, subcarrier_matrices

__all__ = [
    "DELAY_PROFILES",
    "DISTORTION_MODELS",
    "ChainMeasurement",
    "GaussianDAC",
    "LDPCCode",
    "OFDMGrid",
    "OFDMLocalSearch",
    "OFDMTransmitter",
    "TappedDelayLineChannel",
    "WidebandTerms",
    "aclr_db",
    "antenna_powers",
    "bussgang_model",
    "delay_profile",
    "evm_terms",
    "frequency_response",
    "guard_to_inband_db",
    "ldpc_unavailable_reason",
    "local_search_ofdm_flops",
    "measure_output",
    "precode_subcarriers",
    "psd_db",
    "simulate_chain",
    "sndr",
    "subcarrier_bit_errors",
    "subcarrier_matrices",
]
