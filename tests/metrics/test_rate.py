import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from qprecode.channels import RayleighChannel
from qprecode.metrics import (
    energy_efficiency,
    log_se,
    noise_variance,
    normalize_average_power,
    sinr_from_matrix,
    snidr,
    snidr_terms,
    sum_rate,
    user_rates,
)
from qprecode.precoders import mrt_matrix, zf_matrix
from tests.conftest import generator

C128 = torch.complex128


def test_noise_variance_is_power_over_snr():
    assert noise_variance(20.0, 32.0) == pytest.approx(0.32)
    assert noise_variance(0.0) == 1.0
    assert noise_variance(-10.0, 2.0) == pytest.approx(20.0)


def test_rates_from_sinr_closed_forms():
    sinr = torch.tensor([[1.0, 3.0, 7.0]], dtype=torch.float64)
    torch.testing.assert_close(
        user_rates(sinr), torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    )
    assert sum_rate(sinr).item() == pytest.approx(6.0)
    assert log_se(sinr).item() == pytest.approx(math.log(1) + math.log(2) + math.log(3))
    assert log_se(torch.tensor([0.0, 1.0])).item() == -math.inf  # a user without rate


def test_sinr_from_matrix_equals_the_bussgang_snidr_of_unquantized_outputs():
    """Two implementations: the closed form for W, and the LS Bussgang terms of y = s W^T
    (no distortion for a linear precoder)."""
    H = RayleighChannel(16, 3, dtype=C128).sample(20, generator(1))
    W = mrt_matrix(H, 16.0)
    s = torch.randn(20, 400, 3, dtype=C128, generator=generator(2))
    s = s / (s.abs() ** 2).mean(dim=-2, keepdim=True).sqrt()  # unit empirical power per user
    noise = noise_variance(10.0, 16.0)
    closed = sinr_from_matrix(H, W, noise)
    terms = snidr_terms(H, s @ W.mT, s)
    assert terms.distortion.abs().max() < 1e-20
    # the LS gain equals W exactly, so only the symbol power normalisation differs (none here)
    torch.testing.assert_close(snidr(terms, noise), closed, rtol=1e-9, atol=0)


def test_zf_has_no_interference_and_the_closed_form_sinr():
    H = RayleighChannel(12, 4, dtype=C128).sample(10, generator(3))
    W = zf_matrix(H, 12.0)
    sinr = sinr_from_matrix(H, W, 0.5)
    gain = torch.diagonal(H.mT @ W, dim1=-2, dim2=-1).abs() ** 2
    torch.testing.assert_close(sinr, gain / 0.5)
    # ZF equalises the users: every user gets P_T / (sigma^2 tr((H^T H^*)^{-1}))
    expected = 12.0 / (
        0.5 * torch.linalg.inv(H.mT @ H.conj()).diagonal(dim1=-2, dim2=-1).sum(-1).real
    )
    torch.testing.assert_close(sinr, expected.unsqueeze(-1).expand_as(sinr))


def test_single_user_mrt_rate_is_log2_of_one_plus_power_gain_over_noise():
    H = RayleighChannel(8, 1, dtype=C128).sample(5, generator(4))
    rate = sum_rate(sinr_from_matrix(H, mrt_matrix(H, 8.0), 2.0))
    expected = torch.log2(1 + 8.0 * (H.abs() ** 2).sum(dim=(-2, -1)) / 2.0)
    torch.testing.assert_close(rate, expected)


@given(rate=st.floats(0, 100), energy=st.floats(1e-6, 1e6))
def test_energy_efficiency_is_rate_over_energy(rate, energy):
    assert energy_efficiency(rate, energy).item() == pytest.approx(rate / energy)


def test_energy_efficiency_refuses_non_positive_energy():
    with pytest.raises(ValueError, match="positive"):
        energy_efficiency(1.0, 0.0)


def test_power_normalised_outputs_have_total_power():
    H = RayleighChannel(8, 2).sample(4, generator(5))
    y = normalize_average_power(torch.randn(4, 30, 8, dtype=torch.complex64), 8.0)
    assert H.shape == (4, 8, 2)
    torch.testing.assert_close((y.abs() ** 2).sum(-1).mean(-1), torch.full((4,), 8.0))
