import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from qprecode.dac import (
    DAC,
    ScalarQuantizer,
    antenna_power,
    lloyd_max_gaussian,
    parse_bits,
    quantize_per_antenna,
    uniform_quantizer,
)
from qprecode.metrics import bussgang_gain
from tests.conftest import generator


def sign_quantizer() -> ScalarQuantizer:
    return ScalarQuantizer([-1.0, 1.0], [0.0])


def test_one_bit_bussgang_gain_closed_form():
    # E[x sign(x)] / E[x^2] = sqrt(2/pi) / sigma for x ~ N(0, sigma^2)
    assert sign_quantizer().bussgang_gain(1.0) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-12)
    assert sign_quantizer().bussgang_gain(2.0) == pytest.approx(math.sqrt(2 / math.pi) / 2)
    # the Lloyd-Max 1-bit DAC has levels +-sqrt(2/pi), so its gain is 2/pi
    assert lloyd_max_gaussian(1).bussgang_gain() == pytest.approx(2 / math.pi, rel=1e-9)


def test_one_bit_bussgang_gain_matches_sample_estimate():
    g = generator()
    x = torch.randn(400_000, generator=g, dtype=torch.float64)
    y = sign_quantizer()(x)
    alpha = (x * y).mean() / (x * x).mean()
    assert alpha.item() == pytest.approx(math.sqrt(2 / math.pi), abs=3e-3)
    # the same through the complex Bussgang gain of the evaluator (LS estimate, eq. 5)
    xc = torch.complex(x[:200_000], x[200_000:]) / math.sqrt(2)
    yc = DAC(1)(xc)
    G = bussgang_gain(yc[:, None], xc[:, None])
    assert G.real.item() == pytest.approx(2 / math.pi, abs=3e-3)
    assert abs(G.imag.item()) < 3e-3


