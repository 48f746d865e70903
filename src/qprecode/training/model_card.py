"""The final test evaluation of a finished run and its model card (``MODEL_CARD.md``)."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ..nn import load_model
from ..results import atomic_write_bytes, write_json
from .config import flatten_config
from .run_log import plot_metrics
from .tasks import config_from_raw, task_for

__all__ = ["cpu_name", "earlier_machines", "finish", "hardware", "retest", "write_model_card"]


def cpu_name() -> str:
    """The CPU's model name (Linux), or what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def hardware(device: str) -> str:
    """The machine a run used: the CPU and its cores, and the GPU when ``device`` is one."""
    cpu = f"{cpu_name()}, {os.cpu_count()} CPUs"
    if torch.device(device).type == "cuda" and torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(torch.device(device))} GPU; {cpu}"
    return cpu


def earlier_machines(machines: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"earlier_hardware": [{"hardware", "steps"}]}``: the machines of a run before its last
    one and the steps each ran (``"1-5000"``), from the ``[{"hardware", "from_step"}]`` of its
    checkpoint; empty for a run on one machine."""
    ends = [m["from_step"] - 1 for m in machines[1:]]
    earlier = [{"hardware": m["hardware"], "steps": f"{m['from_step']}-{end}"}
               for m, end in zip(machines[:-1], ends, strict=True)]  # fmt: skip
    return {"earlier_hardware": earlier} if earlier else {}


def finish(
    out: Path, task: Any, echo: Callable[[str], None], training: dict[str, Any]
) -> dict[str, Any]:
    """Evaluate the best model of ``out`` on the task's test set (on the training device,
    ``training["device"]``, or the CPU where that GPU is missing), store the numbers and the
    ``training`` facts (command, steps, seconds, device) in ``best.json`` and write
    ``MODEL_CARD.md``. Returns the test metrics."""
    model, info = load_model(out / "best")
    device = _device_here(str(training.get("device", "cpu")))
    echo(f"testing the best model of {out} (step {info.get('step')})")
    test = task.test(model.to(device))
    info["test"] = test
    # a run tested again keeps the hardware it was trained on
    info["training"] = {"hardware": hardware(device), **training}
    write_json(out / "best.json", info)
    write_model_card(out / "MODEL_CARD.md", info, task)
    return test  # type: ignore[no-any-return]


def write_model_card(path: Path, info: dict[str, Any], task: Any) -> None:
    """A markdown model card from a model's metadata (``best.json`` after ``finish``)."""
    test = info.get("test", {})
    meta = info.get("meta", {})
    facts = info.get("training", {})
    command = facts.get("command") or "qprecode train --config <config.yaml>"
    selection = info.get("metrics", {})
    lines = [*task.card_summary(), "## Reproduce", "", f"```bash\n{command}\n```", "",
             "## Architecture and training", "", "| key | value |", "|---|---|"]  # fmt: skip
    lines += [f"| architecture | {info['architecture']} |"]
    lines += [f"| model.{k} | {v} |" for k, v in info["hyperparameters"].items()]
    lines += [f"| {k} | {v} |" for k, v in flatten_config(info["config"]).items()
              if not k.startswith("model.")]  # fmt: skip
    lines += [
        "", *task.card_data(),
        f"- Selected on validation at step {info.get('step')}: "
        + ", ".join(f"{k} {v:.3f}" for k, v in selection.items()) + ".",
        f"- Wall time: {facts.get('seconds', float('nan')) / 60:.1f} min for "
        f"{facts.get('steps', '?')} steps; hardware: {facts.get('hardware', cpu_name())}; "
        f"torch {meta.get('torch_version', torch.__version__)}, qprecode "
        f"{meta.get('qprecode_version', '?')}.",
        *[f"- Steps {m['steps']} ran on another machine: {m['hardware']}."
          for m in facts.get("earlier_hardware", [])],
        "",
    ]  # fmt: skip
    if facts.get("stopped_at"):
        lines[-1:-1] = [f"- **Unfinished run**: stopped at step {facts['stopped_at']} of its "
                        "recipe; `--resume` with the same config continues it."]  # fmt: skip
    if test.get("results"):
        lines += task.card_test(test)
    atomic_write_bytes(path, "\n".join(lines).encode())


def _device_here(device: str) -> str:
    """``device``, or the CPU for a GPU run tested again on a machine without one."""
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        return "cpu"
    return device


def _on_this_machine(raw: dict[str, Any]) -> dict[str, Any]:
    """A recorded config whose training device is the CPU where its GPU is missing here (the
    record itself is kept as it is)."""
    device = str(raw.get("loop", {}).get("device", "cpu"))
    if _device_here(device) == device:
        return raw
    return {**raw, "loop": {**raw["loop"], "device": "cpu"}}


def retest(
    out: str | Path, echo: Callable[[str], None] = print, unfinished: bool = False
) -> dict[str, Any]:
    """Evaluate a finished run's best model on its test set again with the current code and
    rewrite ``best.json`` and ``MODEL_CARD.md`` (keeping the recorded training facts). With
    ``unfinished``, a stopped run's best model so far, its card saying where the run stopped.
    Draws ``training.png`` again (an interrupted run has none)."""
    path = Path(out) / "best.json"
    if not path.is_file():
        raise ValueError(f"{out} holds no best.json: not a run folder of qprecode train")
    info = _read_run_json(path)
    config = _run_config(path, info)
    task = task_for(config)
    training = info.get("training")
    if training is None or training.get("stopped_at"):  # not finished: facts from last.json
        if not unfinished:
            raise ValueError(f"{out} has not finished training (no test metrics yet); resume "
                             "it, or test its best model so far with --unfinished")  # fmt: skip
        last_path = Path(out) / "last.json"
        last = _read_run_json(last_path)
        if not isinstance(last.get("step"), int) or not isinstance(
            last.get("seconds"), float | int
        ):
            raise ValueError(
                f"{last_path} has no step or seconds: not a checkpoint of qprecode train"
            )
        # the plan of the last checkpoint: a resume may have extended it since the best model
        total = _run_config(last_path, last).optim.total_steps(task.num_train)
        machines = last.get("machines", [])
        training = {"command": None, "steps": last["step"], "processes": 1,
                    "device": config.loop.device, "seconds": last["seconds"],
                    "stopped_at": f"{last['step']} of {total}",
                    **({"hardware": machines[-1]["hardware"]} if machines else {}),
                    **earlier_machines(machines)}  # fmt: skip
    load_model(Path(out) / "best")  # a broken model is refused before anything is redrawn
    plot_metrics(Path(out) / "metrics.csv", task.selection_metric)
    return finish(Path(out), task, echo, training)


def _read_run_json(path: Path) -> dict[str, Any]:
    """The JSON object of a run's ``best.json`` or ``last.json``, with errors naming it."""
    if not path.is_file():
        raise ValueError(f"{path} does not exist: not a complete run folder of qprecode train")
    try:
        info = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(
            f"{path} is not valid JSON ({err}): truncated or not from qprecode"
        ) from None
    if not isinstance(info, dict):
        raise ValueError(f"{path} must hold a JSON object")
    return info


def _run_config(path: Path, info: dict[str, Any]) -> Any:
    """The typed training config recorded in a run's JSON, with errors naming the file."""
    if not isinstance(info.get("config"), dict):
        raise ValueError(f"{path} holds no training config: not written by qprecode train")
    try:
        return config_from_raw(_on_this_machine(info["config"]))
    except ValueError as err:
        raise ValueError(f"{path}: its training config is not valid here: {err}") from None
