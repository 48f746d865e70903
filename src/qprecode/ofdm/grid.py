"""The OFDM resource grid: an ``N``-point (unitary) FFT of which ``S`` subcarriers, centred on DC,
carry data and the other ``N - S`` are a guard band; the oversampling ratio is ``N / S``
(Sect. II of Jacobsson et al., "Linear precoding with low-resolution DACs for massive
MU-MIMO-OFDM downlink", IEEE TWC 2019).

Subcarriers are indexed by their signed frequency ``f`` in units of the subcarrier spacing,
``f = -floor(S/2), ..., ceil(S/2) - 1`` for the used ones, stored in FFT bin ``f mod N``. Tensors
that hold only the used subcarriers keep them in ascending frequency. The FFTs are unitary
(``norm="ortho"``), so the energy of an OFDM symbol is the same in time and frequency
(Parseval) and a per-subcarrier transmit power ``P_T`` gives an average time-domain power of
``S P_T / N`` per sample.
"""

from __future__ import annotations

import torch

from .._validation import check_positive_int

__all__ = ["OFDMGrid"]


class OFDMGrid:
    """``S`` used subcarriers of an ``N``-point FFT, the rest guard band.

    Args:
        fft_size: ``N``, samples per OFDM symbol (without cyclic prefix).
        used: ``S <= N``, the data-carrying subcarriers around DC.

    Shapes:
        ``modulate``: ``X: [..., S, M]`` complex -> ``x: [..., N, M]`` complex (time samples).
        ``demodulate``: ``y: [..., N, M]`` -> ``Y: [..., N, M]`` (every FFT bin).
        ``take_used``: ``Y: [..., N, M]`` -> ``[..., S, M]``.
    """

    def __init__(self, fft_size: int, used: int) -> None:
        check_positive_int(fft_size, "fft_size")
        check_positive_int(used, "used")
        if used > fft_size:
            raise ValueError(
                f"used subcarriers S={used} exceed the FFT size N={fft_size}; need S <= N"
            )
        self.fft_size = fft_size
        self.used = used

    @classmethod
    def from_oversampling(cls, used: int, oversampling: int) -> OFDMGrid:
        """The grid with ``N = oversampling * S``."""
        check_positive_int(oversampling, "oversampling")
        check_positive_int(used, "used")
        return cls(used * oversampling, used)

    @property
    def oversampling(self) -> float:
        """``N / S``."""
        return self.fft_size / self.used

    @property
    def frequencies(self) -> torch.Tensor:
        """``[S]`` int64 signed frequencies of the used subcarriers, ascending."""
        low = -(self.used // 2)
        return torch.arange(low, low + self.used)

    @property
    def used_bins(self) -> torch.Tensor:
        """``[S]`` int64 FFT bins of the used subcarriers (``f mod N``), in frequency order."""
        return self.frequencies % self.fft_size

    @property
    def all_frequencies(self) -> torch.Tensor:
        """``[N]`` int64 signed frequency of every FFT bin (``-N/2 .. N/2 - 1`` in bin order, as
        ``torch.fft.fftfreq(N) * N``)."""
        return torch.fft.fftfreq(self.fft_size, 1.0 / self.fft_size).round().long()

    @property
    def guard_mask(self) -> torch.Tensor:
        """``[N]`` bool in bin order, true on the guard band."""
        mask = torch.ones(self.fft_size, dtype=torch.bool)
        mask[self.used_bins] = False
        return mask

    def place(self, X: torch.Tensor) -> torch.Tensor:
        """Put the used subcarriers into their bins, zeros in the guard band.

        ``X: [..., S, M]`` -> ``[..., N, M]``."""
        self._check_axis(X, self.used, "S")
        shape = (*X.shape[:-2], self.fft_size, X.shape[-1])
        full = torch.zeros(shape, dtype=X.dtype, device=X.device)
        full[..., self.used_bins.to(X.device), :] = X
        return full

    def take_used(self, Y: torch.Tensor) -> torch.Tensor:
        """The used subcarriers, in frequency order. ``[..., N, M]`` -> ``[..., S, M]``."""
        self._check_axis(Y, self.fft_size, "N")
        return Y[..., self.used_bins.to(Y.device), :]

    def modulate(self, X: torch.Tensor) -> torch.Tensor:
        """Unitary IFFT of the used subcarriers: ``x[n] = N^{-1/2} sum_f X[f] e^{j 2 pi f n / N}``.

        ``X: [..., S, M]`` complex -> ``x: [..., N, M]`` complex."""
        return torch.fft.ifft(self.place(X), dim=-2, norm="ortho")

    def demodulate(self, y: torch.Tensor) -> torch.Tensor:
        """Unitary FFT of the time samples, every bin: ``[..., N, M]`` -> ``[..., N, M]``."""
        self._check_axis(y, self.fft_size, "N")
        return torch.fft.fft(y, dim=-2, norm="ortho")

    def _check_axis(self, x: torch.Tensor, size: int, letter: str) -> None:
        if not x.is_complex() or x.dim() < 2 or x.shape[-2] != size:
            raise ValueError(
                f"expected a complex tensor [..., {letter}={size}, M], got {x.dtype} "
                f"{tuple(x.shape)}"
            )

    def __repr__(self) -> str:
        return f"OFDMGrid(N={self.fft_size}, S={self.used}, oversampling={self.oversampling:g})"
