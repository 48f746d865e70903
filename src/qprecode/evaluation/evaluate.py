"""One evaluator for every precoder: the same channels, the same symbols, the same metrics.

For each chunk of channels the evaluator draws (or takes) the symbols, calls the precoder on the
channel it knows (the true ``H``, or an estimate ``H_hat`` with imperfect CSI), normalises the
average power to ``P_T`` (eq. 15 of Feys et al.), and accumulates, with the LS Bussgang gain and
the true ``H``, the per-user rates and the sum rate (eqs. 8-9) at every SNR point, the log-SE, the
noiseless NMSE and, for a constellation, the uncoded BER.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import torch

from .._validation import check_channel, check_positive_int, silent_channels
from ..channels import complex_normal
from ..metrics import (
    bit_errors,
    constellation,
    nmse_terms,
    noise_variance,
    normalize_average_power,
    snidr,
    snidr_terms,
    user_rates,
)
from ..precoders import Precoder, design_for_snr, is_snr_dependent
from ..progress import progress_bar
from ..seeds import CSI_ERROR_OFFSET, NOISE_OFFSET
from .csi import noisy_channel_estimate
from .symbols import draw_symbols

__all__ = ["EvaluationResult", "evaluate", "merge_results"]


@dataclass(frozen=True)
class EvaluationResult:
    """Metrics of one precoder on a set of channels, one entry per SNR point.

    Attributes:
        snr_db: SNR points ``P_T / sigma_v^2`` in dB.
        sum_rate: mean over channels of the sum rate (eq. 9), bits per channel use.
        sum_rate_std: standard deviation over channels of the sum rate.
        sum_rate_sem: standard error of ``sum_rate`` (``std / sqrt(N)``).
        user_rate: ``[snr][K]`` mean over channels of every user's rate.
        log_se: mean over channels of ``sum_k ln R_k`` (``-inf`` if a user got a zero rate).
        snidr_db: mean over channels and users of the SNIDR (eq. 8), in dB of the mean.
        nmse_db: pooled noiseless NMSE in dB (see ``metrics.nmse``) of the precoder used at each
            SNR point (the same value for SNR-independent precoders).
        num_channels: number of channel realisations.
        num_symbols: ``N_s``, symbol vectors per channel.
        modulation: ``gaussian`` or a constellation name.
        ber: uncoded bit error rate per SNR point (constellations only), see ``metrics.ber``.
        csi_error_nmse_db: estimation NMSE of the channel the precoder saw (``None``: perfect
            CSI, or estimates given by the caller).
        zero_gain: per SNR point, how many (channel, user) pairs got no signal (Bussgang gain
            zero, see ``ZERO_GAIN``): their rate is 0 and the NMSE is ``+inf``.
    """

    snr_db: list[float]
    sum_rate: list[float]
    sum_rate_std: list[float]
    sum_rate_sem: list[float]
    user_rate: list[list[float]]
    log_se: list[float]
    snidr_db: list[float]
    nmse_db: list[float]
    num_channels: int
    num_symbols: int
    modulation: str = "gaussian"
    ber: list[float] | None = None
    csi_error_nmse_db: float | None = None
    zero_gain: list[int] = field(default_factory=list)
    # the NMSE's pooled numerator and denominator per SNR point, for merge_results
    nmse_sums: list[tuple[float, float]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        del out["nmse_sums"]
        return out


# A user whose Bussgang gain is this far (in power) below the channel's strongest user's gets no
# signal: its NMSE is infinite (reported as +inf dB) and it is counted in ``zero_gain``.
ZERO_GAIN = 1e-12


def _to_db(x: float) -> float:
    """``10 log10 x``; ``-inf`` for 0, ``+inf`` for ``inf`` and NaN for NaN (never a finite or
    ``-inf`` value for an undefined ratio)."""
    if math.isnan(x):
        return math.nan
    return 10.0 * math.log10(x) if x > 0 else -math.inf


def _check_outputs(y: torch.Tensor, description: str, start: int) -> None:
    """Refuse non-finite precoder outputs ``y: [B, N_s, M]``: NaN would turn every metric NaN
    (and the NMSE into a meaningless number), so the precoder is named with the channels."""
    bad = (~torch.isfinite(y)).flatten(1).any(dim=1)
    if bad.any():
        where = (bad.nonzero().flatten() + start).tolist()
        raise ValueError(
            f"{description}: the precoder returned NaN or infinite outputs for {len(where)} "
            f"channel(s) (e.g. index {where[:5]}); its outputs must be finite"
        )


def _zero_gain(terms_gain: torch.Tensor) -> torch.Tensor:
    """``[B, K]`` bool: users whose Bussgang gain ``|a_kk|^2`` is at most ``ZERO_GAIN`` times
    the channel's strongest user's (or zero)."""
    power = torch.diagonal(terms_gain, dim1=-2, dim2=-1).abs() ** 2  # [B, K]
    return power <= ZERO_GAIN * power.amax(dim=-1, keepdim=True)


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
    channel_estimates: torch.Tensor | None = None,
    csi_error_nmse_db: float | None = None,
    batch_size: int = 1000,
    progress: bool = False,
    description: str = "evaluate",
) -> EvaluationResult:
    """Evaluate ``precoder`` on ``channels`` at every SNR point.

    Args:
        precoder: any precoder, ``precoder(H, s) -> y``; an SNR-dependent one is designed for
            every SNR point (``design_for_snr``).
        channels: true channels ``H: [N, M, K]`` complex, used by every metric.
        snr_db: SNR points ``P_T / sigma_v^2`` in dB.
        num_symbols: ``N_s`` symbol vectors per channel (ignored when ``symbols`` is given).
        seed: seed of the symbols (and of the receiver noise of the BER and of the CSI error);
            the same seed gives every precoder the same symbols, noise and estimates.
        symbols: optional ``s: [N, N_s, K]`` complex to use instead of drawn symbols.
        modulation: ``gaussian`` (``CN(0, 1)``) or ``qpsk``, ``16qam``, ``64qam``; with a
            constellation the uncoded BER is measured too.
        symbol_indices: ``[N, N_s, K]`` constellation indices of given ``symbols`` (for BER).
        total_power: ``P_T``; ``M`` by default.
        channel_estimates: ``H_hat: [N, M, K]``, the channels the precoder sees (imperfect CSI).
        csi_error_nmse_db: instead of ``channel_estimates``, draw ``H_hat = H + E`` with this
            estimation NMSE in dB (``evaluation.csi``).
        batch_size: channels per chunk (bounds memory).
        progress: show a progress bar.
        description: label of the progress bar.

    Returns:
        ``EvaluationResult``.
    """
    check_channel(channels)
    if channels.dim() != 3:
        raise ValueError(f"channels must have shape [N, M, K], got {tuple(channels.shape)}")
    if channels.shape[0] == 0:
        raise ValueError("channels holds no realisation (N = 0): nothing to evaluate")
    where = silent_channels(channels).tolist()
    if where:
        raise ValueError(
            f"{len(where)} channel realisation(s) (e.g. index {where[:5]}) give a user an all-zero "
            "channel, for which no rate or NMSE is defined; leave them out (in a channel file, "
            "users without a path are dropped when it is written)"
        )
    check_positive_int(batch_size, "batch_size")
    snrs = [float(x) for x in snr_db]
    if not snrs or not all(math.isfinite(x) for x in snrs):
        raise ValueError(f"snr_db must be a non-empty list of finite values, got {snr_db!r}")
    N, M, K = channels.shape
    power = float(M) if total_power is None else float(total_power)
    if symbols is None:
        check_positive_int(num_symbols, "num_symbols")
        symbols, symbol_indices = draw_symbols(N, num_symbols, K, seed, channels.dtype, modulation)
    if symbols.shape[0] != N or symbols.shape[-1] != K or symbols.dim() != 3:
        raise ValueError(f"symbols must have shape [N={N}, N_s, K={K}], got {tuple(symbols.shape)}")
    symbols = symbols.to(channels.device)
    if symbols.shape[1] < K:
        raise ValueError(
            f"need at least K={K} symbol vectors per channel to estimate the Bussgang gain, "
            f"got N_s={symbols.shape[1]}"
        )
    estimates = _channel_estimates(channels, channel_estimates, csi_error_nmse_db, seed)
    with_ber = symbol_indices is not None and modulation != "gaussian"
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
    noise_vars = [noise_variance(x, power) for x in snrs]

    rates = torch.zeros(len(snrs), N, K, dtype=torch.float64)
    snidr_sum = torch.zeros(len(snrs), dtype=torch.float64)
    err = torch.zeros(len(designs), dtype=torch.float64)
    energy = torch.zeros(len(designs), dtype=torch.float64)
    silent = [0] * len(designs)
    for start in progress_bar(range(0, N, batch_size), description, enabled=progress):
        chunk = slice(start, start + batch_size)
        H, s = channels[chunk], symbols[chunk]
        for d, design in enumerate(designs):
            y = design(estimates[chunk], s)
            _check_outputs(y, description, start)
            y = normalize_average_power(y, power)
            terms = snidr_terms(H, y, s)
            e, en = nmse_terms(H, y, s, terms)
            dropped = _zero_gain(terms.gain)
            silent[d] += int(dropped.sum())
            e = torch.where(dropped.any(dim=-1), math.inf, e.double())  # no signal: no estimate
            err[d] += e.double().sum().cpu()
            energy[d] += en.double().sum().cpu()
            for i in [d] if per_snr else range(len(snrs)):
                ratio = snidr(terms, noise_vars[i]).double().cpu()  # [B, K]
                rates[i, chunk] = user_rates(ratio)
                snidr_sum[i] += ratio.sum()
                if with_ber:
                    idx = symbol_indices[chunk].to(H.device)  # type: ignore[index]
                    wrong = bit_errors(H, y, idx, noise[chunk], noise_vars[i], terms, qam)
                    errors[i] += wrong.sum().double().cpu()
    nmse_db = [_to_db(float(err[d] / energy[d])) for d in range(len(designs))]
    nmse_sums = [(float(err[d]), float(energy[d])) for d in range(len(designs))]
    sums = rates.sum(dim=-1)  # [snr, N]
    std = sums.std(dim=1) if N > 1 else torch.zeros(len(snrs), dtype=torch.float64)
    return EvaluationResult(
        snr_db=snrs,
        sum_rate=sums.mean(dim=1).tolist(),
        sum_rate_std=std.tolist(),
        sum_rate_sem=(std / math.sqrt(N)).tolist(),
        user_rate=rates.mean(dim=1).tolist(),
        log_se=torch.log(rates).sum(dim=-1).mean(dim=1).tolist(),
        snidr_db=[_to_db(float(x) / (N * K)) for x in snidr_sum],
        nmse_db=nmse_db if per_snr else nmse_db * len(snrs),
        num_channels=N,
        num_symbols=int(symbols.shape[1]),
        modulation=modulation,
        ber=(errors / (N * symbols.shape[1] * K * qam.bits_per_symbol)).tolist()
        if with_ber
        else None,
        csi_error_nmse_db=csi_error_nmse_db,
        zero_gain=silent if per_snr else silent * len(snrs),
        nmse_sums=nmse_sums if per_snr else nmse_sums * len(snrs),
    )


def merge_results(parts: Sequence[EvaluationResult]) -> EvaluationResult:
    """One result over the channels of ``parts`` (results of one precoder at the same SNR
    points and ``N_s`` on disjoint sets of channels), exactly as if evaluated at once: means
    weighted by channels, the standard deviation pooled from each part's mean and spread, the
    NMSE pooled from its numerators and denominators."""
    if not parts:
        raise ValueError("nothing to merge")
    first = parts[0]
    for part in parts[1:]:
        if (part.snr_db, part.num_symbols, part.modulation) != (
            first.snr_db, first.num_symbols, first.modulation
        ):  # fmt: skip
            raise ValueError("merge_results needs parts at the same SNRs, N_s and modulation")
    counts = torch.tensor([p.num_channels for p in parts], dtype=torch.float64)
    N = float(counts.sum())
    weights = counts / N

    def mean(values: list[list[float]]) -> torch.Tensor:  # [parts, snr] -> [snr]
        return (torch.tensor(values, dtype=torch.float64) * weights[:, None]).sum(dim=0)

    means = torch.tensor([p.sum_rate for p in parts], dtype=torch.float64)  # [parts, snr]
    stds = torch.tensor([p.sum_rate_std for p in parts], dtype=torch.float64)
    squares = ((counts[:, None] - 1) * stds**2 + counts[:, None] * means**2).sum(dim=0)
    total = mean([p.sum_rate for p in parts])
    std = ((squares - N * total**2).clamp_min(0) / max(N - 1, 1)).sqrt()
    users = torch.tensor([p.user_rate for p in parts], dtype=torch.float64)  # [parts, snr, K]
    snidr = mean([[10 ** (x / 10) for x in p.snidr_db] for p in parts])
    sums = torch.tensor([p.nmse_sums for p in parts], dtype=torch.float64).sum(dim=0)
    return EvaluationResult(
        snr_db=first.snr_db,
        sum_rate=total.tolist(),
        sum_rate_std=std.tolist(),
        sum_rate_sem=(std / math.sqrt(N)).tolist(),
        user_rate=(users * weights[:, None, None]).sum(dim=0).tolist(),
        log_se=mean([p.log_se for p in parts]).tolist(),
        snidr_db=[_to_db(float(x)) for x in snidr],
        nmse_db=[_to_db(float(e / en)) for e, en in sums],
        num_channels=int(N),
        num_symbols=first.num_symbols,
        modulation=first.modulation,
        ber=mean([p.ber for p in parts]).tolist() if first.ber is not None else None,  # type: ignore[misc]
        csi_error_nmse_db=first.csi_error_nmse_db,
        zero_gain=[sum(z) for z in zip(*(p.zero_gain for p in parts), strict=True)],
        nmse_sums=[(float(e), float(en)) for e, en in sums],
    )


def _channel_estimates(
    channels: torch.Tensor,
    given: torch.Tensor | None,
    error_nmse_db: float | None,
    seed: int,
) -> torch.Tensor:
    """The channels the precoder sees: ``channels`` (perfect CSI), ``given`` or a noisy draw."""
    if given is not None and error_nmse_db is not None:
        raise ValueError("give channel_estimates or csi_error_nmse_db, not both")
    if error_nmse_db is not None:
        generator = torch.Generator().manual_seed(seed + CSI_ERROR_OFFSET)
        return noisy_channel_estimate(channels, error_nmse_db, generator)
    if given is None:
        return channels
    check_channel(given)
    if given.shape != channels.shape:
        raise ValueError(
            f"channel_estimates must have the shape of channels {tuple(channels.shape)}, got "
            f"{tuple(given.shape)}"
        )
    return given.to(channels.device, channels.dtype)
