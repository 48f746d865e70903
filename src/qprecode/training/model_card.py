"""Final test evaluation of a finished run and its model card."""

from __future__ import annotations

import functools
import json
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ..metrics import evaluate
from ..nn import GNNPrecoder
from ..precoders import baseline_name, build_linear_precoder
from ..results import atomic_write_bytes, write_json
from ..seeds import SYMBOL_OFFSET
from .checkpoint import load_model
from .config import TrainConfig
from .data import ChannelSets, make_channel_sets

__all__ = ["TEST_SNRS_DB", "finish", "retest", "write_model_card"]

TEST_SNRS_DB = [-10.0, 0.0, 10.0, 20.0, 30.0]
BASELINE_BITS = (1, 2, 3)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def finish(
    out: Path,
    config: TrainConfig,
    data: ChannelSets,
    echo: Callable[[str], None],
    training: dict[str, Any],
) -> dict[str, Any]:
    """Evaluate the best model and the linear baselines on the test set, store the numbers and
    the ``training`` facts (command, steps, seconds, device) in ``best.json`` and write
    ``MODEL_CARD.md``. Returns the test metrics."""
    model, info = load_model(out / "best")
    snrs = sorted({*TEST_SNRS_DB, config.snr_db})
    common = functools.partial(
        evaluate,
        channels=data.test,
        snr_db=snrs,
        num_symbols=config.eval_symbols,
        seed=config.test_seed + SYMBOL_OFFSET,
        total_power=config.power,
    )
    echo(f"testing on {config.test_channels} channels x {config.eval_symbols} symbols")
    rows = []
    gnn = common(GNNPrecoder(model), batch_size=256)
    rows.append({"precoder": "gnn", "bits": config.bits, **gnn.to_dict()})
    baseline = baseline_name(config.users)
    for bits in BASELINE_BITS:
        result = common(build_linear_precoder(baseline, bits))
        rows.append({"precoder": baseline, "bits": bits, **result.to_dict()})
    test = {"snr_db": snrs, "results": rows}
    info["test"] = test
    info["training"] = {**training, "hardware": f"{_cpu_name()}, {os.cpu_count()} CPUs"}
    write_json(out / "best.json", info)
    write_model_card(out / "MODEL_CARD.md", info)
    return test


def write_model_card(path: Path, info: dict[str, Any]) -> None:
    """A markdown model card from a model's metadata (``best.json`` after ``finish``)."""
    config = info["config"]
    test = info.get("test", {})
    meta = info.get("meta", {})
    train_info = info.get("training", {})
    command = train_info.get("command") or "qprecode train --config <config.yaml>"
    snrs = test.get("snr_db", [])
    lines = [
        f"# GNN precoder: M={config['antennas']}, K={config['users']}, b={config['bits']}",
        "",
        "Quantization-aware GNN precoder of Feys et al. (bipartite antenna/user GNN, "
        "straight-through Gumbel-softmax, self-supervised on the Bussgang sum rate).",
        "",
        "## Reproduce",
        "",
        f"```bash\n{command}\n```",
        "",
        "## Architecture and training",
        "",
        "| key | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in info["model"].items()]
    lines += [f"| {k} | {v} |" for k, v in config.items() if k not in info["model"]]
    lines += [
        "",
        f"- Data: {config['train_channels']} training, {config['val_channels']} validation and "
        f"{config['test_channels']} test channels ({config['channel']}), seeds "
        f"{config['train_seed']}/{config['val_seed']}/{config['test_seed']}; fresh CN(0,1) "
        f"symbols every step, {config['symbols']} per channel.",
        f"- Selected on validation at step {info.get('step')}: sum rate "
        f"{info.get('metrics', {}).get('val_sum_rate', float('nan')):.3f} bits/channel use at "
        f"{config['snr_db']} dB.",
        f"- Wall time: {train_info.get('seconds', float('nan')) / 60:.1f} min for "
        f"{train_info.get('steps', '?')} steps; hardware: {train_info.get('hardware', _cpu_name())}"
        f"; torch {meta.get('torch_version', torch.__version__)}, qprecode "
        f"{meta.get('qprecode_version', '?')}.",
        "",
    ]
    if test:
        lines += [
            f"## Test metrics ({config['test_channels']} channels x {config['eval_symbols']} "
            "symbols, LS Bussgang gain)",
            "",
            "| precoder | bits | " + " | ".join(f"{s:g} dB" for s in snrs) + " | NMSE [dB] |",
            "|---|---|" + "---|" * (len(snrs) + 1),
        ]
        for row in test["results"]:
            rates = " | ".join(f"{r:.3f}" for r in row["sum_rate"])
            lines.append(
                f"| {row['precoder']} | {row['bits']} | {rates} | {row['nmse_db'][0]:.2f} |"
            )
        lines += ["", "Sum rates in bits per channel use; NMSE on noiseless channels.", ""]
    atomic_write_bytes(path, "\n".join(lines).encode())


def retest(out: Path, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Evaluate a finished run's best model on its test set again with the current code and
    rewrite ``best.json`` and ``MODEL_CARD.md`` (keeping the recorded training facts)."""
    path = Path(out) / "best.json"
    if not path.is_file():
        raise ValueError(f"{out} holds no best.json: not a run folder of qprecode train")
    info = json.loads(path.read_text())
    if "training" not in info:
        raise ValueError(f"{out} has not finished training (no test metrics yet); resume it")
    config = TrainConfig.from_dict(info["config"])
    return finish(Path(out), config, make_channel_sets(config), echo, info["training"])
