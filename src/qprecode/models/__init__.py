"""Trained precoders shipped with qprecode, each as ``NAME.safetensors`` + ``NAME.json`` with a
model card ``NAME.md``; refer to them by their architecture's prefix: ``gnn:NAME`` for the Feys
GNNs (``gnn:k1-b1``: ``b`` DAC bits), ``dnn:NAME`` for the structured DNNs
(``dnn:munich-k4-w2``: ``w`` weight bits), ``zhang:NAME`` for the Zhang et al. GNNs
(``zhang:gradient-k4-n12``, ``zhang:hybrid-k4-n16``, the deep-unfolded WMMSE
``zhang:unfolded-wmmse-k4-n12`` and Pinv-GNN ``zhang:pinv-k4-n12``: ``n`` antennas)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SHIPPED_DIR", "shipped_models"]

SHIPPED_DIR = Path(__file__).resolve().parent


def shipped_models() -> list[str]:
    """Names of the shipped models."""
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.safetensors"))
