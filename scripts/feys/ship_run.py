"""Ship the best model of a finished run as ``src/qprecode/models/NAME.*``, with its lineage: when
the run started from a shipped model (``init_from``), the JSON records how many steps the
starting weights had seen (``training.starting_model_steps``: the starting model's selected step
plus its own starting steps) and on which machines (``training.earlier_hardware``), so that
reports count every step the shipped weights saw.

    python scripts/feys/ship_run.py runs/gpu-anneal/k1-b3-annealed k1-b3 \
        --command "python scripts/feys/gpu_table1.py --phase anneal --minutes 9.2 --out OUT"

The model card (``NAME.md``) is the run's ``MODEL_CARD.md``; its comparison with the paper is
written by hand.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

MODELS = Path(__file__).resolve().parents[2] / "src" / "qprecode" / "models"


def lineage(start: dict[str, Any]) -> tuple[int, list[dict[str, str]]]:
    """Steps the starting model's weights saw, and the machines of each stretch of them."""
    training = start.get("training", {})
    before = training.get("starting_model_steps", 0)
    seen = before + start["step"]
    machines = list(training.get("earlier_hardware", []))
    hardware = training.get("hardware", "unknown hardware").split(";")[0]
    machines.append({"steps": f"{before + 1:,}-{seen:,} of the starting model",
                     "hardware": hardware})  # fmt: skip
    return seen, machines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a finished run folder (best.*, MODEL_CARD.md)")
    parser.add_argument("name", help="the shipped name, e.g. k1-b3")
    parser.add_argument("--command", default="", help="the job that ran it, before its own line")
    args = parser.parse_args()
    info = json.loads((args.run / "best.json").read_text())
    if "test" not in info:
        raise SystemExit(f"{args.run} has no test metrics: finish or retest it first")
    training = info["training"]
    init_from = info["config"]["loop"].get("init_from")
    if init_from:
        start = json.loads(Path(init_from).with_suffix(".json").read_text())
        training["starting_model_steps"], training["earlier_hardware"] = lineage(start)
    command = training["command"].replace(" --out /tmp/", " --out runs/")
    training["command"] = "\n".join(filter(None, [args.command, command]))
    del info["test"]  # the card has the test table; the shipped JSON stays small
    (MODELS / f"{args.name}.json").write_text(json.dumps(info, indent=1) + "\n")
    shutil.copyfile(args.run / "best.safetensors", MODELS / f"{args.name}.safetensors")
    shutil.copyfile(args.run / "training.png", MODELS / f"{args.name}_training.png")
    card = (
        (args.run / "MODEL_CARD.md")
        .read_text()
        .replace("training.png", f"{args.name}_training.png")
    )
    (MODELS / f"{args.name}.md").write_text(card)
    print(
        f"shipped {args.run} as {MODELS / args.name}.*: step {info['step']}, "
        f"{training.get('starting_model_steps', 0):,} steps before"
    )


if __name__ == "__main__":
    main()
