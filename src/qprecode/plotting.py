"""Plots of saved results. Each function reads result records (as written to JSON) and writes a
PNG; nothing here computes metrics.

Figures are built with the object-oriented API (``matplotlib.figure.Figure``), never through
``pyplot``: saving a ``Figure`` to PNG renders with Agg for that one file, so importing or calling
this module leaves matplotlib's global backend, and any figures a caller has open, untouched.
Every function returns its ``Figure`` for callers that want to inspect or adjust it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = [
    "DPI",
    "plot_curves",
    "plot_metric",
    "plot_pareto",
    "plot_power",
    "plot_radiation",
    "plot_symbol_scatter",
]

# Line styles and markers, one per DAC resolution (plot_metric) or per curve (plot_curves).
_STYLES: tuple[Any, ...] = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))
_MARKERS = ("o", "s", "^", "v", "D", "x")
DPI = 130  # of every saved PNG
_AXIS_LABELS = {"sum_rate": "sum rate [bits/channel use]", "ber": "uncoded bit error rate"}


def _bits_label(bits: Any) -> str:
    return "unquantized" if bits in (None, "inf") else f"{bits}-bit"


def _colors(count: int) -> list[tuple[float, float, float, float]]:
    """``count`` distinct colours: tab10 up to ten, else evenly spread over viridis."""
    if count <= 10:
        cmap = matplotlib.colormaps["tab10"]
        return [cmap(i) for i in range(count)]
    cmap = matplotlib.colormaps["viridis"]
    return [cmap(x) for x in np.linspace(0.0, 0.95, count)]


def _save(fig: Figure, path: str | Path) -> Figure:
    """Write ``fig`` as a PNG at ``DPI`` (parent folders created) and return it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=DPI, bbox_inches="tight")
    return fig


