import dataclasses
import itertools

import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.dac import DAC
from qprecode.evaluation import evaluate
from qprecode.metrics import noise_variance, normalize_average_power, snidr, snidr_terms, sum_rate
from qprecode.precoders import LocalSearch, coordinate_descent, zf_matrix
from qprecode.registry import _refined_entry, build_precoder, find_entry
from tests.conftest import generator


def test_a_sweep_gives_each_antenna_its_best_level_given_the_others():
    """Coordinate descent against brute force: after each antenna's update, no other level of
    that antenna lowers ||target - y H||^2."""
    H = RayleighChannel(5, 2, dtype=torch.complex128).sample(3, generator(0))
    dac = DAC(2)
    levels = dac.levels(torch.float64)
    s = torch.randn(3, 4, 2, dtype=torch.complex128, generator=generator(1))
    y0 = dac(torch.randn(3, 4, 5, dtype=torch.complex128, generator=generator(2)))
    y = coordinate_descent(H, s, y0, dac, sweeps=1)
    # the last antenna was updated last, so it is optimal given all the others
    m = 4
    for re, im in itertools.product(levels, levels):
        trial = y.clone()
        trial[..., m] = torch.complex(re, im)
        assert (
            ((s - trial @ H).abs() ** 2).sum(-1) >= ((s - y @ H).abs() ** 2).sum(-1) - 1e-12
        ).all()


def test_the_objective_never_increases_over_sweeps():
    H = RayleighChannel(16, 3, dtype=torch.complex128).sample(4, generator(3))
    dac = DAC(1)
    s = torch.randn(4, 10, 3, dtype=torch.complex128, generator=generator(4))
    y = dac(torch.randn(4, 10, 16, dtype=torch.complex128, generator=generator(5)))
    costs = []
    for _ in range(5):
        costs.append(((4.0 * s - y @ H).abs() ** 2).sum())
        y = coordinate_descent(H, 4.0 * s, y, dac, sweeps=1)
    assert all(b <= a + 1e-9 for a, b in zip(costs, costs[1:], strict=False))
    assert costs[-1] < 0.5 * costs[0]


@pytest.mark.parametrize("bits", [1, 2])
def test_outputs_are_on_each_antennas_alphabet_and_deterministic(bits):
    """Without scaling back every antenna sends DAC levels; with it (the default), antenna m
    sends the levels times the norm of its row of the ZF matrix, the start's gain."""
    H = RayleighChannel(8, 2).sample(3, generator(6))
    s = torch.randn(3, 16, 2, dtype=torch.complex64, generator=generator(7))
    levels = DAC(bits).levels()
    plain = LocalSearch(bits, snr_db=10.0, scale_back=False)
    y = plain(H, s)
    assert torch.isin(y.real, levels).all() and torch.isin(y.imag, levels).all()
    assert torch.equal(plain(H, s), y)
    scaled = LocalSearch(bits, snr_db=10.0)
    y = scaled(H, s)
    gains = zf_matrix(H, 8.0).abs().pow(2).sum(-1).sqrt()  # [B, M]
    unscaled = y / gains.unsqueeze(-2)
    for part in (unscaled.real, unscaled.imag):
        assert ((part.unsqueeze(-1) - levels).abs().amin(-1) < 1e-5).all()
    assert torch.equal(scaled(H, s), y)


def test_scaling_back_never_ends_below_quantized_zf():
    """Its start is then exactly quantized ZF (scaled back), one of the candidates."""
    H = RayleighChannel(16, 1).sample(30, generator(15))
    s = torch.randn(30, 32, 1, dtype=torch.complex64, generator=generator(16))
    zf = build_precoder("zf", 1)(H, s)
    search = LocalSearch(1, snr_db=20.0)
    assert torch.allclose(search.start_point(H, s)[0], zf, atol=1e-6)
    before, after = estimated_rates(H, zf, s, 20.0), estimated_rates(H, search(H, s), s, 20.0)
    assert (after >= before - 1e-4).all()


