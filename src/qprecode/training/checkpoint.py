"""Checkpoints as safetensors (weights, optimiser state, generator state) plus a JSON file beside
them (config, step, metrics, code version). Loading never unpickles anything; writes are atomic.

A model file ``NAME.safetensors`` holds the GNN's weights under ``model.*``; ``NAME.json`` holds
``{"model": {architecture}, "config": {...}, "metrics": {...}, ...}``. A training checkpoint adds
``optim.*`` tensors and the symbol/noise generator state.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from ..nn import QuantizedGNN
from ..results import atomic_write_bytes, write_json

__all__ = [
    "architecture_of",
    "load_checkpoint_files",
    "load_model",
    "model_from_tensors",
    "save_checkpoint_files",
]


def architecture_of(model: QuantizedGNN) -> dict[str, Any]:
    """The constructor arguments that rebuild ``model``."""
    return {
        "bits": model.bits,
        "hidden_dim": model.hidden_dim,
        "hidden_layers": model.num_hidden_layers,
        "negative_slope": model.negative_slope,
        "edge_features": model.edge_features,
    }


def save_checkpoint_files(path: Path, tensors: dict[str, torch.Tensor], info: dict[str, Any]):
    """Write ``path.safetensors`` and ``path.json`` atomically (tensors first, so that a JSON file
    always describes complete tensors)."""
    contiguous = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    atomic_write_bytes(path.with_suffix(".safetensors"), save_safetensors_bytes(contiguous))
    write_json(path.with_suffix(".json"), info)


def load_checkpoint_files(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read ``X.safetensors`` and ``X.json`` (``path`` may name either, or omit the suffix).

    Raises ``ValueError`` with a clear message for a missing, corrupt or incomplete checkpoint.
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
    if not isinstance(info, dict) or not isinstance(info.get("model"), dict):
        raise ValueError(f"checkpoint metadata {meta} has no 'model' architecture entry")
    return tensors, info


def model_from_tensors(
    tensors: dict[str, torch.Tensor], architecture: dict[str, Any], source: str = "checkpoint"
) -> QuantizedGNN:
    """Build a ``QuantizedGNN`` from its architecture and load the ``model.*`` tensors strictly."""
    try:
        model = QuantizedGNN(
            bits=int(architecture["bits"]),
            hidden_dim=int(architecture["hidden_dim"]),
            num_hidden_layers=int(architecture["hidden_layers"]),
            negative_slope=float(architecture.get("negative_slope", 0.01)),
            edge_features=str(architecture.get("edge_features", "channel")),
        )
    except (KeyError, TypeError) as err:
        raise ValueError(f"{source}: incomplete architecture entry ({err})") from None
    state = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(
            f"{source} does not match a {architecture['bits']}-bit GNN with d_h="
            f"{architecture['hidden_dim']}, N_h={architecture['hidden_layers']}: missing tensors "
            f"{missing[:3]}{'...' if len(missing) > 3 else ''}, unexpected {unexpected[:3]}"
        )
    for key, value in state.items():
        if value.shape != expected[key].shape:
            raise ValueError(
                f"{source}: tensor {key} has shape {tuple(value.shape)}, but a "
                f"{architecture['bits']}-bit GNN with d_h={architecture['hidden_dim']} needs "
                f"{tuple(expected[key].shape)} (a checkpoint of another bit-width or size?)"
            )
        if not torch.isfinite(value).all():
            raise ValueError(f"{source}: tensor {key} holds NaN or infinite values")
    model.load_state_dict(state)
    return model


def load_model(path: str | Path) -> tuple[QuantizedGNN, dict[str, Any]]:
    """Load a GNN from ``X.safetensors`` + ``X.json``; returns the model (eval mode) and the
    metadata."""
    tensors, info = load_checkpoint_files(path)
    model = model_from_tensors(tensors, info["model"], source=f"checkpoint {path}")
    return model.eval(), info
