"""The gradient-driven GNN for hybrid precoding (Zhang, Han and Yang 2025, Sect. IV).

Graph: ``K`` users, ``N_RF`` RF chains and ``M`` antennas; user-RF edges carry the digital hidden
features ``D: [B, N_RF, K, C]``, antenna-RF edges the analog ones ``A: [B, M, N_RF, C]`` (complex
views as in ``gradient_gnn``). With ``W = F W_D`` and ``S = H^T F W_D`` the gradient of a utility
``f`` of the SINRs is (re-derived in our convention ``r = H^T y``; ``B = [beta_ik]`` as in
``gradient_gnn``)

    df/dW_D^* = G^* B,        G = F^T H  (the analog-precoded channel, ``[N_RF, K]``),
    df/dF^*   = H^* B W_D^H,  elementwise sum_i sum_k conj(h_ni) beta_ik conj(w_rk),

and each block of the network mirrors one step of each, digital first:

- digital sub-network: ``GradientLayer``'s update on the user-RF edges, with the channel ``H``
  replaced, per complex channel ``c``, by ``G_c = A~_c^T H / ||A~_c||_F``;
- analog sub-network: ``alpha'_ik = tanh(W z'_ik + b)`` (one weight per complex channel) from the
  attention inputs of ``U' = H^T A~ D~'`` and the message ``M_{n,r,c} = sum_i conj(h_ni) sum_k
  alpha'_{ik,c} conj(D~'_{r,k,c})``, then ``A' = sigma(Q_A A + P_A [Re M; Im M] + b_A)``.

The start breaks the symmetry between RF chains (an RF-equivariant network given identical RF inputs
would keep all RF columns equal). ``start="channel"`` (default): RF chain ``r < K`` starts at the
phases of user ``r``'s matched filter, ``exp(j arg h_r^*)`` (phased ZF's analog precoder), the other
chains at random phases; ``start="random"``: ``exp(j phi_nr)`` for all, ``phi`` uniform. Random
phases come from a fixed seed (the same for every sample: the output is deterministic). Then
``D~^(0) = conj(G^(0))``. The output is ``F = exp(j arg(A~^(0) + A~^(L)))`` (unit modulus; the
network learns the update of the start, as a gradient step ``W_A <- exp(j arg(W_A + eta
df/dW_A^*))`` does) and ``W_D = D~^(L)`` scaled so that ``||F W_D||_F^2 = P``. The network is
equivariant to the users (with the channel start, up to the same permutation of the first ``K`` RF
chains) and the antennas (given the start permuted alike) and runs at any ``M``, ``K`` and ``N_RF``.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from .._validation import complex_dtype
from .gradient_gnn import GradientLayer, attention_inputs, complex_view
from .graph_batch import GraphMasks, check_graph_channel

__all__ = ["HYBRID_STARTS", "AnalogLayer", "HybridGNN"]

HYBRID_STARTS = ("channel", "random")


def _unit_frobenius(X: torch.Tensor) -> torch.Tensor:
    """Every complex channel of ``X: [B, P, Q, C]`` scaled to unit Frobenius norm over (P, Q)."""
    norm = torch.sqrt((X.abs() ** 2).sum(dim=(1, 2), keepdim=True))
    return X / norm.clamp_min(torch.finfo(norm.dtype).eps)


def _precoded_channel(H: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """``G_c = A~_c^T H / ||A~_c||_F``: ``H: [B, M, K]`` complex, ``A: [B, M, N_RF, C]`` real ->
    ``[B, N_RF, K, C/2]`` complex."""
    Ac = _unit_frobenius(complex_view(A))
    return torch.einsum("bnrc,bnk->brkc", Ac, H.to(Ac.dtype))


class AnalogLayer(nn.Module):
    """The analog sub-network of one block.

    Shapes: ``H: [B, M, K]`` complex, ``A: [B, M, N_RF, in_dim]``, ``D: [B, N_RF, K, d_dim]``
    (the block's new digital features, ``d_dim`` even) -> ``[B, M, N_RF, out_dim]``.
    """

    def __init__(self, in_dim: int, d_dim: int, out_dim: int, activation: bool = True) -> None:
        super().__init__()
        self.activation = activation
        self.attention = nn.Linear(5 * d_dim // 2 + 1, d_dim // 2)
        self.message = nn.Linear(d_dim, out_dim, bias=False)
        self.own = nn.Linear(in_dim, out_dim)

    def forward(self, H: torch.Tensor, A: torch.Tensor, D: torch.Tensor) -> torch.Tensor:
        Dc = complex_view(D)  # [B, N_RF, K, C_D/2]
        # the hybrid precoder of every complex channel seen at the users: U' = H^T A~ D~
        Ac = _match_channels(_unit_frobenius(complex_view(A)), Dc.shape[-1])
        FD = torch.einsum("bnrc,brkc->bnkc", Ac, Dc)  # [B, M, K, C_D/2]
        FD = torch.cat([FD.real, FD.imag], dim=-1)
        alpha = torch.tanh(self.attention(attention_inputs(H, FD)))  # [B, K, K, C_D/2]
        inner = torch.einsum("bikc,brkc->bric", alpha.to(Dc.dtype), Dc.conj())
        message = torch.einsum("bni,bric->bnrc", H.conj().to(Dc.dtype), inner)
        out = self.own(A) + self.message(torch.cat([message.real, message.imag], dim=-1))
        return torch.tanh(out) if self.activation else out


class HybridGNN(nn.Module):
    """Gradient-driven hybrid precoder, ``H: [B, M, K]`` -> ``(F: [B, M, N_RF], W_D: [B, N_RF,
    K])`` with ``|F_nr| = 1`` and ``||F W_D||_F^2 = P``.

    Args:
        num_rf_chains: ``N_RF``.
        hidden_dim: real features per edge (even; 64 in the paper).
        hidden_layers: hidden blocks (4 in the paper), then an output block.
        seed: seed of the random phases of the analog start.
        start: ``channel`` or ``random`` (module docstring).
        total_power: ``P``; ``None`` means ``M``.
    """

    def __init__(
        self,
        num_rf_chains: int = 4,
        hidden_dim: int = 64,
        hidden_layers: int = 4,
        seed: int = 0,
        total_power: float | None = None,
        start: str = "channel",
    ) -> None:
        super().__init__()
        if start not in HYBRID_STARTS:
            raise ValueError(f"start must be one of {HYBRID_STARTS}, got {start!r}")
        self.start_kind = start
        for name, value, low in [("num_rf_chains", num_rf_chains, 1), ("hidden_dim", hidden_dim, 2),
                                 ("hidden_layers", hidden_layers, 0)]:  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if hidden_dim % 2:
            raise ValueError(f"hidden_dim must be even (complex channels), got {hidden_dim}")
        if total_power is not None and not (total_power > 0 and math.isfinite(total_power)):
            raise ValueError(f"total_power must be positive, got {total_power}")
        self.num_rf_chains = num_rf_chains
        self.hidden_dim = hidden_dim
        self.hidden_layers = hidden_layers
        self.seed = seed
        self.total_power = total_power
        dims = [2] + [hidden_dim] * hidden_layers + [2]
        pairs = list(zip(dims[:-1], dims[1:], strict=True))
        last = len(pairs) - 1
        self.digital = nn.ModuleList(
            GradientLayer(d_in, d_out, i < last) for i, (d_in, d_out) in enumerate(pairs)
        )
        self.analog = nn.ModuleList(
            AnalogLayer(d_in, d_out, d_out, i < last) for i, (d_in, d_out) in enumerate(pairs)
        )

    def start(self, H: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """``A^(0): [B, M, N_RF, 2]``, the unit-modulus analog start for ``H: [B, M, K]``."""
        B, M, K = H.shape
        generator = torch.Generator().manual_seed(self.seed)
        phi = 2 * math.pi * torch.rand((M, self.num_rf_chains), generator=generator)
        phi = phi.to(H.device, dtype).expand(B, M, self.num_rf_chains)
        if self.start_kind == "channel":
            first = min(K, self.num_rf_chains)
            phi = torch.cat(
                [torch.angle(H[..., :first].conj()).to(dtype), phi[..., first:]], dim=-1
            )
        return torch.stack([phi.cos(), phi.sin()], dim=-1)

    def forward(
        self, H: torch.Tensor, start: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``H: [B, M, K]`` complex; ``start``: optional ``A^(0): [B, M, N_RF, 2]`` (default
        ``self.start(H)``) -> ``(F, W_D)`` in ``H``'s dtype."""
        check_graph_channel(H)
        B, M, K = H.shape
        real = next(self.parameters()).dtype
        Hc = H.to(complex_dtype(real))
        A = self.start(H, real) if start is None else start.to(H.device, real)
        A0 = complex_view(A)[..., 0]  # [B, M, N_RF], unit modulus
        G = _precoded_channel(Hc, A)[..., 0].conj()  # [B, N_RF, K], the MRT direction
        D = torch.stack([G.real, G.imag], dim=-1)
        rf = GraphMasks(
            torch.ones((B, self.num_rf_chains), dtype=torch.bool, device=H.device),
            torch.ones((B, K), dtype=torch.bool, device=H.device),
        )
        for digital, analog in zip(self.digital, self.analog, strict=True):
            G = _precoded_channel(Hc, A)  # [B, N_RF, K, C_A/2]
            G = _match_channels(G, complex_view(D).shape[-1])
            D = digital(G, D, rf)
            A = analog(Hc, A, D)
        # the last analog step updates the start, as a gradient step updates W_A (residual)
        F = torch.exp(1j * torch.angle(A0 + complex_view(A)[..., 0]))  # [B, M, N_RF]
        W_D = complex_view(D)[..., 0]  # [B, N_RF, K]
        power = float(M) if self.total_power is None else self.total_power
        energy = ((F @ W_D).abs() ** 2).sum(dim=(-2, -1), keepdim=True)
        W_D = W_D * torch.sqrt(power / energy.clamp_min(torch.finfo(real).tiny))
        return F.to(H.dtype), W_D.to(H.dtype)

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model (``nn.serialization``)."""
        return {
            "num_rf_chains": self.num_rf_chains,
            "hidden_dim": self.hidden_dim,
            "hidden_layers": self.hidden_layers,
            "seed": self.seed,
            "total_power": self.total_power,
            "start": self.start_kind,
        }


def _match_channels(G: torch.Tensor, count: int) -> torch.Tensor:
    """``G: [..., c]`` with its last channel repeated (or channels dropped) to ``count``."""
    c = G.shape[-1]
    if c >= count:
        return G[..., :count]
    return torch.cat([G, G[..., -1:].expand(*G.shape[:-1], count - c)], dim=-1)
