"""Signal-to-noise ratios of channel datasets: thermal noise, the per-user SNR of a channel at a
transmit SNR, the average SNR of a split and the transmit SNR that calibrates it to a target.

Convention (the project's ``P_T = M``): the transmit vector has
power ``P_T = M`` (unit power per antenna) and the transmit SNR is ``P_T / sigma_v^2``; the SNR
of user ``u`` is

.. math::
    \\mathrm{SNR}_u = \\frac{P_T \\lVert h_u \\rVert^2}{M \\sigma_v^2}
                  = 10^{\\mathrm{SNR}/10} \\, \\frac{\\lVert h_u \\rVert^2}{M},

the mean per-antenna received SNR, without array gain. The average SNR of a set of users is the
mean of ``10 log10 SNR_u`` (mean of dB values). Channels written by
``datasets.sionna_sites`` are normalised by the receiver noise, so that ``SNR = 0 dB`` is the
physical site (its transmit power, system loss, noise figure and bandwidth).
"""

from __future__ import annotations

import math

import torch

from .groups import FileChannel

__all__ = [
    "BOLTZMANN",
    "calibrated_snr_db",
    "mean_snr_db",
    "snr_summary",
    "split_snr_db",
    "thermal_noise_dbm",
    "user_snr_db",
]

BOLTZMANN = 1.380649e-23  # J/K (exact, SI 2019)


def thermal_noise_dbm(
    bandwidth_hz: float, noise_figure_db: float = 0.0, temperature_k: float = 290.0
) -> float:
    """Receiver noise power ``10 log10(k T B / 1 mW) + NF`` in dBm (about -174 dBm/Hz at 290 K)."""
    if not (bandwidth_hz > 0 and temperature_k > 0 and math.isfinite(noise_figure_db)):
        raise ValueError(
            f"bandwidth and temperature must be positive and the noise figure finite, got "
            f"B={bandwidth_hz}, T={temperature_k}, NF={noise_figure_db}"
        )
    return 10 * math.log10(BOLTZMANN * temperature_k * bandwidth_hz / 1e-3) + noise_figure_db


def user_snr_db(channels: torch.Tensor, snr_db: float = 0.0) -> torch.Tensor:
    """Per-user SNR ``10 log10(10^(SNR/10) ||h_u||^2 / M)`` in dB.

    Args:
        channels: ``[..., M]`` complex, one channel per user (a position file's ``[P, M]``).
        snr_db: transmit SNR ``P_T / sigma_v^2`` in dB.

    Returns:
        ``[...]`` float64 (``-inf`` for an all-zero channel).
    """
    if channels.dim() < 1 or channels.shape[-1] == 0:
        raise ValueError(f"channels must be [..., M] with M >= 1, got {tuple(channels.shape)}")
    power = channels.abs().double().pow(2).mean(dim=-1)  # ||h||^2 / M
    return 10 * torch.log10(power) + snr_db


def mean_snr_db(channels: torch.Tensor, snr_db: float = 0.0) -> float:
    """Average SNR in dB of a set of users (mean of ``user_snr_db`` over ``channels[..., M]``)."""
    values = user_snr_db(channels, snr_db)
    if not torch.isfinite(values).all():
        raise ValueError("some channel is all zero: its SNR is -inf dB")
    return float(values.mean())


def calibrated_snr_db(channels: torch.Tensor, target_db: float) -> float:
    """The transmit SNR ``P_T / sigma_v^2`` (dB) at which ``mean_snr_db(channels)`` equals
    ``target_db``: the average SNR of a site (e.g. 15 dB for an NLOS site, 29 dB for a LOS
    site). Exact, since every user's SNR in dB moves with the transmit SNR."""
    return target_db - mean_snr_db(channels)


def split_snr_db(channel: FileChannel, snr_db: float = 0.0) -> float:
    """Average SNR in dB of the positions of a ``FileChannel`` split (LOS, NLOS or mixed, as the
    channel was built), with its ``scale`` applied, at transmit SNR ``snr_db``."""
    if channel.file.layout != "positions":
        h = channel.file.channels[channel.pool].transpose(-2, -1)  # [N, M, K] -> [N, K, M]
    else:
        h = channel.file.channels[channel.pool]  # [P_split, M]
    return mean_snr_db(h * channel.scale, snr_db)


def snr_summary(
    channels: torch.Tensor, los: torch.Tensor | None = None, snr_db: float = 0.0
) -> dict[str, float | None]:
    """Mean, median, 10th and 90th percentile of the per-user SNR in dB of ``channels [P, M]``
    at transmit SNR ``snr_db``, and the LOS and NLOS means when ``los [P]`` is given (``None``
    for an empty class)."""
    values = user_snr_db(channels, snr_db)
    q = torch.quantile(values, torch.tensor([0.1, 0.5, 0.9], dtype=values.dtype))
    out: dict[str, float | None] = {"mean": float(values.mean()), "p10": float(q[0]),
                                    "median": float(q[1]), "p90": float(q[2])}  # fmt: skip
    if los is not None:
        for name, mask in (("los_mean", los), ("nlos_mean", ~los)):
            out[name] = float(values[mask].mean()) if bool(mask.any()) else None
    return out
