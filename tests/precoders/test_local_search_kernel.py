"""The local search's fused kernels: Numba and torch choose the same levels, the kernels agree with
the previous per-candidate search, and the sums give the metric's SNIDR terms."""

import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.dac import DAC
from qprecode.metrics import noise_variance, normalize_average_power, snidr, snidr_terms, sum_rate
from qprecode.precoders import local_search_kernel
from qprecode.precoders.local_search import (
    LocalSearch,
    local_search_flops,
    snidr_terms_from_sums,
)
from qprecode.precoders.local_search_kernel import (
    NUMBA_AVAILABLE,
    SearchProblem,
    local_search,
    resolve_backend,
)
from tests.conftest import generator

needs_numba = pytest.mark.skipif(not NUMBA_AVAILABLE, reason="numba does not import here")


def problem(bits, B, M, K, N, dtype, seed, linear=True):
    H = RayleighChannel(M, K, dtype=dtype).sample(B, generator(seed))
    s = torch.randn(B, N, K, dtype=dtype, generator=generator(seed + 1))
    search = LocalSearch(bits, start="zf" if linear else Precoder(), snr_db=10.0)
    return search, search.problem(H, s)


class Precoder:
    """A start off the alphabet (unquantized MRT), normalised and quantized per antenna."""

    name = "mrt-unquantized"

    def __call__(self, H, s):
        return s @ H.conj().mT


@needs_numba
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize(("bits", "K", "linear"), [(1, 1, True), (1, 3, True), (2, 2, False),
                                                    (3, 1, True)])  # fmt: skip
def test_numba_and_torch_choose_the_same_levels(dtype, bits, K, linear):
    """Same bits and same chosen gains out of both backends, automatic gain or fixed."""
    _, p = problem(bits, 12, 7, K, 19, dtype, seed=20 + bits, linear=linear)
    chosen = set()
    for snr_db in (-5.0, 25.0):
        noise = noise_variance(snr_db, 7.0)
        gains = torch.tensor([0.5, 0.9, 1.0, 1.7, 3.0])
        y, choice = local_search(p, gains, 2, True, 7.0, noise, "numba")
        assert y.dtype == dtype and y.shape == (12, 19, 7) and choice.shape == (12,)
        y_torch, choice_torch = local_search(p, gains, 2, True, 7.0, noise, "torch")
        assert torch.equal(choice, choice_torch) and torch.equal(y, y_torch)
        chosen |= set(choice.tolist())
        fixed = local_search(p, gains[3:4], 3, False, 7.0, noise, "numba")[0]
        assert torch.equal(fixed, local_search(p, gains[3:4], 3, False, 7.0, noise, "torch")[0])
        scaled = p.scale[:, None, :, None] * p.levels  # [B, 1, M, L]
        for part in (y.real, y.imag, fixed.real, fixed.imag):
            assert (part.unsqueeze(-1) == scaled).any(-1).all()
    assert len(chosen) > 1  # the rates decide


@needs_numba
@pytest.mark.parametrize("bits", [1, 2])
def test_a_value_on_a_threshold_takes_the_lower_level_in_both(bits):
    """Symbol 0 puts ``P s`` exactly on the middle threshold (0), and the search toward ``a s = 0``
    brings it back there: both backends pick the level below, as ``DAC`` does."""
    dac = DAC(bits)
    levels = dac.levels(torch.float32)
    thresholds = torch.as_tensor(dac.quantizer.thresholds, dtype=torch.float32)
    H = torch.ones(1, 1, 1, dtype=torch.complex64)
    s = torch.tensor([[[0.0], [1.0 + 1.0j]]], dtype=torch.complex64)  # [1, 2, 1]
    p = SearchProblem(H, s, torch.ones(1, 1), levels, thresholds, H, True)
    lower = dac(torch.zeros(1, dtype=torch.complex64))
    assert lower.real.item() == levels[len(levels) // 2 - 1]
    for backend in ("numba", "torch"):
        for sweeps in (0, 2):  # the start, the search
            y, _ = local_search(p, torch.tensor([1.0]), sweeps, False, 1.0, 1.0, backend)
            assert y[0, 0, 0] == lower[0], (backend, sweeps)


@pytest.mark.parametrize("backend", ["auto", "torch"])
@pytest.mark.parametrize(("K", "snr_db"), [(1, 0.0), (2, 10.0), (3, 30.0)])
def test_the_kernels_give_the_previous_search_s_outputs(backend, K, snr_db):
    """The automatic and a fixed gain against the previous form (``backend="reference"``: one
    ``coordinate_descent`` and one rate estimate per candidate), in float64 where near-ties of
    the two arithmetics do not occur."""
    H = RayleighChannel(12, K, dtype=torch.complex128).sample(25, generator(30 + K))
    s = torch.randn(25, 24, K, dtype=torch.complex128, generator=generator(40 + K))
    for gain in ("auto", 1.25):
        ours = LocalSearch(1, gain=gain, snr_db=snr_db, backend=backend)(H, s)
        theirs = LocalSearch(1, gain=gain, snr_db=snr_db, backend="reference")(H, s)
        assert torch.equal(ours, theirs), gain


def test_the_sums_give_the_metric_s_snidr_terms():
    H = RayleighChannel(6, 3, dtype=torch.complex128).sample(4, generator(50))
    s = torch.randn(4, 20, 3, dtype=torch.complex128, generator=generator(51))
    y = DAC(2)(torch.randn(4, 20, 6, dtype=torch.complex128, generator=generator(52)))
    R = y @ H
    sums = ((y.abs() ** 2).sum((-2, -1)), s.mH @ R, (R.abs() ** 2).sum(-2))
    ours = snidr_terms_from_sums(s, *sums, 6.0)
    theirs = snidr_terms(H, normalize_average_power(y, 6.0), s)
    for field in ("signal", "interference", "distortion", "gain"):
        torch.testing.assert_close(getattr(ours, field), getattr(theirs, field))
    noise = noise_variance(10.0, 6.0)
    torch.testing.assert_close(sum_rate(snidr(ours, noise)), sum_rate(snidr(theirs, noise)))


def test_backends_are_checked(monkeypatch):
    with pytest.raises(ValueError, match="backend"):
        LocalSearch(backend="cuda")
    assert LocalSearch(backend="torch").with_snr(3.0).backend == "torch"
    monkeypatch.setattr(local_search_kernel, "NUMBA_AVAILABLE", False)
    assert resolve_backend("auto") == "torch"
    with pytest.raises(ValueError, match="numba"):
        resolve_backend("numba")


def test_flops_per_vector():
    """At M = 32, K = 1, 1 bit, 3 sweeps: 20 FLOPs per antenna and sweep (a step of 6, y + step
    2, 2 comparisons, d 2, the residual 8)."""
    fixed = local_search_flops(32, 1, levels=2, sweeps=3, gains=1)
    assert fixed.search == 8 + 3 * 32 * 20 and fixed.estimate == 0
    assert fixed.start == 32 * 6 + 32 * 2 + 254 + 12
    auto = local_search_flops(32, 1, levels=2, sweeps=3, gains=9)
    assert auto.search == 10 * fixed.search and auto.start == 2 * fixed.start
    assert auto.estimate == 10 * (127 + 1 + 8 + 4) + 9 * 8
    assert auto.total == auto.start + auto.search + auto.estimate
    assert local_search_flops(32, 4, levels=4).total > auto.total
    with pytest.raises(ValueError, match="sweeps"):
        local_search_flops(32, 1, sweeps=0)
