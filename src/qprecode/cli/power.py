"""``qprecode power``: DAC and GNN processing power against the bandwidth (Sect. VII)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .. import _parsing
from ..cost import Accelerator, DACPowerModel, power_panels, power_records
from ..plotting import plot_power
from ..results import run_metadata, write_json
from ._app import (
    cli,
    console,
    force_option,
    json_option,
    plot_option,
)
from ._checks import FiniteFloat, bits_range, positive_float, positive_int

# the largest GNN whose FLOPs are profiled (a deeper one takes minutes to profile)
_MAX_WIDTH, _MAX_DEPTH = 8192, 100


@cli.command()
@click.option("--antennas", "-M", type=positive_int(), default=32, show_default=True,
              help="Antennas M.")  # fmt: skip
@click.option("--users", "-K", type=positive_int(), default=1, show_default=True, help="Users K.")
@click.option("--gnn-bits", type=bits_range(), default=1, show_default=True,
              help="Bits of the GNN's DACs, 1..8 (fewer than --baseline-bits).")  # fmt: skip
@click.option("--baseline-bits", type=bits_range(16), default=3, show_default=True,
              help="Bits of the baseline's (e.g. MRT) DACs, 1..16.")  # fmt: skip
@click.option("--arch", "arch_text", default="128x4,32x8,local-search", show_default=True,
              help="Comma list of GNN architectures d_h x N_h, and local-search.")  # fmt: skip
@click.option("--at-bandwidth", "at_bandwidth", type=positive_float(), default=1e6,
              show_default=True,
              help="Bandwidth [Hz] at which the power reductions are reported.")  # fmt: skip
@click.option("--efficiency", type=positive_float(), default=646.6e12, show_default=True,
              help="Accelerator efficiency eta [FLOP/s/W].")  # fmt: skip
@click.option("--max-flops", type=positive_float(), default=39.8e12, show_default=True,
              help="Accelerator speed cap [FLOP/s].")  # fmt: skip
@click.option(
    "--rolloff", type=FiniteFloat(min=0.0), default=0.1, show_default=True, help="Roll-off alpha."
)
@click.option(
    "--vdd", type=positive_float(), default=3.0, show_default=True, help="DAC supply V_dd [V]."
)
@click.option(
    "--i0", type=positive_float(), default=10e-6, show_default=True, help="LSB current I_0 [A]."
)
@click.option(
    "--cp", type=positive_float(), default=1e-12, show_default=True, help="Parasitic C_p [F]."
)
@click.option("--carrier", type=positive_float(), default=3.5e9, show_default=True,
              help="RF-DAC carrier f_c [Hz].")  # fmt: skip
@json_option("records")
@plot_option("Write power vs bandwidth for baseband and RF-DACs (PNG).")
@force_option()
def power(
    antennas: int, users: int, gnn_bits: int, baseline_bits: int, arch_text: str,
    at_bandwidth: float, efficiency: float, max_flops: float, rolloff: float, vdd: float,
    i0: float, cp: float, carrier: float, json_path: Path | None, plot_path: Path | None,
) -> None:  # fmt: skip
    """DAC, processing and total power of a GNN precoder (or the local search) with few-bit DACs
    against a baseline with more bits, for baseband and RF-DACs (eq. 39 and Sect. VII of Feys et
    al.). The local search's per-channel cost is spread over 125 symbol vectors."""
    if gnn_bits >= baseline_bits:
        raise click.BadParameter(
            f"{gnn_bits} is not below --baseline-bits {baseline_bits}: the comparison asks how "
            "much power a precoder with fewer DAC bits saves against a baseline with more",
            param_hint="'--gnn-bits'",
        )
    archs: list[tuple[int, int] | str] = []
    for item in _parsing.parse_name_list(arch_text, "architecture"):
        if item.lower() == "local-search":
            archs.append("local-search")
            continue
        width, sep, depth = item.lower().partition("x")
        if not sep or not width.isdigit() or not depth.isdigit():
            raise ValueError(
                f"architecture {item!r} must look like 128x4 (d_h x N_h) or be local-search"
            )
        if not 1 <= int(width) <= _MAX_WIDTH or int(depth) > _MAX_DEPTH:
            raise ValueError(
                f"--arch {item}: d_h must be in 1..{_MAX_WIDTH} and N_h in 0..{_MAX_DEPTH} (the "
                "FLOPs are counted on a profile of the network, layer by layer)"
            )
        archs.append((int(width), int(depth)))
    if "local-search" in archs and users > antennas:
        raise ValueError(
            f"--users {users} exceeds --antennas {antennas}: the local search (--arch "
            "local-search) starts from ZF, which needs K <= M"
        )
    options: dict[str, Any] = {
        "rolloff": rolloff,
        "dac_model": DACPowerModel(vdd=vdd, i0=i0, cp=cp, carrier_hz=carrier),
        "accelerator": Accelerator(efficiency, max_flops),
    }
    records = power_records(archs, antennas, users, gnn_bits, baseline_bits, at_bandwidth,
                            **options)  # fmt: skip
    table = Table(title=f"{gnn_bits}-bit DACs with a non-linear precoder vs a baseline with "
                        f"{baseline_bits}-bit DACs, M={antennas}, K={users}")  # fmt: skip
    for col in ("precoder", "DACs", "MFLOP/vector", "crossover", "accelerator limit",
                f"DAC-only / total reduction at {at_bandwidth / 1e6:g} MHz",
                "total reduction at the limit"):  # fmt: skip
        table.add_column(col, justify="right")
    for r in records:
        crossover = r["crossover_bandwidth_hz"]
        red = r["power_reduction"]
        table.add_row(
            r["precoder"], r["dac"],
            f"{r['flops_per_vector'] / 1e6:.3g}",
            "none" if crossover is None else f"{crossover / 1e6:.3f} MHz",
            f"{r['max_bandwidth_hz'] / 1e6:.2f} MHz",
            f"{red['dac_only']:.2f} / {red['total']:.2f}",
            f"{red['at_max_bandwidth']['total']:.2f}",
        )  # fmt: skip
    console.print(table)
    config = {
        "command": "power", "antennas": antennas, "users": users, "gnn_bits": gnn_bits,
        "baseline_bits": baseline_bits, "architectures": archs, "at_bandwidth_hz": at_bandwidth,
        "efficiency_flops_per_watt": efficiency, "max_flops": max_flops, "rolloff": rolloff,
        "vdd": vdd, "i0": i0, "cp": cp, "carrier_hz": carrier,
    }  # fmt: skip
    if json_path is not None:
        write_json(json_path, {"config": config, "meta": run_metadata(), "results": records})
        console.print(f"wrote {json_path}")
    if plot_path is not None:
        panels = power_panels(archs, ("baseband", "rf"), antennas, users, gnn_bits,
                              baseline_bits, **options)  # fmt: skip
        plot_power(panels, plot_path)
        console.print(f"wrote {plot_path}")