def _legend_outside(ax: Any, **kwargs: Any) -> Any:
    """The legend to the right of ``ax``, outside it, so that it covers no curve."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                     **{"fontsize": 8, **kwargs})  # fmt: skip


def _same_curve(
    x: np.ndarray, y: np.ndarray, drawn: Sequence[tuple[np.ndarray, np.ndarray, str]]
) -> list[str]:
    """Labels of the curves in ``drawn`` that ``(x, y)`` lies on (equal to rounding)."""
    return [label for x0, y0, label in drawn if x0.shape == x.shape and np.allclose(x0, x)
            and np.allclose(y0, y, rtol=1e-6, atol=1e-12)]  # fmt: skip


def plot_metric(
    records: Sequence[dict[str, Any]],
    path: str | Path,
    metric: str,
    title: str = "",
    ber_floor: float | None = None,
) -> Figure:
    """``metric`` (``sum_rate`` or ``ber``, the latter on a log axis) vs SNR: one line per
    (precoder, bits); the colour tells the precoder, the line style and marker the bits.

    A curve equal to one drawn before it (e.g. ZF and MRT for one user) gets hollow, larger
    markers and ``(= OTHER)`` in its label, so that both stay visible. A BER of zero (no error
    seen) cannot sit on a log axis: it is marked with a hollow down triangle at ``ber_floor``
    (one over the simulated bits per point; half the smallest BER drawn if not given), the
    triangles of one SNR side by side. The legend stands outside the axes.

    ``records`` hold ``precoder``, ``bits`` (``None`` or ``"inf"``: unquantized), ``snr_db`` and
    the ``metric`` key, and optionally ``<metric>_sem``, its standard error, drawn as a 95 %
    band.
    """
    if metric not in _AXIS_LABELS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {sorted(_AXIS_LABELS)}")
    curves: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for r in records:
        points = curves.setdefault((r["precoder"], _bits_label(r["bits"])), [])
        points.append((r["snr_db"], r[metric], r.get(f"{metric}_sem", 0.0)))
    precoders = list(dict.fromkeys(p for p, _ in curves))
    bit_labels = list(dict.fromkeys(b for _, b in curves))
    colors = _colors(len(precoders))
    fig = Figure(figsize=(8.4, 4.4))
    ax = fig.subplots()
    drawn: list[tuple[np.ndarray, np.ndarray, str]] = []
    zeros: list[tuple[float, Any, int]] = []  # (snr, colour, curve) of BERs of zero
    for curve, ((precoder, bits), points) in enumerate(curves.items()):
        points.sort()
        style = bit_labels.index(bits) % len(_STYLES)
        color = colors[precoders.index(precoder)]
        if metric == "ber":
            zeros += [(p[0], color, curve) for p in points if p[1] <= 0]
            points = [p for p in points if p[1] > 0]
        if not points:  # a BER of zero at every SNR: only the floor markers
            continue
        x, y, sem = (np.asarray(v, dtype=float) for v in zip(*points, strict=True))
        label = f"{precoder.upper()} {bits}"
        same = _same_curve(x, y, drawn)
        marks: dict[str, Any] = {"markersize": 3.5}
        if same:  # hollow and larger, one size up per curve underneath
            marks = {"markersize": 3.5 + 3.0 * len(same), "markerfacecolor": "none",
                     "markeredgewidth": 1.2}  # fmt: skip
            label += f" (= {same[0]})"
        ax.plot(x, y, linestyle=_STYLES[style], marker=_MARKERS[style], color=color,
                label=label, **marks)  # fmt: skip
        drawn.append((x, y, f"{precoder.upper()} {bits}"))
        if np.any(sem > 0):  # a 95 % band over channels
            ax.fill_between(x, y - 1.96 * sem, y + 1.96 * sem, color=color, alpha=0.15, lw=0)
    ax.set_xlabel(r"SNR $P_T/\sigma_v^2$ [dB]")
    ax.set_ylabel(_AXIS_LABELS[metric])
    if metric == "ber":
        ax.set_yscale("log")
        if zeros:
            positive = [y.min() for _, y, _ in drawn]
            floor = ber_floor if ber_floor else (min(positive) / 2 if positive else 1e-6)
            snrs = [r["snr_db"] for r in records]
            step = 0.012 * ((max(snrs) - min(snrs)) or 1.0)  # side by side at one SNR
            for snr, color, index in zeros:
                here = [i for x, _, i in zeros if x == snr]
                shift = (here.index(index) - (len(here) - 1) / 2) * step
                ax.plot([snr + shift], [floor], linestyle="none", marker="v", markersize=7,
                        markerfacecolor="none", markeredgewidth=1.2, color=color)  # fmt: skip
            ax.plot([], [], linestyle="none", marker="v", markerfacecolor="none", color="black",
                    label=f"no error seen (BER < {floor:.1e})")  # fmt: skip
    ax.grid(True, alpha=0.3)
    if ax.get_lines():
        _legend_outside(ax)
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_radiation(
    patterns: Sequence[dict[str, Any]],
    user_angles_deg: Sequence[float],
    path: str | Path,
    title: str = "",
) -> Figure:
    """Polar radiation patterns as in Figs. 3-4 of Feys et al.: intended signal, distortion and
    SDR in dB over 0..180 degrees. ``patterns`` hold ``label``, ``angles_deg``, ``p_lin_db``,
    ``p_dist_db`` and ``sdr_db``; users are marked with stars. The signal and distortion panels
    share one radial scale, so that they can be compared by eye."""
    fig = Figure(figsize=(13, 3.6))
    axes = fig.subplots(1, 3, subplot_kw={"projection": "polar"})
    panels = (
        ("p_lin_db", r"$P_\mathrm{lin}$ [dB]"),
        ("p_dist_db", r"$P_\mathrm{dist}$ [dB]"),
        ("sdr_db", r"$P_\mathrm{SDR}$ [dB]"),
    )

    def values(pattern: dict[str, Any], key: str) -> np.ndarray:
        return np.asarray([np.nan if v is None else v for v in pattern[key]], dtype=float)

    def limits(keys: Sequence[str]) -> tuple[float, float] | None:
        finite = np.concatenate([v[np.isfinite(v)] for p in patterns for k in keys
                                 for v in [values(p, k)]])  # fmt: skip
        if not finite.size:
            return None
        return float(np.percentile(finite, 1)), float(finite.max()) + 1.0

    shared = limits(("p_lin_db", "p_dist_db"))
    for ax, (key, name) in zip(axes, panels, strict=True):
        for pattern in patterns:
            theta = np.deg2rad(np.asarray(pattern["angles_deg"], dtype=float))
            ax.plot(theta, values(pattern, key), label=pattern["label"], linewidth=1.2)
        scale = shared if key != "sdr_db" else limits((key,))
        if scale is not None:
            ax.set_ylim(*scale)
        top = ax.get_ylim()[1]
        for angle in user_angles_deg:
            ax.plot([np.deg2rad(angle)], [top], "*", color="crimson", markersize=12)
        ax.set_thetamin(0)
        ax.set_thetamax(180)
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.set_title(name, fontsize=10)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=min(len(labels), 4))
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def plot_power(panels: Sequence[dict[str, Any]], path: str | Path) -> Figure:
    """Power vs bandwidth as in Figs. 12-13 of Feys et al.: one panel per DAC type, each with
    curves (``power_curves`` output, ``label`` and ``max_bandwidth_hz`` keys) on log axes and
    its legend beside it, outside the axes."""
    dac_types = list(dict.fromkeys(p["dac"] for p in panels))
    fig = Figure(figsize=(8.6 * len(dac_types), 4.4), layout="constrained")
    axes = fig.subplots(1, len(dac_types), squeeze=False)[0]
    for ax, dac in zip(axes, dac_types, strict=True):
        baseline_drawn = False
        for i, p in enumerate(x for x in panels if x["dac"] == dac):
            b = np.asarray(p["bandwidth_hz"])
            color = f"C{i + 1}"
            if not baseline_drawn:
                ax.plot(b, p["baseline_dacs_w"], "k-", label=p["baseline_label"])
                ax.plot(b, p["gnn_dacs_w"], "k--", label=p["gnn_dac_label"])
                baseline_drawn = True
            ax.plot(b, p["gnn_processing_w"], ":", color=color, label=f"{p['label']} processing")
            ax.plot(b, p["gnn_total_w"], "-", color=color, label=f"{p['label']} total")
            ax.axvline(p["max_bandwidth_hz"], color=color, alpha=0.4, linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("bandwidth B [Hz]")
        ax.set_ylabel("power [W]")
        ax.set_title(f"{dac} DACs (vertical lines: accelerator speed limit)", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        _legend_outside(ax, fontsize=7)
    return _save(fig, path)


def plot_curves(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    path: str | Path,
    xlabel: str,
    ylabel: str,
    title: str = "",
    logx: bool = False,
) -> Figure:
    """Named ``(x, y)`` curves on one axis, each with its own colour, line style and marker
    (``logx``: a logarithmic x axis)."""
    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.subplots()
    colors = _colors(len(curves))
    for i, (label, (x, y)) in enumerate(curves.items()):
        style = i % len(_STYLES)
        ax.plot(x, y, linestyle=_STYLES[style], marker=_MARKERS[style], markersize=4,
                color=colors[i], label=label)  # fmt: skip
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_symbol_scatter(
    panels: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    path: str | Path,
    title: str = "",
) -> Figure:
    """Fig. 10 of Feys et al.: real part of the estimated received symbol against the real part
    of the transmitted one, one panel per precoder; the identity line is dashed."""
    fig = Figure(figsize=(4.6 * len(panels), 4.2))
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, (label, (sent, received)) in zip(axes[0], panels.items(), strict=True):
        ax.scatter(sent, received, s=3, alpha=0.5)
        lim = max(float(np.abs(sent).max()), 1e-9) * 1.1
        ax.plot([-lim, lim], [-lim, lim], "k--", linewidth=0.8)
        ax.set_xlabel(r"Re$\{s\}$")
        ax.set_ylabel(r"Re$\{\hat s\}$")
        ax.set_title(label, fontsize=10)
        ax.grid(True, alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def plot_pareto(
    groups: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[bool]]],
    path: str | Path,
    xlabel: str,
    ylabel: str,
    title: str = "",
    references: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    log_y: bool = True,
) -> Figure:
    """Trade-off plots as in Figs. 2-3 of Kasalaee et al.: per group, every point faint and its
    Pareto front (``mask`` true) joined by a line; optional reference curves (e.g. WMMSE over its
    stopping tolerance) in black.

    ``groups``: label -> ``(x, y, on_front)``; ``references``: label -> ``(x, y)``.
    """
    fig = Figure(figsize=(6.8, 4.6))
    ax = fig.subplots()
    for color, (label, (x, y, front)) in zip(_colors(len(groups)), groups.items(), strict=True):
        ax.scatter(x, y, s=10, color=color, alpha=0.3, linewidths=0)
        points = sorted((a, b) for a, b, keep in zip(x, y, front, strict=True) if keep)
        if points:
            ax.plot(*zip(*points, strict=True), "-o", color=color, markersize=4, label=label)
    for i, (label, (x, y)) in enumerate((references or {}).items()):
        if len(x) == 1:  # a single operating point (e.g. ZF): a marker of its own
            ax.plot(x, y, linestyle="none", color="black", marker=_MARKERS[i % len(_MARKERS)],
                    markersize=6, markerfacecolor="none", label=label)  # fmt: skip
            continue
        ax.plot(x, y, linestyle=_STYLES[(i + 1) % len(_STYLES)], color="black", marker="s",
                markersize=3, label=label)  # fmt: skip
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)


# The validation metrics of the training tasks, in words with their units.
_VALIDATION_LABELS = {
    "val_sum_rate": "validation sum rate [bits/channel use]",
    "val_fraction": "validation utility / WMMSE's [fraction]",
}


def plot_training(
    rows: Sequence[Mapping[str, Any]], path: str | Path, metric: str, title: str = ""
) -> Figure:
    """A run's training curve from its ``metrics.csv`` rows: the training loss (left; the
    task's objective, lower is better) and the validation ``metric`` (right, with its units)
    against the optimiser step, under ``title`` (e.g. the run's name)."""
    steps = [float(r["step"]) for r in rows]
    fig = Figure(figsize=(9.0, 3.8))
    left, right = fig.subplots(1, 2)
    left.plot(steps, [float(r["train_loss"]) for r in rows], marker="o", markersize=3)
    left.set_ylabel("training loss (lower is better)")
    left.set_title("training loss, mean since the previous row", fontsize=9)
    right.plot(steps, [float(r[metric]) for r in rows], marker="o", markersize=3, color="C1")
    right.set_ylabel(_VALIDATION_LABELS.get(metric, f"validation {metric}"))
    right.set_title("validation set", fontsize=9)
    for ax in (left, right):
        ax.set_xlabel("optimiser step")
        ax.grid(True, alpha=0.3)
    fig.suptitle(title or "training curve", fontsize=10)
    return _save(fig, path)
