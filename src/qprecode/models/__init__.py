"""Trained GNN precoders shipped with qprecode, each as ``NAME.safetensors`` + ``NAME.json`` with a
model card ``NAME.md``; refer to them as ``gnn:NAME`` (e.g. ``gnn:k1-b1``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SHIPPED_DIR", "shipped_models"]

SHIPPED_DIR = Path(__file__).resolve().parent


def shipped_models() -> list[str]:
    """Names of the shipped models."""
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.safetensors"))
