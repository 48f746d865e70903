"""The reference precoders of the Kasalaee comparison, each in its strongest form, with what it
costs: MRT, ZF and RZF under both power normalisations (the whole matrix to ``P_T``, the papers'
convention, and equal power per user), and WMMSE over its starting point and stopping tolerance
(rate, iterations, seconds per channel, energy of eqs. 12 and 14 at the measured iterations).

Used by ``qprecode baselines`` (the site regime: both normalisations at several SNRs) and by
``qprecode pareto`` (the reference points and the WMMSE curve beside the networks' fronts).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import torch

from ...cost import baseline_energy_uj, wmmse_multiplications, zf_multiplications
from ...evaluation import closed_form_rates, closed_form_utility
from ...metrics import noise_variance
from ...precoders import WMMSE, MatrixPrecoder
from ...registry import build_precoder
from ...training import KasalaeeData

__all__ = [
    "LINEAR_REFERENCES",
    "WMMSE_TOLERANCES",
    "data_from_row",
    "linear_references",
    "per_user_snr_db",
    "wmmse_margins",
    "wmmse_references",
]

WMMSE_TOLERANCES = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 1e-4, 1e-5, 1e-6)
LINEAR_REFERENCES = ("mrt", "zf", "rzf", "mrt-eq", "zf-eq", "rzf-eq")


def data_from_row(row: dict[str, Any]) -> KasalaeeData:
    """The data section of a sweep table's row (its ``data.*`` columns; CSV text such as
    ``"False"`` read back as a boolean)."""
    fields = {}
    for key, value in row.items():
        if key.startswith("data."):
            fields[key.removeprefix("data.")] = {"True": True, "False": False}.get(value, value)
    if not fields:
        raise ValueError("the table has no data.* columns (a kasalaee sweep's results table)")
    return KasalaeeData(**fields)


def per_user_snr_db(H: torch.Tensor, snr_db: float) -> float:
    """The mean over users and channels of the per-user SNR in dB, ``snr_db + 10 log10(||h_u||^2
    / M)`` (the receive SNR at full power without array gain; the convention of the site files,
    ``data/samples/README.md``), for ``H: [N, M, K]``."""
    gain = (H.abs() ** 2).sum(dim=-2) / H.shape[-2]  # [N, K]
    return snr_db + float((10 * torch.log10(gain.double())).mean())


def _summary(rates: torch.Tensor) -> dict[str, Any]:
    """Mean and std of per-channel sum rates ``[N]``, and the rates themselves (``rates``, for
    per-channel comparisons; not meant for JSON)."""
    return {"sum_rate": float(rates.mean()), "sum_rate_std": float(rates.std()), "rates": rates}


def wmmse_margins(rows: list[dict[str, Any]]) -> None:
    """Add to every linear row of ``rows`` (one SNR) how the strongest WMMSE row (``multi`` at
    its tightest tolerance) compares channel by channel: ``channels_wmmse_below`` (how many
    channels it ends below the linear precoder) and ``least_wmmse_margin`` (the smallest
    ``R_WMMSE - R_linear`` over the channels, bit/s/Hz). No WMMSE ``multi`` row: nothing added."""
    multi = [r for r in rows if r.get("init") == "multi"]
    if not multi:
        return
    best = min(multi, key=lambda r: r["tolerance"])["rates"]
    for row in rows:
        if "init" not in row:
            margin = best - row["rates"]
            row["channels_wmmse_below"] = int((margin < -1e-9 * row["rates"].abs()).sum())
            row["least_wmmse_margin"] = float(margin.min())


@torch.no_grad()
def linear_references(H: torch.Tensor, snr_db: float) -> list[dict[str, Any]]:
    """MRT, ZF, RZF in both normalisations on ``H: [N, M, K]`` at ``snr_db``: one row each with
    the mean sum rate, its standard deviation over channels (and the per-channel ``rates``) and
    the energy of ZF's count (eq. 13, the same order for MRT and RZF; the column scaling of
    ``-eq`` adds ``O(M K)``)."""
    H64 = H.to(torch.complex128)
    M, K = H.shape[-2:]
    noise = noise_variance(snr_db, float(M))
    energy = baseline_energy_uj(zf_multiplications(M, K))
    rows = []
    for name in LINEAR_REFERENCES:
        precoder = build_precoder(name, snr_db=snr_db)  # the registry's, at P_T = M
        assert isinstance(precoder, MatrixPrecoder)
        rates = closed_form_rates(precoder, H64, [noise])[0]
        normalization = "per-user" if name.endswith("-eq") else "matrix"
        rows.append({"precoder": name, "normalization": normalization, **_summary(rates),
                     "energy_uj": energy, "iterations": math.nan})  # fmt: skip
    return rows


@torch.no_grad()
def wmmse_references(
    H: torch.Tensor,
    snr_db: float,
    inits: Sequence[str] = ("multi", "rzf-eq", "mrt"),
    tolerances: Sequence[float] = WMMSE_TOLERANCES,
    max_iterations: int = 1000,
) -> list[dict[str, Any]]:
    """WMMSE on ``H: [N, M, K]`` for every start in ``inits`` and stopping tolerance: the mean
    sum rate, the mean iterations per channel (summed over the starts of ``multi``), the wall
    time per channel on this machine (one process, all channels batched), and the energy of
    eqs. 12 and 14 at the mean iterations (and the per-channel ``rates``)."""
    H64 = H.to(torch.complex128)
    M, K = H.shape[-2:]
    noise = noise_variance(snr_db, float(M))
    rows = []
    for init in inits:
        for tolerance in tolerances:
            wmmse = WMMSE(snr_db, tolerance=tolerance, max_iterations=max_iterations, init=init)
            start = time.perf_counter()
            result = wmmse.solve(H64)
            seconds = time.perf_counter() - start
            rates = closed_form_utility(H64, result.W, noise)
            assert result.total_iterations is not None
            iterations = float(result.total_iterations.double().mean())
            energy = baseline_energy_uj(wmmse_multiplications(M, K, iterations))
            rows.append({
                "precoder": f"wmmse ({init})", "init": init, "tolerance": tolerance,
                **_summary(rates), "iterations": iterations,
                "converged": float(result.converged.double().mean()),
                "ms_per_channel": 1e3 * seconds / H.shape[0], "energy_uj": energy,
            })  # fmt: skip
    return rows
