"""The wideband runner: one linear precoder, one DAC resolution and one grid on a set of seeded
channels and OFDM symbols; the Bussgang model (both distortion models) and the simulation of the
same chain side by side, at every SNR point.

Seeds: the channel taps come from ``seed``; channel ``b``'s symbols and receiver noise from the
named streams ``ofdm/symbols/b`` and ``ofdm/noise/b`` of ``seed`` (``seeds.stream_seed``). The
taps and symbols do not depend on the oversampling, the precoder or the DACs, so every
configuration of a sweep meets the same channels (the same in-band responses, see
``channel``) and the same symbols; and they do not depend on the batch size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import torch

from ..channels import complex_normal
from ..dac import DAC
from ..metrics import MODULATIONS, constellation, noise_variance
from ..precoders import MatrixPrecoder, design_for_snr
from ..progress import progress_bar
from ..seeds import stream_seed
from .bussgang import WidebandTerms, bussgang_model, sndr
from .channel import TappedDelayLineChannel, frequency_response
from .coded import LDPCCode, block_errors, coded_symbols
from .grid import OFDMGrid
from .local_search import OFDMLocalSearch
from .receiver import evm_terms, subcarrier_bit_errors
from .simulate import measure_output, simulate_chain
from .spectrum import aclr_db, guard_to_inband_db, psd_db
from .transmitter import OFDMTransmitter, subcarrier_matrices

__all__ = ["OFDMPoint", "WidebandPrecoder", "draw_ofdm_symbols", "evaluate_ofdm"]

_SOURCES = ("sim", "exact", "diagonal")  # the simulation and the two Bussgang models
_MODELS = ("exact", "diagonal")

# A linear precoder applied per subcarrier, or a non-linear one that writes the DAC outputs
# itself (``OFDMLocalSearch``: no Bussgang model; its model entries are ``None``).
WidebandPrecoder = MatrixPrecoder | OFDMLocalSearch


@dataclass(frozen=True)
class OFDMPoint:
    """Every metric of one configuration at one SNR point (JSON-ready: floats and lists).

    Rates are per used subcarrier (bits per channel use of one subcarrier), ``R = (1/S) sum_f
    sum_k log2(1 + SNDR_k[f])`` per channel, averaged over channels; ``*_db`` spectra are
    relative to the mean in-band density. For a non-linear precoder (no Bussgang model) every
    ``exact`` and ``diagonal`` entry is ``None``; its rate is the simulated one.

    Attributes:
        snr_db: ``P_T / sigma_v^2`` per subcarrier, dB.
        sum_rate: ``{"sim", "exact", "diagonal"}`` -> mean sum rate per subcarrier.
        sum_rate_sem: standard error over channels of the simulated sum rate.
        sndr_db: source -> mean over channels, users and subcarriers of the SNDR in dB.
        sndr_gap_db: model -> ``sndr_db["sim"] - sndr_db[model]``.
        sndr_gap_max_db: model -> largest ``|gap|`` over subcarriers (each subcarrier's SNDR in
            dB averaged over channels and users).
        subcarrier_rate: ``[S]`` simulated rate per user on every subcarrier, mean over channels
            and users, subcarriers in ascending frequency.
        subcarrier_sndr_db: source -> ``[S]`` SNDR in dB, mean over channels and users.
        evm_percent: ``[S]`` noiseless EVM per subcarrier, %.
        evm_mean_percent: EVM pooled over all subcarriers, %.
        frequencies: ``[N]`` frequency of every bin, units of the subcarrier spacing.
        psd_db: ``{"sim", "exact", "diagonal"}`` -> ``[N]`` spectrum over all bins.
        guard_to_inband_db: source -> guard-band over in-band density (``None``: no guard).
        aclr_db: source -> ACLR (``None``: adjacent channels outside the simulated band).
        ber: uncoded BER (``None`` for Gaussian symbols).
        bler: block error rate of the LDPC code words (``None`` without a code).
        blocks: code words simulated at this point (0 without a code).
    """

    snr_db: float
    sum_rate: dict[str, float | None]
    sum_rate_sem: float
    sndr_db: dict[str, float | None]
    sndr_gap_db: dict[str, float | None]
    sndr_gap_max_db: dict[str, float | None]
    subcarrier_rate: list[float]
    subcarrier_sndr_db: dict[str, list[float] | None]
    evm_percent: list[float]
    evm_mean_percent: float
    frequencies: list[int]
    psd_db: dict[str, list[float] | None]
    guard_to_inband_db: dict[str, float | None]
    aclr_db: dict[str, float | None]
    ber: float | None
    bler: float | None
    blocks: int


def draw_ofdm_symbols(
    num_channels: int,
    num_symbols: int,
    used: int,
    num_users: int,
    seed: int,
    modulation: str = "gaussian",
    dtype: torch.dtype = torch.complex64,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Symbols ``s: [B, T, S, K]`` (``CN(0, 1)`` or uniform unit-energy QAM points) and, for a
    constellation, their indices ``[B, T, S, K]`` int64 (else ``None``); channel ``b`` from the
    stream ``ofdm/symbols/b`` of ``seed``."""
    if modulation not in MODULATIONS:
        raise ValueError(f"unknown modulation {modulation!r}; choose one of {list(MODULATIONS)}")
    shape = (num_symbols, used, num_users)
    symbols, indices = [], []
    for b in range(num_channels):
        gen = torch.Generator().manual_seed(stream_seed(seed, f"ofdm/symbols/{b}"))
        if modulation == "gaussian":
            symbols.append(complex_normal(shape, gen, dtype))
        else:
            points = constellation(modulation).points
            idx = torch.randint(0, points.numel(), shape, generator=gen)
            symbols.append(points[idx].to(dtype))
            indices.append(idx)
    return torch.stack(symbols), torch.stack(indices) if indices else None


