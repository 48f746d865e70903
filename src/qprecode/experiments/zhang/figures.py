"""Figs. 10 and 15 of Zhang et al. beside what the paper's text says of them.

The paper's plots did not survive extraction; its text gives one number for Fig. 10 and claims
for both. ``PAPER`` holds them verbatim (with the spec's reading of lost symbols), every result
file carries them, and the plots draw the one number as its own point.

- Fig. 10: log-SE learning curves, the test log-SE as a fraction of WMMSE-PF's against the number
  of training samples, one curve per learned precoder (a ``qprecode sweep`` over
  ``train_channels`` and ``architecture``: ``configs/zhang/curve-log-se.yaml``).
- Fig. 15: hybrid precoding, generalisation over the number of antennas: a hybrid network trained
  at one ``N`` evaluated at others (``K = N_RF = 4``, Saleh-Valenzuela, 10 dB), its sum SE beside
  MO-AltMin, OMP, phased ZF and the fully digital WMMSE on the same channels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...plotting import plot_curves
from ...registry import find_entry
from ...results import run_metadata, write_csv, write_json
from .curves import learning_curves
from .sizes import load_zhang_models, size_generalisation

__all__ = ["PAPER", "figure10", "figure15"]

PAPER: dict[str, dict[str, Any]] = {
    "fig10": {
        "setting": "log-SE, i.i.d. Rayleigh, N = 12, K = K_a (value lost; read as 4), 10 dB",
        "text": (
            "The proposed GNN attains 97.5% of the WMMSE-PF performance with merely 50 training "
            "samples. As the number of training samples increases, the performance gap between "
            "the proposed GNN and Pinv-GNN diminishes, and the improvements over Vanilla-GNN and "
            "GAT are significant."
        ),
        "points": [{"curve": "gradient", "samples": 50, "fraction": 0.975}],
    },
    "fig15": {
        "setting": (
            "hybrid, Saleh-Valenzuela, K = 4 users (the text says 'antennas', read as users), "
            "N_RF = 4, 10 dB; training N and test range lost (read as 16 and 8...64)"
        ),
        "text": (
            "All methods exhibit good generalizability to the number of antennas, but the "
            "proposed GNN achieves the highest SE compared to other learning methods."
        ),
        "points": [],
    },
}


def figure10(sweep_dir: str | Path, out_dir: str | Path) -> dict[str, Any]:
    """Fig. 10 from a log-SE learning-curve sweep: ``fig10.json`` (the curves, the paper's text
    and number) and ``fig10.png`` (fraction of WMMSE-PF against training samples, the paper's
    97.5 % at 50 samples as its own point).

    Raises ``ValueError`` when the sweep holds no finished log-SE trial.
    """
    curves = {label: points for label, points in learning_curves(sweep_dir).items()
              if label.endswith(" log-se")}  # fmt: skip
    if not curves:
        raise ValueError(f"{sweep_dir} holds no finished log-se trial (objective: log-se)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = {"config": {"command": "zhang fig10", "sweep": str(sweep_dir)},
              "meta": run_metadata(), "paper": PAPER["fig10"], "curves": curves}  # fmt: skip
    write_json(out / "fig10.json", result)
    lines = {label: ([p["samples"] for p in pts], [p["fraction"] for p in pts])
             for label, pts in curves.items()}  # fmt: skip
    for point in PAPER["fig10"]["points"]:
        lines[f"paper (text): {point['curve']}"] = ([point["samples"]], [point["fraction"]])
    plot_curves(lines, out / "fig10.png", "training samples", "log-SE / log-SE of WMMSE-PF",
                "Fig. 10: log-SE learning curves", logx=True)  # fmt: skip
    return result


def figure15(
    model: str,
    antennas: Sequence[int],
    out_dir: str | Path,
    users: int = 4,
    snr_db: float = 10.0,
    num_channels: int = 200,
    seed: int = 0,
    classical: Sequence[str] = ("mo-altmin", "omp", "pzf"),
    progress: bool = True,
) -> dict[str, Any]:
    """Fig. 15: the hybrid network ``model`` (a shipped name such as ``hybrid-k4-n16``, a run
    folder or a model file) and the classical hybrid precoders at every ``N`` of ``antennas``
    with ``users`` users on Saleh-Valenzuela channels: ``fig15.json`` (rows of
    ``size_generalisation``: sum SE and its fraction of the fully digital WMMSE, with the
    paper's text), ``fig15.csv`` and ``fig15.png`` (sum SE against ``N``)."""
    for name in classical:
        find_entry(name)  # a clear error for an unknown name, before any work
    loaded = load_zhang_models({"hybrid-gnn": model})
    rows = size_generalisation(loaded, [(m, users) for m in antennas], snr_db, "se",
                               num_channels, seed, "sv", progress, classical)  # fmt: skip
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = {"command": "zhang fig15", "model": model, "antennas": list(antennas),
              "users": users, "snr_db": snr_db, "channels": num_channels, "seed": seed,
              "channel": "sv", "classical": list(classical)}  # fmt: skip
    result = {"config": config, "meta": run_metadata(), "paper": PAPER["fig15"], "rows": rows}
    write_json(out / "fig15.json", result)
    write_csv(out / "fig15.csv", rows)
    lines = {}
    for name in dict.fromkeys(r["precoder"] for r in rows):
        points = [r for r in rows if r["precoder"] == name]
        label = "wmmse (fully digital)" if name == "wmmse" else name
        lines[label] = ([p["antennas"] for p in points], [p["utility"] for p in points])
    plot_curves(lines, out / "fig15.png", "N (antennas)", "sum SE [bit/s/Hz]",
                f"Fig. 15: hybrid, K = N_RF = {users}, {snr_db:g} dB, SV channels")  # fmt: skip
    return result
