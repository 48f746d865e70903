"""The vanilla edge GNN over the antenna/user graph (Zhao, Guo and Yang; eq. 9 of Zhang et al.),
the learned baseline that the gradient-driven GNN is compared with.

Layer ``l`` on hidden edge features ``D: [B, M, K, C]``::

    D'_{n,k} = sigma(U D_{n,k} + V mean_{j != k} D_{n,j} + W mean_{m != n} D_{m,k} + b)

(plain means over the other users at the same antenna and the other antennas of the same user;
no channel-dependent weights), ``sigma = tanh`` in the hidden layers and none in the 2-channel
output layer; the input is ``[Re H^*, Im H^*]`` and ``V = sqrt(P) D~ / ||D~||_F``. Permutation
equivariant and size-free like ``GradientGNN``; the means carry no information on how users
interfere, which is why it generalises poorly.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from .graph_batch import (
    GraphMasks,
    check_graph_channel,
    mask_edges,
    matched_filter_edges,
    precoder_from_edges,
)

__all__ = ["EdgeGNN", "EdgeLayer"]


def _mean_of_others(D: torch.Tensor, dim: int, counts: torch.Tensor) -> torch.Tensor:
    """``mean_{j != i}`` of ``D: [B, M, K, C]`` (zero where padded) along ``dim`` (1: antennas,
    2: users), ``counts: [B]`` the real sizes along it; zero where a node has no other."""
    others = (counts - 1).clamp_min(1).to(D.dtype)[:, None, None, None]
    return (D.sum(dim=dim, keepdim=True) - D) / others


class EdgeLayer(nn.Module):
    """One vanilla edge-GNN layer; ``H`` is unused (the signature of ``GradientLayer``).

    Shapes: ``D: [B, M, K, in_dim]`` -> ``[B, M, K, out_dim]``.
    """

    def __init__(self, in_dim: int, out_dim: int, activation: bool = True) -> None:
        super().__init__()
        self.activation = activation
        self.own = nn.Linear(in_dim, out_dim)
        self.users = nn.Linear(in_dim, out_dim, bias=False)
        self.antennas = nn.Linear(in_dim, out_dim, bias=False)

    def forward(self, D: torch.Tensor, masks: GraphMasks) -> torch.Tensor:
        K_b = masks.users.sum(dim=-1)
        M_b = masks.num_antennas
        out = (
            self.own(D)
            + self.users(_mean_of_others(D, 2, K_b))
            + self.antennas(_mean_of_others(D, 1, M_b))
        )
        return mask_edges(torch.tanh(out) if self.activation else out, masks)


class EdgeGNN(nn.Module):
    """Vanilla edge GNN, ``H: [B, M, K]`` -> ``V: [B, M, K]`` with ``||V_b||_F^2 = P_b``.

    Args:
        hidden_dim: features per edge in the hidden layers.
        hidden_layers: hidden layers, then one output layer.
        total_power: ``P``; ``None`` means ``P_b = M_b``.

    Shapes: as ``GradientGNN``.
    """

    def __init__(
        self, hidden_dim: int = 128, hidden_layers: int = 4, total_power: float | None = None
    ) -> None:
        super().__init__()
        sizes = [("hidden_dim", hidden_dim, 1), ("hidden_layers", hidden_layers, 0)]
        for name, value, low in sizes:
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if total_power is not None and not (total_power > 0 and math.isfinite(total_power)):
            raise ValueError(f"total_power must be positive, got {total_power}")
        self.hidden_dim = hidden_dim
        self.hidden_layers = hidden_layers
        self.total_power = total_power
        dims = [2] + [hidden_dim] * hidden_layers + [2]
        self.layers = nn.ModuleList(
            EdgeLayer(d_in, d_out, i < hidden_layers)
            for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:], strict=True))
        )

    def forward(self, H: torch.Tensor, masks: GraphMasks | None = None) -> torch.Tensor:
        check_graph_channel(H)
        masks = GraphMasks.full(H) if masks is None else masks
        real = next(self.parameters()).dtype
        D = matched_filter_edges(H, masks, real)
        for layer in self.layers:
            D = layer(D, masks)
        return precoder_from_edges(D, masks, self.total_power, H.dtype)

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model (``nn.serialization``)."""
        return {
            "hidden_dim": self.hidden_dim,
            "hidden_layers": self.hidden_layers,
            "total_power": self.total_power,
        }
