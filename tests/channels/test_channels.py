import math

import pytest
import torch

from qprecode.channels import (
    LOSChannel,
    RayleighChannel,
    SalehValenzuelaChannel,
    make_channel,
    ula_steering,
)
from tests.conftest import generator

MODELS = [
    lambda M, K: RayleighChannel(M, K),
    lambda M, K: LOSChannel(M, K),
    lambda M, K: SalehValenzuelaChannel(M, K, num_clusters=3, num_rays=4),
]


@pytest.mark.parametrize("build", MODELS)
@pytest.mark.parametrize(("M", "K"), [(1, 1), (8, 3), (32, 6)])
def test_shape_dtype_and_seeding(build, M, K):
    model = build(M, K)
    H = model.sample(5, generator(3))
    assert H.shape == (5, M, K)
    assert H.dtype == torch.complex64
    assert torch.equal(H, model.sample(5, generator(3)))
    assert torch.isfinite(torch.view_as_real(H)).all()


@pytest.mark.parametrize("build", MODELS)
def test_different_seeds_give_different_channels(build):
    model = build(16, 2)
    assert not torch.equal(model.sample(4, generator(1)), model.sample(4, generator(2)))


def test_rayleigh_moments():
    H = RayleighChannel(16, 4, dtype=torch.complex128).sample(20_000, generator())
    assert abs(H.mean().abs().item()) < 0.01
    assert (H.abs() ** 2).mean().item() == pytest.approx(1.0, abs=0.01)
    assert (H.real**2).mean().item() == pytest.approx(0.5, abs=0.005)
    # real and imaginary parts uncorrelated, entries uncorrelated across antennas
    assert (H.real * H.imag).mean().abs().item() < 0.005
    assert (H[:, 0, 0] * H[:, 1, 0].conj()).mean().abs().item() < 0.02


def test_ula_steering_matches_eq10():
    angles = torch.tensor([[0.0, 60.0, 110.0]])
    H = ula_steering(angles, 8, dtype=torch.complex128)
    assert H.shape == (1, 8, 3)
    m = torch.arange(8, dtype=torch.float64)
    for k, phi in enumerate([0.0, 60.0, 110.0]):
        expected = torch.exp(-1j * math.pi * m * math.cos(math.radians(phi)))
        torch.testing.assert_close(H[0, :, k], expected)


def test_los_random_angles_are_integer_degrees_in_range():
    model = LOSChannel(4, 3)
    angles = model.sample_angles(2000, generator())
    assert torch.equal(angles, angles.round())
    assert angles.min() >= 0 and angles.max() <= 180
    assert len(torch.unique(angles)) == 181  # the whole discrete range is used
    assert torch.allclose(model.sample(3, generator()).abs(), torch.ones(3, 4, 3))


def test_los_fixed_angles():
    H = LOSChannel(8, 2, angles_deg=[55, 110]).sample(3, generator())
    expected = ula_steering(torch.tensor([55.0, 110.0]), 8)
    for b in range(3):
        torch.testing.assert_close(H[b], expected)


def test_saleh_valenzuela_unit_average_power_and_low_rank():
    model = SalehValenzuelaChannel(32, 2, num_clusters=1, num_rays=1, dtype=torch.complex128)
    H = model.sample(4000, generator())
    assert (H.abs() ** 2).mean().item() == pytest.approx(1.0, abs=0.05)
    # one cluster with one ray: each user's channel is a scaled steering vector (constant modulus)
    modulus = H.abs()
    torch.testing.assert_close(modulus, modulus[:, :1, :].expand_as(modulus))
    many = SalehValenzuelaChannel(32, 1, num_clusters=5, num_rays=10).sample(2000, generator())
    assert (many.abs() ** 2).mean().item() == pytest.approx(1.0, abs=0.05)


def test_make_channel_and_errors():
    assert isinstance(make_channel("rayleigh", 4, 2), RayleighChannel)
    assert isinstance(make_channel("los", 4, 2, angles_deg=[10, 20]), LOSChannel)
    with pytest.raises(ValueError, match="unknown channel"):
        make_channel("awgn", 4, 2)
    with pytest.raises(ValueError, match="num_antennas"):
        RayleighChannel(0, 2)
    with pytest.raises(ValueError, match="one angle per user"):
        LOSChannel(4, 2, angles_deg=[10.0])
    with pytest.raises(ValueError, match="batch_size"):
        RayleighChannel(4, 2).sample(0, generator())
