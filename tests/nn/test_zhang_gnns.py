"""The size-free GNNs of Zhang et al.: parameter count, permutation equivariance, padded
batches, power, and the structure of the gradient-driven attention inputs."""

import pytest
import torch

from qprecode.nn import EdgeGNN, GradientGNN, GraphMasks, GraphPrecoder, pad_channels
from qprecode.nn.gradient_gnn import attention_inputs

from .graph_checks import check_padded_batch, check_permutation_equivariance, random_channels

C128 = torch.complex128


def _close(a, b):
    assert torch.allclose(a, b, atol=1e-12)


def _models():
    torch.manual_seed(0)
    return [GradientGNN(16, 2).double(), GradientGNN(16, 2, channel_skip=True,
            aggregation="mean").double(), EdgeGNN(16, 2).double()]  # fmt: skip


def test_default_gradient_gnn_has_the_parameter_count_of_its_formula():
    # 2 -> 128 x 4 -> 2; per layer: attention (5 C_in/2 + 1) C_out + C_out, message C_in C_out,
    # own C_in C_out + C_out
    def layer(c_in, c_out):
        return (5 * c_in // 2 + 1) * c_out + c_out + 2 * c_in * c_out + c_out

    expected = layer(2, 128) + 3 * layer(128, 128) + layer(128, 2)
    assert expected == 225_030
    assert sum(p.numel() for p in GradientGNN().parameters()) == expected


@pytest.mark.parametrize("index", [0, 1, 2])
def test_permuting_antennas_and_users_permutes_the_precoder(index):
    check_permutation_equivariance(_models()[index], _close)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_a_padded_batch_gives_each_problem_its_own_precoder(index):
    check_padded_batch(_models()[index], _close)


def test_runs_at_any_size_with_unit_power_per_antenna():
    model = _models()[0]
    for M, K in [(12, 1), (12, 12), (6, 6), (40, 6)]:
        V = model(random_channels(2, M, K))
        assert V.shape == (2, M, K)
        assert torch.allclose((V.abs() ** 2).sum(dim=(1, 2)), torch.full((2,), float(M),
                              dtype=torch.float64))  # fmt: skip


def test_attention_inputs_follow_the_gradient_structure():
    H = random_channels(2, 5, 3)
    D = torch.randn(2, 5, 3, 4, dtype=torch.float64)  # 2 complex channels
    z = attention_inputs(H, D)
    assert z.shape == (2, 3, 3, 5 * 4 // 2 + 1)
    # antenna permutation leaves the inputs unchanged (sum over antennas)
    p = torch.randperm(5)
    assert torch.allclose(attention_inputs(H[:, p], D[:, p]), z, atol=1e-12)
    eye = torch.eye(3, dtype=torch.bool)
    cross = z[..., 6:10]  # (1 - delta) Re/Im U_ik
    assert cross[:, eye].abs().max() == 0 and cross[:, ~eye].abs().min() > 0
    assert torch.equal(z[..., -1], eye.double().expand(2, 3, 3))
    # the own-user inputs of sender i do not depend on the receiver k
    assert torch.allclose(z[:, :, :1, :6].expand(-1, -1, 3, -1), z[..., :6])
    # interference = sum_{j != i} |U_ij|^2 of the normalised hidden channel
    Dc = torch.complex(D[..., :2], D[..., 2:])
    Dc = Dc / (Dc.abs() ** 2).sum(dim=(1, 2), keepdim=True).sqrt()
    U = torch.einsum("bni,bnkc->bikc", H, Dc)
    interference = (U.abs() ** 2).sum(dim=2) - torch.diagonal(U, dim1=1, dim2=2).mT.abs() ** 2
    assert torch.allclose(z[:, :, 0, 4:6], interference)


def test_graph_precoder_evaluates_in_chunks_at_any_size():
    model = _models()[0]
    H = random_channels(5, 8, 3).to(torch.complex64)
    W = GraphPrecoder(model.float(), chunk_channels=2).matrix(H)
    assert W.shape == H.shape and W.dtype == torch.complex64
    assert torch.allclose(W, model(H).detach(), atol=1e-5)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: GradientGNN(hidden_dim=3), "even"),
        (lambda: GradientGNN(hidden_layers=-1), ">= 0"),
        (lambda: GradientGNN(aggregation="max"), "aggregation"),
        (lambda: EdgeGNN(hidden_dim=0), ">= 1"),
        (lambda: GradientGNN(total_power=0.0), "positive"),
    ],  # fmt: skip
)
def test_bad_settings_raise(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="complex of shape"):
        GradientGNN(8, 1)(torch.randn(2, 4, 2))
    with pytest.raises(ValueError, match="masks must be"):
        GraphMasks(torch.ones(2, 4, dtype=torch.bool), torch.ones(3, 2, dtype=torch.bool))


