"""The structured DNN: powers of the optimal beamforming structure, closed form after them."""

import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.cost import KasalaeeEnergy, profile_model, structured_profile
from qprecode.metrics import noise_variance, sinr_from_matrix, sum_rate
from qprecode.nn import StructuredDNN, gram_features, load_model, save_model
from qprecode.nn.structured_dnn import leave_one_out_powers
from qprecode.precoders import rzf_matrix, structure_flops
from qprecode.registry import build_precoder, find_entry
from tests.conftest import generator


def channels(batch=16, M=8, K=3, seed=0):
    gains = torch.tensor([1.0, 3.0, 0.3])[:K]  # unequal user gains, as on a site
    return RayleighChannel(M, K).sample(batch, generator(seed)) * gains


def model(**kwargs):
    torch.manual_seed(0)
    net = StructuredDNN(8, 3, snr_db=10.0, conv_channels=4, fc_dim=32, **kwargs)
    net.set_input_scale(channels(batch=256, seed=9))
    return net.eval()


def test_untrained_network_is_rzf_with_equal_power():
    """The head starts near equal powers, so the untrained network is RZF-eq (within 1 %)."""
    H = channels()
    net = model()
    with torch.no_grad():
        W = net(H)
    nv = noise_variance(10.0, 8.0)
    rzf = sum_rate(sinr_from_matrix(H, rzf_matrix(H, 8.0, nv, "per-user"), nv))
    ours = sum_rate(sinr_from_matrix(H, W, nv))
    torch.testing.assert_close(ours, rzf, rtol=0.01, atol=0.0)


