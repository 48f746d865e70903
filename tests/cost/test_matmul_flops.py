"""Counting the FLOPs of matrix products and solves while a model runs: closed forms for one
product, a solve and a linear layer, and the gradient-driven GNN's count against its formula."""

import torch
from torch import nn

from qprecode.cost import FlopCount, inverse_flops, matmul_flops
from qprecode.nn import GradientGNN, UnfoldedWMMSE


def test_one_complex_and_one_real_product():
    a, b = torch.randn(3, 5, dtype=torch.complex64), torch.randn(5, 2, dtype=torch.complex64)
    assert matmul_flops(torch.matmul, a, b) == FlopCount(4 * 30, (4 * 5 - 2) * 6)
    x, y = torch.randn(4, 3, 5), torch.randn(4, 5, 2)  # a batch of 4
    assert matmul_flops(torch.matmul, x, y) == FlopCount(4 * 30, 4 * 4 * 6)


def test_a_linear_layer_and_a_solve():
    layer = nn.Linear(6, 3)
    # 10 rows of 6 inputs: 10 * 18 multiplications, 10 * 3 * 5 additions and 30 for the bias
    assert matmul_flops(layer, torch.randn(10, 6)) == FlopCount(180, 150 + 30)
    A = torch.randn(2, 4, 4, dtype=torch.complex128) + 4 * torch.eye(4)
    B = torch.randn(2, 4, 3, dtype=torch.complex128)
    expected = 2 * (inverse_flops(4) + FlopCount(4 * 48, (4 * 4 - 2) * 12))
    assert matmul_flops(torch.linalg.solve, A, B) == expected


def _gradient_gnn_flops(M, K, dims):
    """Per layer ``c_in -> c_out``: ``U = H^T D~`` (c_in / 2 complex K x M x K products), the
    attention ``Linear(5 c_in / 2 + 1, c_out)`` on K^2 pairs, ``message`` and ``own``
    (``Linear(c_in, c_out)`` on M K edges, ``own`` with a bias), the aggregation over users
    (c_out real M x K x K products)."""
    total = FlopCount(0, 0)
    for c_in, c_out in zip(dims[:-1], dims[1:], strict=True):
        z = 5 * c_in // 2 + 1
        total += (c_in // 2) * FlopCount(4 * K * M * K, (4 * M - 2) * K * K)
        total += FlopCount(K * K * z * c_out, K * K * (z - 1) * c_out + K * K * c_out)
        total += FlopCount(M * K * c_in * c_out, M * K * (c_in - 1) * c_out)
        total += FlopCount(M * K * c_in * c_out, M * K * (c_in - 1) * c_out + M * K * c_out)
        total += c_out * FlopCount(M * K * K, M * (K - 1) * K)
    return total


def test_the_gradient_gnn_count_is_its_formula():
    M, K = 12, 4
    H = torch.randn(1, M, K, dtype=torch.complex64)
    model = GradientGNN(16, 2)
    assert matmul_flops(model, H) == _gradient_gnn_flops(M, K, [2, 16, 16, 2])


def test_the_unfolded_wmmse_count_grows_with_its_layers():
    H = torch.randn(1, 12, 4, dtype=torch.complex64)
    one, four = matmul_flops(UnfoldedWMMSE(1), H), matmul_flops(UnfoldedWMMSE(4), H)
    # per layer: E = H^T V ([4, 12] @ [12, 4]), a 4 x 4 solve for X, V~ = H^* X ([12, 4] @ [4, 4])
    layer = FlopCount(4 * 4 * 12 * 4, (4 * 12 - 2) * 16) + inverse_flops(4)
    layer += FlopCount(4 * 64, (4 * 4 - 2) * 16) + FlopCount(4 * 12 * 16, (4 * 4 - 2) * 48)
    assert four.total - one.total == 3 * layer.total
