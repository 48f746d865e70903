"""One evaluator for every precoder: the same channels, the same symbols, the same metrics.

For each chunk of channels the evaluator draws (or takes) the symbols, calls the precoder,
normalises the average power to ``P_T`` (eq. 15), and accumulates the sum rate of eq. 9 at every
SNR point and the noiseless NMSE, all with the LS Bussgang gain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch

from .._validation import check_channel, check_positive_int
from ..channels.rayleigh import complex_normal
from ..precoders.base import Precoder, design_for_snr, is_snr_dependent
from ..progress import progress_bar
from ..seeds import NOISE_OFFSET
from .ber import bit_errors
from .bussgang import normalize_average_power
from .modulation import MODULATIONS, constellation
from .nmse import nmse_terms
from .rate import noise_variance, snidr, snidr_terms

__all__ = ["EvaluationResult", "draw_symbols", "evaluate", "gaussian_symbols"]


@dataclass(frozen=True)
class EvaluationResult:
    """Metrics of one precoder on a set of channels, one entry per SNR point.

    Attributes:
        snr_db: SNR points ``P_T / sigma_v^2`` in dB.
        sum_rate: mean over channels of the sum rate (eq. 9), bits per channel use.
        sum_rate_std: standard deviation over channels of the sum rate.
        snidr_db: mean over channels and users of the SNIDR (eq. 8), in dB of the mean.
        nmse_db: pooled noiseless NMSE in dB (see ``metrics.nmse``) of the precoder used at each
            SNR point (the same value for SNR-independent precoders).
        num_channels: number of channel realisations.
        num_symbols: ``N_s``, symbol vectors per channel.
        modulation: ``gaussian`` or a constellation name.
        ber: uncoded bit error rate per SNR point (constellations only), see ``metrics.ber``.
    """

    snr_db: list[float]
    sum_rate: list[float]
    sum_rate_std: list[float]
    snidr_db: list[float]
    nmse_db: list[float]
    num_channels: int
    num_symbols: int
    modulation: str = "gaussian"
    ber: list[float] | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def gaussian_symbols(
    num_channels: int, num_symbols: int, num_users: int, seed: int, dtype: torch.dtype
) -> torch.Tensor:
    """I.i.d. ``CN(0, 1)`` symbols ``s: [num_channels, N_s, K]`` from a seed."""
    generator = torch.Generator().manual_seed(seed)
    return complex_normal((num_channels, num_symbols, num_users), generator, dtype)


def draw_symbols(
    num_channels: int,
    num_symbols: int,
    num_users: int,
    seed: int,
    dtype: torch.dtype = torch.complex64,
    modulation: str = "gaussian",
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Symbols ``s: [num_channels, N_s, K]`` and, for a constellation, their indices (else
    ``None``): ``CN(0, 1)`` for ``gaussian``, uniform unit-energy QAM points otherwise."""
    if modulation not in MODULATIONS:
        raise ValueError(f"unknown modulation {modulation!r}; choose one of {list(MODULATIONS)}")
    if modulation == "gaussian":
        return gaussian_symbols(num_channels, num_symbols, num_users, seed, dtype), None
    points = constellation(modulation).points
    generator = torch.Generator().manual_seed(seed)
    shape = (num_channels, num_symbols, num_users)
    indices = torch.randint(0, points.numel(), shape, generator=generator)
    return points[indices].to(dtype), indices


def _to_db(x: float) -> float:
    return 10.0 * math.log10(x) if x > 0 else -math.inf


