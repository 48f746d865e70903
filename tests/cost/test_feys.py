import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from qprecode.cost import (
    CostModel,
    FeysFlops,
    FlopCount,
    LayerProfile,
    ModelProfile,
    bipartite_layer_flops,
    gnn_flops,
    gnn_matmul_macs,
    profile_model,
    profiled_gnn_flops,
)
from qprecode.nn import QuantizedGNN
from tests.conftest import generator


def gnn_inputs(batch=1, M=32, K=1, N_s=1):
    g = generator(0)
    H = torch.randn(batch, M, K, dtype=torch.complex64, generator=g)
    s = torch.randn(batch, N_s, K, dtype=torch.complex64, generator=g)
    return H, s


@pytest.mark.parametrize(("d_h", "N_h", "paper_flops"), [(128, 4, 22_512_384), (32, 8, 2_771_680)])
def test_paper_gnns_counted_from_the_model(d_h, N_h, paper_flops):
    # Sect. VII-B, M=32, K=1, b=1: FLOPs of one symbol vector from a profile of the real model
    model = QuantizedGNN(1, d_h, N_h)  # bits, hidden_dim, hidden_layers
    profile = profile_model(model, *gnn_inputs())
    counted = FeysFlops().count(profile)
    assert counted.total == paper_flops
    assert counted == gnn_flops(32, 1, d_h, N_h, 1)
    assert FeysFlops()(profile) == {
        "multiplications": counted.multiplications,
        "additions": counted.additions,
        "flops": paper_flops,
    }
    # executed MACs: node terms of eq. 22 once per node, not per edge
    assert profile.macs == gnn_matmul_macs(32, 1, d_h, N_h, 1, per_edge=False)
    assert profile.macs < gnn_matmul_macs(32, 1, d_h, N_h, 1)
    assert sum(len(m._forward_hooks) for m in model.modules()) == 0


@settings(max_examples=25)
@given(
    M=st.integers(1, 24),
    K=st.integers(1, 6),
    d_h=st.integers(1, 48),
    N_h=st.integers(0, 5),
    b=st.integers(1, 4),
)
def test_profile_of_any_gnn_equals_the_closed_form(M, K, d_h, N_h, b):
    profile = profile_model(QuantizedGNN(b, d_h, N_h), *gnn_inputs(M=M, K=K))
    assert FeysFlops().count(profile) == gnn_flops(M, K, d_h, N_h, b)
    assert profile.macs == gnn_matmul_macs(M, K, d_h, N_h, b, per_edge=False)
    assert profiled_gnn_flops(M, K, d_h, N_h, b) == gnn_flops(M, K, d_h, N_h, b)


@given(
    M=st.integers(1, 64),
    K=st.integers(1, 8),
    d_h=st.integers(1, 256),
    N_h=st.integers(0, 8),
    b=st.integers(1, 6),
)
def test_layer_formula_reproduces_eqs_31_to_38(M, K, d_h, N_h, b):
    layers = [bipartite_layer_flops(M, K, 2, d_h, True)]  # eqs. 31-32
    layers += [bipartite_layer_flops(M, K, d_h, d_h, True)] * N_h  # eqs. 33-34
    layers += [bipartite_layer_flops(M, K, d_h, 2 ** (b + 1), False)]  # eqs. 35-36
    total = FlopCount(0, 0)
    for layer in layers:
        total = total + layer
    assert total == gnn_flops(M, K, d_h, N_h, b)


def test_one_layer_by_hand():
    # M=2, K=1, d_in=1, d_out=1, with the user update.
    # eq. 22, per edge: 3 products, 2 sums -> 2 edges: 6 mults, 4 adds
    # eq. 23, one user: mean of 2 -> 1 division, 1 addition
    # eq. 24, 2 antennas: mean of 1 -> 2 divisions, 0 additions
    # eqs. 25-26, 3 nodes: 2 products and 1 sum each -> 6 mults, 3 adds
    assert bipartite_layer_flops(2, 1, 1, 1, True) == FlopCount(6 + 1 + 2 + 6, 4 + 1 + 0 + 3)
    assert bipartite_layer_flops(2, 1, 1, 1, False) == FlopCount(6 + 2 + 4, 4 + 0 + 2)


def test_counts_scale_with_the_batch_and_per_sample_recovers_one_vector():
    model = QuantizedGNN(2, 12, 2)
    batch = profile_model(model, *gnn_inputs(batch=3, M=6, K=2, N_s=5))  # 15 vectors
    one = gnn_flops(6, 2, 12, 2, 2)
    assert FeysFlops().count(batch) == 15 * one
    assert FeysFlops().count(batch.per_sample(15)) == one


def test_linear_and_conv_follow_the_same_convention():
    # rows r=2 of i=3 inputs, o=4 outputs: r i o mults, r (i - 1) o adds, + r o for the bias
    linear = profile_model(nn.Linear(3, 4), torch.zeros(2, 3))
    assert FeysFlops().count(linear) == FlopCount(2 * 3 * 4, 2 * 2 * 4 + 2 * 4)
    # conv: 5 output positions x 2 channels, 3 taps each: 3 mults, 2 adds (no bias)
    conv = profile_model(nn.Conv1d(1, 2, 3, bias=False), torch.zeros(1, 1, 7))
    assert FeysFlops().count(conv) == FlopCount(10 * 3, 10 * 2)


def test_cost_model_protocol_and_unknown_kinds():
    assert isinstance(FeysFlops(), CostModel) and FeysFlops.name == "feys-flops"
    odd = ModelProfile((LayerProfile("x", "attention", 1, 1, 1, sizes={"batch": 1}),))
    with pytest.raises(ValueError, match="attention.*known kinds"):
        FeysFlops()(odd)


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
    with pytest.raises(ValueError, match="M"):
        profiled_gnn_flops(0, 1, 8, 1, 1)


def test_profiled_count_leaves_the_global_random_state_alone():
    profiled_gnn_flops.cache_clear()
    state = torch.random.get_rng_state()
    profiled_gnn_flops(16, 2, 24, 3, 2)
    assert torch.equal(state, torch.random.get_rng_state())
