import math

import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.metrics import (
    bussgang_gain,
    distortion,
    distortion_covariance,
    nmse_terms,
    noise_variance,
    normalize_average_power,
    snidr,
    snidr_terms,
    sum_rate,
)
from qprecode.precoders import zf_matrix
from qprecode.registry import build_precoder
from tests.conftest import generator

C128 = torch.complex128


def draw(M=16, K=3, N_s=125, batch=5):
    H = RayleighChannel(M, K, dtype=C128).sample(batch, generator(0))
    s = torch.randn(batch, N_s, K, dtype=C128, generator=generator(1))
    return H, s


@pytest.mark.parametrize("estimate", ["ls", "identity"])
def test_received_space_terms_equal_eq8_with_explicit_covariance(estimate):
    H, s = draw()
    y = normalize_average_power(build_precoder("zf", 1)(H, s), 16.0)
    terms = snidr_terms(H, y, s, estimate)
    G = bussgang_gain(y, s, estimate)
    C_q = distortion_covariance(distortion(y, s, G))
    A = H.mT @ G
    signal = torch.diagonal(A, dim1=-2, dim2=-1).abs() ** 2
    interference = (A.abs() ** 2).sum(-1) - signal
    dist = torch.einsum("bmk,bmn,bnk->bk", H, C_q, H.conj()).real
    torch.testing.assert_close(terms.signal, signal)
    torch.testing.assert_close(terms.interference, interference)
    torch.testing.assert_close(terms.distortion, dist)


def test_unquantized_mrt_single_user_rate_closed_form():
    H, s = draw(M=32, K=1)
    P_T = 32.0
    y = normalize_average_power(build_precoder("mrt", None)(H, s), P_T)
    sigma2 = noise_variance(10.0, P_T)
    rate = sum_rate(snidr(snidr_terms(H, y, s), sigma2))
    # y = sqrt(P_T / mean|s|^2) h^* s / ||h||, so SNR = P_T ||h||^2 / (mean|s|^2 sigma^2)
    norm2 = (H.abs() ** 2).sum(dim=(-2, -1))
    mean_s2 = (s.abs() ** 2).mean(dim=(-2, -1))
    torch.testing.assert_close(rate, torch.log2(1 + P_T * norm2 / (mean_s2 * sigma2)))
    # without symbol-power fluctuation (unit-modulus symbols): log2(1 + P_T ||h||^2 / sigma^2)
    s_psk = torch.exp(1j * torch.angle(s))
    y = normalize_average_power(build_precoder("mrt", None)(H, s_psk), P_T)
    rate = sum_rate(snidr(snidr_terms(H, y, s_psk), sigma2))
    torch.testing.assert_close(rate, torch.log2(1 + P_T * norm2 / sigma2))


def test_unquantized_zf_has_no_interference_and_closed_form_rate():
    H, s = draw(M=16, K=3)
    P_T = 16.0
    y = normalize_average_power(build_precoder("zf", None)(H, s), P_T)
    terms = snidr_terms(H, y, s)
    assert terms.interference.max() < 1e-20
    assert terms.distortion.max() < 1e-20
    W = zf_matrix(H, P_T)
    beta2 = P_T / ((s @ W.mT).abs() ** 2).sum(-1).mean(-1)  # eq. 15 scaling
    alpha2 = P_T / torch.linalg.inv(H.mT @ H.conj()).diagonal(dim1=-2, dim2=-1).real.sum(-1)
    sigma2 = noise_variance(20.0, P_T)
    expected = 3 * torch.log2(1 + beta2 * alpha2 / sigma2)
    torch.testing.assert_close(sum_rate(snidr(terms, sigma2)), expected)


def test_quantization_lowers_rate_and_snidr_broadcasts_over_noise():
    H, s = draw()
    rates = []
    for bits in (1, 2, 4, None):
        y = normalize_average_power(build_precoder("zf", bits)(H, s), 16.0)
        rates.append(
            sum_rate(snidr(snidr_terms(H, y, s), noise_variance(20.0, 16.0))).mean().item()
        )
    assert rates == sorted(rates)
    terms = snidr_terms(H, y, s)
    noise = torch.tensor([1.0, 0.1])[:, None, None]
    assert snidr(terms, noise).shape == (2, 5, 3)


def test_nmse_is_inverse_sdr_for_one_user():
    H, s = draw(M=32, K=1)
    y = normalize_average_power(build_precoder("mrt", 1)(H, s), 32.0)
    terms = snidr_terms(H, y, s)
    err, energy = nmse_terms(H, y, s)
    N_s = s.shape[-2]
    torch.testing.assert_close(err, N_s * (terms.distortion / terms.signal)[:, 0])
    torch.testing.assert_close(energy, (s.abs() ** 2).sum(dim=(-2, -1)))


def test_noise_variance():
    assert noise_variance(20.0, 32.0) == pytest.approx(0.32)
    assert noise_variance(-10.0, 1.0) == pytest.approx(10.0)
    assert math.isclose(noise_variance(0.0, 5.0), 5.0)


def test_noise_variance_refuses_snrs_no_float_can_carry():
    assert noise_variance(300.0, 4.0) == pytest.approx(4e-30)
    assert noise_variance(-300.0) == pytest.approx(1e30)
    for snr in (300.1, -300.1, 3083.0, -3237.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="SNR must be within"):
            noise_variance(snr)
