import numpy as np
import pytest
from scipy.stats import norm

from qprecode.dac import lloyd_max_gaussian

# Max (1960), Table I: optimum levels and MSE for a unit-variance Gaussian
MAX_TABLE = {
    1: ([0.7979], 0.3634),
    2: ([0.4528, 1.510], 0.1175),
    3: ([0.2451, 0.7560, 1.344, 2.152], 0.03454),
    4: ([0.1284, 0.3881, 0.6568, 0.9424, 1.256, 1.618, 2.069, 2.733], 0.009497),
}


@pytest.mark.parametrize("bits", sorted(MAX_TABLE))
def test_levels_and_mse_match_max_table(bits):
    positive, mse = MAX_TABLE[bits]
    q = lloyd_max_gaussian(bits)
    np.testing.assert_allclose(q.levels[2 ** (bits - 1) :], positive, atol=6e-4)
    np.testing.assert_allclose(q.levels, -q.levels[::-1], atol=1e-12)
    assert q.gaussian_mse() == pytest.approx(mse, rel=2e-3)


@pytest.mark.parametrize("bits", range(1, 9))
def test_lloyd_max_optimality_conditions(bits):
    q = lloyd_max_gaussian(bits)
    assert q.num_levels == 2**bits
    # nearest neighbour: thresholds halfway between levels
    np.testing.assert_allclose(q.thresholds, 0.5 * (q.levels[1:] + q.levels[:-1]), atol=1e-12)
    # centroid: each level is the conditional mean of its cell
    edges = np.concatenate([[-np.inf], q.thresholds, [np.inf]])
    centroids = -np.diff(norm.pdf(edges)) / np.diff(norm.cdf(edges))
    np.testing.assert_allclose(q.levels, centroids, atol=1e-7)


def test_mse_decreases_with_bits_and_follows_high_resolution_law():
    mses = [lloyd_max_gaussian(b).gaussian_mse() for b in range(1, 9)]
    assert all(a > b for a, b in zip(mses, mses[1:], strict=False))
    # Panter-Dite: MSE ~ (sqrt(3) pi / 2) 2^(-2b) for large b
    assert mses[-1] * 4**8 == pytest.approx(np.sqrt(3) * np.pi / 2, rel=0.05)


def test_results_are_cached():
    assert lloyd_max_gaussian(3) is lloyd_max_gaussian(3)
