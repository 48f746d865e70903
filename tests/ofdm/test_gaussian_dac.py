import math

import pytest
import torch

from qprecode.channels import complex_normal
from qprecode.dac import DAC
from qprecode.ofdm import GaussianDAC
from tests.conftest import generator


def test_one_bit_is_the_arcsine_law():
    stats = GaussianDAC(DAC(1))
    r = torch.linspace(-1.0, 1.0, 41, dtype=torch.float64)
    # Q(x) = sqrt(1/pi) (sign Re x + j sign Im x); E[sign z sign z'] = (2/pi) arcsin r
    expected = (2.0 / math.pi) ** 2 * torch.asin(r)
    torch.testing.assert_close(stats.real_correlation(r), expected, atol=1e-7, rtol=1e-6)
    assert stats.gain == pytest.approx(2.0 / math.pi)


@pytest.mark.parametrize("kind", ["lloyd-max", "uniform"])
@pytest.mark.parametrize("bits", [1, 2, 3, 4, 6])
def test_full_correlation_is_the_output_power(bits, kind):
    stats = GaussianDAC(DAC(bits, kind))
    one = stats.real_correlation(torch.tensor([1.0], dtype=torch.float64))
    assert float(one) == pytest.approx(stats.output_power, rel=1e-6)
    assert 0 < stats.distortion_power < 1.0
    if kind == "lloyd-max":  # centroid condition: E[Q(x) x^*] = E|Q(x)|^2
        assert stats.gain == pytest.approx(stats.output_power, rel=1e-6)


@pytest.mark.parametrize("bits", [1, 2, 3])
def test_distortion_correlation_matches_monte_carlo(bits):
    """The distortions e = Q(x) - alpha x of two correlated inputs are correlated, as the model
    says and the white (diagonal) approximation does not."""
    dac = DAC(bits)
    stats = GaussianDAC(dac)
    c = torch.tensor(0.85 + 0.35j, dtype=torch.complex128)
    n = 400_000
    x = complex_normal((n,), generator(5), torch.complex128)
    w = complex_normal((n,), generator(6), torch.complex128)
    xp = c.conj() * x + math.sqrt(1.0 - abs(complex(c)) ** 2) * w  # E[x x'^*] = c
    e, ep = dac(x) - stats.gain * x, dac(xp) - stats.gain * xp
    measured = complex((e * ep.conj()).mean())
    model = complex(stats.correlation(c) - stats.gain**2 * c)
    assert abs(model) > 0.05 * stats.distortion_power  # not white
    assert measured == pytest.approx(model, rel=0.05)


def test_ideal_dac_is_the_identity():
    stats = GaussianDAC(DAC(None))
    c = torch.tensor([0.3 - 0.2j, -0.9 + 0.1j], dtype=torch.complex64)
    torch.testing.assert_close(stats.correlation(c), c)
    assert (stats.gain, stats.output_power, stats.distortion_power) == (1.0, 1.0, 0.0)


def test_needs_unit_design_power():
    with pytest.raises(ValueError, match="unit input power"):
        GaussianDAC(DAC(2, input_power=2.0))
    with pytest.raises(ValueError, match="complex"):
        GaussianDAC(DAC(2)).correlation(torch.zeros(3))
