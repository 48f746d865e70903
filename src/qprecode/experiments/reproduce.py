"""``qprecode reproduce <id>``: one command per figure and table of Feys et al., and ``all`` for a
single report (markdown + figures) under a results folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..results import atomic_write_bytes, run_metadata
from .common import Section, sizes, write_section
from .power_figs import fig12, fig13
from .radiation_figs import fig3, fig4, fig8, fig9
from .rate_figs import fig7a, fig7b, fig11, table1
from .symbols_fig import fig10

__all__ = ["EXPERIMENTS", "reproduce"]

EXPERIMENTS: dict[str, Callable[[str, Path], Section]] = {
    "fig3": fig3, "fig4": fig4, "fig7a": fig7a, "fig7b": fig7b, "table1": table1,
    "fig8": fig8, "fig9": fig9, "fig10": fig10, "fig11": fig11, "fig12": fig12, "fig13": fig13,
}  # fmt: skip


def reproduce(
    key: str, preset: str, out_dir: str | Path, echo: Callable[[str], None] = print
) -> list[Section]:
    """Run one experiment (``key``) or ``all``; write each one's JSON and markdown, and for
    ``all`` the combined ``REPORT.md``."""
    sizes(preset)  # validates the preset
    keys = list(EXPERIMENTS) if key == "all" else [key]
    unknown = [k for k in keys if k not in EXPERIMENTS]
    if unknown:
        raise ValueError(f"unknown experiment {key!r}; choose all or one of {list(EXPERIMENTS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sections = []
    for k in keys:
        echo(f"reproducing {k} ({preset})")
        section = EXPERIMENTS[k](preset, out)
        write_section(section, out, {"experiment": k, "preset": preset, **sizes(preset)})
        sections.append(section)
    if key == "all":
        meta = run_metadata()
        header = [
            "# Reproduction of Feys et al., \"Learning to quantize and precode in massive MIMO "
            "systems for energy reduction: a graph neural network approach\"", "",
            f"Preset `{preset}` ({sizes(preset)}), qprecode {meta['qprecode_version']} "
            f"(commit {meta['git_commit']}), torch {meta['torch_version']}, {meta['machine']}, "
            f"{meta['created']}. Command: `qprecode reproduce all --preset {preset}`.", "",
            "Each section states the paper's numbers where the paper gives them, ours, and why "
            "they differ.", "",
        ]  # fmt: skip
        text = "\n".join(header) + "\n".join(s.markdown for s in sections)
        atomic_write_bytes(out / "REPORT.md", text.encode())
    return sections
