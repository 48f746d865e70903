import math

import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.evaluation import (
    noisy_channel_estimate,
    pilot_channel_estimate,
    pilot_estimate_nmse_db,
)
from tests.conftest import generator


@pytest.mark.parametrize(("pilot_snr_db", "pilots"), [(0.0, 4), (10.0, 2), (-5.0, 1)])
def test_pilot_estimates_have_their_closed_form_nmse(pilot_snr_db, pilots):
    """LS: NMSE 1 / (rho tau); MMSE (i.i.d. CN(0, 1) entries): 1 / (1 + rho tau)."""
    H = RayleighChannel(32, pilots).sample(4000, generator(0))
    gain = 10 ** (pilot_snr_db / 10) * pilots
    for estimator, expected in (("ls", 1 / gain), ("mmse", 1 / (1 + gain))):
        H_hat = pilot_channel_estimate(H, pilot_snr_db, generator(1), estimator)
        measured = (H_hat - H).abs().square().sum() / H.abs().square().sum()
        assert measured.item() == pytest.approx(expected, rel=0.03), estimator
        assert pilot_estimate_nmse_db(pilot_snr_db, pilots, estimator) == pytest.approx(
            10 * math.log10(expected)
        )


def test_mmse_is_the_shrunk_ls_estimate_and_longer_pilots_help():
    H = RayleighChannel(8, 2).sample(10, generator(2))
    ls = pilot_channel_estimate(H, 0.0, generator(3), "ls")
    mmse = pilot_channel_estimate(H, 0.0, generator(3), "mmse")
    torch.testing.assert_close(mmse, ls * (2 / 3))  # rho tau = 2
    assert pilot_estimate_nmse_db(0.0, 8) < pilot_estimate_nmse_db(0.0, 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"estimator": "zf"}, "estimator"), ({"pilots": 0}, "pilots"),
     ({"pilot_snr_db": math.nan}, "finite"), ({"pilot_snr_db": 3100.0}, r"\[-100, 100\]"),
     ({"pilot_snr_db": -100.5}, "pilot_snr_db")],
)  # fmt: skip
def test_pilot_estimate_rejects_bad_settings(kwargs, message):
    H = RayleighChannel(4, 2).sample(2, generator(0))
    args = {"pilot_snr_db": 0.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        pilot_channel_estimate(H, generator=generator(0), **args)


def test_error_nmse_is_bounded_where_its_power_would_overflow():
    # +100 dB (an error 10^10 times the channel) still gives finite float32 estimates; above it,
    # and at 3,083 dB where 10^(dB/10) overflows a float64, a ValueError names the bound
    H = RayleighChannel(4, 2).sample(3, generator(0))
    estimate = noisy_channel_estimate(H, 100.0, generator(1))
    assert torch.isfinite(torch.view_as_real(estimate)).all()
    error = ((estimate - H).abs() ** 2).sum() / (H.abs() ** 2).sum()
    assert 1e9 < float(error) < 1e11
    bound = r"error_nmse_db must be a finite number of dB up to 100"
    for db in (100.5, 3083.0, math.inf):
        with pytest.raises(ValueError, match=bound):
            noisy_channel_estimate(H, db, generator(1))
