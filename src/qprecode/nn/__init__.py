"""Learned precoders: the quantization-aware GNN of Feys et al., its precoder wrapper, and model
serialization through a registry of architectures."""

from .gnn import EDGE_FEATURES, QuantizedGNN
from .layers import BipartiteLayer
from .precoder import GNNPrecoder
from .serialization import (
    ARCHITECTURES,
    FORMAT_VERSION,
    architecture_name,
    build_model,
    load_model,
    model_from_tensors,
    model_header,
    read_files,
    save_model,
    write_files,
)

__all__ = [
    "ARCHITECTURES",
    "EDGE_FEATURES",
    "FORMAT_VERSION",
    "BipartiteLayer",
    "GNNPrecoder",
    "QuantizedGNN",
    "architecture_name",
    "build_model",
    "load_model",
    "model_from_tensors",
    "model_header",
    "read_files",
    "save_model",
    "write_files",
]
