"""Bussgang model of the wideband chain: per-subcarrier signal, interference and distortion at
every user, and the transmitted power spectrum over all ``N`` bins (in band and guard band).

Given the channels, the time-domain samples of every antenna are jointly Gaussian for Gaussian
symbols (and close to it for QAM on many subcarriers). Their covariance is stationary,
``C_x[tau] = E[x[n + tau] x[n]^H] = (1/N) sum_f W[f] W[f]^H e^{j 2 pi f tau / N}`` (``[M, M]`` per
lag), so the DACs act as ``y = g x + e`` with one gain ``g = alpha / sqrt(E|Q|^2)`` (the per-antenna
normalisation makes every antenna's input unit-power) and a distortion ``e`` uncorrelated with
``x`` whose spectrum ``C_e[f] = sum_tau C_e[tau] e^{-j 2 pi f tau / N}`` is uncorrelated across
subcarriers (Jacobsson et al., IEEE TWC 2019, Sect. III). Two models of ``C_e[tau]``:

* ``"exact"``: ``C_e[tau]_{mm'} = sqrt(rho_m rho_m') (F(c) - alpha^2 c) / E|Q|^2`` with
  ``c = C_x[tau]_{mm'} / sqrt(rho_m rho_m')`` and ``F`` the output correlation of the DAC for
  Gaussian inputs (``GaussianDAC``: the arcsine law for 1 bit, Price's theorem for any
  resolution). It keeps the distortion's correlation across antennas and time, which with
  oversampling shapes its spectrum: most of it stays near the band (intermodulation) rather than
  spreading evenly over the ``N`` bins.
* ``"diagonal"``: distortion white in time and uncorrelated across antennas,
  ``C_e = diag(rho_m (E|Q|^2 - alpha^2) / E|Q|^2)`` on every bin, the approximation Jacobsson et al.
  use for multi-bit DACs. It spreads the distortion evenly over all ``N`` bins, so it is accurate
  without oversampling and underestimates the in-band distortion with it.

User ``k`` on subcarrier ``f`` then has ``SNDR = g^2 |h_k^T w_k|^2 / (g^2 sum_{j != k}
|h_k^T w_j|^2 + h_k^T C_e[f] h_k^* + sigma_v^2)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .transmitter import OFDMTransmitter, antenna_powers

__all__ = ["DISTORTION_MODELS", "WidebandTerms", "bussgang_model", "sndr"]

DISTORTION_MODELS = ("exact", "diagonal")


@dataclass(frozen=True)
class WidebandTerms:
    """Powers at every user on every used subcarrier, and the transmitted spectrum.

    Attributes:
        signal: ``[B, S, K]`` real, ``g^2 |h_k^T w_k|^2``.
        interference: ``[B, S, K]`` real, ``g^2 sum_{j != k} |h_k^T w_j|^2``.
        distortion: ``[B, S, K]`` real, ``h_k^T C_e[f] h_k^*``.
        spectrum: ``[B, N]`` real, transmitted power per FFT bin summed over antennas, in bin
            order (``OFDMGrid.all_frequencies`` gives each bin's frequency).
    """

    signal: torch.Tensor
    interference: torch.Tensor
    distortion: torch.Tensor
    spectrum: torch.Tensor


def sndr(terms: WidebandTerms, noise_var: float) -> torch.Tensor:
    """``SNDR = signal / (interference + distortion + sigma_v^2)``, ``[B, S, K]`` real."""
    return terms.signal / (terms.interference + terms.distortion + noise_var)


def _gain_terms(H: torch.Tensor, W: torch.Tensor, gain: float) -> tuple[torch.Tensor, ...]:
    A = gain * (H.mT @ W)  # [B, S, K, K], A[k, j] = g h_k^T w_j
    power = A.abs() ** 2
    signal = torch.diagonal(power, dim1=-2, dim2=-1)
    return signal, power.sum(dim=-1) - signal


def _exact_distortion_spectrum(W: torch.Tensor, transmitter: OFDMTransmitter) -> torch.Tensor:
    """``C_e[f]: [B, N, M, M]`` on every bin, from the covariance of the time samples (in
    double precision: the normalised covariance ``c`` reaches 1, where ``F`` is steep in ``c``)."""
    grid, stats = transmitter.grid, transmitter.statistics
    dtype = W.dtype
    W = W.to(torch.complex128)
    rho = antenna_powers(W, grid)  # [B, M], from the same W as C_x, so that c[0]_mm = 1
    B, S, M, _ = W.shape
    P = (W @ W.mH).reshape(B, S, M * M)  # [B, S, M*M], W[f] W[f]^H
    C_x = torch.fft.ifft(grid.place(P), dim=-2).reshape(B, grid.fft_size, M, M)  # [B, tau, M, M]
    scale = (rho.unsqueeze(-1) * rho.unsqueeze(-2)).sqrt().unsqueeze(1)  # [B, 1, M, M]
    c = torch.where(scale > 0, C_x / scale.clamp_min(torch.finfo(scale.dtype).tiny), 0.0)
    C_e = scale * (stats.correlation(c) - stats.gain**2 * c) / stats.output_power
    return torch.fft.fft(C_e, dim=1).to(dtype)  # [B, N, M, M]


def bussgang_model(
    H: torch.Tensor, W: torch.Tensor, transmitter: OFDMTransmitter, model: str = "exact"
) -> WidebandTerms:
    """Signal, interference and distortion per user and subcarrier, and the spectrum.

    Args:
        H: ``[B, S, M, K]`` complex channels on the used subcarriers.
        W: ``[B, S, M, K]`` complex precoding matrices (``subcarrier_matrices``).
        transmitter: the chain (grid, DACs).
        model: ``"exact"`` or ``"diagonal"`` (module docstring).

    Returns:
        ``WidebandTerms``.
    """
    if model not in DISTORTION_MODELS:
        raise ValueError(f"unknown distortion model {model!r}; choose one of {DISTORTION_MODELS}")
    if H.shape != W.shape or H.dim() != 4:
        raise ValueError(
            f"H and W must both be [B, S, M, K], got {tuple(H.shape)} and {tuple(W.shape)}"
        )
    grid, stats = transmitter.grid, transmitter.statistics
    gain = transmitter.gain
    signal, interference = _gain_terms(H, W, gain)
    # the linear part's spectrum, g^2 tr(W[f] W[f]^H), zero on the guard band
    linear = W.new_zeros(W.shape[0], grid.fft_size, dtype=signal.dtype)  # [B, N]
    linear[:, grid.used_bins.to(W.device)] = gain**2 * (W.abs() ** 2).sum(dim=(-2, -1))
    if transmitter.dac.is_ideal:
        return WidebandTerms(signal, interference, torch.zeros_like(signal), linear)
    if model == "diagonal":
        rho = antenna_powers(W, grid)  # [B, M]
        d = rho * stats.distortion_power / stats.output_power  # [B, M] per antenna and bin
        distortion = torch.einsum("bsmk,bm->bsk", H.abs() ** 2, d)
        spectrum = linear + d.sum(dim=-1, keepdim=True)
        return WidebandTerms(signal, interference, distortion, spectrum)
    C_e = _exact_distortion_spectrum(W, transmitter)  # [B, N, M, M]
    C_used = grid.take_used(C_e.flatten(-2)).unflatten(-1, C_e.shape[-2:])  # [B, S, M, M]
    distortion = torch.einsum("bsmk,bsmn,bsnk->bsk", H, C_used, H.conj()).real
    spectrum = linear + torch.diagonal(C_e, dim1=-2, dim2=-1).real.sum(dim=-1)
    return WidebandTerms(signal, interference, distortion, spectrum)
