import pytest

from qprecode.experiments.studies import csi_sweep, pilot_sweep, plot_csi_sweep

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites


def test_csi_sweep_loses_rate_as_the_estimate_worsens(tmp_path):
    rows = csi_sweep(["zf", "mrt"], antennas=16, users=2, bits=1, errors_db=(-30.0, -10.0, 0.0),
                     channels=60, symbols=32)  # fmt: skip
    assert len(rows) == 2 * 4
    for name in ("zf", "mrt"):
        rates = [r["sum_rate"] for r in rows if r["precoder"] == name]
        assert rates[0] >= rates[1] - 0.05 and rates[1] > rates[2] > rates[3], name
    plot_csi_sweep({"K=2": rows}, tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 0


def test_pilot_sweep_gains_rate_with_pilot_power_and_reports_the_estimate_nmse():
    rows = pilot_sweep(["zf"], antennas=16, users=2, bits=1, pilot_snrs_db=(-10.0, 10.0),
                       channels=60, symbols=32)  # fmt: skip
    by = {(r["estimator"], r["pilot_snr_db"]): r for r in rows}
    for estimator in ("ls", "mmse"):
        assert by[(estimator, 10.0)]["sum_rate"] > by[(estimator, -10.0)]["sum_rate"]
    assert by[("mmse", -10.0)]["estimate_nmse_db"] < by[("ls", -10.0)]["estimate_nmse_db"]
