"""Saving and loading learned models without pickle: weights as safetensors, the architecture as
JSON, through one registry of architectures.

A model file is a pair ``NAME.safetensors`` (the weights under ``model.*``; a training checkpoint
adds its own tensors) and ``NAME.json``::

    {"format_version": 1, "architecture": "feys-gnn", "hyperparameters": {...}, ...}

where ``hyperparameters`` are the constructor arguments (``model.hyperparameters()``) and any
further keys (config, metrics, code version) belong to the caller. Files of format 0 (a GNN's
``{"model": {bits, hidden_dim, hidden_layers, ...}}``) are read as ``feys-gnn``.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes
from torch import nn

from ..results import atomic_write_bytes, write_json
from .kinds import ARCHITECTURES, kind_of

__all__ = [
    "ARCHITECTURES",
    "FORMAT_VERSION",
    "architecture_name",
    "build_model",
    "load_model",
    "load_state_checked",
    "model_from_tensors",
    "model_header",
    "read_files",
    "save_model",
    "write_files",
]

FORMAT_VERSION = 1


def architecture_name(model: nn.Module) -> str:
    """The registered name of ``model``'s class (``nn.kinds``)."""
    return kind_of(model).architecture


def model_header(model: nn.Module) -> dict[str, Any]:
    """``{"format_version", "architecture", "hyperparameters"}`` of ``model``."""
    return {
        "format_version": FORMAT_VERSION,
        "architecture": architecture_name(model),
        "hyperparameters": model.hyperparameters(),  # type: ignore[operator]
    }


def write_files(path: Path, tensors: dict[str, torch.Tensor], info: dict[str, Any]) -> None:
    """Write ``path.safetensors`` and ``path.json`` atomically (tensors first, so that a JSON file
    always describes complete tensors)."""
    contiguous = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    atomic_write_bytes(path.with_suffix(".safetensors"), save_safetensors_bytes(contiguous))
    write_json(path.with_suffix(".json"), info)


def save_model(
    path: str | Path,
    model: nn.Module,
    info: dict[str, Any] | None = None,
    extra_tensors: dict[str, torch.Tensor] | None = None,
) -> None:
    """Save ``model`` as ``path.safetensors`` + ``path.json``, with ``info`` merged into the JSON
    and ``extra_tensors`` (e.g. optimiser state) beside the ``model.*`` weights."""
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors.update(extra_tensors or {})
    write_files(Path(path), tensors, {**model_header(model), **(info or {})})


def read_files(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read ``X.safetensors`` and ``X.json`` (``path`` may name either, or omit the suffix); the
    JSON is upgraded to the current format.

    Raises ``ValueError`` with a clear message for a missing, corrupt or incomplete file.
    """
    base = Path(path)
    if base.suffix in (".safetensors", ".json"):
        base = base.with_suffix("")
    weights, meta = base.with_suffix(".safetensors"), base.with_suffix(".json")
    for file in (weights, meta):
        if not file.is_file():
            raise ValueError(f"checkpoint file {file} does not exist")
    try:
        tensors = load_safetensors_bytes(weights.read_bytes())
    except (SafetensorError, ValueError, RuntimeError) as err:
        raise ValueError(f"checkpoint {weights} is not a valid safetensors file: {err}") from None
    try:
        info = json.loads(meta.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"checkpoint metadata {meta} is not valid JSON: {err}") from None
    if not isinstance(info, dict):
        raise ValueError(f"checkpoint metadata {meta} must hold a JSON object")
    return tensors, _upgrade(info, str(meta))


def _upgrade(info: dict[str, Any], source: str) -> dict[str, Any]:
    """Format 0 (``{"model": {GNN arguments}}``) -> format 1."""
    if "format_version" not in info and isinstance(info.get("model"), dict):
        legacy = dict(info.pop("model"))
        legacy["hidden_layers"] = legacy.pop("hidden_layers", legacy.pop("num_hidden_layers", 0))
        info = {"format_version": 0, "architecture": "feys-gnn", "hyperparameters": legacy, **info}
    version = info.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise ValueError(
            f"{source} was written in model format {version}, newer than the {FORMAT_VERSION} "
            "this qprecode reads: update qprecode"
        )
    if not isinstance(version, int):
        raise ValueError(
            f"{source}: unsupported format_version {version!r}; this qprecode reads up to "
            f"{FORMAT_VERSION}"
        )
    if info.get("architecture") not in ARCHITECTURES or not isinstance(
        info.get("hyperparameters"), dict
    ):
        raise ValueError(
            f"{source}: needs an 'architecture' (one of {', '.join(ARCHITECTURES)}) and its "
            f"'hyperparameters', got {info.get('architecture')!r}"
        )
    model_class = ARCHITECTURES[info["architecture"]]
    try:  # hyper-parameters of another architecture are refused here, not deep in a constructor
        inspect.signature(model_class).bind(**info["hyperparameters"])
    except TypeError as err:
        raise ValueError(
            f"{source}: its hyperparameters do not fit a {info['architecture']} model ({err})"
        ) from None
    return info


def build_model(info: dict[str, Any], source: str = "checkpoint") -> nn.Module:
    """A freshly initialised model of the architecture and hyper-parameters in ``info``."""
    cls = ARCHITECTURES[info["architecture"]]
    try:
        return cls(**info["hyperparameters"])
    except TypeError as err:
        raise ValueError(f"{source}: hyperparameters do not fit {cls.__name__} ({err})") from None


def load_state_checked(
    model: nn.Module,
    tensors: dict[str, torch.Tensor],
    source: str,
    described: str = "the model",
    ignore: Callable[[str], bool] | None = None,
) -> None:
    """Load the ``model.*`` entries of ``tensors`` into ``model`` after checking their names,
    shapes and finiteness, with a message that says what does not match. Entries whose name
    ``ignore`` accepts are skipped on both sides (and left as the model has them)."""
    skip = ignore or (lambda key: False)
    state = {
        k.removeprefix("model."): v
        for k, v in tensors.items()
        if k.startswith("model.") and not skip(k.removeprefix("model."))
    }
    expected = {k: v for k, v in model.state_dict().items() if not skip(k)}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"{source} does not match {described}: missing tensors {missing[:3]}"
            f"{'...' if len(missing) > 3 else ''}, unexpected {unexpected[:3]}"
        )
    for key, value in state.items():
        if value.shape != expected[key].shape:
            raise ValueError(
                f"{source}: tensor {key} has shape {tuple(value.shape)}, but {described} needs "
                f"{tuple(expected[key].shape)}"
            )
        if not torch.isfinite(value).all():
            raise ValueError(f"{source}: tensor {key} holds NaN or infinite values")
    model.load_state_dict(state, strict=ignore is None)


def model_from_tensors(
    tensors: dict[str, torch.Tensor], info: dict[str, Any], source: str = "checkpoint"
) -> nn.Module:
    """Build the model of ``info`` and load its ``model.*`` tensors strictly
    (``load_state_checked``)."""
    model = build_model(info, source)
    described = f"a {info['architecture']} model with {info['hyperparameters']}"
    load_state_checked(model, tensors, source, described)
    return model


def load_model(path: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Load a model from ``X.safetensors`` + ``X.json``; returns it in eval mode, with the JSON
    metadata."""
    tensors, info = read_files(path)
    model = model_from_tensors(tensors, info, source=f"checkpoint {path}")
    return model.eval(), info
