"""Shared pieces of the reproduction experiments: presets, the section each experiment returns,
and the paper's reference numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..models import shipped_models
from ..nn import GNNPrecoder
from ..results import write_json
from ..zoo import build_precoder

__all__ = ["PRESET_SIZES", "Section", "shipped_gnn", "sizes", "write_section"]

# Monte-Carlo sizes per preset: channels for rate curves, symbols per channel, symbols for
# radiation patterns.
PRESET_SIZES = {
    "quick": {"channels": 1000, "symbols": 125, "radiation_symbols": 4000, "table_channels": 2000},
    "paper": {"channels": 10_000, "symbols": 125, "radiation_symbols": 20_000,
              "table_channels": 10_000},
}  # fmt: skip


def sizes(preset: str) -> dict[str, int]:
    if preset not in PRESET_SIZES:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESET_SIZES)}")
    return PRESET_SIZES[preset]


@dataclass
class Section:
    """What one experiment produced: a markdown section, the figure files and the numbers."""

    key: str
    title: str
    markdown: str
    figures: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def write_section(section: Section, out: Path, config: dict[str, Any]) -> None:
    """Save ``KEY.json`` (config + numbers) and ``KEY.md`` beside the figures."""
    write_json(out / f"{section.key}.json", {"config": config, "data": section.data})
    (out / f"{section.key}.md").write_text(section.markdown)


def shipped_gnn(users: int, bits: int, channel: str = "") -> GNNPrecoder | None:
    """The shipped GNN for ``K`` users and ``b`` bits trained on ``channel`` (``""``: Rayleigh,
    ``"los"``: line of sight), if there is one."""
    name = f"{channel + '-' if channel else ''}k{users}-b{bits}"
    if name not in shipped_models():
        return None
    precoder = build_precoder(f"gnn:{name}")
    assert isinstance(precoder, GNNPrecoder)
    return precoder
