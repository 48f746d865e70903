import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.metrics import log_se, noise_variance, sinr_from_matrix, user_rates
from qprecode.precoders import WMMSE, WMMSEPF
from qprecode.registry import build_precoder


def _channels(n: int, M: int, K: int, seed: int = 0) -> torch.Tensor:
    return RayleighChannel(M, K, dtype=torch.complex128).sample(
        n, torch.Generator().manual_seed(seed)
    )


def test_fairer_than_sum_rate_wmmse_on_the_same_channels():
    """WMMSE-PF trades sum rate for fairness: a higher log-SE and a higher weakest-user rate."""
    H = _channels(200, 12, 6)
    noise = noise_variance(0.0, 12)
    sinr_se = sinr_from_matrix(H, WMMSE(snr_db=0.0).matrix(H), noise)
    sinr_pf = sinr_from_matrix(H, WMMSEPF(snr_db=0.0).matrix(H), noise)
    assert log_se(sinr_pf).mean() > log_se(sinr_se).mean() + 0.1
    assert user_rates(sinr_pf).amin(-1).mean() > 1.5 * user_rates(sinr_se).amin(-1).mean()
    assert user_rates(sinr_pf).sum(-1).mean() <= user_rates(sinr_se).sum(-1).mean() + 1e-6


def test_meets_the_power_constraint_and_raises_log_se_over_its_mrt_start():
    H = _channels(50, 8, 4, seed=1)
    W, iterations = WMMSEPF(snr_db=10.0).solve(H)
    assert torch.allclose(
        (W.abs() ** 2).sum(dim=(-2, -1)), torch.full((50,), 8.0, dtype=torch.float64)
    )
    noise = noise_variance(10.0, 8)
    mrt = build_precoder("mrt", snr_db=10.0).matrix(H)
    gain = log_se(sinr_from_matrix(H, W, noise)) - log_se(sinr_from_matrix(H, mrt, noise))
    assert bool((gain > -1e-9).all()) and gain.mean() > 0.1
    assert bool((iterations >= 1).all()) and bool((iterations < 500).all())


def test_single_user_is_mrt():
    H = _channels(10, 6, 1, seed=2)
    W = WMMSEPF(snr_db=5.0).matrix(H)
    mrt = build_precoder("mrt").matrix(H)
    assert torch.allclose(W.abs(), mrt.abs(), atol=1e-9)  # same beam up to a common phase


def test_registry_builds_it_at_the_design_snr():
    precoder = build_precoder("wmmse-pf", snr_db=3.0)
    assert isinstance(precoder, WMMSEPF) and precoder.snr_db == 3.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"snr_db": float("nan")}, "snr_db"),
        ({"tolerance": -1.0}, "tolerance"),
        ({"max_iterations": 0}, "max_iterations"),
    ],  # fmt: skip
)
def test_bad_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WMMSEPF(**kwargs)
