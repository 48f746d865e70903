"""Table II of Kasalaee et al.: the default network at 16 bits, LSQ quantization-aware training
and post-training quantization at uniform 8, 4 and 2 bits, as a fraction of WMMSE, mean and std
over seeds, with energies and training times.

Inputs are two sweep folders (``qprecode sweep``): the FP32 runs (one per seed) and the LSQ runs
fine-tuned from them. PTQ rounds each FP32 model's weights (``nn.ptq_``) and evaluates it on the
same test channels; it needs no training.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ...cost import baseline_energy_uj, wmmse_multiplications
from ...evaluation import closed_form_rates
from ...nn import CompressedDNN, DNNPrecoder, StructuredDNN, load_model, ptq_
from ...sweeps.plan import read_trial_record
from ...training import KasalaeeTask, config_from_raw
from ...training.config import config_to_dict

__all__ = ["compression_table", "wmmse_cost"]


def _records(sweep_dir: Path) -> list[dict[str, Any]]:
    paths = sorted((sweep_dir / "trials").glob("*/record.json"))
    if not paths:
        raise ValueError(f"{sweep_dir} holds no finished trials (trials/*/record.json)")
    needed = ("test_sum_rate", "test_sum_rate[wmmse--]")
    return [read_trial_record(p, needed) | {"folder": str(p.parent)} for p in paths]


def _wmmse_rate(record: dict[str, Any]) -> float:
    """The test rate of the task's ``wmmse`` row (the strongest WMMSE, several starts, in records
    made since it was added; MRT-started in older ones)."""
    return float(record["test_sum_rate[wmmse--]"])


def _wmmse_kind(records: Sequence[dict[str, Any]]) -> str:
    """Which WMMSE the records' ``wmmse`` row is: ``"four starts"`` (records that also have the
    paper's ``wmmse-mrt`` row), or ``"MRT start"`` (records made before the four-start WMMSE);
    raises ``ValueError`` on a mixture."""
    new = {"test_sum_rate[wmmse-mrt--]" in r for r in records}
    if len(new) > 1:
        raise ValueError(
            "the sweeps mix records of the four-start WMMSE with older MRT-started ones; retest "
            "the older runs (qprecode retest) or compare them separately"
        )
    return "four starts" if new == {True} else "MRT start"


def wmmse_cost(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """WMMSE's mean sum rate, mean iterations per channel (the ``wmmse`` test row at the training
    SNR, averaged over the runs; for the four-start WMMSE, the iterations of all its starts) and
    the energy of eqs. 12 and 14 at those iterations, from the run folders of sweep records;
    ``kind`` says which WMMSE (``_wmmse_kind``); ``nan`` iterations and energy for records of
    runs whose test has no iteration count."""
    kind = _wmmse_kind(records)
    iterations = []
    for record in records:
        info = json.loads((Path(record["folder"]) / "best.json").read_text())
        test, snr = info.get("test", {}), info["config"]["data"]["snr_db"]
        row: dict[str, Any] = next(
            (r for r in test.get("results", []) if r["precoder"] == "wmmse"), {}
        )
        if "iterations" in row and snr in test.get("snr_db", []):
            iterations.append(float(row["iterations"][test["snr_db"].index(snr)]))
    first = records[0]
    M, K = int(first["data.antennas"]), int(first["data.users"])
    mean = _summary(iterations)[0] if len(iterations) == len(records) else math.nan
    energy = baseline_energy_uj(wmmse_multiplications(M, K, mean)) if mean == mean else math.nan
    return {"sum_rate": _summary([_wmmse_rate(r) for r in records])[0], "iterations": mean,
            "energy_uj": energy, "kind": kind}  # fmt: skip


def _minutes(folder: str) -> float:
    info = json.loads((Path(folder) / "best.json").read_text())
    return float(info.get("training", {}).get("seconds", math.nan)) / 60


def _summary(values: Sequence[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0.0
    return mean, math.sqrt(var)


def _row(method: str, bits: str, rates: list[float], wmmse: list[float],
         energy: dict[str, float], minutes: list[float],
         reference: dict[str, float]) -> dict[str, Any]:  # fmt: skip
    rate, rate_std = _summary(rates)
    fraction, fraction_std = _summary([r / w for r, w in zip(rates, wmmse, strict=True)])
    efficiency = rate / energy["energy_uj"]
    return {"method": method, "bits": bits, "seeds": len(rates), "sum_rate": rate,
            "sum_rate_std": rate_std, "fraction_of_wmmse": fraction,
            "fraction_of_wmmse_std": fraction_std, "wmmse_sum_rate": _summary(wmmse)[0],
            "energy_uj": energy["energy_uj"], "energy_uj_i1": energy["energy_uj_i1"],
            "energy_efficiency": efficiency,
            "efficiency_over_wmmse": efficiency / (reference["sum_rate"] / reference["energy_uj"]),
            "wmmse": reference,
            "train_minutes": _summary(minutes)[0] if minutes else math.nan}  # fmt: skip


@torch.no_grad()
def compression_table(
    fp32_dir: str | Path, qat_dir: str | Path | None, ptq_bits: Sequence[int] = (8, 4, 2)
) -> list[dict[str, Any]]:
    """Rows of Table II: FP32 (counted at 16 bits), then for each uniform width the LSQ runs of
    ``qat_dir`` and PTQ of the FP32 models; every row with its energy efficiency (bit/s/Hz/uJ)
    and its ratio to WMMSE's at WMMSE's measured iterations (``wmmse_cost``, in every row as
    ``wmmse``)."""
    fp32 = _records(Path(fp32_dir))
    wmmse = [_wmmse_rate(r) for r in fp32]
    reference = wmmse_cost(fp32)
    qat = _records(Path(qat_dir)) if qat_dir is not None else []
    _wmmse_kind(fp32 + qat)  # one WMMSE in every fraction
    first = config_from_raw(
        json.loads((Path(fp32[0]["folder"]) / "best.json").read_text())["config"]
    )
    task = KasalaeeTask(first)
    rows = [_row("fp32", "[16,16,16,16]", [r["test_sum_rate"] for r in fp32], wmmse,
                 task.costs(), [_minutes(r["folder"]) for r in fp32], reference)]  # fmt: skip
    H, noise = task.data.test, task.noise_var
    device = "cuda" if torch.cuda.is_available() else "cpu"  # the networks run where they can
    for b in ptq_bits:
        uniform = f"[{b},{b},{b},{b}]"
        raw = config_to_dict(first)
        raw["model"].update(conv_bits=b, fc1_bits=b, fc2_bits=b, fc3_bits=b)
        raw["qat"]["init_from"] = None
        costs = KasalaeeTask(config_from_raw(raw)).costs()
        runs = [r for r in qat if all(r.get(f"model.{k}_bits") == b
                                      for k in ("conv", "fc1", "fc2", "fc3"))]  # fmt: skip
        if runs:
            rows.append(_row("lsq", uniform, [r["test_sum_rate"] for r in runs],
                             [_wmmse_rate(r) for r in runs], costs,
                             [_minutes(r["folder"]) for r in runs], reference))  # fmt: skip
        ptq_rates = []
        for record in fp32:
            model, _ = load_model(Path(record["folder"]) / "best")
            assert isinstance(model, (CompressedDNN, StructuredDNN))
            rounded = copy.deepcopy(model)
            ptq_(rounded, [b] * 4)
            rates = closed_form_rates(DNNPrecoder(rounded.to(device)), H, [noise])
            ptq_rates.append(float(rates.double().mean()))
        rows.append(_row("ptq", uniform, ptq_rates, wmmse, costs, [], reference))
    return rows
