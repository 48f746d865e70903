"""A graph attention network over the users (GAT; the learned baseline [33] of Zhang et al.).

A homogeneous graph of the ``K`` users, vertex ``k`` holding its channel ``x_k = [Re h_k; Im
h_k]`` (``2 M`` reals). Layer::

    z_k = W x_k,   e_ik = LeakyReLU_0.2(a^T [z_k ; z_i]),   alpha_ik = softmax_i e_ik,
    x_k' = tanh(sum_i alpha_ik z_i)          (no activation in the output layer, 2 M outputs)

with the softmax over all users ``i`` including ``k``; the output of vertex ``k`` is the
precoding vector ``v_k``, and ``V = sqrt(P) V / ||V||_F``. Equivariant to the users and runs at
any ``K``, but its weights see the antennas as positions: it runs only at the ``M`` it was built
for (the reason Zhang et al. do not test it across antenna numbers).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from .._validation import complex_dtype
from .graph_batch import (
    GraphMasks,
    check_graph_channel,
    mask_edges,
    normalize_edge_power,
    target_power,
)

__all__ = ["GATLayer", "UserGAT"]


class GATLayer(nn.Module):
    """One single-head attention layer over the users.

    Shapes: ``x: [B, K, in_dim]``, ``users: [B, K]`` bool -> ``[B, K, out_dim]``.
    """

    def __init__(self, in_dim: int, out_dim: int, activation: bool = True) -> None:
        super().__init__()
        self.activation = activation
        self.linear = nn.Linear(in_dim, out_dim, bias=False)
        self.receiver = nn.Linear(out_dim, 1, bias=False)  # a^T [z_k ; .]
        self.sender = nn.Linear(out_dim, 1, bias=False)  # a^T [. ; z_i]

    def forward(self, x: torch.Tensor, users: torch.Tensor) -> torch.Tensor:
        z = self.linear(x)  # [B, K, out]
        scores = self.receiver(z) + self.sender(z).transpose(1, 2)  # [B, K(k), K(i)]
        scores = nn.functional.leaky_relu(scores, 0.2)
        scores = scores.masked_fill(~users[:, None, :], float("-inf"))
        alpha = torch.softmax(scores, dim=-1)
        out = alpha @ z  # [B, K, out]
        return torch.tanh(out) if self.activation else out


class UserGAT(nn.Module):
    """GAT precoder, ``H: [B, M, K]`` -> ``V: [B, M, K]`` with ``||V_b||_F^2 = P_b``.

    Args:
        antennas: ``M`` (fixed).
        hidden_dim: features per user vertex.
        hidden_layers: hidden layers, then an output layer of ``2 M`` features.
        total_power: ``P``; ``None`` means ``M``.

    Shapes: ``forward(H, masks=None)`` as ``GradientGNN`` (padding over users only).
    """

    def __init__(
        self,
        antennas: int,
        hidden_dim: int = 128,
        hidden_layers: int = 4,
        total_power: float | None = None,
    ) -> None:
        super().__init__()
        sizes = [("antennas", antennas, 1), ("hidden_dim", hidden_dim, 1),
                 ("hidden_layers", hidden_layers, 0)]  # fmt: skip
        for name, value, low in sizes:
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if total_power is not None and not (total_power > 0 and math.isfinite(total_power)):
            raise ValueError(f"total_power must be positive, got {total_power}")
        self.antennas = antennas
        self.hidden_dim = hidden_dim
        self.hidden_layers = hidden_layers
        self.total_power = total_power
        dims = [2 * antennas] + [hidden_dim] * hidden_layers + [2 * antennas]
        self.layers = nn.ModuleList(
            GATLayer(d_in, d_out, i < hidden_layers)
            for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:], strict=True))
        )

    def forward(self, H: torch.Tensor, masks: GraphMasks | None = None) -> torch.Tensor:
        check_graph_channel(H)
        if H.shape[1] != self.antennas:
            raise ValueError(
                f"this GAT precodes M={self.antennas} antennas (its weights see antenna "
                f"positions), got H with M={H.shape[1]}"
            )
        masks = GraphMasks.full(H) if masks is None else masks
        if not bool(masks.antennas.all()):
            raise ValueError("the GAT cannot pad antennas: every sample must have M antennas")
        real = next(self.parameters()).dtype
        h = H.to(complex_dtype(real)).transpose(1, 2)  # [B, K, M]
        x = torch.cat([h.real, h.imag], dim=-1)  # [B, K, 2M]
        for layer in self.layers:
            x = layer(x, masks.users)
        V = torch.complex(x[..., : self.antennas], x[..., self.antennas :]).transpose(1, 2)
        V = mask_edges(V, masks)
        return normalize_edge_power(V, target_power(masks, self.total_power, real)).to(H.dtype)

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model (``nn.serialization``)."""
        return {
            "antennas": self.antennas,
            "hidden_dim": self.hidden_dim,
            "hidden_layers": self.hidden_layers,
            "total_power": self.total_power,
        }
