"""Pinv-GNN: the Newton-Schulz products (ZF is their fixed point), permutation equivariance,
padded batches, power, parameter count, and registration as a learned kind."""

import pytest
import torch

from qprecode.nn import PinvGNN, kind_of, load_model, save_model
from qprecode.nn.pinv_gnn import pinv_products
from qprecode.precoders import zf_matrix
from qprecode.registry import build_precoder

from .graph_checks import check_padded_batch, check_permutation_equivariance, random_channels


def _model():
    torch.manual_seed(0)
    return PinvGNN(8, 2).double()


def test_zf_is_a_fixed_point_of_the_products():
    # B = V (H^T V) = V when H^T V = I, i.e. for the (unnormalised) zero-forcing matrix
    H = random_channels(3, 7, 3)
    V = H.conj() @ torch.linalg.inv(H.mT @ H.conj())
    torch.testing.assert_close(H.mT @ V, torch.eye(3, dtype=V.dtype).expand(3, 3, 3))
    X = pinv_products(H, torch.stack([V.real, V.imag], dim=-1))
    torch.testing.assert_close(torch.complex(X[..., 2], X[..., 3]), V)
    assert zf_matrix(H, 7.0).shape == V.shape  # the project's ZF is the same direction
    # a Newton-Schulz step 2V - B from V0 = a H^* moves towards ZF
    V0 = H.conj() / (H.abs() ** 2).sum(dim=(1, 2), keepdim=True)
    X0 = pinv_products(H, torch.stack([V0.real, V0.imag], dim=-1))
    V1 = 2 * V0 - torch.complex(X0[..., 2], X0[..., 3])
    assert (torch.linalg.matrix_norm(V1 - V) < torch.linalg.matrix_norm(V0 - V)).all()


def test_default_parameter_count_follows_the_formula():
    # per layer c_in -> c_out: four Linear(2 c_in, c_out), one bias
    def layer(c_in, c_out):
        return 4 * 2 * c_in * c_out + c_out

    expected = layer(2, 128) + 3 * layer(128, 128) + layer(128, 2)
    assert sum(p.numel() for p in PinvGNN().parameters()) == expected == 397_826


def test_permuting_antennas_and_users_permutes_the_precoder():
    check_permutation_equivariance(_model(), torch.testing.assert_close)


def test_a_padded_batch_gives_each_problem_its_own_precoder_at_unit_power_per_antenna():
    check_padded_batch(_model(), torch.testing.assert_close)


def test_is_a_learned_kind_saved_loaded_and_built_by_name(tmp_path):
    model = _model().float()
    assert kind_of(model).architecture == "zhang-pinv-gnn"
    save_model(tmp_path / "p", model)
    loaded, info = load_model(tmp_path / "p")
    assert isinstance(loaded, PinvGNN) and info["architecture"] == "zhang-pinv-gnn"
    H = random_channels(3, 6, 2).to(torch.complex64)
    W = build_precoder(f"zhang:{tmp_path / 'p'}").matrix(H)
    torch.testing.assert_close(W, model(H).detach())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hidden_dim": 3}, "even"),
        ({"hidden_layers": -1}, ">= 0"),
        ({"total_power": 0.0}, "positive"),
    ],  # fmt: skip
)
def test_bad_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PinvGNN(**kwargs)
