"""Figs. 3, 4, 8 and 9 of Feys et al.: radiation patterns of the intended signal, the distortion
and the SDR over angle on pure line-of-sight ULA channels (eqs. 10-12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ...evaluation import los_radiation_db
from ...nn import GNNPrecoder
from ...plotting import plot_radiation
from ...precoders import Precoder
from ...registry import build_precoder
from ..common import Section, shipped_gnn
from .config import ReproduceConfig

__all__ = ["fig3", "fig4", "fig8", "fig9"]

GRID = torch.arange(0.0, 180.0 + 0.125, 0.25)


def _pattern(
    config: ReproduceConfig, precoder: Precoder, M: int, angles: list[float], label: str
) -> dict:
    """The patterns over ``GRID`` with ``config.radiation_symbols`` symbols from the seed."""
    patterns = los_radiation_db(precoder, M, angles, config.radiation_symbols, GRID, config.seed)
    return {"label": label, **patterns}


def _at(pattern: dict, key: str, angle: float) -> float:
    return pattern[key][round(angle / 0.25)]


def _spread_db(pattern: dict) -> float:
    """Peak-to-mean ratio of the distortion pattern in dB: 0 for a uniform pattern."""
    values = torch.tensor(pattern["p_dist_db"])
    linear = 10 ** (values / 10)
    return float(10 * torch.log10(linear.max() / linear.mean()))


def fig3(config: ReproduceConfig, out: Path) -> Section:
    """MRT + 1-bit DACs, M=32, K=1: a pathological angle (90 deg) and a generic one (110 deg)."""
    mrt = build_precoder("mrt", 1)
    rows, data = [], {}
    for panel, angle in (("a", 90.0), ("b", 110.0)):
        pat = _pattern(config, mrt, 32, [angle], f"MRT 1-bit, user at {angle:g} deg")
        plot_radiation([pat], [angle], out / f"fig3{panel}.png")
        sdr = torch.tensor(pat["sdr_db"])
        finite = sdr[torch.isfinite(sdr)]
        data[panel] = {"angle": angle, "sdr_user_db": _at(pat, "sdr_db", angle),
                       "sdr_range_db": float(finite.max() - finite.min())}  # fmt: skip
        rows.append(f"| {angle:g} | {data[panel]['sdr_user_db']:.1f} | "
                    f"{data[panel]['sdr_range_db']:.1f} |")  # fmt: skip
    md = "\n".join([
        "## Fig. 3: radiation of MRT with 1-bit DACs (M=32, K=1)", "",
        "![fig3a](fig3a.png)", "![fig3b](fig3b.png)", "",
        "| user angle [deg] | SDR at the user [dB] | SDR range over angle [dB] |", "|---|---|---|",
        *rows, "",
        "Paper: at pathological angles (90 deg among them) signal and distortion get the same "
        "beamforming gain, so the SDR is the same in every direction; at other angles the "
        "distortion is beamed mostly towards the user. Ours: the SDR range is "
        f"{data['a']['sdr_range_db']:.1f} dB at 90 deg (flat up to the pattern nulls) against "
        f"{data['b']['sdr_range_db']:.1f} dB at 110 deg.", "",
    ])  # fmt: skip
    return Section("fig3", "Fig. 3", md, ["fig3a.png", "fig3b.png"], data)


def fig4(config: ReproduceConfig, out: Path) -> Section:
    """ZF + 1-bit DACs, M=32, with 2 and 6 users: distortion spreads out with more users."""
    zf = build_precoder("zf", 1)
    cases = {"a": [55.0, 110.0], "b": [25.0, 55.0, 85.0, 110.0, 135.0, 155.0]}
    data, rows = {}, []
    for panel, angles in cases.items():
        pat = _pattern(config, zf, 32, angles, f"ZF 1-bit, K={len(angles)}")
        plot_radiation([pat], angles, out / f"fig4{panel}.png")
        sdr_users = [_at(pat, "sdr_db", a) for a in angles]
        data[panel] = {"angles": angles, "distortion_peak_to_mean_db": _spread_db(pat),
                       "sdr_users_db": sdr_users}  # fmt: skip
        rows.append(f"| {len(angles)} | {_spread_db(pat):.1f} | "
                    f"{min(sdr_users):.1f} .. {max(sdr_users):.1f} |")  # fmt: skip
    md = "\n".join([
        "## Fig. 4: radiation of ZF with 1-bit DACs (M=32)", "",
        "![fig4a](fig4a.png)", "![fig4b](fig4b.png)", "",
        "| K | distortion peak-to-mean [dB] | SDR at the users [dB] |", "|---|---|---|", *rows, "",
        "Paper: the more users, the more uniform (less beamformed) the distortion, and the SDR "
        "peaks in the user directions. Ours: the distortion's peak-to-mean ratio falls from "
        f"{data['a']['distortion_peak_to_mean_db']:.1f} dB (K=2) to "
        f"{data['b']['distortion_peak_to_mean_db']:.1f} dB (K=6).", "",
    ])  # fmt: skip
    return Section("fig4", "Fig. 4", md, ["fig4a.png", "fig4b.png"], data)


def _radiation_gnn() -> tuple[GNNPrecoder | None, str, str]:
    """The GNN for the radiation figures: the LOS-trained one, as in the paper, else the
    Rayleigh-trained one (a transfer test). Returns the precoder, its name and a note."""
    los = shipped_gnn(1, 1, "los")
    if los is not None:
        note = (
            "Ours: the shipped gnn:los-k1-b1, trained on LOS channels with user angles from "
            "U{0..180} as in the paper, with the CPU preset configs/small-los-k1-b1.yaml."
        )
        return los, "gnn:los-k1-b1", note
    rayleigh = shipped_gnn(1, 1)
    note = (
        "Ours: the shipped GNN was trained on i.i.d. Rayleigh channels at M=32; the paper "
        "trains LOS models (user angles from U{0..180}) for these figures, so this is a "
        "transfer test, not a reproduction of the paper's LOS training."
    )
    return rayleigh, "gnn:k1-b1", note if rayleigh is not None else "No shipped GNN was found."


def fig8(config: ReproduceConfig, out: Path) -> Section:
    """GNN vs MRT radiation with 1-bit DACs, M=32, K=1, user at 110 deg."""
    gnn, name, note = _radiation_gnn()
    pats = [_pattern(config, build_precoder("mrt", 1), 32, [110.0], "MRT 1-bit")]
    if gnn is not None:
        pats.append(_pattern(config, gnn, 32, [110.0], f"GNN 1-bit ({name})"))
    plot_radiation(pats, [110.0], out / "fig8.png")
    data: dict[str, Any] = {p["label"]: {"sdr_user_db": _at(p, "sdr_db", 110.0),
                                         "p_dist_user_db": _at(p, "p_dist_db", 110.0)}
                            for p in pats}  # fmt: skip
    rows = [
        f"| {k} | {v['sdr_user_db']:.1f} | {v['p_dist_user_db']:.1f} |" for k, v in data.items()
    ]
    md = "\n".join([
        "## Fig. 8: GNN vs MRT radiation, 1-bit DACs, M=32, K=1 (user at 110 deg)", "",
        "![fig8](fig8.png)", "",
        "| precoder | SDR at the user [dB] | distortion at the user [dB] |", "|---|---|---|", *rows,
        "", "Paper: the GNN sends its distortion away from the user, so its SDR at the user is "
        "higher than MRT's. " + note,
        "",
    ])  # fmt: skip
    return Section("fig8", "Fig. 8", md, ["fig8.png"], data)


def fig9(config: ReproduceConfig, out: Path) -> Section:
    """GNN radiation with 1-bit DACs for M in {8, 16, 32}, K=1, user at 110 deg."""
    gnn, name, note = _radiation_gnn()
    if gnn is None:
        return Section("fig9", "Fig. 9", "## Fig. 9\n\nNo shipped K=1, b=1 GNN was found.\n")
    pats = [_pattern(config, gnn, M, [110.0], f"{name}, M={M}") for M in (8, 16, 32)]
    plot_radiation(pats, [110.0], out / "fig9.png")
    data = {M: _at(p, "sdr_db", 110.0) for M, p in zip((8, 16, 32), pats, strict=True)}
    rows = [f"| {M} | {v:.1f} |" for M, v in data.items()]
    md = "\n".join([
        "## Fig. 9: GNN radiation for M in {8, 16, 32}, 1-bit DACs, K=1", "", "![fig9](fig9.png)",
        "", "| M | SDR at the user [dB] |", "|---|---|", *rows, "",
        "Paper: the SDR in the user direction grows with M. " + note + " The "
        "same weights, trained at M=32, run at M=8 and 16.", "",
    ])  # fmt: skip
    return Section("fig9", "Fig. 9", md, ["fig9.png"], {str(k): v for k, v in data.items()})
