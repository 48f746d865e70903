import json
import math

import pytest
import torch

from qprecode.cost import profile_model
from qprecode.dac import DAC
from qprecode.metrics import sinr_from_matrix
from qprecode.nn import (
    CompressedDNN,
    DNNPrecoder,
    QuantLinear,
    load_model,
    ptq_,
    save_model,
)
from qprecode.precoders import QuantizedLinearPrecoder
from qprecode.registry import build_precoder, find_entry
from tests.conftest import generator

M, K = 8, 2
SMALL = dict(antennas=M, users=K, conv_channels=4, fc_dim=16)


def channels(batch=5, m=M, k=K, seed=0, dtype=torch.complex64):
    return torch.randn(batch, m, k, dtype=dtype, generator=generator(seed))


def small(seed=0, **kwargs):
    torch.manual_seed(seed)
    return CompressedDNN(**{**SMALL, **kwargs})


@pytest.mark.parametrize("train", [True, False])
def test_shapes_dtypes_and_the_power_constraint(train):
    model = small(total_power=None).train(train)
    W = model(channels())
    assert W.shape == (5, M, K) and W.dtype == torch.complex64
    torch.testing.assert_close((W.abs() ** 2).sum(dim=(1, 2)), torch.full((5,), float(M)),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    other = small(total_power=3.5).train(train)
    W = other(channels())
    torch.testing.assert_close((W.abs() ** 2).sum(dim=(1, 2)), torch.full((5,), 3.5),
                               rtol=1e-5, atol=1e-5)  # fmt: skip


def test_the_network_sees_re_and_im_of_h_transposed_times_the_input_scale():
    model = small().eval()
    H = channels(3)
    seen = []
    model.conv.register_forward_hook(lambda module, args, out: seen.append(args[0]))
    scale = model.set_input_scale(channels(4000, seed=1))
    assert scale == pytest.approx(math.sqrt(2), rel=0.03)  # unit-power complex entries
    model(H)
    expected = torch.stack([H.mT.real, H.mT.imag], dim=1) * scale  # [B, 2, K, M]
    torch.testing.assert_close(seen[0], expected)
    assert "input_scale" in model.state_dict()


def test_clear_errors_on_bad_inputs_and_settings():
    model = small()
    with pytest.raises(ValueError, match=r"\[B, M=8, K=2\]"):
        model(channels(m=4))
    with pytest.raises(ValueError, match="complex"):
        model(channels().real)
    with pytest.raises(ValueError, match="4 entries"):
        small(weight_bits=[8, 8])
    with pytest.raises(ValueError, match=r"weight_bits\[1\] must be an integer in 2..16"):
        small(weight_bits=[8, 1, 8, 8])
    with pytest.raises(ValueError, match="dropout"):
        small(dropout=1.0)


def test_no_permutation_symmetry_is_claimed():
    # a CNN over the users x antennas grid followed by dense layers is not equivariant to
    # permutations of the users: permuting the columns of H does not permute those of W
    model = small().eval()
    H = channels(4)
    users = torch.tensor([1, 0])
    assert not torch.allclose(model(H[..., users]), model(H)[..., users], atol=1e-3)
    assert find_entry("zf").equivariant  # (classical precoders do claim it)


def test_per_layer_macs_match_the_spec_counts():
    model = CompressedDNN(64, 4, 64, 1024).eval()
    H = channels(2, 64, 4)
    profile = profile_model(model, H[:1])
    layers = {layer.name: layer for layer in profile.layers}
    C, D = 64, 1024
    assert list(layers) == ["conv", "fc1", "fc2", "fc3"]
    assert layers["conv"].macs == 18 * C * 256
    assert layers["fc1"].macs == 256 * C * D
    assert layers["fc2"].macs == D * D
    assert layers["fc3"].macs == 512 * D
    assert profile.macs == 18_644_992
    # N_a (outputs of each layer): 256 C, D, D, 512
    assert [layers[n].activations for n in layers] == [256 * C, D, D, 512]
    # weights without biases and LSQ steps: N_w = 18,351,232
    biases = C + D + D + 512
    assert profile.weights - biases == 18_351_232
    assert all(layer.weight_bits == 32 for layer in profile.layers)  # float model


def test_the_profile_reads_each_layers_bits():
    model = small(weight_bits=[8, 4, 2, 16]).eval()
    profile = profile_model(model, channels(1))
    assert [layer.weight_bits for layer in profile.layers] == [8, 4, 2, 16]


def test_quantized_layers_compute_with_weights_on_their_grids():
    model = small(weight_bits=[8, 4, 2, 16]).eval()
    model(channels())  # first use initialises the LSQ steps
    for layer, bits in [(model.conv, 8), (model.fc1, 4), (model.fc2, 2)]:
        assert layer.quantizer.initialized
        assert torch.unique(layer.quantized_weight()).numel() <= 2**bits
    assert model.fc3.quantizer is None  # 16 bits: float weights, counted at 16


def test_save_load_round_trip_and_the_registry(tmp_path):
    model = small(weight_bits=[8, 4, 2, None], dropout=0.1, total_power=2.0)
    model.set_input_scale(3 * channels(100))
    model.train()
    for _ in range(2):  # move the batch-norm statistics and initialise the steps
        model(channels(16, seed=3))
    model.eval()
    save_model(tmp_path / "dnn", model, {"trained_on": {"antennas": M, "users": K}})
    info = json.loads((tmp_path / "dnn.json").read_text())
    assert info["architecture"] == "kasalaee-dnn"
    assert info["hyperparameters"] == {**SMALL, "weight_bits": [8, 4, 2, None], "dropout": 0.1,
                                       "total_power": 2.0, "input_norm": "global"}  # fmt: skip
    loaded, _ = load_model(tmp_path / "dnn")
    assert isinstance(loaded, CompressedDNN) and not loaded.training
    assert loaded.hyperparameters() == model.hyperparameters()
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key]), key
    H = channels(6, seed=4)
    assert torch.equal(loaded(H), model(H))
    precoder = build_precoder(f"dnn:{tmp_path / 'dnn'}")
    assert isinstance(precoder, DNNPrecoder) and precoder.name == f"dnn:{tmp_path / 'dnn'}"
    torch.testing.assert_close(precoder.matrix(H), model(H))
    entry = find_entry(f"dnn:{tmp_path / 'dnn'}")
    assert entry.kind == "learned" and entry.bits == (*range(1, 9), None)
    assert not entry.equivariant
    # a linear precoder without DACs of its own: with bits, 1-bit DACs quantize its output
    quantized = build_precoder(f"dnn:{tmp_path / 'dnn'}", 1)
    s = torch.randn(6, 5, K, dtype=torch.complex64)
    by_hand = QuantizedLinearPrecoder(DNNPrecoder(loaded), DAC(1))
    assert quantized.bits == 1 and torch.equal(quantized(H, s), by_hand(H, s))
    assert not torch.allclose(quantized(H, s), precoder(H, s))
    with pytest.raises(ValueError, match="dnn:"):
        build_precoder(f"gnn:{tmp_path / 'dnn'}")


