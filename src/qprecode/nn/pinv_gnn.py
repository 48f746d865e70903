"""Pinv-GNN: the model-based GNN of Guo and Yang built on the Taylor (Newton-Schulz) expansion of
the pseudo-inverse, the baseline "Pinv-GNN" of Zhang et al. (Figs. 4-12, Tables I-II; their
ref. [31]).

Why its layer looks the way it does. ZF is ``V = H^* (H^T H^*)^{-1}`` (``r = H^T y``; the
papers' ``H^H`` is our ``H^*``); the Newton-Schulz iteration for that pseudo-inverse is
``V <- 2 V - V (H^T V)`` from ``V^(0) = alpha H^*``, a polynomial in ``H`` whose terms are the
products ``V`` and ``B = V A`` with ``A = H^T V``. Layer ``l`` computes those products for every
hidden complex channel and lets a permutation-equivariant linear layer mix them, on hidden edge
features ``D: [B, M, K, C]`` (complex view: the first and second halves of the channels are real
and imaginary parts):

1. ``A_c = H^T D~_c`` (``[B, K, K]``), ``B_c = D~_c A_c`` (``[B, M, K]``) per complex channel
   ``c``; ``X = [D, Re B, Im B]`` (``[B, M, K, 2C]``);
2. the 2-D equivariant linear layer over the antenna/user grid,
   ``Y_{n,k} = W_1 X_{n,k} + W_2 mean_j X_{n,j} + W_3 mean_m X_{m,k} + W_4 mean_{m,j} X_{m,j} + b``
   (the spec's ``X(U - V - P + Q) + ...`` reparametrised; means over the real antennas and users
   of a padded batch);
3. hidden layers: ``tanh``, then each complex channel divided by its Frobenius norm over the
   grid (which keeps the products of the next layer at one scale at any ``M`` and ``K``).

The input is ``D~^(0) = H^* / ||H||_F`` (the MRT direction), the output layer has 2 channels
and no activation, and ``V = sqrt(P) D~^(L) / ||D~^(L)||_F``. Every weight is shared over
antennas and users, so the network is permutation equivariant (eq. 5 of Zhang et al.) and runs
at any ``M`` and ``K``. The public code of Guo and Yang was not available here: the layer
follows the spec's description of it (``shared/specs/zhang.md``, section 6).

Operations per layer: ``O(M K^2 C + M K C^2)``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._validation import complex_dtype
from .gradient_gnn import complex_view
from .graph_batch import (
    GraphMasks,
    check_complex_network_sizes,
    check_graph_channel,
    mask_edges,
    matched_filter_edges,
    precoder_from_edges,
)

__all__ = ["PinvGNN", "PinvLayer", "pinv_products"]


def _unit_channels(D: torch.Tensor) -> torch.Tensor:
    """Every complex channel of ``D: [B, M, K, C]`` (real view) divided by its Frobenius norm."""
    norm = torch.sqrt((complex_view(D).abs() ** 2).sum(dim=(1, 2), keepdim=True))  # [B,1,1,C/2]
    norm = norm.clamp_min(torch.finfo(D.dtype).eps)
    return D / torch.cat([norm, norm], dim=-1)


def pinv_products(H: torch.Tensor, D: torch.Tensor) -> torch.Tensor:
    """Step 1: ``X = [D, Re B, Im B]`` with ``B_c = D~_c (H^T D~_c)``.

    Args:
        H: ``[B, M, K]`` complex (zero where padded). D: ``[B, M, K, C]`` real, ``C`` even.

    Returns:
        ``[B, M, K, 2C]`` real.
    """
    Dc = complex_view(D)  # [B, M, K, C/2]
    A = torch.einsum("bni,bnkc->bikc", H.to(Dc.dtype), Dc)  # [B, K, K, C/2], A_ik = h_i^T d_k
    Bc = torch.einsum("bnic,bikc->bnkc", Dc, A)  # [B, M, K, C/2]
    return torch.cat([D, Bc.real, Bc.imag], dim=-1)


class PinvLayer(nn.Module):
    """One Pinv-GNN layer (steps 1-3 of the module docstring).

    Args:
        in_dim: ``C_{l-1}`` (even). out_dim: ``C_l``.
        activation: hidden layer (``tanh`` and unit channels) or output layer (neither).

    Shapes:
        ``H: [B, M, K]`` complex, ``D: [B, M, K, in_dim]`` -> ``[B, M, K, out_dim]``.
    """

    def __init__(self, in_dim: int, out_dim: int, activation: bool = True) -> None:
        super().__init__()
        if in_dim < 2 or in_dim % 2:
            raise ValueError(f"in_dim must be even and >= 2 (complex channels), got {in_dim}")
        self.activation = activation
        self.own = nn.Linear(2 * in_dim, out_dim)
        self.users = nn.Linear(2 * in_dim, out_dim, bias=False)
        self.antennas = nn.Linear(2 * in_dim, out_dim, bias=False)
        self.all = nn.Linear(2 * in_dim, out_dim, bias=False)

    def forward(self, H: torch.Tensor, D: torch.Tensor, masks: GraphMasks) -> torch.Tensor:
        X = pinv_products(H, D)  # [B, M, K, 2C], zero on padded edges
        K_b = masks.users.sum(dim=-1).clamp_min(1).to(X.dtype)[:, None, None, None]
        M_b = masks.num_antennas.clamp_min(1).to(X.dtype)[:, None, None, None]
        over_users = X.sum(dim=2, keepdim=True) / K_b  # [B, M, 1, 2C]
        over_antennas = X.sum(dim=1, keepdim=True) / M_b  # [B, 1, K, 2C]
        over_all = over_users.sum(dim=1, keepdim=True) / M_b  # [B, 1, 1, 2C]
        out = (
            self.own(X) + self.users(over_users) + self.antennas(over_antennas) + self.all(over_all)
        )
        if not self.activation:
            return mask_edges(out, masks)
        return _unit_channels(mask_edges(torch.tanh(out), masks))


class PinvGNN(nn.Module):
    """Pinv-GNN, ``H: [B, M, K]`` -> ``V: [B, M, K]`` with ``||V_b||_F^2 = P_b``.

    Args:
        hidden_dim: real features per edge in the hidden layers (even).
        hidden_layers: hidden layers, then one output layer.
        total_power: ``P``; ``None`` means ``P_b = M_b`` (unit power per antenna).

    Shapes:
        ``forward(H, masks=None)``: ``H: [B, M, K]`` complex, optional ``GraphMasks`` of a padded
        batch -> ``V: [B, M, K]`` complex in ``H``'s dtype (zero where padded).
    """

    def __init__(
        self, hidden_dim: int = 128, hidden_layers: int = 4, total_power: float | None = None
    ) -> None:
        super().__init__()
        check_complex_network_sizes(hidden_dim, hidden_layers, total_power)
        self.hidden_dim = hidden_dim
        self.hidden_layers = hidden_layers
        self.total_power = total_power
        dims = [2] + [hidden_dim] * hidden_layers + [2]
        self.layers = nn.ModuleList(
            PinvLayer(d_in, d_out, i < hidden_layers)
            for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:], strict=True))
        )

    def forward(self, H: torch.Tensor, masks: GraphMasks | None = None) -> torch.Tensor:
        check_graph_channel(H)
        masks = GraphMasks.full(H) if masks is None else masks
        real = next(self.parameters()).dtype
        Hc = H.to(complex_dtype(real))
        D = _unit_channels(matched_filter_edges(Hc, masks, real))  # [B, M, K, 2]
        for layer in self.layers:
            D = layer(Hc, D, masks)
        return precoder_from_edges(D, masks, self.total_power, H.dtype)

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model (``nn.serialization``)."""
        return {
            "hidden_dim": self.hidden_dim,
            "hidden_layers": self.hidden_layers,
            "total_power": self.total_power,
        }
