"""The closed-form evaluator of matrix precoders (no DACs): rates from the SINR of ``W``."""

import math

import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.evaluation import closed_form_rates, closed_form_utility, evaluate
from qprecode.precoders import ZF
from tests.conftest import generator


def test_two_users_by_hand():
    """Orthogonal channels and beams: SINR_k = |h_k^T w_k|^2 / sigma^2, no interference."""
    H = torch.tensor([[2.0, 0.0], [0.0, 1.0]], dtype=torch.complex128)  # [M=2, K=2]
    W = torch.eye(2, dtype=torch.complex128)
    se = closed_form_utility(H, W, 0.5)
    assert float(se) == pytest.approx(math.log2(1 + 4 / 0.5) + math.log2(1 + 1 / 0.5))
    log_se = closed_form_utility(H, W, 0.5, "log-se")
    assert float(log_se) == pytest.approx(math.log(math.log2(9)) + math.log(math.log2(3)))
    # a padded user (not real) is left out of the log-SE, even with a zero rate
    W[:, 1] = 0
    masked = closed_form_utility(H, W, 0.5, "log-se", torch.tensor([True, False]))
    assert float(masked) == pytest.approx(math.log(math.log2(9)))
    assert float(closed_form_utility(H, W, 0.5, "log-se")) == pytest.approx(
        math.log(math.log2(9)) + math.log(1e-8)
    )


def test_rates_at_every_noise_variance_match_the_bussgang_evaluator_without_dacs():
    """Without DACs the Bussgang simulation's rate is the closed form's (up to the symbols'
    sample power)."""
    H = RayleighChannel(16, 3).sample(40, generator(0))
    zf = ZF()
    rates = closed_form_rates(zf, H, [16 / 10, 16 / 100])  # SNR 10 and 20 dB at P_T = M
    assert rates.shape == (2, 40)
    result = evaluate(zf, H, [10.0, 20.0], num_symbols=2000)
    for mean, simulated in zip(rates.double().mean(dim=1).tolist(), result.sum_rate, strict=True):
        assert simulated == pytest.approx(mean, rel=0.02)


def test_unknown_objective_and_no_channels():
    H = RayleighChannel(4, 2).sample(3, generator(1))
    with pytest.raises(ValueError, match="objective must be one of"):
        closed_form_utility(H, H, 1.0, "sum")
    assert closed_form_rates(ZF(), H[:0], [1.0]).shape == (1, 0)
