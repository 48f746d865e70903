import pytest
import torch
from torch import nn

from qprecode.cost import DEFAULT_BITS, LAYER_COUNTERS, ModelProfile, profile_model
from qprecode.nn import QuantizedGNN
from qprecode.nn.layers import BipartiteLayer
from tests.conftest import generator


def _hooks(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


def gnn_inputs(batch=1, M=32, K=1, N_s=1, seed=0):
    g = generator(seed)
    H = torch.randn(batch, M, K, dtype=torch.complex64, generator=g)
    s = torch.randn(batch, N_s, K, dtype=torch.complex64, generator=g)
    return H, s


def test_linear_and_conv_closed_forms():
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 3, bias=False))
    profile = profile_model(model, torch.zeros(4, 6, 5))  # 24 rows
    first, second = profile.layers
    assert (first.name, first.kind, second.name) == ("0", "linear", "2")
    assert first.macs == 24 * 5 * 7 and second.macs == 24 * 7 * 3
    assert (first.weights, second.weights) == (5 * 7 + 7, 7 * 3)
    assert (first.activations, second.activations) == (24 * 7, 24 * 3)
    assert first.sizes == {"batch": 24, "in_features": 5, "out_features": 7, "bias": 1}
    assert profile.macs == 24 * (35 + 21) and profile.weights == 42 + 21
    assert first.weight_bits == first.activation_bits == DEFAULT_BITS == 32

    # Conv1d: L_out = 10 - 3 + 1 = 8 positions, 2 groups of 4 input channels
    conv1 = nn.Conv1d(8, 6, 3, groups=2)
    (c1,) = profile_model(conv1, torch.zeros(2, 8, 10)).layers
    assert c1.kind == "conv" and c1.name == ""
    assert c1.macs == 2 * 8 * 6 * (4 * 3) and c1.activations == 2 * 6 * 8
    assert c1.sizes["positions"] == 8 and c1.sizes["kernel"] == 3
    # Conv2d, stride 2 and padding 1 on 9 x 9: 5 x 5 outputs; unbatched input counts batch 1
    conv2 = nn.Conv2d(3, 4, (3, 3), stride=2, padding=1)
    (c2,) = profile_model(conv2, torch.zeros(3, 9, 9)).layers
    assert c2.sizes["batch"] == 1 and c2.sizes["positions"] == 25
    assert c2.macs == 25 * 4 * 3 * 9 and c2.weights == 4 * 3 * 9 + 4


def test_bipartite_layer_counts_executed_products_and_not_its_linears():
    layer = BipartiteLayer(3, 5)
    edges, antennas, users = (
        torch.zeros(2, 4, 6, 2, 3),
        torch.zeros(2, 4, 6, 3),
        torch.zeros(2, 4, 2, 3),
    )
    (p,) = profile_model(layer, edges, antennas, users).layers  # one entry, no Linear children
    M, K, graphs = 6, 2, 8
    per_graph = (M * K + M + K) * 3 * 5 + M * (3 * 5 + 25) + K * (3 * 5 + 25)
    assert p.kind == "bipartite" and p.macs == graphs * per_graph
    assert p.sizes == {"batch": 8, "M": 6, "K": 2, "in_dim": 3, "out_dim": 5, "update_users": 1}
    assert p.activations == graphs * (M * K + M + K) * 5
    assert (
        p.weights == sum(q.numel() for q in layer.parameters()) == 5 * 3 * 5 + 2 * 5 * 5
    )  # 5 maps in->out, 2 out->out


def test_gnn_profile_agrees_with_counting_its_linear_layers():
    model = QuantizedGNN(2, 16, 3)
    H, s = gnn_inputs(batch=2, M=8, K=3, N_s=4)
    profile = profile_model(model, H, s)
    assert [layer.name for layer in profile.layers] == [
        "layers.0", "layers.1", "layers.2", "layers.3", "output"
    ]  # fmt: skip
    assert all(layer.sizes["batch"] == 8 for layer in profile.layers)  # 2 channels x 4 vectors
    assert profile.weights == sum(p.numel() for p in model.parameters())
    assert profile.unprofiled == ()
    # the same model counted at the level of its nn.Linear maps: node terms once per node
    linear_only = profile_model(model, H, s, counters={nn.Linear: LAYER_COUNTERS[nn.Linear]})
    assert all(layer.kind == "linear" for layer in linear_only.layers)
    assert linear_only.macs == profile.macs
    assert linear_only.weights == profile.weights


