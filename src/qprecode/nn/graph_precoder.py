"""A trained size-free GNN of Zhang et al. (``GradientGNN``, ``EdgeGNN``) as a linear precoder
(``MatrixPrecoder``) at any number of antennas and users."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._validation import check_channel
from ..precoders import (
    HybridPrecoder,
    MatrixPrecoder,
    normalize_hybrid_power,
    normalize_matrix_power,
)
from .hybrid_gnn import HybridGNN

__all__ = ["GraphPrecoder", "HybridGraphPrecoder"]


def _in_chunks(model: nn.Module, H: torch.Tensor, step: int) -> list[Any]:
    """``model`` (eval mode, no gradients) on ``H: [..., M, K]`` flattened to ``[B, M, K]`` on
    the model's device, ``step`` channels at a time: the list of its outputs."""
    M, K = H.shape[-2:]
    model.eval()
    flat = H.reshape(-1, M, K).to(next(model.parameters()).device)
    with torch.no_grad():
        return [model(flat[i : i + step]) for i in range(0, flat.shape[0], step)]


class GraphPrecoder(MatrixPrecoder):
    """Wrap a GNN ``H: [B, M, K] -> V: [B, M, K]`` for evaluation: eval mode, no gradients,
    chunks of channels on the model's device, returned on the device and in the dtype of ``H``.

    Args:
        model: ``GradientGNN`` or ``EdgeGNN``.
        name: label in tables and plots.
        chunk_channels: channels per forward pass.
        total_power: ``P_T``; ``M`` by default.

    Shapes: ``matrix``: ``H: [..., M, K]`` complex -> ``W: [..., M, K]``, any ``M`` and ``K``.
    """

    def __init__(
        self,
        model: nn.Module,
        name: str = "gnn",
        chunk_channels: int = 1000,
        total_power: float | None = None,
    ) -> None:
        super().__init__(total_power)
        if chunk_channels < 1:
            raise ValueError(f"chunk_channels must be >= 1, got {chunk_channels}")
        self.model = model.eval()
        self.name = name
        self.bits = None
        self.chunk_channels = chunk_channels

    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        check_channel(H)
        outs = _in_chunks(self.model, H, self.chunk_channels)
        W = torch.cat(outs).reshape(H.shape) if outs else torch.zeros_like(H)
        return normalize_matrix_power(W.to(H.device, H.dtype), self.power_for(H))

    def __repr__(self) -> str:
        return f"GraphPrecoder({type(self.model).__name__})"


class HybridGraphPrecoder(HybridPrecoder):
    """Wrap a trained ``HybridGNN`` (eval mode, no gradients, chunks of channels).

    Shapes: ``analog_digital``: ``H: [..., M, K]`` -> ``F: [..., M, N_RF]`` (unit modulus),
    ``D: [..., N_RF, K]`` with ``||F D||_F^2 = P_T``; any ``M`` and ``K <= N_RF``.
    """

    def __init__(
        self,
        model: HybridGNN,
        name: str = "hybrid-gnn",
        chunk_channels: int = 1000,
        total_power: float | None = None,
    ) -> None:
        super().__init__(total_power)
        if chunk_channels < 1:
            raise ValueError(f"chunk_channels must be >= 1, got {chunk_channels}")
        self.model = model.eval()
        self.name = name
        self.bits = None
        self.num_rf_chains = model.num_rf_chains
        self.chunk_channels = chunk_channels

    def analog_digital(self, H: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_channel(H)
        M, K = H.shape[-2:]
        parts = _in_chunks(self.model, H, self.chunk_channels)
        F = torch.cat([p[0] for p in parts]).to(H.device, H.dtype)
        D = torch.cat([p[1] for p in parts]).to(H.device, H.dtype)
        N = self.model.num_rf_chains
        F, D = F.reshape(*H.shape[:-2], M, N), D.reshape(*H.shape[:-2], N, K)
        return F, normalize_hybrid_power(F, D, self.power_for(H))

    def __repr__(self) -> str:
        return f"HybridGraphPrecoder(N_RF={self.num_rf_chains})"
