"""Coded transmission over the wideband chain: 5G-NR LDPC code words (3GPP TS 38.212, the
encoder and belief-propagation decoder of Sionna PHY, the optional ``qprecode[sionna]`` extra)
mapped to Gray-coded QAM on every user's subcarriers, max-log-free soft demapping at each user,
and the block error rate.

Layout: user ``k`` of channel ``b`` sends ``T S`` QAM symbols, in the order OFDM symbol ``t``
then subcarrier ``f`` (frequency first, so a code word spans all subcarriers, the channel's
frequency diversity); ``floor(T S log2(Q) / n)`` code words of ``n`` bits fill them, any rest is
random filler that is not decoded. Information bits come from the stream ``ofdm/coded/b`` of the
run's seed.

Receiver: each user scales its FFT output on subcarrier ``f`` by its effective gain ``a_kk[f]``
(the least-squares fit over the OFDM symbols, as for EVM and BER) and computes exact bit
log-likelihood ratios under a Gaussian model of what is left, of variance ``(interference +
distortion + sigma_v^2) / |a_kk[f]|^2`` (the measured terms of that subcarrier): a receiver that
knows its SNDR per subcarrier, as a 5G receiver estimates it from reference signals.
"""

from __future__ import annotations

import math
from functools import cache

import torch

from ..metrics import Constellation, constellation
from ..seeds import stream_seed
from .simulate import ChainMeasurement

__all__ = [
    "LDPCCode",
    "block_errors",
    "coded_symbols",
    "ldpc_unavailable_reason",
    "qam_llr",
]


@cache
def ldpc_unavailable_reason() -> str | None:
    """``None`` where Sionna PHY's 5G LDPC code imports, else why not (one line)."""
    try:
        from sionna.phy.fec.ldpc import LDPC5GDecoder, LDPC5GEncoder  # noqa: F401
    except Exception as error:  # ImportError, or a broken install of the extra
        return (
            f"the 5G-NR LDPC code needs Sionna PHY (pip install 'qprecode[sionna]', "
            f"sionna-no-rt 2.2.0), which does not import here: {type(error).__name__}: {error}"
        )
    return None


class LDPCCode:
    """A 5G-NR LDPC code of rate ``k / n`` (Sionna PHY's ``LDPC5GEncoder`` / ``LDPC5GDecoder``).

    Args:
        rate: code rate ``k / n`` (``k = round(rate n)``).
        length: code word length ``n`` in bits.
        iterations: belief-propagation iterations of the decoder (flooding, boxplus).
        device: torch device of encoder and decoder.

    Shapes: ``encode``: ``[..., k]`` {0, 1} float32 -> ``[..., n]``; ``decode``: ``[..., n]``
    log-likelihood ratios ``log P(b = 1) / P(b = 0)`` -> ``[..., k]`` hard bits, float32.
    """

    def __init__(
        self,
        rate: float,
        length: int = 1024,
        iterations: int = 20,
        device: torch.device | str = "cpu",
    ) -> None:
        reason = ldpc_unavailable_reason()
        if reason is not None:
            raise ValueError(reason)
        if not 0.0 < rate < 1.0:
            raise ValueError(f"code rate must lie in (0, 1), got {rate}")
        if length < 1 or iterations < 1:
            raise ValueError(f"length and iterations must be positive, got {length}, {iterations}")
        from sionna.phy.fec.ldpc import LDPC5GDecoder, LDPC5GEncoder

        self.rate, self.length, self.iterations = rate, length, iterations
        self.info_bits = round(rate * length)
        self.device = torch.device(device)
        dev = str(self.device)
        try:
            self._encoder = LDPC5GEncoder(self.info_bits, length, device=dev)
        except (ValueError, AssertionError) as error:
            raise ValueError(
                f"no 5G-NR LDPC code with k={self.info_bits}, n={length}: {error}"
            ) from error
        self._decoder = LDPC5GDecoder(self._encoder, num_iter=iterations, device=dev)

    def encode(self, bits: torch.Tensor) -> torch.Tensor:
        """On the code's device."""
        return self._encoder(bits.to(self.device, torch.float32))

    def decode(self, llr: torch.Tensor) -> torch.Tensor:
        """On the code's device."""
        return self._decoder(llr.to(self.device, torch.float32))

    def __repr__(self) -> str:
        return f"LDPCCode(k={self.info_bits}, n={self.length}, iterations={self.iterations})"


def _label_index(points: Constellation) -> torch.Tensor:
    """``[Q]`` int64: the constellation index of every bit word (its label read MSB first)."""
    bits = points.bits_per_symbol
    weights = 2 ** torch.arange(bits - 1, -1, -1)
    words = (points.labels * weights).sum(dim=-1)
    table = torch.empty_like(words)
    table[words] = torch.arange(words.numel())
    return table


