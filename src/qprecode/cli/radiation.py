"""``qprecode radiation``: radiation patterns on line-of-sight channels (Figs. 3-4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import torch
from rich.table import Table

from .. import _parsing
from ..evaluation import MIN_SYMBOLS, los_radiation_db
from ..plotting import plot_radiation
from ..precoders import design_for_snr, is_snr_dependent
from ..results import bits_json, run_metadata, write_json
from ._app import (
    bits_label,
    build_all,
    cli,
    console,
    force_option,
    json_option,
    plot_option,
    precoder_options,
)


@cli.command()
@precoder_options
@click.option(
    "--angles",
    "angles_text",
    default="110",
    show_default=True,
    help="User angles in degrees, comma list (one per user; 90 is broadside).",
)
@click.option(
    "--symbols",
    "num_symbols",
    type=int,
    default=10_000,
    show_default=True,
    help="Symbol vectors used to estimate G and E[qq^H].",
)
@click.option(
    "--resolution", type=float, default=0.25, show_default=True, help="Angle grid step in degrees."
)
@click.option(
    "--snr-db",
    "snr_text",
    default="20",
    show_default=True,
    help="Design SNRs in dB (one value, a comma list or start:stop:step, as evaluate takes "
    "them): an SNR-dependent precoder (rzf, squid, exhaustive, ...) gets one pattern per SNR, "
    "the others one pattern.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the symbols.")
@json_option("patterns")
@plot_option("Write polar plots of P_lin, P_dist and SDR (PNG).")
@force_option()
def radiation(
    precoders: str,
    bits_text: str,
    antennas: int,
    angles_text: str,
    num_symbols: int,
    resolution: float,
    snr_text: str,
    dac_kind: str,
    seed: int,
    json_path: Path | None,
    plot_path: Path | None,
) -> None:
    """Radiation patterns of the intended signal and the distortion (eqs. 11-12) on a
    line-of-sight ULA channel, as in Figs. 3-4 of Feys et al. (SNR-dependent precoders are
    designed for each --snr-db)."""
    names = _parsing.parse_name_list(precoders)
    snrs = _parsing.parse_snr_range(snr_text)
    bits_list = _parsing.parse_bits_list(bits_text)
    user_angles = _parsing.parse_float_list(angles_text, "angle")
    if not 0.01 <= resolution <= 45:
        raise ValueError(f"--resolution must be in [0.01, 45] degrees, got {resolution}")
    if num_symbols < max(MIN_SYMBOLS, len(user_angles)):
        raise ValueError(
            f"--symbols must be at least {max(MIN_SYMBOLS, len(user_angles))}: the Bussgang gain "
            f"G and E[qq^H] are fitted over the symbol vectors (at least {MIN_SYMBOLS}, as "
            f"evaluate takes, and at least one per user), and fewer over-fit them (1-bit MRT, "
            f"M=32: SDR at the user 144 dB with 1 vector, 5.5 dB with 10,000), got "
            f"{num_symbols}"
        )
    if antennas < 1:
        raise ValueError(f"--antennas must be a positive integer, got {antennas}")
    if not all(0 <= a <= 180 for a in user_angles):
        raise ValueError(f"--angles must be in [0, 180] degrees, got {user_angles}")
    grid = torch.arange(0.0, 180.0 + resolution / 2, resolution)

    patterns: list[dict[str, Any]] = []
    table = Table(title=f"Radiation, M={antennas}, users at {user_angles} deg")
    for col in ("precoder", "bits", r"design SNR \[dB]", r"SDR at users \[dB]",
                r"min SDR \[dB]"):  # fmt: skip
        table.add_column(col, justify="right")
    for name, bits, built in build_all(names, bits_list, dac_kind):
        dependent = is_snr_dependent(built)
        for snr in snrs if dependent else [None]:
            precoder = design_for_snr(built, snr) if snr is not None else built
            suffix = f" @ {snr:g} dB" if dependent and len(snrs) > 1 else ""
            record: dict[str, Any] = {
                "label": f"{name.upper()} {bits_label(bits)}-bit{suffix}",
                "precoder": name,
                "bits": bits_json(bits),
                "snr_db": snr,
                **los_radiation_db(precoder, antennas, user_angles, num_symbols, grid, seed),
            }
            patterns.append(record)
            at_users = [record["sdr_db"][int(round(a / resolution))] for a in user_angles]
            table.add_row(name, bits_label(bits), "-" if snr is None else f"{snr:g}",
                          ", ".join(f"{v:.1f}" for v in at_users),
                          f"{min(record['sdr_db']):.1f}")  # fmt: skip
    console.print(table)
    config = {
        "command": "radiation",
        "precoders": names,
        "bits": [bits_json(b) for b in bits_list],
        "antennas": antennas,
        "angles_deg": user_angles,
        "symbols": num_symbols,
        "resolution_deg": resolution,
        "snr_db": snrs,
        "dac": dac_kind,
        "seed": seed,
    }
    if json_path is not None:
        write_json(json_path, {"config": config, "meta": run_metadata(), "patterns": patterns})
        console.print(f"wrote {json_path}")
    if plot_path is not None:
        angles = ", ".join(f"{a:g}" for a in user_angles)
        title = (f"M={antennas} ULA, users at {angles} deg, {num_symbols} symbol vectors, "
                 f"seed {seed}")  # fmt: skip
        plot_radiation(patterns, user_angles, plot_path, title)
        console.print(f"wrote {plot_path}")
