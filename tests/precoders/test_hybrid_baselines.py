"""MO-AltMin and OMP hybrid precoders: constraints, what each optimises, and batching."""

import pytest
import torch

from qprecode.channels import SalehValenzuelaChannel
from qprecode.metrics import noise_variance, sinr_from_matrix, sum_rate
from qprecode.precoders import OMP, WMMSE, MOAltMin, PhasedZF, beam_dictionary, manifold_descent
from qprecode.registry import build_precoder

C128 = torch.complex128


def _sv(n, M=16, K=4, seed=0):
    return SalehValenzuelaChannel(M, K, dtype=C128).sample(n, torch.Generator().manual_seed(seed))


def _fit_error(W, T):
    return float(
        ((W - T).abs() ** 2).sum(dim=(-2, -1)).mean() / (T.abs() ** 2).sum(dim=(-2, -1)).mean()
    )


@pytest.mark.slow
def test_mo_altmin_is_unit_modulus_at_full_power_and_close_to_wmmse():
    H = _sv(40)
    F, D = MOAltMin(4, snr_db=10.0).analog_digital(H)
    assert torch.allclose(F.abs(), torch.ones_like(F.abs()), atol=1e-6)
    assert torch.allclose(
        ((F @ D).abs() ** 2).sum(dim=(-2, -1)), torch.full((40,), 16.0, dtype=torch.float64)
    )
    noise = noise_variance(10.0, 16)
    rate = {name: float(sum_rate(sinr_from_matrix(H, p.matrix(H), noise)).mean())
            for name, p in [("mo", MOAltMin(4, snr_db=10.0)), ("wmmse", WMMSE(10.0, 1e-4)),
                            ("pzf", PhasedZF())]}  # fmt: skip
    assert rate["wmmse"] >= rate["mo"] > 0.85 * rate["wmmse"]
    assert rate["mo"] > rate["pzf"]


@pytest.mark.slow
def test_mo_altmin_reaches_any_target_with_twice_as_many_rf_chains_as_users():
    H = _sv(20, M=16, K=3)
    target = WMMSE(10.0, 1e-4)
    T = target.matrix(H)
    assert _fit_error(MOAltMin(6, target=target).matrix(H), T) < 1e-8  # N_RF = 2K
    assert _fit_error(MOAltMin(3, target=target).matrix(H), T) > 1e-3  # N_RF = K: it cannot


def test_manifold_descent_never_increases_the_fit_error():
    H = _sv(10)
    T = WMMSE(10.0, 1e-4).matrix(H)
    g = torch.Generator().manual_seed(1)
    F = torch.polar(
        torch.ones(10, 16, 4, dtype=torch.float64),
        6.3 * torch.rand(10, 16, 4, generator=g, dtype=torch.float64),
    )
    D = torch.linalg.pinv(F) @ T
    before = ((T - F @ D).abs() ** 2).sum(dim=(-2, -1))
    for steps in (1, 5, 20):
        after = ((T - manifold_descent(T, F, D, steps) @ D).abs() ** 2).sum(dim=(-2, -1))
        assert bool((after <= before + 1e-9).all())
        before = after


def test_omp_picks_dictionary_beams_and_fits_better_with_more_rf_chains():
    H = _sv(30)
    target = WMMSE(10.0, 1e-4)
    T = target.matrix(H)
    A = beam_dictionary(16, 64)
    F, D = OMP(4, target=target).analog_digital(H)
    # every analog column is one of the dictionary's beams
    match = (A.mH @ F).abs() / 16  # [B, G, N_RF], 1 for the beam itself
    assert torch.allclose(match.amax(dim=1), torch.ones(30, 4, dtype=torch.float64), atol=1e-9)
    errors = [_fit_error(OMP(n, target=target).matrix(H), T) for n in (4, 8, 16)]
    assert errors[0] > errors[1] > errors[2]
    assert torch.allclose(
        ((F @ D).abs() ** 2).sum(dim=(-2, -1)), torch.full((30,), 16.0, dtype=torch.float64)
    )


def test_dictionary_beams_are_unit_modulus_ula_responses():
    A = beam_dictionary(8, 32)
    assert A.shape == (8, 32) and torch.allclose(A.abs(), torch.ones(8, 32, dtype=torch.float64))
    assert torch.allclose(A[0], torch.ones(32, dtype=C128))  # the first antenna is the reference


@pytest.mark.parametrize("name", ["mo-altmin", "omp"])
def test_registry_builds_them_with_one_rf_chain_per_user(name):
    precoder = build_precoder(name, snr_db=5.0)
    H = _sv(3, M=8, K=2)
    F, D = precoder.analog_digital(H)
    assert F.shape == (3, 8, 2) and D.shape == (3, 2, 2)


@pytest.mark.parametrize("cls", [MOAltMin, OMP])
def test_bad_sizes_raise(cls):
    with pytest.raises(ValueError, match="N_RF"):
        cls(2).analog_digital(_sv(1, M=8, K=4))
    with pytest.raises(ValueError, match="num_rf_chains"):
        cls(0)
