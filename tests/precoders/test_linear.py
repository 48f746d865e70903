import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from qprecode.channels import RayleighChannel
from qprecode.dac import DAC
from qprecode.precoders import (
    MRT,
    RZF,
    ZF,
    QuantizedLinearPrecoder,
    mrt_matrix,
    rzf_matrix,
    zf_matrix,
)
from qprecode.registry import build_precoder
from tests.conftest import generator

C128 = torch.complex128


def channels(batch=4, M=16, K=3, seed=0):
    return RayleighChannel(M, K, dtype=C128).sample(batch, generator(seed))


def symbols(batch=4, N_s=20, K=3, seed=1):
    return torch.randn(batch, N_s, K, dtype=C128, generator=generator(seed))


@pytest.mark.parametrize("matrix", [mrt_matrix, zf_matrix, lambda H, P: rzf_matrix(H, P, 0.3)])
def test_total_power_normalisation(matrix):
    W = matrix(channels(), 16.0)
    torch.testing.assert_close(
        (W.abs() ** 2).sum(dim=(-2, -1)), torch.full((4,), 16.0, dtype=torch.float64)
    )


def test_zf_nulls_interference():
    H = channels()
    A = H.mT @ zf_matrix(H, 16.0)  # [K, K] effective channel
    off_diagonal = A - torch.diag_embed(torch.diagonal(A, dim1=-2, dim2=-1))
    assert off_diagonal.abs().max() < 1e-12
    # and the diagonal is a real positive common scale alpha_norm
    d = torch.diagonal(A, dim1=-2, dim2=-1)
    torch.testing.assert_close(d.imag, torch.zeros_like(d.imag))
    torch.testing.assert_close(d.real, d.real[:, :1].expand_as(d.real))


def test_rzf_limits():
    H = channels()
    torch.testing.assert_close(rzf_matrix(H, 16.0, 0.0), zf_matrix(H, 16.0))
    # very high noise: RZF points along MRT
    W = rzf_matrix(H, 16.0, 1e9)
    torch.testing.assert_close(W, mrt_matrix(H, 16.0), rtol=1e-6, atol=1e-6)
    assert RZF(snr_db=300.0).matrix(H).sub(ZF().matrix(H)).abs().max() < 1e-9


def test_mrt_is_conjugate_channel():
    H = channels(K=1)
    W = MRT().matrix(H)
    ratio = W / H.conj()
    torch.testing.assert_close(ratio, ratio[:, :1, :].expand_as(ratio))


@pytest.mark.parametrize("bits", [None, 1, 3])
@pytest.mark.parametrize("name", ["mrt", "zf", "rzf"])
def test_antenna_permutation_equivariance_and_user_permutation_invariance(name, bits):
    precoder = build_precoder(name, bits)
    H, s = channels(), symbols()
    y = precoder(H, s)
    perm_m = torch.randperm(16, generator=generator(5))
    torch.testing.assert_close(precoder(H[:, perm_m, :], s), y[..., perm_m])
    perm_k = torch.randperm(3, generator=generator(6))
    torch.testing.assert_close(precoder(H[:, :, perm_k], s[..., perm_k]), y)


@pytest.mark.parametrize("name", ["mrt", "zf", "rzf"])
def test_batched_equals_per_sample(name):
    precoder = build_precoder(name, 2)
    H, s = channels(), symbols()
    y = precoder(H, s)
    for b in range(H.shape[0]):
        torch.testing.assert_close(precoder(H[b], s[b]), y[b])


def test_unquantized_wrapper_is_linear_precoding():
    H, s = channels(), symbols()
    y = QuantizedLinearPrecoder(ZF(), DAC(None))(H, s)
    torch.testing.assert_close(y, s @ zf_matrix(H, 16.0).mT)


def test_total_power_argument():
    H = channels()
    W = MRT(total_power=2.0).matrix(H)
    torch.testing.assert_close(
        (W.abs() ** 2).sum(dim=(-2, -1)), torch.full((4,), 2.0, dtype=torch.float64)
    )


def test_zf_rejects_more_users_than_antennas():
    H = RayleighChannel(4, 6).sample(2, generator())
    with pytest.raises(ValueError, match="K <= M"):
        ZF().matrix(H)


def test_registry():
    assert isinstance(build_precoder("WF", 1).linear, RZF)
    with pytest.raises(ValueError, match="unknown precoder"):
        build_precoder("squad", 1)


def _bad_value(kind: str) -> complex:
    return {"nan": complex(float("nan"), 0), "inf": complex(0, float("inf"))}[kind]


