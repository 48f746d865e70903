"""Monte-Carlo simulation of the wideband chain: transmit ``T`` OFDM symbols through the DACs, take
the FFT at the users and measure, per subcarrier, what the Bussgang model predicts.

On every used subcarrier ``f`` the users' noiseless received signals ``r[t, f] = H[f]^T Y[t, f]``
are fitted on the symbols by least squares over the ``T`` OFDM symbols (``metrics.snidr_terms``,
the estimate the narrowband evaluator reports): the fit is the effective gain ``A[f] = H[f]^T G``,
the residual the distortion. A least-squares fit of ``K`` coefficients absorbs ``K`` of the ``T``
degrees of freedom of the residual, so its mean power is ``(T - K) / T`` of the distortion; the
residual power is divided by ``T - K`` rather than ``T`` (the unbiased estimate). The fitted
gains carry the estimation error of that fit, of variance ``D_k [(S^H S)^{-1}]_{jj}`` for user
``k``'s distortion ``D_k`` and symbol ``j``, which would add ``(K - 1) D_k / T`` to the
interference of zero forcing; it is subtracted from every ``|a_kj|^2`` (the unbiased estimate of a
squared regression coefficient). With both corrections the simulation can be held against the
model to a few hundredths of a dB with tens of OFDM symbols.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..metrics import SNIDRTerms, snidr_terms
from .bussgang import WidebandTerms
from .grid import OFDMGrid
from .transmitter import OFDMTransmitter

__all__ = ["ChainMeasurement", "measure_output", "simulate_chain"]


@dataclass(frozen=True)
class ChainMeasurement:
    """What the simulation measured on one batch of channels.

    Attributes:
        terms: ``WidebandTerms`` measured (signal, interference and unbiased distortion
            ``[B, S, K]``; spectrum ``[B, N]``, the mean over the OFDM symbols of the transmitted
            power per bin summed over antennas).
        fit: the per-subcarrier least-squares fit (``metrics.SNIDRTerms`` with ``[B, S, K]``
            fields), whose ``gain`` diagonal is each user's effective gain (the receiver's
            scaling for EVM and BER).
        spectra: ``Y: [B, S, T, M]`` complex, the transmitted spectra on the used subcarriers
            (subcarrier axis first, as the narrowband metrics take ``[..., N_s, M]``).
    """

    terms: WidebandTerms
    fit: SNIDRTerms
    spectra: torch.Tensor


def simulate_chain(
    H: torch.Tensor, W: torch.Tensor, s: torch.Tensor, transmitter: OFDMTransmitter
) -> ChainMeasurement:
    """Run the chain on ``T`` OFDM symbols per channel and measure it.

    Args:
        H: ``[B, S, M, K]`` complex channels on the used subcarriers.
        W: ``[B, S, M, K]`` complex precoding matrices.
        s: ``[B, T, S, K]`` complex symbols, ``T > K``.
        transmitter: the chain.

    Returns:
        ``ChainMeasurement``.
    """
    return measure_output(H, transmitter(W, s), s, transmitter.grid)


def measure_output(
    H: torch.Tensor, y: torch.Tensor, s: torch.Tensor, grid: OFDMGrid
) -> ChainMeasurement:
    """Measure the users' signals of given time-domain DAC outputs (any precoder, linear or
    not; ``simulate_chain`` for a linear one).

    Args:
        H: ``[B, S, M, K]`` complex channels on the used subcarriers.
        y: ``[B, T, N, M]`` complex time-domain DAC outputs of ``T`` OFDM symbols.
        s: ``[B, T, S, K]`` complex symbols, ``T > K``.
        grid: the OFDM grid.

    Returns:
        ``ChainMeasurement``.
    """
    T, K = s.shape[1], H.shape[-1]
    if T <= K:
        raise ValueError(
            f"the per-subcarrier fit needs more OFDM symbols than users, got T={T}, K={K}"
        )
    Y = grid.demodulate(y)  # [B, T, N, M]
    spectrum = (Y.abs() ** 2).sum(dim=-1).mean(dim=1)  # [B, N]
    Y_used = grid.take_used(Y).transpose(1, 2)  # [B, S, T, M]
    s_t = s.transpose(1, 2)  # [B, S, T, K]
    fit = snidr_terms(H, Y_used, s_t)  # fields [B, S, K]
    distortion = fit.distortion * T / (T - K)
    # variance of the fitted a_kj: D_k [(S^H S)^{-1}]_jj -> [B, S, K (k), K (j)]
    spread = torch.diagonal(torch.linalg.inv(s_t.mH @ s_t), dim1=-2, dim2=-1).real
    error = distortion.unsqueeze(-1) * spread.unsqueeze(-2)
    signal = fit.signal - torch.diagonal(error, dim1=-2, dim2=-1)
    interference = fit.interference - (error.sum(dim=-1) - torch.diagonal(error, dim1=-2, dim2=-1))
    terms = WidebandTerms(signal, interference.clamp_min(0.0), distortion, spectrum)
    return ChainMeasurement(terms, fit, Y_used)
