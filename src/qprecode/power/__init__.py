"""Power and complexity: analytic GNN operation counts (eqs. 31-38 of Feys et al.)."""

from .flops import GNNFlops, gnn_flops, gnn_matmul_macs

__all__ = ["GNNFlops", "gnn_flops", "gnn_matmul_macs"]