def _design(precoder: WidebandPrecoder, snr_db: float) -> WidebandPrecoder:
    if isinstance(precoder, OFDMLocalSearch):
        return precoder.with_snr(snr_db)
    return cast(MatrixPrecoder, design_for_snr(precoder, snr_db))


def _noise(channels: range, shape: tuple[int, ...], seed: int) -> torch.Tensor:
    draws = []
    for b in channels:
        gen = torch.Generator().manual_seed(stream_seed(seed, f"ofdm/noise/{b}"))
        draws.append(complex_normal(shape, gen))
    return torch.stack(draws)


def _db(x: torch.Tensor) -> torch.Tensor:
    return 10.0 * torch.log10(x)


def _optional(x: torch.Tensor) -> float | None:
    value = float(x)
    return None if math.isnan(value) else value


@dataclass
class _Pool:
    """What one design of the precoder gave on all channels (CPU tensors)."""

    terms: dict[str, list[WidebandTerms]]
    evm: list[tuple[torch.Tensor, torch.Tensor]]
    bit_errors: dict[float, list[torch.Tensor]]
    block_errors: dict[float, list[torch.Tensor]]

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources measured: the simulation, and the models for a linear precoder."""
        return tuple(s for s in _SOURCES if self.terms[s])

    def cat(self, source: str, field: str) -> torch.Tensor:
        return torch.cat([getattr(t, field) for t in self.terms[source]])


@torch.no_grad()
def _run_design(
    precoder: WidebandPrecoder,
    transmitter: OFDMTransmitter,
    taps: torch.Tensor,
    symbols: torch.Tensor,
    indices: torch.Tensor | None,
    info: torch.Tensor | None,
    code: LDPCCode | None,
    noise_vars: dict[float, float],
    modulation: str,
    seed: int,
    batch_size: int,
    device: torch.device,
    progress: bool,
    description: str,
) -> _Pool:
    pool = _Pool(
        {source: [] for source in _SOURCES}, [], {snr: [] for snr in noise_vars},
        {snr: [] for snr in noise_vars},
    )  # fmt: skip
    starts = range(0, taps.shape[0], batch_size)
    for start in progress_bar(starts, description, progress):
        chunk = range(start, min(start + batch_size, taps.shape[0]))
        H = frequency_response(taps[start : chunk.stop].to(device), transmitter.grid)
        s = symbols[start : chunk.stop].to(device)
        if isinstance(precoder, OFDMLocalSearch):
            measured = measure_output(H, precoder(H, s, transmitter.grid), s, transmitter.grid)
            sources = [("sim", measured.terms)]
        else:
            W = subcarrier_matrices(precoder, H)
            measured = simulate_chain(H, W, s, transmitter)
            sources = [
                ("sim", measured.terms),
                ("exact", bussgang_model(H, W, transmitter, "exact")),
                ("diagonal", bussgang_model(H, W, transmitter, "diagonal")),
            ]
        for source, terms in sources:
            pool.terms[source].append(WidebandTerms(**{k: v.cpu() for k, v in vars(terms).items()}))
        err, energy = evm_terms(H, s, measured)
        pool.evm.append((err.cpu(), energy.cpu()))
        if indices is not None:
            noise = _noise(chunk, tuple(s.shape[1:]), seed).to(device)
            idx = indices[start : chunk.stop].to(device)
            for snr, noise_var in noise_vars.items():
                errors = subcarrier_bit_errors(H, idx, noise, noise_var, measured, modulation)
                pool.bit_errors[snr].append(errors.cpu())
                if code is not None and info is not None:
                    sent = info[start : chunk.stop].to(device)
                    wrong = block_errors(H, measured, noise, noise_var, sent, code, modulation)
                    pool.block_errors[snr].append(wrong.cpu())
    return pool


def _point(
    pool: _Pool, snr: float, noise_var: float, grid: OFDMGrid, num_bits: int, blocks: int
) -> OFDMPoint:
    measured = pool.sources
    sndr_lin = {
        source: sndr(WidebandTerms(*(pool.cat(source, f) for f in ("signal", "interference",
             "distortion", "spectrum"))), noise_var)
        for source in measured
    }  # fmt: skip
    rates = {source: torch.log2(1.0 + x).sum(dim=-1).mean(dim=-1) for source, x in sndr_lin.items()}
    per_carrier = {source: _db(x).mean(dim=(0, 2)) for source, x in sndr_lin.items()}  # [S]
    overall = {source: float(_db(x).mean()) for source, x in sndr_lin.items()}
    models = [m for m in _MODELS if m in measured]
    spectra = {source: pool.cat(source, "spectrum").double().mean(dim=0) for source in measured}
    frequencies, _ = psd_db(spectra["sim"], grid)
    err = torch.cat([e for e, _ in pool.evm]).sum(dim=0)
    energy = torch.cat([e for _, e in pool.evm]).sum(dim=0)
    ber = None
    if pool.bit_errors[snr]:
        wrong = torch.cat(pool.bit_errors[snr]).sum()
        ber = float(wrong) / num_bits
    bler = None
    if pool.block_errors[snr]:
        bler = float(torch.cat(pool.block_errors[snr]).sum()) / blocks
    num_channels = rates["sim"].numel()
    sem = float(rates["sim"].std()) / math.sqrt(num_channels) if num_channels > 1 else 0.0

    def every(values: dict[str, Any]) -> dict[str, Any]:  # None for a source not measured
        return {source: values.get(source) for source in _SOURCES}

    def gaps(values: dict[str, float]) -> dict[str, float | None]:
        return {m: values.get(m) for m in _MODELS}

    return OFDMPoint(
        snr_db=snr,
        sum_rate=every({source: float(r.mean()) for source, r in rates.items()}),
        sum_rate_sem=sem,
        sndr_db=every(overall),
        sndr_gap_db=gaps({m: overall["sim"] - overall[m] for m in models}),
        sndr_gap_max_db=gaps(
            {m: float((per_carrier["sim"] - per_carrier[m]).abs().max()) for m in models}
        ),
        subcarrier_rate=torch.log2(1.0 + sndr_lin["sim"]).mean(dim=(0, 2)).tolist(),
        subcarrier_sndr_db=every({source: x.tolist() for source, x in per_carrier.items()}),
        evm_percent=(100.0 * (err / energy).sqrt()).tolist(),
        evm_mean_percent=float(100.0 * (err.sum() / energy.sum()).sqrt()),
        frequencies=frequencies.tolist(),
        psd_db=every({source: psd_db(x, grid)[1].tolist() for source, x in spectra.items()}),
        guard_to_inband_db=every(
            {s: _optional(guard_to_inband_db(x, grid)) for s, x in spectra.items()}
        ),
        aclr_db=every({source: _optional(aclr_db(x, grid)) for source, x in spectra.items()}),
        ber=ber,
        bler=bler,
        blocks=blocks if bler is not None else 0,
    )


def evaluate_ofdm(
    precoder: WidebandPrecoder,
    grid: OFDMGrid,
    channel: TappedDelayLineChannel,
    dac: DAC,
    snr_db: Sequence[float],
    num_channels: int,
    num_symbols: int,
    seed: int = 0,
    modulation: str = "gaussian",
    batch_size: int = 8,
    device: torch.device | str = "cpu",
    progress: bool = False,
    description: str = "ofdm",
    code: LDPCCode | None = None,
) -> list[OFDMPoint]:
    """Model and simulation of ``precoder`` + DACs on OFDM at every SNR point.

    Args:
        precoder: a narrowband linear precoder, applied per subcarrier, or ``OFDMLocalSearch``
            (non-linear, on the time samples); an SNR-dependent one (RZF, the local search) is
            designed for every SNR point.
        grid: the OFDM grid (``N``, ``S``).
        channel: the tapped-delay-line channel model (``M``, ``K``, ``L``, profile).
        dac: the DACs, designed for unit input power.
        snr_db: SNR points ``P_T / sigma_v^2`` per subcarrier, dB.
        num_channels: channel realisations ``B``.
        num_symbols: OFDM symbols ``T > K`` per channel.
        seed: seed of taps, symbols and noise (module docstring).
        modulation: ``gaussian`` or a QAM constellation (then the uncoded BER too).
        batch_size: channels per chunk (memory grows as ``batch_size * T * N * M``).
        device: torch device of the computation.
        progress: show a progress bar.
        description: the progress bar's label.
        code: an LDPC code (QAM only): the symbols carry its code words (``coded``) and every
            point gets the block error rate.

    Returns:
        One ``OFDMPoint`` per SNR point.
    """
    if num_channels < 1 or batch_size < 1:
        raise ValueError(
            f"channels and batch size must be positive, got {num_channels} and {batch_size}"
        )
    if num_symbols <= channel.num_users:
        raise ValueError(
            f"OFDM symbols per channel must exceed the users K={channel.num_users} (the "
            f"per-subcarrier fit), got {num_symbols}"
        )
    dev = torch.device(device)
    taps = channel.sample(num_channels, torch.Generator().manual_seed(seed))
    info, blocks = None, 0
    if code is None:
        symbols, indices = draw_ofdm_symbols(
            num_channels, num_symbols, grid.used, channel.num_users, seed, modulation
        )
    elif modulation == "gaussian":
        raise ValueError("a coded run needs QAM symbols, not gaussian")
    else:
        symbols, indices, info = coded_symbols(
            num_channels, num_symbols, grid.used, channel.num_users, code, modulation, seed
        )
        blocks = num_channels * channel.num_users * info.shape[2]
    transmitter = OFDMTransmitter(grid, dac)
    power = float(channel.num_antennas if precoder.total_power is None else precoder.total_power)
    noise_vars = {snr: noise_variance(snr, power) for snr in snr_db}
    num_bits = num_channels * num_symbols * grid.used * channel.num_users
    num_bits *= MODULATIONS[modulation]
    designs: list[tuple[Any, dict[float, float]]] = (
        [(_design(precoder, snr), {snr: nv}) for snr, nv in noise_vars.items()]
        if getattr(precoder, "snr_dependent", False)
        else [(precoder, noise_vars)]
    )
    points = []
    for design, served in designs:
        pool = _run_design(
            design, transmitter, taps, symbols, indices, info, code, served, modulation, seed,
            batch_size, dev, progress, description,
        )  # fmt: skip
        points += [_point(pool, snr, nv, grid, num_bits, blocks) for snr, nv in served.items()]
    return points
