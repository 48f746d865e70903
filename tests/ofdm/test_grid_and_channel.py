import math

import pytest
import torch

from qprecode.channels import complex_normal
from qprecode.ofdm import (
    OFDMGrid,
    TappedDelayLineChannel,
    delay_profile,
    frequency_response,
)
from tests.conftest import generator


def test_grid_layout():
    grid = OFDMGrid.from_oversampling(6, 4)
    assert (grid.fft_size, grid.used, grid.oversampling) == (24, 6, 4.0)
    assert grid.frequencies.tolist() == [-3, -2, -1, 0, 1, 2]
    assert grid.used_bins.tolist() == [21, 22, 23, 0, 1, 2]
    assert int(grid.guard_mask.sum()) == 18 and not grid.guard_mask[grid.used_bins].any()
    assert sorted(grid.all_frequencies.tolist()) == list(range(-12, 12))
    with pytest.raises(ValueError, match="S=8 exceed the FFT size N=4"):
        OFDMGrid(4, 8)


@pytest.mark.parametrize("ratio", [1, 2, 3])
def test_modulation_is_unitary_and_leaves_the_guard_band_silent(ratio):
    grid = OFDMGrid.from_oversampling(16, ratio)
    X = complex_normal((3, 16, 5), generator(1), torch.complex128)  # [B, S, M]
    x = grid.modulate(X)
    assert x.shape == (3, 16 * ratio, 5) and x.dtype == torch.complex128
    # Parseval: the energy of every antenna's OFDM symbol is the same in time and frequency
    torch.testing.assert_close((x.abs() ** 2).sum(dim=-2), (X.abs() ** 2).sum(dim=-2))
    Y = grid.demodulate(x)
    torch.testing.assert_close(grid.take_used(Y), X)
    assert Y[:, grid.guard_mask].abs().sum() < 1e-12  # (no guard band at ratio 1)


def test_delay_profiles():
    uniform = delay_profile(4)
    torch.testing.assert_close(uniform, torch.full((4,), 0.25, dtype=torch.float64))
    expo = delay_profile(5, "exponential", decay_db=3.0)
    assert float(expo.sum()) == pytest.approx(1.0)
    ratios = expo[1:] / expo[:-1]
    torch.testing.assert_close(ratios, torch.full((4,), 10**-0.3, dtype=torch.float64))
    with pytest.raises(ValueError, match="unknown delay profile"):
        delay_profile(3, "flat")
    with pytest.raises(ValueError, match="decay_db must be positive"):
        delay_profile(3, "exponential", decay_db=0.0)


def test_frequency_response_is_the_fft_of_the_taps():
    grid = OFDMGrid(16, 16)
    taps = complex_normal((2, 4, 3, 2), generator(2), torch.complex128)  # [B, L, M, K]
    H = frequency_response(taps, grid)  # [B, S, M, K]
    padded = torch.zeros(2, 16, 3, 2, dtype=torch.complex128)
    padded[:, :4] = taps
    reference = torch.fft.fft(padded, dim=1)[:, grid.used_bins]  # bins of f = -8..7
    torch.testing.assert_close(H, reference)


def test_oversampling_does_not_change_the_in_band_channel():
    taps = TappedDelayLineChannel(4, 2, 6).sample(3, generator(3))
    H1 = frequency_response(taps, OFDMGrid.from_oversampling(32, 1))
    H4 = frequency_response(taps, OFDMGrid.from_oversampling(32, 4))
    torch.testing.assert_close(H1, H4)


@pytest.mark.parametrize("profile", ["uniform", "exponential"])
def test_subcarrier_channels_have_unit_gain(profile):
    channel = TappedDelayLineChannel(16, 4, 8, profile, decay_db=2.0)
    taps = channel.sample(200, generator(4))
    assert taps.shape == (200, 8, 16, 4) and taps.dtype == torch.complex64
    tap_power = (taps.abs() ** 2).mean(dim=(0, 2, 3)).double()
    torch.testing.assert_close(tap_power, channel.profile, atol=0.01, rtol=0.05)
    H = frequency_response(taps, OFDMGrid(64, 32))
    # the narrowband Rayleigh channel's CN(0, 1) entries, on every subcarrier
    per_subcarrier = (H.abs() ** 2).mean(dim=(0, 2, 3))
    assert per_subcarrier.min() > 0.9 and per_subcarrier.max() < 1.1
    assert float((H.abs() ** 2).mean()) == pytest.approx(1.0, abs=0.02)
    # frequency correlation E[H[f] H[f + d]^*] = sum_l p_l e^{j 2 pi d l / S}, here d = S/2
    corr = complex((H[:, 0] * H[:, 16].conj()).mean())
    signs = torch.tensor([(-1.0) ** tap for tap in range(8)], dtype=torch.float64)
    assert corr == pytest.approx(float((channel.profile * signs).sum()), abs=0.03)


def test_channel_errors():
    grid = OFDMGrid(16, 4)
    with pytest.raises(ValueError, match="L=6 taps needs at least L used subcarriers"):
        frequency_response(complex_normal((1, 6, 2, 1), generator()), grid)
    with pytest.raises(ValueError, match="num_taps must be a positive integer"):
        TappedDelayLineChannel(4, 2, 0)
    assert math.isclose(float(delay_profile(1).sum()), 1.0)