@torch.no_grad()
def evaluate(
    precoder: Precoder,
    channels: torch.Tensor,
    snr_db: Sequence[float],
    num_symbols: int = 125,
    seed: int = 0,
    symbols: torch.Tensor | None = None,
    modulation: str = "gaussian",
    symbol_indices: torch.Tensor | None = None,
    total_power: float | None = None,
    batch_size: int = 1000,
    progress: bool = False,
    description: str = "evaluate",
) -> EvaluationResult:
    """Evaluate ``precoder`` on ``channels`` at every SNR point.

    Args:
        precoder: any precoder, ``precoder(H, s) -> y``. If it has ``snr_dependent = True`` its
            ``with_snr(snr_db)`` is used at each SNR point.
        channels: ``H: [N, M, K]`` complex.
        snr_db: SNR points ``P_T / sigma_v^2`` in dB.
        num_symbols: ``N_s`` symbol vectors per channel (ignored when ``symbols`` is given).
        seed: seed of the symbols (and of the receiver noise for the BER); the same seed gives
            every precoder the same symbols and noise.
        symbols: optional ``s: [N, N_s, K]`` complex to use instead of drawn symbols.
        modulation: ``gaussian`` (``CN(0, 1)``) or ``qpsk``, ``16qam``, ``64qam``; with a
            constellation the uncoded BER is measured too.
        symbol_indices: ``[N, N_s, K]`` constellation indices of given ``symbols`` (for BER).
        total_power: ``P_T``; ``M`` by default.
        batch_size: channels per chunk (bounds memory).
        progress: show a progress bar.
        description: label of the progress bar.

    Returns:
        ``EvaluationResult``.
    """
    check_channel(channels)
    if channels.dim() != 3:
        raise ValueError(f"channels must have shape [N, M, K], got {tuple(channels.shape)}")
    check_positive_int(batch_size, "batch_size")
    snrs = [float(x) for x in snr_db]
    if not snrs or not all(math.isfinite(x) for x in snrs):
        raise ValueError(f"snr_db must be a non-empty list of finite values, got {snr_db!r}")
    N, M, K = channels.shape
    power = float(M) if total_power is None else float(total_power)
    if symbols is None:
        check_positive_int(num_symbols, "num_symbols")
        symbols, symbol_indices = draw_symbols(N, num_symbols, K, seed, channels.dtype, modulation)
    with_ber = symbol_indices is not None and modulation != "gaussian"
    if symbols.shape[0] != N or symbols.shape[-1] != K or symbols.dim() != 3:
        raise ValueError(f"symbols must have shape [N={N}, N_s, K={K}], got {tuple(symbols.shape)}")
    symbols = symbols.to(channels.device)
    if symbols.shape[1] < K:
        raise ValueError(
            f"need at least K={K} symbol vectors per channel to estimate the Bussgang gain, "
            f"got N_s={symbols.shape[1]}"
        )
    if with_ber:
        qam = constellation(modulation)
        noise = complex_normal(
            tuple(symbols.shape), torch.Generator().manual_seed(seed + NOISE_OFFSET),
            channels.dtype, channels.device,
        )  # fmt: skip
        errors = torch.zeros(len(snrs), dtype=torch.float64)

    # Precoders that do not depend on the SNR are called once per chunk.
    per_snr = is_snr_dependent(precoder)
    designs = [design_for_snr(precoder, x) for x in snrs] if per_snr else [precoder]
    noise_vars = torch.tensor([noise_variance(x, power) for x in snrs], dtype=torch.float64)

    rates = torch.zeros(len(snrs), N, dtype=torch.float64)
    snidr_sum = torch.zeros(len(snrs), dtype=torch.float64)
    err = torch.zeros(len(designs), dtype=torch.float64)
    energy = torch.zeros(len(designs), dtype=torch.float64)
    starts = range(0, N, batch_size)
    for start in progress_bar(starts, description, enabled=progress):
        H = channels[start : start + batch_size]
        s = symbols[start : start + batch_size]
        for d, design in enumerate(designs):
            y = normalize_average_power(design(H, s), power)
            terms = snidr_terms(H, y, s)
            e, en = nmse_terms(H, y, s, terms)
            err[d] += e.double().sum().cpu()
            energy[d] += en.double().sum().cpu()
            points = [d] if per_snr else range(len(snrs))
            for i in points:
                ratio = snidr(terms, float(noise_vars[i])).double().cpu()  # [B, K]
                rates[i, start : start + H.shape[0]] = torch.log2(1.0 + ratio).sum(dim=-1)
                snidr_sum[i] += ratio.sum()
                if with_ber:
                    idx = symbol_indices[start : start + batch_size].to(H.device)  # type: ignore[index]
                    v = noise[start : start + batch_size]
                    wrong = bit_errors(H, y, idx, v, float(noise_vars[i]), terms, qam)
                    errors[i] += wrong.sum().double().cpu()
    nmse_db = [_to_db(float(err[d] / energy[d])) for d in range(len(designs))]
    return EvaluationResult(
        snr_db=snrs,
        sum_rate=rates.mean(dim=1).tolist(),
        sum_rate_std=rates.std(dim=1).tolist() if N > 1 else [0.0] * len(snrs),
        snidr_db=[_to_db(float(x) / (N * K)) for x in snidr_sum],
        nmse_db=nmse_db if per_snr else nmse_db * len(snrs),
        num_channels=N,
        num_symbols=int(symbols.shape[1]),
        modulation=modulation,
        ber=(errors / (N * symbols.shape[1] * K * qam.bits_per_symbol)).tolist()
        if with_ber
        else None,
    )
