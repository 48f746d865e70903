"""The ``qprecode`` command group, its console and the options several commands share."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from matplotlib.backend_bases import FigureCanvasBase
from rich.console import Console

from ..dac import DAC_KINDS
from ..precoders import Precoder
from ..registry import LEARNED_PREFIX, build_precoder, entries, find_entry

console = Console()
if not console.is_terminal:  # piped or logged output: do not squeeze tables to 80 columns
    console.width = 160


def bits_label(bits: int | None) -> str:
    return "inf" if bits is None else str(bits)


PRECODER_HELP = (
    f"Comma list of precoders: {', '.join(e.name for e in entries(include_learned=False))}, "
    f"{LEARNED_PREFIX}NAME (a shipped model) or {LEARNED_PREFIX}PATH (a run folder or "
    "checkpoint); `qprecode precoders` lists them. A learned model runs at its own bit-width "
    "(dnn:PATH, without DACs of its own, at each of --bits)."
)
precoder_option = click.option(
    "--precoder", "precoders", default="mrt", show_default=True, help=PRECODER_HELP
)
bits_option = click.option(
    "--bits", "bits_text", default="1", show_default=True,
    help="Comma list of DAC resolutions, 1..8 or inf.",
)  # fmt: skip
dac_option = click.option(
    "--dac", "dac_kind", type=click.Choice(DAC_KINDS), default="lloyd-max", show_default=True,
    help="DAC level design.",
)  # fmt: skip
antennas_option = click.option(
    "--antennas", "-M", type=int, default=32, show_default=True, help="Antennas M."
)


def precoder_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--precoder``, ``--bits``, ``--dac`` and ``--antennas``, as every command that builds
    precoders takes them."""
    return precoder_option(bits_option(dac_option(antennas_option(command))))


def _writable(path: Path) -> None:
    """Raise ``click.BadParameter`` unless ``path``'s folder exists or can be made, and is
    writable: checked before any work, so a long run never ends in an unwritable output."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise click.BadParameter(f"cannot create the folder {folder}: {err.strerror}") from None
    if not os.access(folder, os.W_OK):
        raise click.BadParameter(f"the folder {folder} is not writable")


def check_output_path(
    ctx: click.Context, param: click.Parameter, value: Path | None
) -> Path | None:
    if value is not None:
        _writable(value)
    return value


def check_plot_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        formats = FigureCanvasBase.get_supported_filetypes()
        if value.suffix.lstrip(".").lower() not in formats:
            raise click.BadParameter(
                f"{value.name}: the plot format must be one of {', '.join(sorted(formats))}"
            )
        _writable(value)
    return value


def json_option(what: str) -> Callable[[Any], Any]:
    return click.option(
        "--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
        callback=check_output_path, help=f"Write config and {what} as JSON.",
    )  # fmt: skip


def plot_option(help_text: str) -> Callable[[Any], Any]:
    return click.option(
        "--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
        callback=check_plot_path, help=help_text,
    )  # fmt: skip


def build_all(
    names: list[str], bits_list: list[int | None], dac_kind: str
) -> list[tuple[str, int | None, Precoder]]:
    """(name, bits, precoder) for every classical precoder at every resolution, and once for
    every learned model at its own resolution (a learned linear precoder without DACs of its
    own, the CNN+FC of Kasalaee et al., at every resolution like the classical ones). Every name
    and resolution is checked before any precoder is built."""
    found = [find_entry(name) for name in names]
    once = [entry.kind == "learned" and len(entry.bits) == 1 for entry in found]
    for entry, single in zip(found, once, strict=True):
        if not single:
            for bits in bits_list:
                entry.check_bits(bits)
    built: list[tuple[str, int | None, Precoder]] = []
    for name, entry, single in zip(names, found, once, strict=True):
        if single:
            built.append((name, entry.bits[0], build_precoder(name)))
        else:
            built += [(name, b, build_precoder(name, b, dac_kind)) for b in bits_list]
    return built


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qprecode")
def cli() -> None:
    """qprecode: quantization-aware precoding for massive MIMO with low-resolution DACs."""
