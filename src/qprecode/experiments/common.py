"""Pieces every paper's reproduction shares: the section an experiment returns, how a section is
saved with its config and run metadata, and the shipped GNNs by users and bits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models import SHIPPED_DIR, shipped_models
from ..nn import GNNPrecoder
from ..registry import LEARNED_PREFIX, build_precoder
from ..results import atomic_write_bytes, write_json

__all__ = ["PAPER_TRAINING_PAIRS", "Section", "shipped_gnn", "shipped_training", "write_section"]

# Feys et al.'s training: 20 epochs of 200,000 channels, 125 symbol vectors each
PAPER_TRAINING_PAIRS = 20 * 200_000 * 125


@dataclass(frozen=True)
class Section:
    """What one experiment produced.

    Attributes:
        key: the experiment's name (``fig7a``); its files are ``KEY.json`` and ``KEY.md``.
        title: a short title (``Fig. 7a``).
        markdown: the report section: the paper's numbers, ours, and why they differ.
        figures: PNG file names, relative to the output folder.
        data: the numbers, JSON-ready.
    """

    key: str
    title: str
    markdown: str
    figures: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def write_section(
    section: Section, out: Path, config: dict[str, Any], meta: dict[str, Any]
) -> None:
    """Save ``KEY.json`` (experiment, config with its seed, run metadata, numbers) and ``KEY.md``
    beside the figures."""
    payload = {"experiment": section.key, "config": config, "meta": meta, "data": section.data}
    write_json(out / f"{section.key}.json", payload)
    atomic_write_bytes(out / f"{section.key}.md", section.markdown.encode())


def _shipped_name(users: int, bits: int, channel: str = "") -> str:
    return f"{channel + '-' if channel else ''}k{users}-b{bits}"


def _steps_seen(info: dict[str, Any]) -> tuple[int, int]:
    """``(steps, earlier)`` of a shipped model's JSON: the step its last run was selected at and
    the steps the weights that run started from had seen (``init_from``, recorded as
    ``training.starting_model_steps``; 0 from scratch)."""
    return info["step"], info.get("training", {}).get("starting_model_steps", 0)


def shipped_training(users: int, bits: int) -> str:
    """How the shipped Rayleigh GNN for ``K`` users and ``b`` bits was trained, in a few words:
    all the steps its weights saw, batch, the fraction of the paper's channel-symbol pairs, the
    hardware, and the model it started from (e.g. "10,000 steps of 128 channels x 125 symbols
    (32% of the paper's training), on NVIDIA H200 GPU")."""
    info = json.loads((SHIPPED_DIR / f"{_shipped_name(users, bits)}.json").read_text())
    config, training = info["config"], info.get("training", {})
    steps, earlier = _steps_seen(info)
    batch, symbols = config["optim"]["batch_size"], config["data"]["symbols"]
    share = (steps + earlier) * batch * symbols / PAPER_TRAINING_PAIRS
    text = f"{steps + earlier:,} steps of {batch} channels x {symbols} symbols ({share:.0%} of "
    text += "the paper's training), " + (f"the last {steps:,} " if earlier else "")
    text += f"on {training.get('hardware', 'unknown hardware').split(';')[0]}"
    for stretch in training.get("earlier_hardware", []):  # earlier runs, other machines
        text += f" (steps {stretch['steps']} on {stretch['hardware'].split(';')[0]})"
    init_from = config["loop"].get("init_from")
    if init_from and Path(init_from).name == _shipped_name(users, bits):
        text += ", starting from the model shipped under this name before"
    elif init_from:
        text += f", starting from {init_from}"
    if config["loss"].get("distill_steps"):
        text += ", distilled from the local search"
    return text


def shipped_gnn(users: int, bits: int, channel: str = "") -> GNNPrecoder | None:
    """The shipped GNN for ``K`` users and ``b`` bits trained on ``channel`` (``""``: Rayleigh,
    ``"los"``: line of sight), if there is one."""
    name = _shipped_name(users, bits, channel)
    if name not in shipped_models():
        return None
    precoder = build_precoder(f"{LEARNED_PREFIX}{name}")
    assert isinstance(precoder, GNNPrecoder)
    return precoder
