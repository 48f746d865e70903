import pytest
import torch

from qprecode.dac import DAC
from qprecode.nn import GNNPrecoder, QuantizedGNN
from qprecode.training import level_weights, sample_gumbel
from tests.conftest import generator


def inputs(batch=2, M=8, K=3, N_s=5, seed=0):
    g = generator(seed)
    H = torch.randn(batch, M, K, dtype=torch.complex64, generator=g)
    s = torch.randn(batch, N_s, K, dtype=torch.complex64, generator=g)
    return H, s


def model(bits=2, edge_features="channel", seed=0):
    torch.manual_seed(seed)
    return QuantizedGNN(bits, hidden_dim=16, hidden_layers=2, edge_features=edge_features)


@pytest.mark.parametrize("edge_features", ["channel", "channel+mrt"])
def test_antenna_equivariance_and_user_invariance_exact(edge_features):
    net = model(edge_features=edge_features).double()
    H, s = (x.to(torch.complex128) for x in inputs())
    logits = net.logits(H, s)
    assert logits.shape == (2, 5, 8, 2, 4)
    perm_m = torch.randperm(8, generator=generator(1))
    torch.testing.assert_close(
        net.logits(H[:, perm_m], s), logits[:, :, perm_m], rtol=0, atol=1e-12
    )
    perm_k = torch.randperm(3, generator=generator(2))
    torch.testing.assert_close(
        net.logits(H[..., perm_k], s[..., perm_k]), logits, rtol=0, atol=1e-12
    )
    # and hence the argmax outputs permute exactly
    torch.testing.assert_close(net(H[:, perm_m], s), net(H, s)[..., perm_m])


@pytest.mark.parametrize("bits", [1, 2, 3])
@pytest.mark.parametrize(("M", "K"), [(4, 1), (16, 2), (7, 5)])
def test_outputs_on_the_dac_alphabet_for_any_size(bits, M, K):
    net = model(bits)
    H, s = inputs(M=M, K=K)
    y = net(H, s)
    assert y.shape == (2, 5, M) and y.dtype == torch.complex64
    levels = DAC(bits).levels()
    assert torch.isin(y.real, levels).all() and torch.isin(y.imag, levels).all()


def test_symbol_vectors_are_precoded_independently():
    net = model()
    H, s = inputs()
    y = net(H, s)
    torch.testing.assert_close(net(H, s[:, 2:3]), y[:, 2:3])


def test_straight_through_gradient_reaches_every_parameter():
    net = model()
    H, s = inputs()
    logits = net.logits(H, s)
    weights = level_weights(
        logits, "st-gumbel", 1.0, sample_gumbel(logits.shape, generator(), None)
    )
    y = net.levels_from_weights(weights)
    # forward values are on the alphabet ...
    assert torch.isin(y.real.detach(), DAC(2).levels()).all()
    (y.abs() ** 2 * torch.arange(8)).sum().backward()
    # ... and every parameter gets a non-zero gradient, except the two input-layer maps that
    # act on the all-zero antenna input of eq. 28 (kept so the model is eqs. 22-30 literally)
    on_zero_input = {"layers.0.edge_from_bs.weight", "layers.0.self_bs.weight"}
    for name, p in net.named_parameters():
        assert p.grad is not None, name
        if name in on_zero_input:
            assert p.grad.abs().sum() == 0, name
        else:
            assert p.grad.abs().sum() > 0, name


def test_gnn_precoder_protocol_and_chunking():
    net = model()
    H, s = inputs(batch=3, N_s=7)
    full = GNNPrecoder(net)(H, s)
    torch.testing.assert_close(GNNPrecoder(net, chunk_vectors=10)(H, s), full)
    torch.testing.assert_close(full, net(H, s))
    with pytest.raises(ValueError, match="users"):
        GNNPrecoder(net)(H, s[..., :2])


def test_invalid_construction():
    with pytest.raises(ValueError, match="finite DAC alphabet"):
        QuantizedGNN(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="edge_features"):
        QuantizedGNN(1, edge_features="angles")
