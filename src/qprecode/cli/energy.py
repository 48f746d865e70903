"""``qprecode energy``: compute energy of ZF, WMMSE and the DNN precoder of Kasalaee et al.
(eqs. 7-14), against Tables I and II of the paper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .. import _parsing
from ..experiments.kasalaee import energy_records
from ..results import run_metadata, write_json
from ._app import cli, console, force_option, json_option
from ._checks import FiniteFloat, positive_int

_DEFAULT_BITS = ("16,16,16,16", "8,8,8,8", "4,4,4,4", "2,2,2,2")


def _parse_archs(texts: tuple[str, ...]) -> list[tuple[int, int]]:
    archs = []
    for text in texts:
        for item in _parsing.parse_name_list(text, "architecture"):
            c_out, sep, d_fcl = item.lower().partition("x")
            if not sep or not c_out.isdigit() or not d_fcl.isdigit():
                raise ValueError(f"architecture {item!r} must look like 64x1024 (C_out x D_FCL)")
            if int(c_out) < 1 or int(d_fcl) < 1:
                raise ValueError(f"--arch {item}: C_out and D_FCL must be at least 1")
            archs.append((int(c_out), int(d_fcl)))
    return archs


def _parse_bits(text: str) -> list[int]:
    items = [item.strip() for item in text.split(",")]  # one layer's bits may repeat another's
    if len(items) not in (1, 4) or not all(i.isdigit() and 1 <= int(i) <= 32 for i in items):
        raise ValueError(
            f"bits {text!r} must be four integers in 1..32 ([CONV, FCL1, FCL2, FCL3], e.g. "
            "16,16,4,8) or one for all layers"
        )
    values = [int(i) for i in items]
    return values * 4 if len(values) == 1 else values


def _print(records: dict[str, Any], iterations: float, antennas: int, users: int) -> None:
    base = Table(title=f"Baselines (eqs. 12-14, Q = 16), N_T={antennas}, N_U={users}")
    for col in ("method", "multiplications", "energy (uJ)"):
        base.add_column(col, justify="right")
    b = records["baselines"]
    base.add_row("ZF", f"{b['zf']['multiplications']:,.2f}", f"{b['zf']['energy_uj']:.5f}")
    base.add_row("WMMSE per iteration", f"{b['wmmse_per_iteration']['multiplications']:,.2f}",
                 f"{b['wmmse_per_iteration']['energy_uj']:.4f}")  # fmt: skip
    base.add_row(f"WMMSE, I = {iterations:g}", f"{b['wmmse']['multiplications']:,.0f}",
                 f"{b['wmmse']['energy_uj']:.2f}")  # fmt: skip
    console.print(base)
    dnn = Table(title="DNN (Conv + 3 FC), eqs. 7-11; I1: all at weight bits, I2: E_A at 16 bits")
    for col in ("C_out x D_FCL", "bits", "N_c", "N_w", "N_a", "I1 (uJ)", "I2 (uJ)"):
        dnn.add_column(col, justify="right")
    for r in records["dnn"]:
        dnn.add_row(f"{r['conv_channels']}x{r['fc_dim']}", ",".join(map(str, r["bits"])),
                    f"{r['macs']:,}", f"{r['weights']:,}", f"{r['activations']:,}",
                    f"{r['energy_uj_I1']:.2f}", f"{r['energy_uj_I2']:.2f}")  # fmt: skip
    console.print(dnn)
    paper = records["paper_comparison"]
    cmp = Table(title="Paper vs ours (N_T=64, N_U=4, DNN 64x1024, ours = I2 unless marked)")
    for col in ("table", "method", "paper (uJ)", "ours (uJ)", "ours / paper"):
        cmp.add_column(col, justify="right")
    for name, row in paper["table_i"].items():
        label = "WMMSE (I = 92.8)" if name == "wmmse" else name.upper()
        cmp.add_row("I", label, f"{row['paper_uj']:g}", f"{row['ours_uj']:.4g}",
                    f"{row['ours_uj'] / row['paper_uj']:.3f}")  # fmt: skip
    for row in paper["table_ii"]:
        cmp.add_row("II", f"{row['bits']}-bit weights", f"{row['paper_uj']:g}",
                    f"{row['ours_uj_I2']:.2f} (I1 {row['ours_uj_I1']:.2f})",
                    f"{row['ours_uj_I2'] / row['paper_uj']:.3f}")  # fmt: skip
    console.print(cmp)
    console.print(paper["reason"])


@cli.command()
@click.option(
    "--antennas", "-M", type=positive_int(), default=64, show_default=True, help="Antennas N_T."
)
@click.option("--users", "-K", type=positive_int(), default=4, show_default=True, help="Users N_U.")
@click.option("--iterations", type=FiniteFloat(min=1.0), default=92.8, show_default=True,
              help="WMMSE iterations I (a mean is allowed).")  # fmt: skip
@click.option("--arch", "arch_texts", multiple=True, default=("64x1024",), show_default=True,
              help="DNN architecture C_out x D_FCL; repeat or comma-list for several.")  # fmt: skip
@click.option("--bits", "bits_texts", multiple=True, default=_DEFAULT_BITS, show_default=True,
              help="Weight bits CONV,FCL1,FCL2,FCL3 (or one); repeat for several.")  # fmt: skip
@json_option("energies")
@force_option()
def energy(
    antennas: int, users: int, iterations: float, arch_texts: tuple[str, ...],
    bits_texts: tuple[str, ...], json_path: Path | None,
) -> None:  # fmt: skip
    """Compute energy [uJ] of ZF and WMMSE (eqs. 12-14) and of the compressed DNN precoder
    (eqs. 7-11, interpretations I1 and I2) of Kasalaee et al., and Tables I-II of the paper."""
    if users > antennas:
        raise ValueError(
            f"--users {users} exceeds --antennas {antennas}: ZF, one of the baselines, needs K <= M"
        )
    archs = _parse_archs(arch_texts)
    bits_list = [_parse_bits(text) for text in bits_texts]
    records = energy_records(antennas, users, iterations, archs, bits_list)
    _print(records, iterations, antennas, users)
    config = {"command": "energy", "antennas": antennas, "users": users,
              "iterations": iterations, "architectures": archs, "bits": bits_list,
              "model": "Kasalaee et al. eqs. 7-14, alpha = 0.86 pJ, beta = 1.9",
              "default_interpretation": "I2"}  # fmt: skip
    if json_path is not None:
        write_json(json_path, {"config": config, "meta": run_metadata(), "results": records})
        console.print(f"wrote {json_path}")
