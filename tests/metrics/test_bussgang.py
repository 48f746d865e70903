import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.metrics import (
    bussgang_gain,
    distortion,
    distortion_covariance,
    normalize_average_power,
)
from qprecode.precoders import zf_matrix
from qprecode.registry import build_precoder
from tests.conftest import generator

C128 = torch.complex128


def setup(N_s=125, M=8, K=2):
    H = RayleighChannel(M, K, dtype=C128).sample(3, generator(0))
    s = torch.randn(3, N_s, K, dtype=C128, generator=generator(1))
    return H, s


def test_average_power_normalisation():
    H, s = setup()
    y = normalize_average_power(build_precoder("mrt", 1)(H, s), 8.0)
    power = (y.abs() ** 2).sum(-1).mean(-1)
    torch.testing.assert_close(power, torch.full((3,), 8.0, dtype=torch.float64))
    assert (normalize_average_power(torch.zeros(2, 4, 3, dtype=C128), 1.0) == 0).all()


def test_ls_gain_gives_zero_distortion_for_linear_precoding():
    H, s = setup()
    W = zf_matrix(H, 8.0)
    y = s @ W.mT
    G = bussgang_gain(y, s)
    torch.testing.assert_close(G, W)
    assert distortion(y, s, G).abs().max() < 1e-12


def test_identity_gain_shows_fake_distortion_of_order_one_over_ns():
    # the pitfall of DESIGN.md: G = E[y s^H] with E[ss^H] = I assumed
    H, s = setup(N_s=125)
    y = s @ zf_matrix(H, 8.0).mT
    q = distortion(y, s, bussgang_gain(y, s, estimate="identity"))
    ratio = (q.abs() ** 2).sum() / (y.abs() ** 2).sum()
    assert 0.1 / 125 < ratio < 10 / 125


def test_ls_distortion_is_uncorrelated_with_symbols():
    H, s = setup()
    y = build_precoder("mrt", 1)(H, s)
    q = distortion(y, s, bussgang_gain(y, s))
    assert (s.mH @ q).abs().max() < 1e-10  # S^H Q = 0 by the normal equations


def test_distortion_covariance_is_hermitian_psd():
    H, s = setup()
    y = build_precoder("mrt", 1)(H, s)
    C = distortion_covariance(distortion(y, s, bussgang_gain(y, s)))
    torch.testing.assert_close(C, C.mH)
    assert torch.linalg.eigvalsh(C).min() > -1e-10


def test_unknown_estimate():
    H, s = setup()
    with pytest.raises(ValueError, match="unknown gain estimate"):
        bussgang_gain(s @ H.mT, s, estimate="mmse")


def test_an_all_zero_output_stays_zero_in_single_precision():
    y = torch.zeros(2, 8, 4, dtype=torch.complex64)
    y[1] = 1.0
    out = normalize_average_power(y, 4.0)
    assert torch.equal(out[0], y[0])
    assert torch.allclose((out[1].abs() ** 2).sum(-1).mean(), torch.tensor(4.0))
