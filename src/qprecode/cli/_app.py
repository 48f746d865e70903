"""The ``qprecode`` command group, its console and the options several commands share."""

from __future__ import annotations

import tempfile
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


# The repository's shipped results (``results/`` of a clone; none for an installed package):
# commands refuse to write over them without --force.
_CHECKOUT = Path(__file__).resolve().parents[3]
SHIPPED_RESULTS = _CHECKOUT / "results" if (_CHECKOUT / "pyproject.toml").is_file() else None


def _note_force(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    ctx.meta["force"] = value
    return value


def force_option(
    help_text: str = "Write over the repository's shipped results (results/) too.",
    expose_value: bool = False,
) -> Callable[[Any], Any]:
    """``--force``: read first (eager), so that the output options' callbacks see it; a
    command that uses it otherwise too (``train``) takes it as an argument."""
    return click.option(
        "--force", is_flag=True, is_eager=True, expose_value=expose_value, callback=_note_force,
        help=help_text,
    )  # fmt: skip


def _check_folder(option: str, path: Path, folder: Path) -> None:
    """Raise a one-line ``ValueError`` naming ``option`` unless files can be created in
    ``folder`` (an existing folder, or one to be made inside the nearest existing one): checked
    before any work, so a long run never ends in an unwritable output. Creating a probe file is
    the test that holds for every user (root included) and file system (``/proc``, read-only
    mounts)."""
    existing = folder.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{option} {path}: {existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as err:
        raise ValueError(
            f"{option} {path}: cannot create files in {existing} ({err.strerror})"
        ) from None


def _check_shipped(ctx: click.Context, option: str, path: Path) -> None:
    """Refuse an existing file or non-empty folder among the repository's shipped results
    unless the command was given ``--force``."""
    if SHIPPED_RESULTS is None or ctx.meta.get("force"):
        return
    target = path.absolute().resolve()
    if not target.is_relative_to(SHIPPED_RESULTS):
        return
    if target.is_file() or (target.is_dir() and any(target.iterdir())):
        raise ValueError(
            f"{option} {path}: these are results shipped with the repository; write elsewhere "
            "(runs/ is kept out of git) or add --force to replace them"
        )


def _option(param: click.Parameter) -> str:
    return param.opts[0] if param.opts else str(param.name)


def check_output_path(
    ctx: click.Context, param: click.Parameter, value: Path | None
) -> Path | None:
    """The callback of an output file option: its folder can take files, and it is not a
    shipped result (without --force)."""
    if value is not None:
        if value.is_dir():
            raise ValueError(f"{_option(param)} {value} is a folder; give a file name")
        _check_folder(_option(param), value, value.parent)
        _check_shipped(ctx, _option(param), value)
    return value


def check_new_data_file(
    ctx: click.Context, param: click.Parameter, value: Path | None
) -> Path | None:
    """``check_output_path`` for a data file the command creates (a channel file): an existing
    file is the user's data and is not replaced without --force."""
    value = check_output_path(ctx, param, value)
    if value is not None and value.exists() and not ctx.meta.get("force"):
        raise ValueError(
            f"{_option(param)} {value} exists; give another file name or add --force to replace it"
        )
    return value


def check_output_dir(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """The callback of an output folder option (``--out``): it is or can become a folder that
    takes files, and it holds no shipped results (without --force)."""
    if value is not None:
        _check_folder(_option(param), value, value)
        _check_shipped(ctx, _option(param), value)
    return value


def check_plot_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """``check_output_path`` for a plot, whose suffix must be a format matplotlib writes."""
    if value is not None:
        formats = FigureCanvasBase.get_supported_filetypes()
        if value.suffix.lstrip(".").lower() not in formats:
            raise click.BadParameter(
                f"{value.name}: the plot format must be one of {', '.join(sorted(formats))}"
            )
    return check_output_path(ctx, param, value)


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
