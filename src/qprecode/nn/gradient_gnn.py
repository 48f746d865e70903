"""The gradient-driven GNN for fully digital precoding (Zhang, Han and Yang 2025, Sect. III).

Why its layer looks the way it does. With ``r_i = h_i^T sum_k v_k s_k + n_i`` (``h_i = H[:, i]``,
the paper's ``h_i^H`` is our ``h_i^T``), ``S = H^T V`` and ``J_i = sum_{j != i} |S_ij|^2 +
sigma^2``, the gradient of any utility ``f(gamma_1..gamma_K)`` of the SINRs is

    df/dv_k^* = sum_i beta_ik h_i^*,   beta_kk = a_k S_kk / J_k,
                                       beta_ik = -a_i gamma_i S_ik / J_i  (i != k),

``a_i = df/dgamma_i`` (eqs. 10-14, re-derived in ``shared/specs/zhang.md`` section 2). A gradient
step therefore updates the edge ``(n, k)`` from the edges ``(n, i)`` at the same antenna, with
pair-specific weights that depend on ``S_ii``, ``sum_{j != i} |S_ij|^2`` and (for ``i != k``)
``S_ik``. Layer ``l`` mirrors that step on hidden edge features ``D: [B, M, K, C]`` (the
complex view ``D~`` takes the first and second halves of the channels as real and imaginary
parts):

1. ``U_c = H^T D~_c / ||D~_c||_F`` for every complex channel ``c`` (``[B, K, K]``; the sum over
   antennas makes it antenna-permutation invariant);
2. ``z_ik = [Re U_ii, Im U_ii, sum_{j != i} |U_ij|^2, (1 - delta_ik) Re U_ik,
   (1 - delta_ik) Im U_ik]_c (+) [delta_ik]``;
3. ``alpha_ik = tanh(W_phi z_ik + b_phi)`` (``C_out`` signed weights; no softmax, as the
   gradient's weights are signed);
4. ``D'_{n,k} = sigma(Q D_{n,k} + sum_i alpha_ik (.) P m_{n,i} + b)``, ``m_{n,i} = D_{n,i}``
   (with ``channel_skip``, ``[D_{n,i}; Re h*_{n,i}; Im h*_{n,i}]``, the literal ``beta h^*``).

The input is ``D~^(0) = H^*`` (the MRT direction), the output layer has 2 channels and no
activation, and ``V = sqrt(P) D~^(L) / ||D~^(L)||_F``. Every weight is shared over antennas and
user pairs, so the network is permutation equivariant (eq. 5: permuting antennas permutes the
rows of ``V``, permuting users its columns) and runs at any ``M`` and ``K``; padded batches of
different sizes run through ``GraphMasks``. The construction of steps 1-4 (inputs of the
attention, no softmax, the residual form) is a reconstruction from the paper's prose: its
equations did not survive; the spec lists the choices.

Operations per layer: ``O(K^2 M C + K^2 C^2 + M K C^2)``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._validation import complex_dtype
from .graph_batch import (
    GraphMasks,
    check_complex_network_sizes,
    check_graph_channel,
    mask_edges,
    matched_filter_edges,
    precoder_from_edges,
)

__all__ = ["AGGREGATIONS", "GradientGNN", "GradientLayer", "attention_inputs", "complex_view"]

AGGREGATIONS = ("sum", "mean")


def complex_view(D: torch.Tensor) -> torch.Tensor:
    """``[..., C]`` real -> ``[..., C/2]`` complex (first half real, second half imaginary)."""
    half = D.shape[-1] // 2
    return torch.complex(D[..., :half], D[..., half:])


def attention_inputs(H: torch.Tensor, D: torch.Tensor) -> torch.Tensor:
    """The per-pair inputs ``z_ik`` of step 2.

    Args:
        H: ``[B, M, K]`` complex channel (zero where padded), or ``[B, M, K, C/2]`` with one
            channel per complex hidden channel (the hybrid GNN's analog-precoded channels).
        D: ``[B, M, K, C]`` real hidden edges (zero where padded), ``C`` even.

    Returns:
        ``[B, K, K, 5 C / 2 + 1]`` real; entry ``[b, i, k]`` is ``z_ik``.
    """
    Dc = complex_view(D)  # [B, M, K, C/2]
    norm = torch.sqrt((Dc.abs() ** 2).sum(dim=(1, 2), keepdim=True))  # [B, 1, 1, C/2]
    Dc = Dc / norm.clamp_min(torch.finfo(norm.dtype).eps)
    pattern = "bni,bnkc->bikc" if H.dim() == 3 else "bnic,bnkc->bikc"
    U = torch.einsum(pattern, H.to(Dc.dtype), Dc)  # [B, K, K, C/2], U_ik = h_i^T d_k
    K = U.shape[1]
    eye = torch.eye(K, dtype=torch.bool, device=U.device)
    diag = torch.diagonal(U, dim1=1, dim2=2).transpose(1, 2)  # [B, K, C/2], U_ii
    power = U.abs() ** 2
    interference = power.sum(dim=2) - diag.abs() ** 2  # [B, K, C/2]
    cross = U * (~eye)[None, :, :, None]  # (1 - delta_ik) U_ik
    own = torch.cat([diag.real, diag.imag, interference], dim=-1)  # [B, K(i), 3C/2]
    delta = eye.to(D.dtype)[None, :, :, None].expand(U.shape[0], K, K, 1)
    return torch.cat(
        [own[:, :, None, :].expand(-1, K, K, -1), cross.real, cross.imag, delta], dim=-1
    )


class GradientLayer(nn.Module):
    """One gradient-driven layer (steps 1-4 of the module docstring).

    Args:
        in_dim: ``C_{l-1}`` (even). out_dim: ``C_l``.
        activation: apply ``tanh`` (hidden layers) or not (output layer).
        channel_skip: messages carry the channel entry as well.
        aggregation: ``sum`` over the users ``i`` (the gradient's form) or ``mean``.

    Shapes:
        ``H: [B, M, K]`` complex, ``D: [B, M, K, in_dim]`` -> ``[B, M, K, out_dim]``.
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        activation: bool = True,
        channel_skip: bool = False,
        aggregation: str = "sum",
    ) -> None:
        super().__init__()
        if in_dim < 2 or in_dim % 2:
            raise ValueError(f"in_dim must be even and >= 2 (complex channels), got {in_dim}")
        if aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
        self.activation = activation
        self.channel_skip = channel_skip
        self.aggregation = aggregation
        self.attention = nn.Linear(5 * in_dim // 2 + 1, out_dim)
        self.message = nn.Linear(in_dim + (2 if channel_skip else 0), out_dim, bias=False)
        self.own = nn.Linear(in_dim, out_dim)

    def forward(self, H: torch.Tensor, D: torch.Tensor, masks: GraphMasks) -> torch.Tensor:
        alpha = torch.tanh(self.attention(attention_inputs(H, D)))  # [B, K(i), K(k), C_out]
        m = D
        if self.channel_skip:
            h = H.conj().to(complex_view(D).dtype)
            m = torch.cat([D, h.real[..., None], h.imag[..., None]], dim=-1)
        messages = self.message(m)  # [B, M, K(i), C_out], zero on padded edges
        aggregate = torch.einsum("bikc,bnic->bnkc", alpha, messages)
        if self.aggregation == "mean":
            users = masks.users.sum(dim=-1).clamp_min(1).to(D.dtype)  # [B]
            aggregate = aggregate / users[:, None, None, None]
        out = self.own(D) + aggregate
        return mask_edges(torch.tanh(out) if self.activation else out, masks)


class GradientGNN(nn.Module):
    """Gradient-driven GNN, ``H: [B, M, K]`` -> ``V: [B, M, K]`` with ``||V_b||_F^2 = P_b``.

    Args:
        hidden_dim: real features per edge in the hidden layers (even; 128 in the paper).
        hidden_layers: hidden layers (4 in the paper), then one output layer.
        channel_skip: messages carry the channel entry (``GradientLayer``).
        aggregation: ``sum`` or ``mean`` over users.
        total_power: ``P``; ``None`` means ``P_b = M_b`` (unit power per antenna).

    Shapes:
        ``forward(H, masks=None)``: ``H: [B, M, K]`` complex, optional ``GraphMasks`` of a padded
        batch -> ``V: [B, M, K]`` complex in ``H``'s dtype (zero where padded).
    """

    def __init__(
        self,
        hidden_dim: int = 128,
        hidden_layers: int = 4,
        channel_skip: bool = False,
        aggregation: str = "sum",
        total_power: float | None = None,
    ) -> None:
        super().__init__()
        check_complex_network_sizes(hidden_dim, hidden_layers, total_power)
        self.hidden_dim = hidden_dim
        self.hidden_layers = hidden_layers
        self.channel_skip = channel_skip
        self.aggregation = aggregation
        self.total_power = total_power
        dims = [2] + [hidden_dim] * hidden_layers + [2]
        self.layers = nn.ModuleList(
            GradientLayer(d_in, d_out, i < hidden_layers, channel_skip, aggregation)
            for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:], strict=True))
        )

    def forward(self, H: torch.Tensor, masks: GraphMasks | None = None) -> torch.Tensor:
        check_graph_channel(H)
        masks = GraphMasks.full(H) if masks is None else masks
        real = next(self.parameters()).dtype
        Hc = H.to(complex_dtype(real))
        D = matched_filter_edges(Hc, masks, real)  # [B, M, K, 2]
        for layer in self.layers:
            D = layer(Hc, D, masks)
        return precoder_from_edges(D, masks, self.total_power, H.dtype)

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model (``nn.serialization``)."""
        return {
            "hidden_dim": self.hidden_dim,
            "hidden_layers": self.hidden_layers,
            "channel_skip": self.channel_skip,
            "aggregation": self.aggregation,
            "total_power": self.total_power,
        }
