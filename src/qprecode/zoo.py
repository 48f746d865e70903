"""Build any precoder from its command-line name: a classical one (``mrt``, ``zf``,
``rzf``/``wf``, ``squid``, ``c2po``, ``exhaustive``) with a DAC resolution, or a trained GNN as
``gnn:NAME`` (a shipped model) or ``gnn:PATH`` (a checkpoint ``PATH.safetensors`` +
``PATH.json``, or a run folder holding ``best.*``)."""

from __future__ import annotations

from pathlib import Path

from .models import SHIPPED_DIR, shipped_models
from .nn import GNNPrecoder
from .precoders import Precoder, build_classical_precoder
from .training.checkpoint import load_model

__all__ = ["build_precoder", "is_learned", "resolve_checkpoint"]

GNN_PREFIX = "gnn:"


def is_learned(name: str) -> bool:
    """True for ``gnn:...`` names, whose bit-width is fixed by the model."""
    return name.strip().lower().startswith(GNN_PREFIX)


def resolve_checkpoint(spec: str) -> Path:
    """The checkpoint path of ``gnn:NAME`` or ``gnn:PATH`` (without the ``gnn:`` prefix)."""
    if spec in shipped_models():
        return SHIPPED_DIR / spec
    path = Path(spec)
    if path.is_dir():
        path = path / "best"
    if path.suffix in (".safetensors", ".json"):
        path = path.with_suffix("")
    if not path.with_suffix(".safetensors").is_file():
        raise ValueError(
            f"no GNN checkpoint at {spec!r}: give a shipped model ({', '.join(shipped_models())}"
            f"), a run folder, or the path of a .safetensors file with its .json beside it"
        )
    return path


def build_precoder(name: str, bits: int | None = None, dac_kind: str = "lloyd-max") -> Precoder:
    """A precoder from its name. ``bits`` applies to classical precoders; a GNN uses its own."""
    if is_learned(name):
        spec = name.strip()[len(GNN_PREFIX) :]
        model, _ = load_model(resolve_checkpoint(spec))
        return GNNPrecoder(model, name=f"gnn:{spec}")
    return build_classical_precoder(name, bits, dac_kind)
