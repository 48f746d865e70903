import math

import pytest
import torch

from qprecode.ofdm import OFDMGrid, aclr_db, guard_to_inband_db, psd_db


def _spectrum(grid, inband=1.0, guard=0.01):
    spectrum = torch.full((grid.fft_size,), guard, dtype=torch.float64)
    spectrum[grid.used_bins] = inband
    return spectrum


def test_flat_leakage():
    grid = OFDMGrid.from_oversampling(8, 4)
    spectrum = _spectrum(grid)
    assert float(guard_to_inband_db(spectrum, grid)) == pytest.approx(-20.0)
    assert float(aclr_db(spectrum, grid)) == pytest.approx(20.0)
    freqs, psd = psd_db(spectrum, grid)
    assert freqs.tolist() == list(range(-16, 16))
    inband = (freqs >= -4) & (freqs < 4)
    torch.testing.assert_close(psd[inband], torch.zeros(8, dtype=torch.float64))
    torch.testing.assert_close(psd[~inband], torch.full((24,), -20.0, dtype=torch.float64))


def test_aclr_takes_the_worse_side():
    grid = OFDMGrid.from_oversampling(4, 3)  # bins -6..5, band -2..1, neighbours -6..-3, 2..5
    spectrum = _spectrum(grid, guard=0.0)
    upper = (torch.arange(2, 6)) % grid.fft_size
    spectrum[upper] = 0.1
    assert float(aclr_db(spectrum, grid)) == pytest.approx(10.0)


def test_undefined_without_room():
    assert math.isnan(float(guard_to_inband_db(torch.ones(8), OFDMGrid(8, 8))))
    assert math.isnan(float(aclr_db(torch.ones(16), OFDMGrid(16, 8))))  # N/S = 2
    with pytest.raises(ValueError, match="spectrum must be real"):
        psd_db(torch.ones(8), OFDMGrid(16, 8))
