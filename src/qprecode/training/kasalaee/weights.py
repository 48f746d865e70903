"""Starting a Kasalaee network from a saved one of the same architecture and sizes (an FP32 model
before its LSQ fine-tuning, ``qat.init_from``)."""

from __future__ import annotations

from pathlib import Path

import torch

from ...nn import (
    CompressedDNN,
    StructuredDNN,
    architecture_name,
    initialize_steps,
    load_state_checked,
    read_files,
)

__all__ = ["KasalaeeNetwork", "load_float_weights"]

KasalaeeNetwork = CompressedDNN | StructuredDNN


def _model_files(path: str) -> Path:
    base = Path(path)
    if base.is_dir():
        base = base / "best"
    return base.with_suffix("") if base.suffix in (".safetensors", ".json") else base


@torch.no_grad()
def load_float_weights(model: KasalaeeNetwork, path: str) -> None:
    """Start ``model`` from the saved model at ``path`` (a file or a run folder) of the same
    architecture (``kasalaee-dnn`` or ``kasalaee-structured``) but any weight bits: its
    weights, biases, batch-norm statistics and input scale are loaded with shape and finiteness
    checks, its LSQ steps are ignored, and every LSQ step of ``model`` is initialised from the
    loaded weights (``initialize_steps``).

    Raises ``ValueError`` when the file is another architecture, other sizes, or incomplete.
    """
    tensors, info = read_files(_model_files(path))
    wanted_architecture = architecture_name(model)
    if info["architecture"] != wanted_architecture:
        raise ValueError(
            f"qat.init_from {path} holds a {info['architecture']} model, the config builds a "
            f"{wanted_architecture}"
        )
    ours = model.hyperparameters()
    if wanted_architecture == "kasalaee-dnn":
        theirs = {"input_norm": "global", **info["hyperparameters"]}  # older files: global
        sizes: tuple[str, ...] = ("antennas", "users", "conv_channels", "fc_dim", "input_norm")
    else:
        theirs = info["hyperparameters"]
        sizes = ("antennas", "users", "conv_channels", "fc_dim", "snr_db", "total_power")
    if any(theirs.get(k) != ours[k] for k in sizes):
        found = {k: theirs.get(k) for k in sizes}
        wanted = {k: ours[k] for k in sizes}
        raise ValueError(
            f"qat.init_from {path} has sizes {found}, but the config asks for {wanted}"
        )
    load_state_checked(
        model,
        tensors,
        f"qat.init_from {path}",
        "the model",
        ignore=lambda key: ".quantizer." in key,
    )  # LSQ steps start afresh
    initialize_steps(model)
