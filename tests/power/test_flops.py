import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from qprecode.nn import QuantizedGNN
from qprecode.power import gnn_flops, gnn_matmul_macs


@pytest.mark.parametrize(
    ("M", "K", "d_h", "N_h", "b"),
    [(32, 1, 128, 4, 1), (32, 1, 32, 8, 1), (8, 3, 16, 2, 2), (5, 2, 4, 0, 3)],
)
def test_matmul_count_matches_torch_flop_counter(M, K, d_h, N_h, b):
    model = QuantizedGNN(b, d_h, N_h)
    H = torch.randn(1, M, K, dtype=torch.complex64)
    s = torch.randn(1, 1, K, dtype=torch.complex64)
    with FlopCounterMode(display=False) as counter:
        model.logits(H, s)
    assert counter.get_total_flops() == 2 * gnn_matmul_macs(M, K, d_h, N_h, b, per_edge=False)


@given(
    M=st.integers(1, 64),
    K=st.integers(1, 8),
    d_h=st.integers(1, 256),
    N_h=st.integers(0, 8),
    b=st.integers(1, 4),
)
def test_paper_multiplications_are_per_edge_macs_plus_mean_divisions(M, K, d_h, N_h, b):
    # eqs. 31-38 count every product of eq. 22 per edge, plus one division per mean (eqs. 23-24)
    divisions = (N_h + 1) * (K * d_h + M * d_h) + M * 2 ** (b + 1)
    flops = gnn_flops(M, K, d_h, N_h, b)
    assert flops.multiplications == gnn_matmul_macs(M, K, d_h, N_h, b) + divisions
    # additions: each length-n dot product needs n-1 additions, so they stay below the products
    assert 0 < flops.additions <= flops.multiplications + M * K * (N_h + 2) * max(d_h, 2 ** (b + 1))


def test_paper_accelerator_bandwidths():
    # Sect. VII-B: a 39.8 TFLOP/s accelerator limits the bandwidth to 1.95 MHz (d_h=128, N_h=4)
    # and 15.8 MHz (d_h=32, N_h=8), with R_s = B / 1.1 symbol vectors per second
    for (d_h, N_h), paper_mhz in [((128, 4), 1.95), ((32, 8), 15.8)]:
        bandwidth = 39.8e12 / gnn_flops(32, 1, d_h, N_h, 1).total * 1.1
        assert bandwidth / 1e6 == pytest.approx(paper_mhz, abs=0.01)


def test_scaling_and_errors():
    a, b2 = gnn_flops(32, 1, 64, 4, 1), gnn_flops(32, 1, 128, 4, 1)
    assert 3.5 < b2.total / a.total < 4.0  # quadratic in d_h
    assert gnn_flops(32, 1, 64, 8, 1).total < 2 * a.total  # linear in N_h
    with pytest.raises(ValueError, match="d_h"):
        gnn_flops(32, 1, 0, 4, 1)
