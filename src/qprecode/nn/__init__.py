"""Learned precoders: the quantization-aware GNN of Feys et al."""

from .gnn import EDGE_FEATURES, QuantizedGNN
from .layers import BipartiteLayer
from .precoder import GNNPrecoder

__all__ = ["EDGE_FEATURES", "BipartiteLayer", "GNNPrecoder", "QuantizedGNN"]
