import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.metrics import sinr_from_matrix
from qprecode.precoders import PhasedZF, zf_matrix
from tests.conftest import generator

C128 = torch.complex128


def test_phased_zf_is_constant_modulus_analog_times_zf_digital():
    H = RayleighChannel(16, 3, dtype=C128).sample(8, generator(0))
    precoder = PhasedZF()
    F, D = precoder.analog_digital(H)
    assert F.shape == (8, 16, 3) and D.shape == (8, 3, 3)
    torch.testing.assert_close(F.abs(), torch.full(F.shape, 16**-0.5, dtype=torch.float64))
    # the analog part matches the phase of each user's channel: F^T H has a real diagonal
    effective = F.mT @ H
    torch.testing.assert_close(torch.diagonal(effective, dim1=-2, dim2=-1).imag,
                               torch.zeros(8, 3, dtype=torch.float64))  # fmt: skip
    W = precoder.matrix(H)
    torch.testing.assert_close(W, F @ D)
    torch.testing.assert_close(
        (W.abs() ** 2).sum(dim=(-2, -1)), torch.full((8,), 16.0, dtype=torch.float64)
    )
    # the digital part zero-forces the effective channel: H^T W is diagonal
    gain = H.mT @ W
    off = gain - torch.diag_embed(torch.diagonal(gain, dim1=-2, dim2=-1))
    assert off.abs().max() < 1e-10


def test_phased_zf_is_below_full_digital_zf():
    H = RayleighChannel(32, 4, dtype=C128).sample(200, generator(1))
    pzf = sinr_from_matrix(H, PhasedZF().matrix(H), 0.1)
    zf = sinr_from_matrix(H, zf_matrix(H, 32.0), 0.1)
    rate_pzf = torch.log2(1 + pzf).sum(-1).mean()
    rate_zf = torch.log2(1 + zf).sum(-1).mean()
    assert rate_zf > rate_pzf > 0.8 * rate_zf  # phased ZF loses little with M >> K


def test_phased_zf_needs_k_at_most_m():
    with pytest.raises(ValueError, match="K <= M"):
        PhasedZF().matrix(RayleighChannel(2, 3).sample(1, generator(2)))