def test_the_precoder_wrapper():
    model = small()
    model.train()
    precoder = DNNPrecoder(model, chunk_channels=2)
    assert not model.training  # evaluation mode
    H = torch.randn(2, 3, M, K, dtype=torch.complex64, generator=generator(5))
    W = precoder.matrix(H)
    assert W.shape == H.shape and W.dtype == torch.complex64
    torch.testing.assert_close(W, DNNPrecoder(model).matrix(H))  # chunking changes nothing
    torch.testing.assert_close(W.reshape(-1, M, K), model(H.reshape(-1, M, K)))
    torch.testing.assert_close((W.abs() ** 2).sum(dim=(-2, -1)), torch.full((2, 3), float(M)))
    s = torch.randn(2, 3, 7, K, dtype=torch.complex64, generator=generator(6))
    torch.testing.assert_close(precoder(H, s), s @ W.mT)
    assert precoder.matrix(H.to(torch.complex128)).dtype == torch.complex128
    assert not W.requires_grad
    with pytest.raises(ValueError, match="M=8 antennas for K=2 users"):
        precoder.matrix(channels(m=6))
    # closed-form rates of its matrices are what the task trains on
    sinr = sinr_from_matrix(H, W, 1.0)
    assert sinr.shape == (2, 3, K) and (sinr > 0).all()


def test_ptq_of_the_dnn_puts_every_layer_on_its_fixed_point_grid():
    model = small(weight_bits=[8, 8, 4, 4]).eval()
    steps = ptq_(model)
    assert len(steps) == 4 and all(s > 0 for s in steps)
    for layer in (model.conv, model.fc1, model.fc2, model.fc3):
        assert isinstance(layer, QuantLinear) or layer is model.conv
        assert torch.equal(layer.quantized_weight(), layer.weight)


def test_channel_input_norm_makes_the_precoder_blind_to_the_channel_scale():
    H = channels(6)
    scales = torch.tensor([1e-3, 1.0, 1e3, 0.5, 20.0, 7.0]).reshape(6, 1, 1)
    per_channel = small(input_norm="channel").eval()
    per_channel.set_input_scale(H * scales)
    with torch.no_grad():
        assert torch.allclose(per_channel(H * scales), per_channel(H), atol=1e-5)
        plain = small().eval()
        plain.set_input_scale(H)
        assert not torch.allclose(plain(H * scales), plain(H), atol=1e-3)
    assert per_channel.hyperparameters()["input_norm"] == "channel"
    with pytest.raises(ValueError, match="input_norm"):
        small(input_norm="batch")
