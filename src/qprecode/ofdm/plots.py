"""Plots of saved wideband results (the records ``qprecode ofdm --json`` writes): the sum rate
against the DAC resolution per oversampling ratio, and the transmitted spectrum with its guard
band. Like ``qprecode.plotting``, they build ``Figure`` objects (no ``pyplot`` state) and only
read records."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from ..plotting import DPI

__all__ = ["plot_ofdm_psd", "plot_ofdm_rates", "plot_ofdm_snr"]


def _bits_value(bits: Any) -> float:
    return float("inf") if bits in (None, "inf") else float(bits)


def _bits_text(bits: float) -> str:
    return "inf" if bits == float("inf") else str(int(bits))


def _finite(values: Sequence[float | None]) -> np.ndarray:
    """dB values as floats, a silent bin (``-inf``, or ``None`` as JSON stores it) as a gap."""
    x = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    return np.where(np.isfinite(x), x, np.nan)


def _save(fig: Figure, path: str | Path) -> Figure:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=DPI, bbox_inches="tight")
    return fig


def plot_ofdm_rates(records: Sequence[dict[str, Any]], path: str | Path, title: str = "") -> Figure:
    """Sum rate per subcarrier against the DAC bits, one line per oversampling ratio: markers and
    solid lines the simulation, dotted lines the Bussgang model (``exact``). One panel per
    precoder (columns) and SNR point (rows); unquantized DACs sit at the right end."""
    precoders = list(dict.fromkeys(r["precoder"] for r in records))
    snrs = list(dict.fromkeys(r["snr_db"] for r in records))
    ratios = sorted({r["oversampling"] for r in records})
    bit_order = sorted({_bits_value(r["bits"]) for r in records})
    ticks = {b: i for i, b in enumerate(bit_order)}
    cmap = matplotlib.colormaps["viridis"]
    colors = {q: cmap(x) for q, x in zip(ratios, np.linspace(0.0, 0.85, len(ratios)), strict=True)}
    fig = Figure(figsize=(4.2 * len(precoders), 3.4 * len(snrs)))
    axes = fig.subplots(len(snrs), len(precoders), squeeze=False)
    for row, snr in enumerate(snrs):
        for col, name in enumerate(precoders):
            ax = axes[row][col]
            for q in ratios:
                rs = [r for r in records if r["precoder"] == name and r["snr_db"] == snr
                      and r["oversampling"] == q]  # fmt: skip
                rs.sort(key=lambda r: _bits_value(r["bits"]))
                x = [ticks[_bits_value(r["bits"])] for r in rs]
                ax.plot(x, [r["sum_rate"]["sim"] for r in rs], "o-", color=colors[q],
                        label=f"N/S = {q:g}")  # fmt: skip
                if all(r["sum_rate"]["exact"] is not None for r in rs):  # a linear precoder
                    ax.plot(x, [r["sum_rate"]["exact"] for r in rs], ":", color=colors[q])
            ax.set_xticks(range(len(bit_order)), [_bits_text(b) for b in bit_order])
            ax.set_title(f"{name}, SNR {snr:g} dB", fontsize=10)
            ax.set_xlabel("DAC bits")
            ax.set_ylabel("sum rate [bits/subcarrier use]")
            ax.grid(alpha=0.3)
    axes[0][0].plot([], [], ":", color="grey", label="Bussgang model")
    axes[0][0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)


def plot_ofdm_psd(records: Sequence[dict[str, Any]], path: str | Path, title: str = "") -> Figure:
    """Transmitted spectrum relative to the in-band density, one panel per oversampling ratio and
    one line per DAC resolution (simulation solid, Bussgang model dashed), the guard band shaded.
    Takes the records of one precoder at one SNR point; frequency in units of the used
    bandwidth ``S`` (the band is ``[-1/2, 1/2)``)."""
    ratios = sorted({r["oversampling"] for r in records})
    bit_order = sorted({_bits_value(r["bits"]) for r in records})
    cmap = matplotlib.colormaps["plasma"]
    shades = np.linspace(0.0, 0.8, len(bit_order))
    colors = {b: cmap(x) for b, x in zip(bit_order, shades, strict=True)}
    fig = Figure(figsize=(4.4 * len(ratios), 3.6))
    axes = fig.subplots(1, len(ratios), squeeze=False)[0]
    for ax, q in zip(axes, ratios, strict=True):
        rs = sorted((r for r in records if r["oversampling"] == q),
                    key=lambda r: _bits_value(r["bits"]))  # fmt: skip
        for r in rs:
            f = np.asarray(r["frequencies"], dtype=float) / r["used"]
            b = _bits_value(r["bits"])
            label = "unquantized" if b == float("inf") else f"{int(b)}-bit"
            ax.plot(f, _finite(r["psd_db"]["sim"]), "-", lw=1.0, color=colors[b], label=label)
            if r["psd_db"]["exact"] is not None:  # a linear precoder
                ax.plot(f, _finite(r["psd_db"]["exact"]), "--", lw=0.8, color=colors[b])
        edge = q / 2.0
        for lo, hi in ((-edge, -0.5), (0.5, edge)):
            if hi > lo:
                ax.axvspan(lo, hi, color="grey", alpha=0.12, lw=0)
        ax.set_xlim(-edge, edge)
        ax.set_ylim(-80.0, 5.0)
        ax.set_title(f"N/S = {q:g}" + ("  (no guard band)" if q == 1 else ""), fontsize=10)
        ax.set_xlabel("frequency / used bandwidth")
        ax.set_ylabel("PSD rel. to in-band [dB]")
        ax.grid(alpha=0.3)
    axes[0].plot([], [], "--", color="grey", lw=0.8, label="Bussgang model")
    axes[0].legend(fontsize=8, loc="lower center")
    if title:
        fig.suptitle(title + "; shaded: guard band (unquantized: silent there)",
                     fontsize=10)  # fmt: skip
    fig.tight_layout()
    return _save(fig, path)


def plot_ofdm_snr(records: Sequence[dict[str, Any]], path: str | Path, title: str = "") -> Figure:
    """Simulated sum rate per subcarrier against the SNR, one line per precoder, DAC resolution
    and oversampling ratio, and beside it the block error rate (log scale) where the records
    carry one (a coded run)."""
    keys = list(dict.fromkeys((r["precoder"], str(r["bits"]), r["oversampling"]) for r in records))
    coded = any(r.get("bler") is not None for r in records)
    fig = Figure(figsize=(4.8 * (2 if coded else 1), 3.6))
    axes = fig.subplots(1, 2 if coded else 1, squeeze=False)[0]
    cmap = matplotlib.colormaps["tab10"]
    for i, (name, bits, q) in enumerate(keys):
        rs = sorted((r for r in records if (r["precoder"], str(r["bits"]), r["oversampling"])
                     == (name, bits, q)), key=lambda r: r["snr_db"])  # fmt: skip
        label = f"{name}, {bits}-bit, N/S = {q:g}"
        snr = [r["snr_db"] for r in rs]
        axes[0].plot(snr, [r["sum_rate"]["sim"] for r in rs], "o-", color=cmap(i), label=label)
        if coded:
            # a BLER of 0 (no failed block) is drawn at half a block, an upper bound
            bler = [max(r["bler"], 0.5 / r["blocks"]) for r in rs]
            axes[1].semilogy(snr, bler, "o-", color=cmap(i), label=label)
    axes[0].set_ylabel("sum rate [bits/subcarrier use]")
    if coded:
        axes[1].set_ylabel("BLER (0 drawn at 1/(2 blocks))")
    for ax in axes:
        ax.set_xlabel("SNR [dB]")
        ax.grid(alpha=0.3, which="both")
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
