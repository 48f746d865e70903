"""Plots of channel datasets: the SNR distribution of a site's users and their positions, coloured
by LOS, over a top view of the scene; the eigenvalue spread of channel sets. Object-oriented
matplotlib (``Figure``, no ``pyplot``); every function writes a PNG and returns its ``Figure``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

__all__ = ["plot_eigenvalue_spread", "plot_site_positions", "plot_snr_distribution"]

DPI = 130
_LOS_COLOR, _NLOS_COLOR = "tab:orange", "tab:blue"


def _save(fig: Figure, path: str | Path) -> Figure:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=DPI, bbox_inches="tight")
    return fig


def plot_snr_distribution(
    snr_db: torch.Tensor, los: torch.Tensor | None, path: str | Path, title: str = ""
) -> Figure:
    """Histogram of per-user SNRs ``snr_db [P]`` (dB), LOS and NLOS users stacked when
    ``los [P]`` is given, with the mean of each class and of all users marked."""
    values = snr_db.double().numpy()
    flags = np.zeros(values.shape, bool) if los is None else los.bool().numpy()
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    bins = np.histogram_bin_edges(values, bins=min(40, max(10, values.size // 8))).tolist()
    groups = [(values[~flags], "NLOS" if los is not None else "users", _NLOS_COLOR)]
    if los is not None:
        groups.append((values[flags], "LOS", _LOS_COLOR))
    ax.hist([g[0] for g in groups], bins=bins, stacked=True, color=[g[2] for g in groups],
            label=[f"{g[1]} ({g[0].size}, mean {g[0].mean():.1f} dB)" if g[0].size else g[1]
                   for g in groups])  # fmt: skip
    for data, _, color in groups:
        if data.size:
            ax.axvline(float(data.mean()), color=color, linestyle="--", linewidth=1)
    ax.axvline(float(values.mean()), color="k", linestyle=":", linewidth=1,
               label=f"all ({values.size}), mean {values.mean():.1f} dB")  # fmt: skip
    ax.set_xlabel(r"per-user SNR  $P_T\,\|h_u\|^2 / (M \sigma_v^2)$  [dB]")
    ax.set_ylabel("users")
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_site_positions(
    positions: torch.Tensor,
    los: torch.Tensor | None,
    path: str | Path,
    footprint: np.ndarray | None = None,
    bs: Sequence[float] | None = None,
    title: str = "",
) -> Figure:
    """Top view of a site: users ``positions [P, 3]`` (m) coloured by ``los [P]``, over the
    scene's structures ``footprint [T, 3, 2]`` (x-y triangles, e.g.
    ``sionna_sites.scene_footprint``) when given, and the BS at ``bs`` (x, y, ...)."""
    xy = positions[:, :2].double().numpy()
    flags = np.zeros(xy.shape[0], bool) if los is None else los.bool().numpy()
    fig = Figure(figsize=(7.0, 7.0))
    ax = fig.subplots()
    if footprint is not None and len(footprint):
        ax.add_collection(PolyCollection(list(footprint), facecolors="0.78", edgecolors="face",
                                         linewidths=0.3,
                                         label="structures"))  # fmt: skip
    marker = max(1.0, min(12.0, 4000.0 / max(1, xy.shape[0])))
    if los is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=marker, color=_NLOS_COLOR, label=f"users ({len(xy)})")
    else:
        for mask, name, color in ((~flags, "NLOS", _NLOS_COLOR), (flags, "LOS", _LOS_COLOR)):
            ax.scatter(xy[mask, 0], xy[mask, 1], s=marker, color=color,
                       label=f"{name} ({int(mask.sum())})")  # fmt: skip
    if bs is not None:
        ax.scatter([bs[0]], [bs[1]], marker="^", s=90, color="crimson", edgecolors="k",
                   label="BS", zorder=5)  # fmt: skip
    span = np.vstack([xy, np.asarray(bs, float)[None, :2]]) if bs is not None else xy
    pad = 0.08 * max(float(np.ptp(span[:, 0])), float(np.ptp(span[:, 1])), 1.0)
    ax.set_xlim(span[:, 0].min() - pad, span[:, 0].max() + pad)
    ax.set_ylim(span[:, 1].min() - pad, span[:, 1].max() + pad)
    ax.set_aspect("equal")
    ax.set_xlabel("x [m]")
    ax.set_ylabel("y [m]")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", markerscale=2)
    return _save(fig, path)


def plot_eigenvalue_spread(
    spreads_db: dict[str, torch.Tensor], path: str | Path, title: str = ""
) -> Figure:
    """Empirical CDFs of per-sample eigenvalue spreads ``{name: [N]}`` in dB (e.g.
    ``sionna_3gpp.condition_number_db`` of each channel set, i.i.d. Rayleigh among them)."""
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    for name, values in spreads_db.items():
        data = np.sort(values.double().numpy())
        ax.step(data, np.arange(1, data.size + 1) / data.size, where="post",
                label=f"{name} (median {np.median(data):.1f} dB)")  # fmt: skip
    ax.set_xlabel(r"eigenvalue spread $\lambda_{max} / \lambda_{min}$ of $H^H H$  [dB]")
    ax.set_ylabel("CDF")
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, path)