def test_local_search_beats_quantized_zf_squid_and_c2po_at_one_bit():
    H = RayleighChannel(32, 2).sample(100, generator(8))
    snrs = [0.0, 10.0, 20.0]
    ours = evaluate(LocalSearch(1), H, snrs, num_symbols=64, seed=9).sum_rate
    for name in ("zf", "squid", "c2po"):
        theirs = evaluate(build_precoder(name, 1), H, snrs, num_symbols=64, seed=9).sum_rate
        assert all(a > b for a, b in zip(ours, theirs, strict=True)), name


def test_options_are_checked():
    with pytest.raises(ValueError, match="start"):
        LocalSearch(start="svd")
    with pytest.raises(ValueError, match="gain"):
        LocalSearch(gain=-1.0)
    with pytest.raises(ValueError, match="sweeps"):
        LocalSearch(sweeps=0)
    assert LocalSearch(gain=0.9).snr_dependent is False
    assert LocalSearch().with_snr(5.0).snr_db == 5.0


def estimated_rates(H, y, s, snr_db):
    """Per-channel sum rate of ``y`` as the base station estimates it: ``[B]``."""
    power = float(H.shape[-2])
    terms = snidr_terms(H, normalize_average_power(y, power), s)
    return sum_rate(snidr(terms, noise_variance(snr_db, power)))


@pytest.mark.parametrize("name", ["squid", "gnn:k1-b1"])
def test_a_refined_precoder_is_never_below_its_start(name):
    """``NAME+ls``: the automatic gain keeps the start (on the alphabet already) among its
    candidates, so no channel's estimated rate falls, and on average it rises."""
    H = RayleighChannel(16, 2).sample(40, generator(10))
    s = torch.randn(40, 32, 2, dtype=torch.complex64, generator=generator(11))
    start = build_precoder(name, 1, snr_db=10.0)
    refined = build_precoder(f"{name}+ls", 1, snr_db=10.0)
    assert refined.name == f"{name}+ls"
    before = estimated_rates(H, start(H, s), s, 10.0)
    after = estimated_rates(H, refined(H, s), s, 10.0)
    assert (after >= before - 1e-4).all()
    assert after.mean() > before.mean() + 0.1


class Fixed:
    """A precoder that returns a given output."""

    name = "fixed"

    def __init__(self, y):
        self.y = y

    def __call__(self, H, s):
        return self.y


@pytest.mark.parametrize("bits", [1, 2, 3])
def test_a_start_on_the_alphabet_is_kept_and_others_are_quantized(bits):
    H = RayleighChannel(8, 2).sample(5, generator(12))
    s = torch.randn(5, 16, 2, dtype=torch.complex64, generator=generator(13))
    dac = DAC(bits)
    on_alphabet = dac(torch.randn(5, 16, 8, dtype=torch.complex64, generator=generator(14)))
    kept, gains = LocalSearch(bits, start=Fixed(on_alphabet)).start_point(H, s)
    assert torch.equal(kept, on_alphabet) and torch.equal(gains, torch.ones(5, 8))
    y = build_precoder("zf", None)(H, s)
    scale = (y.abs() ** 2).mean(-2, keepdim=True).sqrt()
    plain, _ = LocalSearch(bits, start=Fixed(y), scale_back=False).start_point(H, s)
    assert torch.equal(plain, dac(y / scale))
    scaled, gains = LocalSearch(bits, start=Fixed(y)).start_point(H, s)
    assert torch.allclose(scaled, scale * dac(y / scale)) and torch.allclose(gains, scale[:, 0])


def test_refinement_needs_a_quantized_precoder():
    assert find_entry("gnn:k1-b1+ls").bits == (1,)
    with pytest.raises(ValueError, match="unquantized"):
        _refined_entry(dataclasses.replace(find_entry("wmmse"), bits=(None,)))
    with pytest.raises(ValueError, match="bits"):
        build_precoder("squid+ls", None)