def test_hooks_are_removed_also_after_an_error():
    model = QuantizedGNN(1, 8, 1)
    profile_model(model, *gnn_inputs(M=4, K=2))
    assert _hooks(model) == 0
    with pytest.raises(RuntimeError):  # H and s disagree on K
        profile_model(model, torch.zeros(1, 4, 2, dtype=torch.complex64),
                      torch.zeros(1, 1, 3, dtype=torch.complex64))  # fmt: skip
    assert _hooks(model) == 0


def test_profiling_runs_without_grad_and_keeps_the_mode():
    model = nn.Linear(3, 2).train()
    seen = []
    model.register_forward_hook(lambda m, a, o: seen.append(o.requires_grad))
    profile_model(model, torch.zeros(1, 3, requires_grad=True))
    assert seen == [False] and model.training and _hooks(model) == 1


class QuantLinear(nn.Linear):
    """A stand-in for a quantized layer of a later issue: it states its bit-widths."""

    def __init__(self, *args, weight_bits: int, activation_bits: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.weight_bits = weight_bits
        self.activation_bits = activation_bits


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))  # no counter: reported as unprofiled
        self.shared = nn.Linear(4, 4, bias=False)
        self.again = self.shared  # the same module under two paths
        self.q = QuantLinear(4, 2, weight_bits=4, activation_bits=8)

    def forward(self, x):
        x = self.shared(self.shared(x * self.scale))
        return self.q(x)


def test_subclasses_bits_shared_modules_and_unprofiled_parameters():
    profile = profile_model(Block(), torch.zeros(3, 4))
    names = [layer.name for layer in profile.layers]
    assert names == ["shared", "shared", "q"]  # called twice, hooked once
    q = profile.layers[-1]
    assert (q.kind, q.weight_bits, q.activation_bits) == ("linear", 4, 8)
    assert profile.macs == 2 * 3 * 16 + 3 * 8
    assert profile.weights == 16 + 10  # the shared weights once
    assert profile.unprofiled == ("",)


def test_bits_of_a_known_layer_come_from_its_children():
    layer = BipartiteLayer(2, 3)
    layer.edge.weight_bits = 4  # type: ignore[assignment]
    layer.self_bs.weight_bits = 2  # type: ignore[assignment]
    (p,) = profile_model(layer, torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2),
                         torch.zeros(1, 2, 2)).layers  # fmt: skip
    assert p.weight_bits == 4 and p.activation_bits == DEFAULT_BITS


def test_per_sample_divides_the_batch():
    model = QuantizedGNN(1, 8, 2)
    one = profile_model(model, *gnn_inputs(M=5, K=2))
    six = profile_model(model, *gnn_inputs(batch=3, M=5, K=2, N_s=2))
    assert six.macs == 6 * one.macs and six.activations == 6 * one.activations
    assert six.per_sample(6) == one
    assert six.per_sample(2).macs == 3 * one.macs
    with pytest.raises(ValueError, match="divisible"):
        six.per_sample(4)
    with pytest.raises(ValueError, match="samples"):
        six.per_sample(0)


def test_meta_tensors_are_profiled_without_compute():
    with torch.device("meta"):
        model = QuantizedGNN(1, 16, 2)
        H, s = (
            torch.zeros(1, 8, 2, dtype=torch.complex64),
            torch.zeros(1, 1, 2, dtype=torch.complex64),
        )
    meta = profile_model(model, H, s)
    real = profile_model(QuantizedGNN(1, 16, 2), *gnn_inputs(M=8, K=2))
    assert isinstance(meta, ModelProfile) and meta == real
