"""The deep-unfolded WMMSE network: one layer is the WMMSE step in closed form (the K x K solve
agrees with the M x M inverse of WMMSE's transmit update), MRT for one user, permutation
equivariance, padded batches, power, and registration as a learned kind."""

import pytest
import torch

from qprecode.channels import make_channel
from qprecode.nn import GraphPrecoder, UnfoldedWMMSE, kind_of, load_model, save_model
from qprecode.nn.unfolded_wmmse import unfolded_wmmse_step
from qprecode.precoders import WMMSE
from qprecode.registry import build_precoder, find_entry
from qprecode.training.zhang import utility

from .graph_checks import check_padded_batch, check_permutation_equivariance, random_channels


def _trained_like(layers=3):
    """A network with parameters away from their start, so that every one of them matters."""
    model = UnfoldedWMMSE(layers, snr_db=5.0).double()
    with torch.no_grad():
        model.log_reg.copy_(torch.linspace(-0.5, 0.7, layers))
        model.step.copy_(torch.linspace(0.6, 1.2, layers))
    return model


def test_one_step_is_the_wmmse_transmit_update_with_the_m_by_m_inverse():
    H, V = random_channels(4, 7, 3, 1), random_channels(4, 7, 3, 2)
    P = torch.full((4,), 7.0, dtype=torch.float64)
    noise = P / 10.0
    scale = torch.tensor(1.7, dtype=torch.float64)
    out = unfolded_wmmse_step(H, V, noise, P, scale)
    for b in range(4):
        h = H[b]  # [M, K]
        E = h.T @ V[b]
        e = torch.diagonal(E)
        J = (E.abs() ** 2).sum(dim=-1) + noise[b]
        g = e / J
        omega = 1 / (1 - (g.conj() * e).real)
        c = omega * g.abs() ** 2
        A = (h.conj() * c) @ h.T  # sum_u c_u h_u^* h_u^T, [M, M]
        lam = scale * noise[b] / P[b] * c.sum()
        W = torch.linalg.inv(A + lam * torch.eye(7, dtype=A.dtype)) @ h.conj() * (omega * g)
        W = W * torch.sqrt(P[b] / (W.abs() ** 2).sum())
        torch.testing.assert_close(out[b], W, rtol=1e-9, atol=1e-10)


def test_one_user_gets_the_matched_filter():
    H = random_channels(5, 9, 1)
    V = _trained_like()(H)
    mrt = H.conj() * torch.sqrt(9.0 / (H.abs() ** 2).sum(dim=(1, 2)))[:, None, None]
    # equal up to a common phase per channel: |<v, mrt>| = ||v|| ||mrt||
    inner = (V.conj() * mrt).sum(dim=(1, 2)).abs()
    torch.testing.assert_close(inner, torch.full((5,), 9.0, dtype=torch.float64))


def test_permuting_antennas_and_users_permutes_the_precoder():
    check_permutation_equivariance(_trained_like(), torch.testing.assert_close, M=8)


def test_a_padded_batch_gives_each_problem_its_own_precoder_at_unit_power_per_antenna():
    check_padded_batch(_trained_like(), torch.testing.assert_close)
    fixed = UnfoldedWMMSE(2, total_power=3.0).double()(random_channels(2, 5, 2))
    torch.testing.assert_close((fixed.abs() ** 2).sum(dim=(1, 2)), torch.full((2,), 3.0,
                               dtype=torch.float64))  # fmt: skip


def test_untrained_layers_climb_towards_wmmse():
    H = make_channel("rayleigh", 12, 4).sample(200, torch.Generator().manual_seed(0))
    H = H.to(torch.complex128)
    reference = utility(H, WMMSE(10.0, tolerance=1e-6).matrix(H), 10.0, "se").mean()
    with torch.no_grad():
        values = [utility(H, UnfoldedWMMSE(L).double()(H), 10.0, "se").mean() for L in (1, 3, 8)]
    assert values[0] < values[1] < values[2] <= reference * 1.0001
    assert values[2] > 0.99 * reference


def test_both_parameters_of_every_layer_receive_gradients():
    model = _trained_like(2)
    loss = -utility(random_channels(6, 8, 3), model(random_channels(6, 8, 3)), 5.0, "se").mean()
    loss.backward()
    assert model.log_reg.grad is not None and model.step.grad is not None
    assert (model.log_reg.grad.abs() > 0).all() and (model.step.grad.abs() > 0).all()


def test_is_a_learned_kind_saved_loaded_and_built_by_name(tmp_path):
    model = _trained_like().float()
    assert kind_of(model).architecture == "zhang-unfolded-wmmse"
    save_model(tmp_path / "u", model)
    loaded, info = load_model(tmp_path / "u")
    assert info["architecture"] == "zhang-unfolded-wmmse"
    assert isinstance(loaded, UnfoldedWMMSE) and loaded.snr_db == 5.0
    H = random_channels(3, 6, 2).to(torch.complex64)
    precoder = build_precoder(f"zhang:{tmp_path / 'u'}")
    assert isinstance(precoder, GraphPrecoder)
    torch.testing.assert_close(precoder.matrix(H), model(H).detach())
    assert "runs at any M, K" in find_entry(f"zhang:{tmp_path / 'u'}").needs[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layers": 0}, ">= 1"),
        ({"snr_db": float("nan")}, "finite"),
        ({"total_power": -1.0}, "positive"),
    ],  # fmt: skip
)
def test_bad_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        UnfoldedWMMSE(**kwargs)
