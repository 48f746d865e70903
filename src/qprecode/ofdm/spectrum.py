"""Out-of-band emission of the transmitted spectrum: the power spectral density over all ``N``
bins, the guard-band-to-in-band density ratio and the adjacent-channel leakage ratio (ACLR).

Every function takes ``spectrum: [..., N]`` real, the transmitted power per FFT bin in bin order
(``WidebandTerms.spectrum``), already averaged over whatever the caller pools (channels, OFDM
symbols). The spectrum is that of the DACs' discrete-time output at the oversampled rate; the
analog reconstruction filter that follows a DAC is not modelled.
"""

from __future__ import annotations

import math

import torch

from .grid import OFDMGrid

__all__ = ["aclr_db", "guard_to_inband_db", "psd_db"]


def _check(spectrum: torch.Tensor, grid: OFDMGrid) -> None:
    if spectrum.is_complex() or spectrum.dim() < 1 or spectrum.shape[-1] != grid.fft_size:
        raise ValueError(
            f"spectrum must be real [..., N={grid.fft_size}], got {spectrum.dtype} "
            f"{tuple(spectrum.shape)}"
        )


def _db(x: torch.Tensor) -> torch.Tensor:
    return 10.0 * torch.log10(x)


def _inband(spectrum: torch.Tensor, grid: OFDMGrid) -> torch.Tensor:
    """Mean power per used bin, ``[...]``."""
    return spectrum[..., grid.used_bins.to(spectrum.device)].mean(dim=-1)


def psd_db(spectrum: torch.Tensor, grid: OFDMGrid) -> tuple[torch.Tensor, torch.Tensor]:
    """The spectrum in dB relative to the mean in-band density, in frequency order.

    Returns ``(frequencies [N] int64, psd [..., N] real)``, frequencies ``-N/2 .. N/2 - 1`` in
    units of the subcarrier spacing (the used band is ``-S/2 .. S/2 - 1``); a bin with no power
    is ``-inf``."""
    _check(spectrum, grid)
    order = torch.argsort(grid.all_frequencies)
    relative = spectrum / _inband(spectrum, grid).unsqueeze(-1)
    return grid.all_frequencies[order], _db(relative[..., order.to(spectrum.device)])


def guard_to_inband_db(spectrum: torch.Tensor, grid: OFDMGrid) -> torch.Tensor:
    """Mean power per guard-band bin over mean power per used bin, dB, ``[...]``; ``nan``
    without a guard band (``N = S``) and ``-inf`` when the guard band is silent."""
    _check(spectrum, grid)
    if grid.fft_size == grid.used:
        return torch.full(spectrum.shape[:-1], math.nan, dtype=spectrum.dtype)
    guard = spectrum[..., grid.guard_mask.to(spectrum.device)].mean(dim=-1)
    return _db(guard / _inband(spectrum, grid))


def aclr_db(spectrum: torch.Tensor, grid: OFDMGrid) -> torch.Tensor:
    """Adjacent-channel leakage ratio, dB, ``[...]``: the power in the used band over the power in
    the worse of the two adjacent channels of the same width ``S`` on either side (as 3GPP TS
    38.104 defines it for a channel of bandwidth ``S`` subcarriers). Needs both adjacent channels
    inside the simulated band, ``(N - S) / 2 >= S`` (oversampling of at least 3); ``nan``
    otherwise; ``inf`` when they are silent."""
    _check(spectrum, grid)
    if (grid.fft_size - grid.used) // 2 < grid.used:
        return torch.full(spectrum.shape[:-1], math.nan, dtype=spectrum.dtype)
    f = grid.frequencies
    lower = (f - grid.used) % grid.fft_size  # bins of the channel one bandwidth below
    upper = (f + grid.used) % grid.fft_size
    inband = spectrum[..., grid.used_bins.to(spectrum.device)].sum(dim=-1)
    adjacent = torch.maximum(
        spectrum[..., lower.to(spectrum.device)].sum(dim=-1),
        spectrum[..., upper.to(spectrum.device)].sum(dim=-1),
    )
    return _db(inband / adjacent)