def test_hybrid_gnn_is_constant_modulus_at_full_power_and_equivariant():
    from qprecode.nn import HybridGNN

    torch.manual_seed(0)
    for start in ("channel", "random"):
        net = HybridGNN(4, 16, 2, start=start).double()
        H = random_channels(3, 16, 4)
        F, D = net(H)
        assert F.shape == (3, 16, 4) and D.shape == (3, 4, 4)
        assert torch.allclose(F.abs(), torch.ones_like(F.abs()), atol=1e-12)
        assert torch.allclose(((F @ D).abs() ** 2).sum(dim=(1, 2)), torch.full((3,), 16.0,
                              dtype=torch.float64))  # fmt: skip
        pa = torch.randperm(16)
        F2, D2 = net(H[:, pa], start=net.start(H, torch.float64)[:, pa])
        assert torch.allclose(F2, F[:, pa], atol=1e-10) and torch.allclose(D2, D, atol=1e-10)
    # random start: permuting the users permutes the digital columns, the analog part stays
    pu = torch.randperm(4)
    F3, D3 = net(H[:, :, pu])
    assert torch.allclose(F3, F, atol=1e-10) and torch.allclose(D3, D[:, :, pu], atol=1e-10)
    assert net(random_channels(2, 8, 2))[1].shape == (2, 4, 2)  # other M and K <= N_RF


def test_gat_is_user_equivariant_and_runs_only_at_its_antenna_count():
    from qprecode.nn import UserGAT

    torch.manual_seed(0)
    gat = UserGAT(6, 16, 2).double()
    H = random_channels(2, 6, 4)
    V = gat(H)
    pu = torch.randperm(4)
    assert torch.allclose(gat(H[:, :, pu]), V[:, :, pu], atol=1e-12)
    problems = [random_channels(1, 6, 4, 1)[0], random_channels(1, 6, 2, 2)[0]]
    Hp, masks = pad_channels(problems)
    assert torch.allclose(gat(Hp, masks)[1, :, :2], gat(problems[1][None])[0], atol=1e-12)
    with pytest.raises(ValueError, match="M=6 antennas"):
        gat(random_channels(1, 8, 2))


@pytest.mark.parametrize("objective", ["se", "log-se"])
def test_the_gradient_the_layer_mirrors_matches_autograd(objective):
    """df/dV^* = H^* B with beta_kk = a_k S_kk / J_k, beta_ik = -a_i gamma_i S_ik / J_i (the
    derivation in gradient_gnn's docstring, in the convention r = H^T V s)."""
    import math

    H = random_channels(1, 5, 3)[0]
    V = random_channels(1, 5, 3, seed=1)[0].requires_grad_(True)
    noise = 0.7
    S = H.T @ V  # S_ik = h_i^T v_k
    power = S.abs() ** 2
    J = power.sum(dim=1) - power.diagonal() + noise
    gamma = power.diagonal() / J
    rates = torch.log2(1 + gamma)
    f = rates.sum() if objective == "se" else torch.log(rates).sum()
    f.backward()
    with torch.no_grad():
        a = 1 / ((1 + gamma) * math.log(2))
        if objective == "log-se":
            a = a / rates
        B = -(a * gamma / J)[:, None] * S  # beta_ik for i != k
        B.diagonal().copy_(a * S.diagonal() / J)
        analytic = H.conj() @ B
    assert torch.allclose(V.grad / 2, analytic, atol=1e-10)  # torch: grad = 2 df/dV^*
