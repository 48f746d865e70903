"""The quantization-aware GNN precoder of Feys et al. (Sect. IV): a bipartite antenna/user GNN
that maps ``(H, s)`` to logits over the DAC levels of every antenna's real and imaginary part."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._validation import check_finite_bits
from ..dac import DAC
from .layers import BipartiteLayer

__all__ = ["EDGE_FEATURES", "QuantizedGNN"]

# Edge input features -> input width d_0. "channel" is eq. 27 of the paper, [Re H_mk, Im H_mk].
# "channel+mrt" adds [Re, Im] of conj(H_mk) s_k, the per-edge matched-filter product, which a
# ReLU network otherwise has to learn to multiply (a qprecode extension, not in the paper).
EDGE_FEATURES = {"channel": 2, "channel+mrt": 4}


class QuantizedGNN(nn.Module):
    """Input layer, ``N_h`` hidden layers of width ``d_h`` and an output layer (eqs. 22-30).

    Inputs of the first layer (eqs. 27-29): edge ``(m, k)`` gets ``[Re H_mk, Im H_mk]``, antenna
    ``m`` gets ``[0, 0]`` and user ``k`` gets ``[Re s_k, Im s_k]``. The output layer gives, per
    antenna, ``2^b`` logits for the real part and ``2^b`` for the imaginary part. Every symbol
    vector is precoded on its own, so a channel with ``N_s`` symbol vectors is ``N_s`` graphs.

    Args:
        bits: DAC resolution ``b`` (1..8).
        hidden_dim: ``d_h``.
        hidden_layers: ``N_h``.
        negative_slope: LeakyReLU slope (0.01 in the paper).

    The model is equivariant to antenna permutations and invariant to user permutations, and
    works for any ``M`` and ``K``.
    """

    levels: torch.Tensor  # [L] the DAC alphabet, a buffer

    def __init__(
        self,
        bits: int,
        hidden_dim: int = 128,
        hidden_layers: int = 4,
        negative_slope: float = 0.01,
        edge_features: str = "channel",
    ) -> None:
        super().__init__()
        bits = check_finite_bits(bits, "the GNN")
        if edge_features not in EDGE_FEATURES:
            raise ValueError(f"edge_features must be one of {EDGE_FEATURES}, got {edge_features!r}")
        if hidden_dim < 1 or hidden_layers < 0:
            raise ValueError(
                f"hidden_dim must be >= 1 and hidden_layers >= 0, got {hidden_dim}, {hidden_layers}"
            )
        self.bits = bits
        self.hidden_dim = hidden_dim
        self.hidden_layers = hidden_layers
        self.negative_slope = negative_slope
        self.edge_features = edge_features
        self.num_levels = 2**bits
        dims = [EDGE_FEATURES[edge_features]] + [hidden_dim] * (hidden_layers + 1)
        self.layers = nn.ModuleList(
            BipartiteLayer(d_in, d_out, negative_slope=negative_slope)
            for d_in, d_out in zip(dims[:-1], dims[1:], strict=True)
        )
        self.output = BipartiteLayer(
            hidden_dim,
            2 * self.num_levels,
            update_users=False,
            activate_antennas=False,
            negative_slope=negative_slope,
        )
        # The DAC alphabet for a CN(0, 1) input; the evaluator normalises the power (eq. 15).
        self.register_buffer("levels", DAC(bits).levels(), persistent=False)

    def logits(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """Logits over the DAC levels.

        Args:
            H: ``[..., M, K]`` complex.
            s: ``[..., N_s, K]`` complex.

        Returns:
            ``[..., N_s, M, 2, L]`` real: index 0 of the third-last axis is the real part, 1 the
            imaginary part, ``L = 2^b``.
        """
        users = torch.view_as_real(s)  # [..., N_s, K, 2]
        H = H.unsqueeze(-3)  # [..., 1, M, K]
        if self.edge_features == "channel":
            edges = torch.view_as_real(H).expand(*users.shape[:-2], *H.shape[-2:], 2)
        else:  # "channel+mrt": also the matched-filter term conj(H_mk) s_k of every edge
            mrt = H.conj() * s.unsqueeze(-2)  # [..., N_s, M, K]
            edges = torch.cat(
                [torch.view_as_real(H.expand_as(mrt)), torch.view_as_real(mrt)], dim=-1
            )  # [..., N_s, M, K, 4]
        d0 = edges.shape[-1]
        antennas = users.new_zeros(*edges.shape[:-2], d0)  # [..., N_s, M, d0], eq. 28
        if d0 > 2:  # user inputs are [Re s_k, Im s_k] (eq. 29), zero-padded to d0
            users = torch.cat([users, users.new_zeros(*users.shape[:-1], d0 - 2)], dim=-1)
        for layer in self.layers:
            edges, antennas, users = layer(edges, antennas, users)
        _, out, _ = self.output(edges, antennas, users)  # [..., N_s, M, 2L]
        return out.unflatten(-1, (2, self.num_levels))

    def levels_from_weights(self, weights: torch.Tensor) -> torch.Tensor:
        """DAC outputs from one-hot (or soft) weights over the levels.

        ``weights: [..., N_s, M, 2, L]`` -> ``y: [..., N_s, M]`` complex.
        """
        values = weights @ self.levels.to(weights.dtype)  # [..., N_s, M, 2]
        return torch.complex(values[..., 0], values[..., 1])

    def forward(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """Inference (eq. 18): argmax over the levels. ``H: [..., M, K]``, ``s: [..., N_s, K]``
        -> ``y: [..., N_s, M]`` complex, every real and imaginary part on the DAC alphabet."""
        logits = self.logits(H, s)
        return torch.complex(*self.levels[logits.argmax(dim=-1)].unbind(-1))

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model (``nn.serialization``)."""
        return {
            "bits": self.bits,
            "hidden_dim": self.hidden_dim,
            "hidden_layers": self.hidden_layers,
            "negative_slope": self.negative_slope,
            "edge_features": self.edge_features,
        }

    def extra_repr(self) -> str:
        return f"bits={self.bits}, d_h={self.hidden_dim}, N_h={self.hidden_layers}"
