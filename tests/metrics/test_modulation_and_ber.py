import math

import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.evaluation import draw_symbols, evaluate
from qprecode.metrics import (
    constellation,
    noise_variance,
    normalize_average_power,
    snidr_terms,
)
from qprecode.registry import build_precoder
from tests.conftest import generator


@pytest.mark.parametrize("name", ["qpsk", "16qam", "64qam"])
def test_constellations_are_unit_energy_gray_mapped_and_detectable(name):
    c = constellation(name)
    assert (c.points.abs() ** 2).mean().item() == pytest.approx(1.0)
    Q = c.points.numel()
    assert c.labels.shape == (Q, int(math.log2(Q)))
    assert len({tuple(row.tolist()) for row in c.labels}) == Q
    # Gray: nearest neighbours differ in exactly one bit
    distance = (c.points[:, None] - c.points[None, :]).abs()
    nearest = distance[distance > 1e-12].min()
    for i, j in (distance - nearest).abs().lt(1e-9).nonzero().tolist():
        assert (c.labels[i] != c.labels[j]).sum() == 1
    # detection inverts the mapping, also with small perturbations
    idx = torch.arange(Q)
    assert torch.equal(c.detect(c.points), idx)
    assert torch.equal(c.detect(c.points + 0.2 * nearest * (1 + 1j) / 2**0.5), idx)


def test_draw_symbols():
    s, idx = draw_symbols(5, 7, 3, seed=1, modulation="16qam")
    assert s.shape == (5, 7, 3) and idx.shape == (5, 7, 3)
    torch.testing.assert_close(s, constellation("16qam").points[idx].to(s.dtype))
    g, none = draw_symbols(5, 7, 3, seed=1)
    assert none is None and g.dtype == torch.complex64
    with pytest.raises(ValueError, match="unknown modulation"):
        draw_symbols(1, 1, 1, 0, modulation="8psk")


def test_ber_of_unquantized_zf_matches_closed_form():
    # unquantized ZF: user k sees s_k + v_k / a_kk, so QPSK BER = Q(sqrt(|a_kk|^2 / sigma^2))
    H = RayleighChannel(16, 4, dtype=torch.complex128).sample(100, generator(0))
    snr_db = 0.0
    result = evaluate(build_precoder("zf", None), H, [snr_db], num_symbols=400,
                      modulation="qpsk", seed=5)  # fmt: skip
    s, _ = draw_symbols(100, 400, 4, seed=5, dtype=H.dtype, modulation="qpsk")
    y = normalize_average_power(build_precoder("zf", None)(H, s), 16.0)
    snr = snidr_terms(H, y, s).signal / noise_variance(snr_db, 16.0)
    expected = (0.5 * torch.erfc(torch.sqrt(snr / 2))).mean().item()
    assert result.ber[0] == pytest.approx(expected, rel=0.05)


def test_ber_falls_with_snr_and_is_absent_for_gaussian_symbols():
    H = RayleighChannel(32, 4).sample(50, generator(0))
    precoder = build_precoder("zf", 2)
    ber = evaluate(precoder, H, [-5.0, 5.0, 15.0], modulation="16qam").ber
    assert ber[0] > ber[1] > ber[2]
    assert evaluate(precoder, H, [5.0]).ber is None
