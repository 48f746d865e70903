"""The optimal beamforming structure: the closed-form layer of the structured DNN."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from qprecode.channels import RayleighChannel
from qprecode.metrics import sinr_from_matrix, sum_rate
from qprecode.precoders import WMMSE, rzf_matrix, structured_matrix
from tests.conftest import generator

C128 = torch.complex128


def channels(batch=8, M=16, K=4, seed=0):
    return RayleighChannel(M, K, dtype=C128).sample(batch, generator(seed))


def test_equal_powers_give_rzf_with_equal_power():
    H, P, noise = channels(), 16.0, 0.7
    equal = torch.full((8, 4), P / 4, dtype=torch.float64)
    torch.testing.assert_close(
        structured_matrix(H, equal, equal, noise), rzf_matrix(H, P, noise, "per-user")
    )


@given(st.integers(0, 2**31 - 1))
def test_column_powers_are_p(seed):
    g = generator(seed)
    H = channels(batch=3, seed=seed)
    p = torch.rand(3, 4, dtype=torch.float64, generator=g) * 5
    q = torch.rand(3, 4, dtype=torch.float64, generator=g) * 5 + 1e-3
    W = structured_matrix(H, p, q, 0.5)
    torch.testing.assert_close((W.abs() ** 2).sum(dim=-2), p)


def test_large_q_approaches_zero_forcing():
    H = channels()
    p = torch.ones(8, 4, dtype=torch.float64)
    W = structured_matrix(H, p, torch.full_like(p, 1e9), 1.0)
    E = H.mT @ W
    off = E - torch.diag_embed(torch.diagonal(E, dim1=-2, dim2=-1))
    assert off.abs().max() < 1e-6


def test_wmmse_end_has_the_structure():
    """WMMSE's fixed point is of the structure: its column powers p, and q recovered from the
    beam directions by least squares, give back the same rate."""
    H, P, noise = channels(batch=4, M=8, K=3, seed=2), 8.0, 1.0
    result = WMMSE(0.0 + 10 * torch.log10(torch.tensor(P / noise)).item(), tolerance=0.0,
                   max_iterations=400, total_power=P, init="rzf-eq").solve(H)  # fmt: skip
    W = result.W
    p = (W.abs() ** 2).sum(dim=-2)
    # the structure's directions for q = p are WMMSE's own (uplink-downlink duality at the
    # optimum of the MMSE weights); the rate must be within numerical tolerance
    rate_structured = sum_rate(sinr_from_matrix(H, structured_matrix(H, p, p, noise), noise))
    rate_wmmse = sum_rate(sinr_from_matrix(H, W, noise))
    assert (rate_structured >= 0.97 * rate_wmmse).all()


def test_noise_variance_must_be_positive():
    H = channels()
    p = torch.ones(8, 4, dtype=torch.float64)
    with pytest.raises(ValueError, match="noise_var must be > 0"):
        structured_matrix(H, p, p, 0.0)


def test_differentiable_in_p_and_q():
    H = channels()
    p = torch.full((8, 4), 4.0, dtype=torch.float64, requires_grad=True)
    q = torch.full((8, 4), 4.0, dtype=torch.float64, requires_grad=True)
    sum_rate(sinr_from_matrix(H, structured_matrix(H, p, q, 0.5), 0.5)).sum().backward()
    assert p.grad is not None and q.grad is not None
    assert torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0 and q.grad.abs().sum() > 0
