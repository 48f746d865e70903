"""FLOPs of the quantized GNN as counted in Sect. V of Feys et al. (eqs. 31-38), in closed form
and as a cost model of a per-layer profile.

The paper's convention: real multiplications and additions of one forward pass (one precoded
symbol vector), every term of eq. 22 evaluated per edge, mean aggregations (eqs. 23-24) as
``n - 1`` additions and one division per output feature per node, no biases, no activations.
Term by term, a product of ``r`` rows of ``i`` inputs by an ``i x o`` matrix costs ``r i o``
multiplications and ``r (i - 1) o`` additions, and summing ``n`` such terms ``(n - 1) r o``
additions.

- ``gnn_flops(M, K, d_h, N_h, b)``: eqs. 31-38 as printed, for the paper's GNN (input width
  ``d_0 = 2``, ``N_h`` hidden layers of width ``d_h``, output width ``2^{b+1}``).
- ``bipartite_layer_flops``: the same count for one layer of any widths; eqs. 31-36 are its
  special cases.
- ``FeysFlops``: the cost model that sums ``bipartite_layer_flops`` (and the same convention for
  linear and convolution layers) over a ``ModelProfile``.
- ``gnn_matmul_macs``: multiply-accumulates of the matrix products only, per edge as the paper
  counts them or as ``qprecode.nn`` executes them (node terms once per node and broadcast);
  ``torch.utils.flop_counter`` measures ``2 x`` the latter.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import torch

from ..nn.gnn import QuantizedGNN
from .model import FlopCount
from .profile import LayerProfile, ModelProfile, profile_model

__all__ = [
    "FeysFlops",
    "bipartite_layer_flops",
    "gnn_flops",
    "gnn_matmul_macs",
    "layer_flops",
    "profiled_gnn_flops",
]


def _check(M: int, K: int, d_h: int, N_h: int, b: int) -> None:
    for name, value in [("M", M), ("K", K), ("d_h", d_h), ("b", b)]:
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if N_h < 0:
        raise ValueError(f"N_h must be >= 0, got {N_h}")


def gnn_flops(M: int, K: int, d_h: int, N_h: int, b: int) -> FlopCount:
    """Eqs. 31-38: real operations of one forward pass (one symbol vector).

    Args:
        M: antennas.
        K: users.
        d_h: hidden width.
        N_h: hidden layers.
        b: DAC bits.
    """
    _check(M, K, d_h, N_h, b)
    L = 2**b
    # eqs. 31-32: input layer (d_0 = 2)
    mul_in = (
        6 * M * K * d_h + K * d_h + M * d_h + 2 * M * d_h + M * d_h**2 + 2 * K * d_h + K * d_h**2
    )
    add_in = (
        5 * M * K * d_h + K * (M - 1) * d_h + M * (K - 1) * d_h
        + M * d_h + M * d_h**2 + K * d_h + K * d_h**2
    )  # fmt: skip
    # eqs. 33-34: one hidden layer
    mul_h = 3 * M * K * d_h**2 + K * d_h + M * d_h + 2 * M * d_h**2 + 2 * K * d_h**2
    add_h = (
        3 * M * K * d_h**2 - M * K * d_h + K * (M - 1) * d_h + M * (K - 1) * d_h
        + 2 * M * d_h**2 - M * d_h + 2 * K * d_h**2 - K * d_h
    )  # fmt: skip
    # eqs. 35-36: output layer (d_out = 2^{b+1}, no user update)
    mul_out = 6 * M * K * d_h * L + 2 * M * L + 4 * M * L**2 + 2 * M * d_h * L
    add_out = (
        6 * M * K * d_h * L - 2 * M * K * L + 2 * M * (K - 1) * L
        + 4 * M * L**2 + 2 * M * d_h * L - 2 * M * L
    )  # fmt: skip
    # eqs. 37-38
    return FlopCount(mul_in + N_h * mul_h + mul_out, add_in + N_h * add_h + add_out)


def bipartite_layer_flops(M: int, K: int, d_in: int, d_out: int, update_users: bool) -> FlopCount:
    """One GNN layer (eqs. 22-26) of one graph under the paper's convention.

    Per edge (eq. 22) three ``d_in x d_out`` products and two sums; per user a mean over ``M``
    edges (eq. 23) and per antenna over ``K`` (eq. 24); per antenna (eq. 25) and, with
    ``update_users``, per user (eq. 26) a ``d_in x d_out`` and a ``d_out x d_out`` product and
    one sum. With ``d_in = 2, d_out = d_h`` this is eqs. 31-32, with ``d_in = d_out = d_h``
    eqs. 33-34, with ``d_in = d_h, d_out = 2^{b+1}`` and no user update eqs. 35-36.
    """
    node = d_in * d_out + d_out * d_out  # multiplications of eqs. 25-26 per node
    mul = M * K * 3 * d_in * d_out + M * d_out + M * node  # eqs. 22, 24, 25
    add = M * K * (3 * d_in * d_out - d_out) + M * (K - 1) * d_out + M * (node - d_out)
    if update_users:
        mul += K * d_out + K * node  # eqs. 23, 26
        add += K * (M - 1) * d_out + K * (node - d_out)
    return FlopCount(mul, add)


def _linear(sizes: dict[str, int]) -> FlopCount:
    i, o, bias = sizes["in_features"], sizes["out_features"], sizes["bias"]
    return FlopCount(i * o, max(i - 1, 0) * o + bias * o)


def _conv(sizes: dict[str, int]) -> FlopCount:
    taps = sizes["in_channels"] // sizes["groups"] * sizes["kernel"]
    outputs = sizes["positions"] * sizes["out_channels"]
    return FlopCount(outputs * taps, outputs * (max(taps - 1, 0) + sizes["bias"]))


def _bipartite(sizes: dict[str, int]) -> FlopCount:
    return bipartite_layer_flops(
        sizes["M"], sizes["K"], sizes["in_dim"], sizes["out_dim"], bool(sizes["update_users"])
    )


_PER_INSTANCE: dict[str, Callable[[dict[str, int]], FlopCount]] = {
    "bipartite": _bipartite,
    "conv": _conv,
    "linear": _linear,
}


def layer_flops(layer: LayerProfile) -> FlopCount:
    """FLOPs of one profiled call under the paper's convention: the count of one instance
    (a row of a linear layer, a sample of a convolution, a graph of a bipartite layer; biases
    add one addition per output) times ``layer.sizes["batch"]``."""
    count = _PER_INSTANCE.get(layer.kind)
    if count is None:
        raise ValueError(
            f"FeysFlops cannot count layer {layer.name!r} of kind {layer.kind!r}; "
            f"known kinds: {sorted(_PER_INSTANCE)}"
        )
    return layer.sizes["batch"] * count(layer.sizes)


class FeysFlops:
    """The FLOP cost model of Sect. V of Feys et al. applied to a ``ModelProfile``.

    ``FeysFlops()(profile)`` returns ``{"multiplications", "additions", "flops"}`` summed over
    the profiled calls (``count`` gives the same as a ``FlopCount``). For a ``QuantizedGNN``
    profiled on one symbol vector it equals ``gnn_flops`` (eqs. 37-38).
    """

    name: str = "feys-flops"

    def count(self, profile: ModelProfile) -> FlopCount:
        """Multiplications and additions of the profiled forward call."""
        total = FlopCount(0, 0)
        for layer in profile.layers:
            total = total + layer_flops(layer)
        return total

    def __call__(self, profile: ModelProfile) -> dict[str, float]:
        return self.count(profile).as_dict()

    def __repr__(self) -> str:
        return "FeysFlops()"


@lru_cache(maxsize=256)
def profiled_gnn_flops(M: int, K: int, d_h: int, N_h: int, b: int) -> FlopCount:
    """``FeysFlops`` of a profile of the actual ``QuantizedGNN(b, d_h, N_h)`` precoding one
    symbol vector for ``M`` antennas and ``K`` users (equal to ``gnn_flops``, as tested).

    The model is built on the meta device: no weights are drawn (the global random state is
    untouched) and no arithmetic runs. Results are cached.
    """
    _check(M, K, d_h, N_h, b)
    with torch.device("meta"):
        model = QuantizedGNN(b, d_h, N_h)  # positional: bits, hidden_dim, hidden_layers
        H = torch.zeros(1, M, K, dtype=torch.complex64)  # [1, M, K]
        s = torch.zeros(1, 1, K, dtype=torch.complex64)  # [1, N_s = 1, K]
    return FeysFlops().count(profile_model(model, H, s))


def gnn_matmul_macs(
    M: int, K: int, d_h: int, N_h: int, b: int, d_0: int = 2, per_edge: bool = True
) -> int:
    """Multiply-accumulates of the matrix products of one forward pass.

    Args:
        M: antennas.
        K: users.
        d_h: hidden width.
        N_h: hidden layers.
        b: DAC bits.
        d_0: input width (2 in the paper).
        per_edge: evaluate ``W_bs z_bs`` and ``W_ue z_ue`` of eq. 22 for every edge (the paper's
            count) instead of once per antenna and user (``qprecode.nn``, and the ``macs`` of a
            profile).
    """
    _check(M, K, d_h, N_h, b)
    dims = [d_0] + [d_h] * (N_h + 1) + [2 ** (b + 1)]
    macs = 0
    for layer, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        output_layer = layer == len(dims) - 2
        node_terms = 2 * M * K if per_edge else M + K  # W_bs z_bs and W_ue z_ue of eq. 22
        macs += (M * K + node_terms) * d_in * d_out  # eq. 22
        macs += M * (d_in * d_out + d_out * d_out)  # eq. 25
        if not output_layer:
            macs += K * (d_in * d_out + d_out * d_out)  # eq. 26
    return macs