def test_output_power_is_total_power_and_columns_follow_p():
    H = channels()
    net = model()
    with torch.no_grad():
        p, _ = net.powers(H)
        W = net(H)
    torch.testing.assert_close((W.abs() ** 2).sum(dim=-2), p, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close((W.abs() ** 2).sum(dim=(-2, -1)), torch.full((16,), 8.0))
    assert (p > 0).all()


def test_powers_are_invariant_to_a_unitary_transform_of_the_antennas():
    H = channels()
    Q, _ = torch.linalg.qr(torch.randn(8, 8, dtype=torch.complex64, generator=generator(4)))
    net = model()
    with torch.no_grad():
        p, q = net.powers(H)
        p_rot, q_rot = net.powers(Q @ H)
    torch.testing.assert_close(p_rot, p, rtol=1e-3, atol=1e-3)
    torch.testing.assert_close(q_rot, q, rtol=1e-3, atol=1e-3)


def test_gram_features_are_normalised_correlations():
    H = channels()
    G, snr_db, rho = gram_features(H, 1.0, 8.0)
    torch.testing.assert_close(torch.diagonal(rho, dim1=-2, dim2=-1).real, torch.ones(16, 3))
    assert (rho.abs() <= 1 + 1e-5).all()
    expected = 10 * torch.log10((H.abs() ** 2).sum(dim=-2) * 8.0 / 3)
    torch.testing.assert_close(snr_db, expected, rtol=1e-5, atol=1e-4)


def test_save_load_and_registry(tmp_path):
    net = model(weight_bits=[2, 4, None, 8])
    save_model(tmp_path / "net", net)
    loaded, info = load_model(tmp_path / "net")
    assert info["architecture"] == "kasalaee-structured"
    H = channels()
    with torch.no_grad():
        torch.testing.assert_close(loaded.eval()(H), net(H))
    entry = find_entry(f"dnn:{tmp_path / 'net'}")
    assert entry.kind == "learned" and "structured" in entry.description
    precoder = build_precoder(f"dnn:{tmp_path / 'net'}")
    torch.testing.assert_close(precoder.matrix(H), net(H), rtol=1e-5, atol=1e-5)


def test_the_cost_model_counts_the_closed_form_layer_from_the_module():
    profile = profile_model(model(), channels(batch=5))
    closed = [layer for layer in profile.layers if layer.kind == "closed-form"]
    assert len(closed) == 1
    # per channel at M = 8, K = 3: Gram 4*8*6 = 192, solve 4*27 = 108, beams 4*8*9 = 288,
    # norms and scaling 4*8*3 = 96, features 8*(9 + 3) = 96
    assert closed[0].macs == 5 * 780 == 5 * (structure_flops(8, 3)["total"] + 96)
    assert closed[0].weight_bits == 16 and closed[0].weights == 0
    # 2-bit trunk: the trunk's energy falls, the closed-form layer's stays
    full = KasalaeeEnergy().report(structured_profile(64, 4, 15.0, 16, 256, 16))
    two = KasalaeeEnergy().report(structured_profile(64, 4, 15.0, 16, 256, 2))
    by_name = {x.name: x.total_pj for x in full.layers}
    assert {x.name: x.total_pj for x in two.layers}["structure"] == by_name["structure"]
    assert two.total_uj < 0.2 * full.total_uj


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"snr_db": float("nan")}, "snr_db must be finite"),
        ({"weight_bits": [2, 2]}, "weight_bits needs 4 entries"),
        ({"conv_channels": 0}, "conv_channels must be a positive integer"),
        ({"dropout": 1.0}, "dropout"),
    ],
)
def test_bad_arguments(kwargs, message):
    args = {"antennas": 8, "users": 3, "snr_db": 0.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        StructuredDNN(**args)


def test_wrong_number_of_users_is_rejected():
    with pytest.raises(ValueError, match="K=3"):
        model()(channels(K=2))


def test_leave_one_out_powers_keep_the_total_and_the_ratios():
    p = torch.tensor([[4.0, 2.0, 1.0, 1.0]])
    rows = leave_one_out_powers(p, 1e-6)[0]  # [K, K]
    torch.testing.assert_close(rows.sum(dim=-1), torch.full((4,), 8.0))
    torch.testing.assert_close(torch.diagonal(rows), torch.full((4,), 1e-6))
    # leaving user 0 out: the others keep their ratios 2 : 1 : 1
    torch.testing.assert_close(rows[0, 1:] / rows[0, 3], torch.tensor([2.0, 1.0, 1.0]))
    # one user with nearly all the power, in float32: leaving it out still gives P_T
    p = torch.tensor([[8e-6, 8.0 - 1.6e-5, 4e-6, 4e-6]])
    torch.testing.assert_close(leave_one_out_powers(p, 1e-6).sum(dim=-1), torch.full((1, 4), 8.0))


def test_user_selection_needs_two_users():
    with pytest.raises(ValueError, match="at least 2 users"):
        StructuredDNN(8, 1, 10.0, 4, 16, user_selection=True)


def test_user_selection_is_never_below_the_networks_powers_and_drops_a_twin_user():
    """Two users on one channel vector cannot both be served at high SNR; leaving one out
    beats serving both, and the selection finds it. Elsewhere it is never below the plain
    layer, channel by channel."""
    H = channels(batch=32).to(torch.complex128)
    H[:4, :, 2] = H[:4, :, 1]  # users 1 and 2 identical on the first four channels
    plain, chosen = model(), model(user_selection=True)
    nv = plain.structure.noise_var
    with torch.no_grad():
        base = sum_rate(sinr_from_matrix(H, plain(H), nv))
        ours = sum_rate(sinr_from_matrix(H, chosen(H), nv))
        p, _ = chosen.powers(H)
    assert (ours >= base - 1e-9).all()
    assert (ours[:4] > base[:4] + 0.5).all()
    # what was kept serves two users only: one of the twins gets the floor power
    W = chosen(H[:4])
    served = (W.abs() ** 2).sum(dim=-2) > 1e-3 * p[:4]
    assert (served.sum(dim=-1) == 2).all()


def test_user_selection_is_counted_and_saved(tmp_path):
    net = model(user_selection=True)
    profile = profile_model(net, channels(batch=5))
    closed = [layer for layer in profile.layers if layer.kind == "closed-form"]
    steps = structure_flops(8, 3)
    per_candidate = steps["total"] - steps["gram"] + 4 * 8 * 9 + 8 * (9 + 6)
    assert closed[0].macs == 5 * (steps["gram"] + 8 * 12 + 4 * per_candidate + 3)
    assert closed[0].macs > 4 * profile_model(model(), channels(batch=5)).layers[-1].macs
    save_model(tmp_path / "net", net)
    loaded, info = load_model(tmp_path / "net")
    assert info["hyperparameters"]["user_selection"] is True and loaded.user_selection
