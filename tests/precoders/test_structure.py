"""The optimal beamforming structure: the closed-form layer of the structured DNN."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from qprecode.channels import RayleighChannel
from qprecode.metrics import sinr_from_matrix, sum_rate
from qprecode.precoders import WMMSE, rzf_matrix, structured_matrix, wmmse_update
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
    """WMMSE's fixed point is of the structure, with ``q = sigma^2 c / lambda`` (``c_k = omega_k
    |g_k|^2`` from its receivers and MSE weights, ``lambda`` its power multiplier): the layer
    rebuilds WMMSE's beams from its column powers and that ``q``."""
    H, P, nv = channels(batch=4, M=8, K=3, seed=2), 8.0, 1.0
    snr_db = 10 * math.log10(P / nv)
    W = WMMSE(snr_db, tolerance=0.0, max_iterations=2000, total_power=P, init="rzf-eq").solve(H).W
    E = H.mT @ W
    e = torch.diagonal(E, dim1=-2, dim2=-1)
    J = (E.abs() ** 2).sum(dim=-1) + nv
    g = e / J
    c = J / (J - e.abs() ** 2) * g.abs() ** 2
    _, lam = wmmse_update(H, W, nv, torch.ones(4, 3, dtype=torch.float64), P)
    assert (lam > 0).all()  # the power constraint is active
    p = (W.abs() ** 2).sum(dim=-2)
    rebuilt = structured_matrix(H, p, nv * c / lam[:, None], nv)
    cos = (rebuilt.conj() * W).sum(dim=-2).abs() / (
        torch.linalg.vector_norm(rebuilt, dim=-2) * torch.linalg.vector_norm(W, dim=-2)
    )
    torch.testing.assert_close(cos, torch.ones_like(cos), rtol=0, atol=1e-6)
    torch.testing.assert_close((rebuilt.abs() ** 2).sum(dim=-2), p)


def test_noise_variance_must_be_positive():
    H = channels()
    p = torch.ones(8, 4, dtype=torch.float64)
    with pytest.raises(ValueError, match="noise_var must be finite and > 0"):
        structured_matrix(H, p, p, 0.0)
    with pytest.raises(ValueError, match="p and q must be >= 0"):
        structured_matrix(H, p, -p, 1.0)
    with pytest.raises(ValueError, match="q must be real of shape"):
        structured_matrix(H, p, p[..., :2], 1.0)


def test_a_zero_q_stays_finite_at_site_noise_levels():
    """sigma^2 of thousands (site channels in noise units): q_k = 0 nulls user k, no NaN."""
    H = channels() * 30
    p = torch.ones(8, 4, dtype=torch.float64)
    q = torch.tensor([0.0, 1.0, 1.0, 1.0], dtype=torch.float64).expand(8, 4)
    W = structured_matrix(H, p, q, 9000.0)
    assert torch.isfinite(torch.view_as_real(W)).all()
    torch.testing.assert_close((W.abs() ** 2).sum(dim=-2), p)


def test_differentiable_in_p_and_q():
    H = channels()
    p = torch.full((8, 4), 4.0, dtype=torch.float64, requires_grad=True)
    q = torch.full((8, 4), 4.0, dtype=torch.float64, requires_grad=True)
    sum_rate(sinr_from_matrix(H, structured_matrix(H, p, q, 0.5), 0.5)).sum().backward()
    assert p.grad is not None and q.grad is not None
    assert torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0 and q.grad.abs().sum() > 0