@given(
    which=st.sampled_from(["H", "s"]),
    kind=st.sampled_from(["nan", "inf"]),
    index=st.integers(0, 1000),
    name=st.sampled_from(["mrt", "zf", "rzf"]),
)
def test_non_finite_inputs_are_rejected(which, kind, index, name):
    H, s = channels(batch=2, M=8, K=2), symbols(batch=2, N_s=5, K=2)
    target = H if which == "H" else s
    target.view(-1)[index % target.numel()] = _bad_value(kind)
    with pytest.raises(ValueError, match=f"{which} must be finite"):
        build_precoder(name, 1)(H, s)


@given(
    M=st.integers(1, 6),
    K=st.integers(1, 4),
    K_s=st.integers(1, 4),
    N_s=st.integers(1, 4),
    batch_h=st.integers(1, 3),
    batch_s=st.integers(1, 3),
)
def test_shape_validation(M, K, K_s, N_s, batch_h, batch_s):
    H = torch.ones(batch_h, M, K, dtype=torch.complex64)
    s = torch.ones(batch_s, N_s, K_s, dtype=torch.complex64)
    precoder = build_precoder("mrt", 1)
    broadcastable = batch_h == batch_s or 1 in (batch_h, batch_s)
    if K_s == K and broadcastable:
        y = precoder(H, s)
        assert y.shape == (max(batch_h, batch_s), N_s, M)
    else:
        with pytest.raises(ValueError, match="users|broadcast"):
            precoder(H, s)


def test_real_inputs_are_rejected():
    with pytest.raises(ValueError, match="complex"):
        MRT()(torch.ones(4, 2), torch.ones(3, 2, dtype=torch.complex64))
    with pytest.raises(ValueError, match="complex"):
        MRT()(torch.ones(4, 2, dtype=torch.complex64), torch.ones(3, 2))


@pytest.mark.parametrize(
    "matrix",
    [
        lambda H, P: mrt_matrix(H, P, "per-user"),
        lambda H, P: zf_matrix(H, P, "per-user"),
        lambda H, P: rzf_matrix(H, P, 0.3, "per-user"),
    ],
)
def test_equal_power_per_user(matrix):
    H = channels() * torch.tensor([1.0, 10.0, 0.01], dtype=torch.float64)  # very unequal gains
    W = matrix(H, 12.0)
    torch.testing.assert_close(
        (W.abs() ** 2).sum(dim=-2), torch.full((4, 3), 4.0, dtype=torch.float64)
    )


def test_equal_power_keeps_the_directions_and_zf_nulls():
    H = channels()
    W, W_eq = zf_matrix(H, 16.0), zf_matrix(H, 16.0, "per-user")
    cos = (W.conj() * W_eq).sum(dim=-2).abs() / (
        torch.linalg.vector_norm(W, dim=-2) * torch.linalg.vector_norm(W_eq, dim=-2)
    )
    torch.testing.assert_close(cos, torch.ones_like(cos))
    E = H.mT @ W_eq
    off = E - torch.diag_embed(torch.diagonal(E, dim1=-2, dim2=-1))
    assert off.abs().max() < 1e-10


def test_equal_power_beats_matrix_scaling_on_unequal_gains():
    """With one user 30 dB weaker, the matrix-scaled ZF spends almost all the power on it; equal
    power per user gives the strong users theirs back and the sum rate rises."""
    from qprecode.metrics import sinr_from_matrix, sum_rate

    H = channels(batch=64, M=32, K=4) * torch.tensor([1.0, 1.0, 1.0, 0.03], dtype=torch.float64)
    rate = {
        n: sum_rate(sinr_from_matrix(H, zf_matrix(H, 32.0, n), 1.0)) for n in ("matrix", "per-user")
    }
    assert (rate["per-user"] > rate["matrix"]).all()


def test_unknown_normalization_is_rejected():
    with pytest.raises(ValueError, match="normalization must be one of matrix, per-user"):
        ZF(normalization="columns")
    with pytest.raises(ValueError, match="normalization"):
        zf_matrix(channels(), 4.0, "unit")


@pytest.mark.parametrize("name", ["mrt-eq", "zf-eq", "rzf-eq"])
def test_registry_builds_equal_power_precoders(name):
    precoder = build_precoder(name, bits=None, snr_db=10.0)
    assert precoder.name == name and precoder.normalization == "per-user"
    W = precoder.matrix(channels())
    torch.testing.assert_close(
        (W.abs() ** 2).sum(dim=-2), torch.full((4, 3), 16 / 3, dtype=torch.float64)
    )
