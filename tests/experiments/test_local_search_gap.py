import itertools

import pytest
import torch

from qprecode.channels import RayleighChannel, complex_normal
from qprecode.dac import DAC
from qprecode.experiments.studies import optimality_gap
from qprecode.precoders import LocalSearch, coordinate_descent

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites


def test_the_optimum_bounds_the_search_which_improves_on_its_start():
    for users in (1, 2):
        gap = optimality_gap(5, users, sweeps=3, channels=6, symbols=8, seed=users)
        assert gap.optimum <= gap.search + 1e-12 < gap.start
        assert 0.0 <= gap.found <= 1.0


def test_the_optimum_is_the_brute_force_minimum():
    """On M=2 at 2 bits (4^4 = 256 vectors), every vector enumerated by hand."""
    gap = optimality_gap(2, 1, bits=2, sweeps=1, channels=3, symbols=4, seed=7)
    generator = torch.Generator().manual_seed(7)
    H = RayleighChannel(2, 1, dtype=torch.complex128).sample(3, generator)
    s = complex_normal((3, 4, 1), generator, dtype=torch.complex128)
    search = LocalSearch(2, 1, gain=1.0, scale_back=False)
    y0, _, a = search.start_and_gain(H, s)
    target = a[:, None, None] * s
    levels = DAC(2).levels(torch.float64).tolist()
    best = torch.full((3, 4), float("inf"), dtype=torch.float64)
    for values in itertools.product(levels, repeat=4):
        y = torch.tensor([complex(*values[:2]), complex(*values[2:])], dtype=torch.complex128)
        received = (y @ H).unsqueeze(-2)  # [3, 1, K]
        best = torch.minimum(best, ((target - received).abs() ** 2).sum(-1))
    scale = (target.abs() ** 2).sum(-1).mean()
    assert abs(gap.optimum - float(best.mean() / scale)) < 1e-9
    y = coordinate_descent(H, target, y0, search.dac, 1)
    assert abs(gap.search - float(((target - y @ H).abs() ** 2).sum(-1).mean() / scale)) < 1e-9