def coded_symbols(
    num_channels: int,
    num_symbols: int,
    used: int,
    num_users: int,
    code: LDPCCode,
    modulation: str,
    seed: int,
    dtype: torch.dtype = torch.complex64,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Coded QAM symbols (module docstring).

    Returns:
        ``s: [B, T, S, K]`` complex, ``indices: [B, T, S, K]`` int64 and the information bits
        ``[B, K, C, k]`` float32 (``C`` code words per user).
    """
    points = constellation(modulation)
    per_symbol = points.bits_per_symbol
    total = num_symbols * used * per_symbol
    words = total // code.length
    if words < 1:
        raise ValueError(
            f"a user's {num_symbols} OFDM symbols x {used} subcarriers carry {total} bits, "
            f"fewer than one code word of {code.length}"
        )
    table = _label_index(points)
    weights = 2 ** torch.arange(per_symbol - 1, -1, -1)
    symbols, indices, infos = [], [], []
    for b in range(num_channels):
        gen = torch.Generator().manual_seed(stream_seed(seed, f"ofdm/coded/{b}"))
        info = torch.randint(0, 2, (num_users, words, code.info_bits), generator=gen)
        filler = torch.randint(0, 2, (num_users, total - words * code.length), generator=gen)
        coded = code.encode(info.float()).cpu().round().long().reshape(num_users, -1)
        stream = torch.cat([coded, filler], dim=1).reshape(num_users, num_symbols, used, -1)
        idx = table[(stream * weights).sum(dim=-1)].permute(1, 2, 0)  # [T, S, K]
        symbols.append(points.points[idx].to(dtype))
        indices.append(idx)
        infos.append(info.float())
    return torch.stack(symbols), torch.stack(indices), torch.stack(infos)


def qam_llr(z: torch.Tensor, variance: torch.Tensor, points: Constellation) -> torch.Tensor:
    """Exact bit log-likelihood ratios ``log P(b = 1 | z) / P(b = 0 | z)`` of equalised symbols
    ``z`` in complex Gaussian noise of variance ``variance`` (broadcast with ``z``), uniform
    priors: ``[...]`` complex -> ``[..., log2 Q]`` float32."""
    x = points.points.to(z.device).to(z.dtype)
    metric = -((z.unsqueeze(-1) - x).abs() ** 2) / variance.unsqueeze(-1)  # [..., Q]
    ones = points.labels.to(z.device).bool()  # [Q, bits]
    hi = torch.where(ones, metric.unsqueeze(-1), -math.inf).logsumexp(dim=-2)
    lo = torch.where(~ones, metric.unsqueeze(-1), -math.inf).logsumexp(dim=-2)
    return (hi - lo).to(torch.float32)


def block_errors(
    H: torch.Tensor,
    chain: ChainMeasurement,
    noise: torch.Tensor,
    noise_var: float,
    info: torch.Tensor,
    code: LDPCCode,
    modulation: str,
) -> torch.Tensor:
    """Wrongly decoded code words per channel at one noise level.

    Args:
        H: ``[B, S, M, K]`` complex channels.
        chain: the measurement of the same batch (spectra, fit and terms).
        noise: ``[B, T, S, K]`` complex ``CN(0, 1)`` draws, scaled by ``sqrt(noise_var)``.
        noise_var: ``sigma_v^2`` per subcarrier.
        info: ``[B, K, C, k]`` the information bits sent (``coded_symbols``).
        code: the code.
        modulation: the QAM of ``coded_symbols``.

    Returns:
        ``[B]`` int64, out of ``K C`` code words each.
    """
    points = constellation(modulation)
    B, K, C, _ = info.shape
    r = torch.einsum("bstm,bsmk->btsk", chain.spectra, H) + noise_var**0.5 * noise
    a = torch.diagonal(chain.fit.gain, dim1=-2, dim2=-1)  # [B, S, K]
    terms = chain.terms
    spread = (terms.interference + terms.distortion + noise_var) / a.abs() ** 2  # [B, S, K]
    llr = qam_llr(r / a.unsqueeze(1), spread.unsqueeze(1).to(r.real.dtype), points)
    stream = llr.permute(0, 3, 1, 2, 4).reshape(B, K, -1)  # [B, K, T S bits]
    words = stream[..., : C * code.length].reshape(B, K, C, code.length)
    decoded = code.decode(words).to(info.device)
    return (decoded != info).any(dim=-1).sum(dim=(-2, -1))
