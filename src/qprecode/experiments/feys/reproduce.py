"""``qprecode reproduce <id>``: one experiment per figure and table of Feys et al., and ``all`` for
a single report (markdown + figures) under a results folder.

Every experiment is a function ``(config, out_dir) -> Section``: it reads nothing but its
``ReproduceConfig`` (sizes and seed), writes its figures to ``out_dir`` and returns its numbers;
``reproduce`` saves each section's JSON with the config and the run metadata.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ...results import atomic_write_bytes, run_metadata
from ..common import Section, write_section
from .config import PRESETS, ReproduceConfig
from .power_figs import fig12, fig13
from .radiation_figs import fig3, fig4, fig8, fig9
from .rate_figs import fig7a, fig7b, fig11, table1
from .symbols_fig import fig10

__all__ = ["EXPERIMENTS", "Experiment", "reproduce"]

Experiment = Callable[[ReproduceConfig, Path], Section]

EXPERIMENTS: dict[str, Experiment] = {
    "fig3": fig3, "fig4": fig4, "fig7a": fig7a, "fig7b": fig7b, "table1": table1,
    "fig8": fig8, "fig9": fig9, "fig10": fig10, "fig11": fig11, "fig12": fig12, "fig13": fig13,
}  # fmt: skip


def reproduce(
    key: str,
    config: ReproduceConfig,
    out_dir: str | Path,
    echo: Callable[[str], None] = print,
) -> list[Section]:
    """Run one experiment (``key``) or ``all`` with ``config``; write each one's ``KEY.json``
    (config, seed, code version, numbers) and ``KEY.md``, and for ``all`` the combined
    ``REPORT.md``. One experiment run again into a folder with a ``REPORT.md`` rebuilds it from
    the folder's ``KEY.md`` files under its header, so the report never shows an older section
    than its own file. Returns the sections in order."""
    if not isinstance(config, ReproduceConfig):
        raise TypeError(
            f"config must be a ReproduceConfig (ReproduceConfig.from_preset(name)), got "
            f"{type(config).__name__}"
        )
    keys = list(EXPERIMENTS) if key == "all" else [key]
    unknown = [k for k in keys if k not in EXPERIMENTS]
    if unknown:
        raise ValueError(f"unknown experiment {key!r}; choose all or one of {list(EXPERIMENTS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = run_metadata()
    sections = []
    for k in keys:
        echo(f"reproducing {k} (preset {config.preset}, seed {config.seed})")
        section = EXPERIMENTS[k](config, out)
        write_section(section, out, config.to_dict(), meta)
        sections.append(section)
    if key == "all":
        preset = PRESETS.get(config.preset)
        command = (
            f"`qprecode reproduce all --preset {config.preset} --seed {config.seed}`"
            if preset is not None and replace(preset, seed=config.seed) == config
            else "a config built in code"
        )
        header = [
            "# Reproduction of Feys et al., \"Learning to quantize and precode in massive MIMO "
            "systems for energy reduction: a graph neural network approach\"", "",
            f"{config.describe()}; qprecode {meta['qprecode_version']} "
            f"(commit {meta['git_commit']}), torch {meta['torch_version']}, {meta['machine']}, "
            f"{meta['created']}. Command: {command}.", "",
            "Each section states the paper's numbers where the paper gives them, ours, and why "
            "they differ.", "",
        ]  # fmt: skip
        text = "\n".join(header) + "\n".join(s.markdown for s in sections)
        atomic_write_bytes(out / "REPORT.md", text.encode())
    elif (out / "REPORT.md").is_file():
        _rebuild_report(out)
    return sections


def _rebuild_report(out: Path) -> None:
    """``REPORT.md`` again from its header (everything before the first section, notes added
    to it by hand included) and the folder's ``KEY.md`` files, in the order of ``EXPERIMENTS``."""
    report = (out / "REPORT.md").read_text()
    first = report.find("\n## ")
    header = report if first < 0 else report[: first + 1]
    body = [(out / f"{k}.md").read_text() for k in EXPERIMENTS if (out / f"{k}.md").is_file()]
    atomic_write_bytes(out / "REPORT.md", (header + "\n".join(body)).encode())
