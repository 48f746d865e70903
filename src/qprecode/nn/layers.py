"""One message-passing layer of the bipartite antenna/user GNN (eqs. 22-26 of Feys et al.),
on dense batched tensors: the graph is complete, so edges are a ``[..., M, K, d]`` tensor and
the neighbourhood means are means over the antenna or user axis."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["BipartiteLayer"]


class BipartiteLayer(nn.Module):
    """Edge, antenna and user updates of one GNN layer.

    Eqs. 22-26, with ``sigma`` the activation::

        z_e'  = sigma(W_edge z_e + W_bs z_bs,m + W_ue z_ue,k)      for every edge (m, k)
        m_k   = mean_m z_e'(m, k),   m_m = mean_k z_e'(m, k)
        z_bs' = sigma(W_self,bs z_bs + W_neigh,bs m_m)
        z_ue' = sigma(W_self,ue z_ue + W_neigh,ue m_k)

    ``W_bs z_bs`` and ``W_ue z_ue`` are computed once per node and broadcast over the edges,
    which gives the same result as computing them per edge with fewer operations. The linear maps
    have no bias, as in the paper's operation count (eqs. 31-36).

    Args:
        in_dim: ``d_{n-1}``.
        out_dim: ``d_n``.
        update_users: compute the user update (the output layer only needs the antennas).
        activate_antennas: apply ``sigma`` to the antenna update (not in the output layer,
            whose antenna features are the logits).
        negative_slope: slope of the LeakyReLU ``sigma`` for negative inputs.

    Shapes:
        edges: ``[..., M, K, in_dim]``, antennas: ``[..., M, in_dim]``, users: ``[..., K, in_dim]``
        -> ``(edges', antennas', users')`` with ``out_dim`` features (``users'`` is ``None`` when
        ``update_users`` is false).
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        update_users: bool = True,
        activate_antennas: bool = True,
        negative_slope: float = 0.01,
    ) -> None:
        super().__init__()
        self.in_dim = in_dim
        self.out_dim = out_dim
        self.update_users = update_users
        self.activate_antennas = activate_antennas
        self.negative_slope = negative_slope
        self.edge = nn.Linear(in_dim, out_dim, bias=False)
        self.edge_from_bs = nn.Linear(in_dim, out_dim, bias=False)
        self.edge_from_ue = nn.Linear(in_dim, out_dim, bias=False)
        self.self_bs = nn.Linear(in_dim, out_dim, bias=False)
        self.neigh_bs = nn.Linear(out_dim, out_dim, bias=False)
        if update_users:
            self.self_ue = nn.Linear(in_dim, out_dim, bias=False)
            self.neigh_ue = nn.Linear(out_dim, out_dim, bias=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He initialisation for the LeakyReLU, divided among the summed terms (three for the
        edges, two for the nodes) so that the feature variance stays of order one through
        many layers; with PyTorch's default the features shrink about 2x per layer and the
        logits of a deep model start near zero."""
        gain = nn.init.calculate_gain("leaky_relu", self.negative_slope)
        summed_terms = {"edge": 3, "edge_from_bs": 3, "edge_from_ue": 3}  # nodes: 2 terms
        for name, module in self.named_children():
            if isinstance(module, nn.Linear):
                std = gain / (module.in_features * summed_terms.get(name, 2)) ** 0.5
                nn.init.normal_(module.weight, 0.0, std)

    def _act(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.leaky_relu(x, self.negative_slope)

    def forward(
        self, edges: torch.Tensor, antennas: torch.Tensor, users: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        from_bs = self.edge_from_bs(antennas).unsqueeze(-2)  # [..., M, 1, d]
        from_ue = self.edge_from_ue(users).unsqueeze(-3)  # [..., 1, K, d]
        edges = self._act(self.edge(edges) + from_bs + from_ue)  # [..., M, K, d]  eq. 22
        antenna_msg = edges.mean(dim=-2)  # [..., M, d]  eq. 24
        new_antennas = self.self_bs(antennas) + self.neigh_bs(antenna_msg)  # eq. 25
        if self.activate_antennas:
            new_antennas = self._act(new_antennas)
        new_users = None
        if self.update_users:
            user_msg = edges.mean(dim=-3)  # [..., K, d]  eq. 23
            new_users = self._act(self.self_ue(users) + self.neigh_ue(user_msg))  # eq. 26
        return edges, new_antennas, new_users

    def extra_repr(self) -> str:
        return f"{self.in_dim} -> {self.out_dim}, update_users={self.update_users}"
