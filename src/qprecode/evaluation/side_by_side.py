"""Several precoders on the same channels, symbols and noise (``qprecode evaluate``): the channels
drawn at once, or chunk by chunk when they would not fit in memory, and one flat record per
precoder and SNR."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import torch

from ..precoders import Precoder
from ..progress import progress_bar
from ..results import bits_json
from ..seeds import SYMBOL_OFFSET, stream_seed
from .evaluate import EvaluationResult, evaluate, merge_results
from .symbols import draw_symbols

__all__ = ["MIN_SYMBOLS", "STREAM_BYTES", "ChannelSource", "evaluate_side_by_side", "records"]

# Fewest symbol vectors per channel for the least-squares Bussgang fit (bias below 0.1 bit/c.u.
# for 1-bit MRT at 20 dB: 2.23 with 32 vectors against 2.16 with 125).
MIN_SYMBOLS = 32
# Above this many bytes of channels and symbols, they are drawn chunk by chunk (``batch_size``
# channels, each chunk with its own seeds), so that memory stays bounded by the chunk.
STREAM_BYTES = 2**28


class ChannelSource(Protocol):
    """A channel model or a channel file: ``sample(count, generator) -> H [count, M, K]``."""

    def sample(self, count: int, generator: torch.Generator) -> torch.Tensor: ...


def evaluate_side_by_side(
    precoders: Sequence[tuple[str, Precoder]],
    source: ChannelSource,
    antennas: int,
    num_channels: int,
    num_symbols: int,
    users: int,
    seed: int,
    snr_db: Sequence[float],
    modulation: str = "gaussian",
    csi_error_nmse_db: float | None = None,
    batch_size: int = 1000,
    device: torch.device | str = "cpu",
    progress: bool = True,
) -> tuple[list[EvaluationResult], bool]:
    """Every precoder ``(label, precoder)`` on the same ``num_channels`` channels of ``source``
    (seed ``seed``) and the same symbols and noise (seed ``seed + SYMBOL_OFFSET``).

    When the channels (``antennas`` each) and symbols of all ``num_channels`` would take more
    than ``STREAM_BYTES``, they are drawn ``batch_size`` channels at a time, each chunk with its own
    seeds (``stream_seed``), and the results merged. Returns the results in the order of
    ``precoders`` and whether they were streamed.
    """
    common: dict[str, Any] = {"snr_db": list(snr_db), "modulation": modulation,
                              "csi_error_nmse_db": csi_error_nmse_db,
                              "batch_size": batch_size}  # fmt: skip
    size = num_channels * (antennas + num_symbols) * users * 8
    if size <= STREAM_BYTES:
        H = source.sample(num_channels, torch.Generator().manual_seed(seed)).to(device)
        s, indices = draw_symbols(num_channels, num_symbols, users, seed + SYMBOL_OFFSET,
                                  H.dtype, modulation)  # fmt: skip
        results = [
            evaluate(precoder, H, symbols=s.to(device), symbol_indices=indices,
                     seed=seed + SYMBOL_OFFSET, progress=progress, description=label, **common)
            for label, precoder in precoders
        ]  # fmt: skip
        return results, False
    parts: list[list[EvaluationResult]] = [[] for _ in precoders]
    starts = range(0, num_channels, batch_size)
    for index in progress_bar(starts, "channel chunks", enabled=progress):
        count = min(batch_size, num_channels - index)
        chunk = f"chunk-{index // batch_size}"
        H = source.sample(count, torch.Generator().manual_seed(stream_seed(seed, chunk)))
        H = H.to(device)
        symbol_seed = stream_seed(seed + SYMBOL_OFFSET, chunk)
        s, indices = draw_symbols(count, num_symbols, users, symbol_seed, H.dtype, modulation)
        for slot, (label, precoder) in enumerate(precoders):
            parts[slot].append(evaluate(precoder, H, symbols=s.to(device), symbol_indices=indices,
                                        seed=symbol_seed, description=label,
                                        **common))  # fmt: skip
    return [merge_results(p) for p in parts], True


def records(
    name: str, bits: int | None, result: EvaluationResult, antennas: int, users: int,
    channel: str, modulation: str,
) -> list[dict[str, Any]]:  # fmt: skip
    """One flat record per SNR of ``result``: the precoder's ``name`` and ``bits``, the setting,
    then every metric (``ber`` only where simulated)."""
    out = []
    for i, snr in enumerate(result.snr_db):
        out.append({
            "precoder": name, "bits": bits_json(bits), "antennas": antennas, "users": users,
            "channel": channel, "snr_db": snr, "sum_rate": result.sum_rate[i],
            "sum_rate_std": result.sum_rate_std[i], "sum_rate_sem": result.sum_rate_sem[i],
            "user_rate": result.user_rate[i], "log_se": result.log_se[i],
            "snidr_db": result.snidr_db[i], "nmse_db": result.nmse_db[i],
            "zero_gain_users": result.zero_gain[i], "modulation": modulation,
            **({"ber": result.ber[i]} if result.ber is not None else {}),
        })  # fmt: skip
    return out
