"""Analytic operation counts of the quantized GNN (Sect. V of Feys et al., eqs. 31-38).

``gnn_flops`` follows the paper term by term: real multiplications and additions of one forward
pass (one precoded symbol vector) of a GNN with an input layer (``d_0 = 2``), ``N_h`` hidden
layers of width ``d_h`` and an output layer of width ``2^{b+1}``. The paper evaluates every term
of eq. 22 per edge, and counts no biases and no activations.

``gnn_matmul_macs`` counts the multiply-accumulates of the matrix products only, either per edge
as in the paper or with the antenna and user terms of eq. 22 computed once per node and
broadcast, as ``qprecode.nn`` does; ``torch.utils.flop_counter`` measures ``2 x`` the latter.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GNNFlops", "gnn_flops", "gnn_matmul_macs"]


@dataclass(frozen=True)
class GNNFlops:
    """Real multiplications and additions of one GNN forward pass."""

    multiplications: int
    additions: int

    @property
    def total(self) -> int:
        """FLOPs = multiplications + additions (as in Sect. VII-B)."""
        return self.multiplications + self.additions


def _check(M: int, K: int, d_h: int, N_h: int, b: int) -> None:
    for name, value in [("M", M), ("K", K), ("d_h", d_h), ("b", b)]:
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if N_h < 0:
        raise ValueError(f"N_h must be >= 0, got {N_h}")


def gnn_flops(M: int, K: int, d_h: int, N_h: int, b: int) -> GNNFlops:
    """Eqs. 31-38: operation count of one forward pass.

    Args:
        M: antennas. K: users. d_h: hidden width. N_h: hidden layers. b: DAC bits.
    """
    _check(M, K, d_h, N_h, b)
    L = 2**b
    mul_in = (
        6 * M * K * d_h + K * d_h + M * d_h + 2 * M * d_h + M * d_h**2 + 2 * K * d_h + K * d_h**2
    )
    add_in = (
        5 * M * K * d_h + K * (M - 1) * d_h + M * (K - 1) * d_h
        + M * d_h + M * d_h**2 + K * d_h + K * d_h**2
    )  # fmt: skip
    mul_h = 3 * M * K * d_h**2 + K * d_h + M * d_h + 2 * M * d_h**2 + 2 * K * d_h**2
    add_h = (
        3 * M * K * d_h**2 - M * K * d_h + K * (M - 1) * d_h + M * (K - 1) * d_h
        + 2 * M * d_h**2 - M * d_h + 2 * K * d_h**2 - K * d_h
    )  # fmt: skip
    mul_out = 6 * M * K * d_h * L + 2 * M * L + 4 * M * L**2 + 2 * M * d_h * L
    add_out = (
        6 * M * K * d_h * L - 2 * M * K * L + 2 * M * (K - 1) * L
        + 4 * M * L**2 + 2 * M * d_h * L - 2 * M * L
    )  # fmt: skip
    return GNNFlops(mul_in + N_h * mul_h + mul_out, add_in + N_h * add_h + add_out)


def gnn_matmul_macs(
    M: int, K: int, d_h: int, N_h: int, b: int, d_0: int = 2, per_edge: bool = True
) -> int:
    """Multiply-accumulates of the matrix products of one forward pass.

    Args:
        M, K, d_h, N_h, b: as in ``gnn_flops``.
        d_0: input width (2 in the paper).
        per_edge: evaluate ``W_bs z_bs`` and ``W_ue z_ue`` of eq. 22 for every edge (the paper's
            count) instead of once per antenna and user (``qprecode.nn``).
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