def test_cells_are_left_open_right_closed():
    q = ScalarQuantizer([-1.0, 0.0, 1.0], [-0.5, 0.5])
    x = torch.tensor([-0.5, -0.4999, 0.5, 0.5001, -100.0, 100.0])
    torch.testing.assert_close(q(x), torch.tensor([-1.0, 0.0, 0.0, 1.0, -1.0, 1.0]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("scale", [1.0, math.sqrt(2 / math.pi), 0.3])
def test_symmetric_one_bit_shortcut_equals_the_cell_lookup(dtype, scale):
    # the 1-bit quantizer's arithmetic shortcut and the bucketize lookup give the same bits,
    # zeros (both signs) and the thresholds' neighbours included
    quantizer = sign_quantizer().scaled(scale)
    x = torch.randn(10_000, generator=generator(), dtype=dtype)
    tiny = torch.finfo(dtype).tiny
    x[:6] = torch.tensor([0.0, -0.0, tiny, -tiny, 1e30, -1e30], dtype=dtype)
    lookup = quantizer.level_tensor(dtype)[quantizer.indices(x)]
    out = quantizer(x)
    assert out.dtype == dtype
    assert torch.equal(out, lookup)
    assert out[0] == out[1] == -out[2]  # x = 0 falls in the lower cell, (-inf, 0]


def test_one_bit_level_names_the_symmetric_one_bit_quantizer_only():
    assert sign_quantizer().scaled(0.3).one_bit_level == pytest.approx(0.3)
    assert ScalarQuantizer([-1.0, 2.0], [0.0]).one_bit_level is None  # levels not symmetric
    assert ScalarQuantizer([-1.0, 1.0], [0.1]).one_bit_level is None  # threshold not at 0
    assert DAC(2).quantizer.one_bit_level is None


@pytest.mark.parametrize("bits", [1, 2, 3, 4, 8])
def test_complex_dac_output_on_alphabet(bits):
    dac = DAC(bits)
    x = torch.randn(1000, dtype=torch.complex64, generator=generator()) * 3
    y = dac(x)
    levels = dac.levels()
    assert len(levels) == 2**bits
    for part in (y.real, y.imag):
        assert torch.isin(part, levels).all()


def test_dac_is_designed_for_unit_complex_power():
    # each real dimension of CN(0, 1) has variance 1/2: levels scale by 1/sqrt(2)
    np.testing.assert_allclose(
        DAC(2).levels().numpy(), lloyd_max_gaussian(2).levels / math.sqrt(2), rtol=1e-6
    )
    np.testing.assert_allclose(
        DAC(2, input_power=4.0).levels().numpy(),
        lloyd_max_gaussian(2).levels * math.sqrt(2),
        rtol=1e-6,
    )


def test_ideal_dac_is_identity():
    x = torch.randn(10, dtype=torch.complex64, generator=generator())
    assert DAC(None)(x) is x
    with pytest.raises(ValueError, match="no finite alphabet"):
        DAC(None).levels()


def test_uniform_one_bit_equals_lloyd_max():
    np.testing.assert_allclose(uniform_quantizer(1).levels, lloyd_max_gaussian(1).levels, atol=1e-6)


@pytest.mark.parametrize("bits", [2, 3, 4])
def test_uniform_step_is_mse_optimal_and_worse_than_lloyd_max(bits):
    q = uniform_quantizer(bits)
    step = q.levels[1] - q.levels[0]
    mse = q.gaussian_mse()
    assert uniform_quantizer(bits, step * 1.02).gaussian_mse() > mse
    assert uniform_quantizer(bits, step * 0.98).gaussian_mse() > mse
    assert lloyd_max_gaussian(bits).gaussian_mse() < mse


def test_gaussian_mse_matches_monte_carlo():
    q = lloyd_max_gaussian(2)
    x = torch.randn(1_000_000, generator=generator(), dtype=torch.float64)
    assert ((x - q(x)) ** 2).mean().item() == pytest.approx(q.gaussian_mse(), rel=0.01)


def test_per_antenna_normalisation():
    g = generator()
    W = torch.randn(3, 6, 2, dtype=torch.complex64, generator=g)
    W[:, 4, :] = 0  # an antenna that is switched off
    s = torch.randn(3, 50, 2, dtype=torch.complex64, generator=g)
    x = s @ W.mT
    rho = antenna_power(W)
    torch.testing.assert_close(rho, (W.abs() ** 2).sum(-1))
    y = quantize_per_antenna(x, rho, DAC(1))
    # every antenna outputs +-c sqrt(rho_m) on each real dimension, c = sqrt(1/pi)
    c = math.sqrt(1 / math.pi)
    expected = c * rho.sqrt()[:, None, :].expand_as(y.real)
    torch.testing.assert_close(y.real.abs(), expected)
    torch.testing.assert_close(y.imag.abs(), expected)
    assert torch.equal(torch.sign(y.real), torch.sign(x.real) * (rho[:, None, :] > 0))
    assert (y[:, :, 4] == 0).all()


@given(st.one_of(st.integers(), st.text(max_size=5)))
def test_parse_bits_accepts_only_valid_resolutions(value):
    text = str(value)
    stripped = text.strip().lower()
    try:
        as_int: int | None = int(stripped)
    except ValueError:
        as_int = None
    valid = stripped in ("inf", "infinite", "none") or (as_int is not None and 1 <= as_int <= 8)
    if valid:
        parsed = parse_bits(text)
        assert parsed is None or 1 <= parsed <= 8
    else:
        with pytest.raises(ValueError, match="bits"):
            parse_bits(text)


@pytest.mark.parametrize("bits", [0, 9, -1, 2.5, True])
def test_bits_out_of_range(bits):
    with pytest.raises(ValueError, match="bits must be an integer in 1..8"):
        DAC(bits)


def test_quantizer_validation():
    with pytest.raises(ValueError, match="increasing"):
        ScalarQuantizer([1.0, 0.0], [0.5])
    with pytest.raises(ValueError, match="thresholds"):
        ScalarQuantizer([0.0, 1.0, 2.0], [0.5])
    with pytest.raises(ValueError, match="complex"):
        DAC(1)(torch.zeros(3))
