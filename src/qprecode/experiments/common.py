"""Pieces every paper's reproduction shares: the section an experiment returns, how a section is
saved with its config and run metadata, and the shipped GNNs by users and bits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models import shipped_models
from ..nn import GNNPrecoder
from ..registry import LEARNED_PREFIX, build_precoder
from ..results import atomic_write_bytes, write_json

__all__ = ["Section", "shipped_gnn", "write_section"]


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


def shipped_gnn(users: int, bits: int, channel: str = "") -> GNNPrecoder | None:
    """The shipped GNN for ``K`` users and ``b`` bits trained on ``channel`` (``""``: Rayleigh,
    ``"los"``: line of sight), if there is one."""
    name = f"{channel + '-' if channel else ''}k{users}-b{bits}"
    if name not in shipped_models():
        return None
    precoder = build_precoder(f"{LEARNED_PREFIX}{name}")
    assert isinstance(precoder, GNNPrecoder)
    return precoder
