"""``qprecode precoders``: every precoder the registry can build, with what it needs."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ..registry import entries
from ._app import cli, console


@cli.command("precoders")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def precoders_command(as_json: bool) -> None:
    """List the classical precoders and the shipped models: name, kind, DAC resolutions, what
    each needs. Use the names with --precoder; a trained run folder is gnn:PATH, and NAME+ls
    refines a quantized precoder's output by local search (gnn:k1-b1+ls)."""
    listed = [entry.to_dict() for entry in entries()]
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    table = Table(title="Precoders (qprecode evaluate --precoder NAME)")
    for column in ("name", "kind", "bits", "needs", "SNR-dependent", "description"):
        table.add_column(column)
    for e in listed:
        bits = ",".join(str(b) for b in e["bits"])
        names = ", ".join([e["name"], *e["aliases"]])
        table.add_row(names, e["kind"], bits, "; ".join(e["needs"]) or "-",
                      "yes" if e["snr_dependent"] else "no", e["description"])  # fmt: skip
    console.print(table)
    console.print("Any quantized precoder + local search: NAME+ls (gnn:k1-b1+ls, squid+ls).")
