import json

import pytest

from qprecode.cli import main


def run(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def test_ofdm_writes_json_and_plots(tmp_path, capsys):
    args = ["ofdm", "--precoder", "zf,rzf", "--bits", "1,inf", "--oversampling", "1,4",
            "--antennas", "8", "--users", "2", "--subcarriers", "16", "--taps", "4",
            "--channels", "2", "--ofdm-symbols", "8", "--snr-db", "10,20",
            "--modulation", "qpsk", "--seed", "5", "--quiet",
            "--json", str(tmp_path / "o.json"), "--plot", str(tmp_path / "o.png")]  # fmt: skip
    code, out, _ = run(args, capsys)
    assert code == 0
    assert "OFDM" in out and "BER" in out
    data = json.loads((tmp_path / "o.json").read_text())
    assert data["config"]["seed"] == 5 and data["config"]["oversampling"] == [1, 4]
    assert "git_commit" in data["meta"]
    records = data["results"]
    assert len(records) == 2 * 2 * 2 * 2  # precoders x bits x oversampling x SNR points
    assert {r["bits"] for r in records} == {1, "inf"}
    for r in records:
        assert len(r["subcarrier_rate"]) == 16 and len(r["psd_db"]["sim"]) == 16 * r["oversampling"]
        assert set(r["sum_rate"]) == {"sim", "exact", "diagonal"}
    ideal = [r for r in records if r["bits"] == "inf"]
    assert all(r["sndr_gap_db"]["exact"] == pytest.approx(0.0, abs=1e-3) for r in ideal)
    for name in ("o.png", "o_psd.png"):
        assert (tmp_path / name).stat().st_size > 10_000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--precoder", "squid"], "--precoder squid: ofdm applies a precoding matrix"),
        (["--taps", "100"], "--taps 100 exceeds --subcarriers 64"),
        (["--ofdm-symbols", "4"], "--ofdm-symbols must exceed --users 4"),
        (["--oversampling", "0"], "--oversampling"),
        (["--users", "40"], "zero forcing needs --users <= --antennas"),
        (["--bits", "9"], "bits must be an integer in 1..8"),
    ],
)
def test_ofdm_errors_name_the_option(extra, message, capsys):
    code, _, err = run(["ofdm", "--quiet", *extra], capsys)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_ofdm_runs_the_wideband_local_search_beside_zf(tmp_path, capsys):
    args = ["ofdm", "--precoder", "ls-ofdm,zf", "--bits", "1", "--oversampling", "2",
            "--antennas", "8", "--users", "2", "--subcarriers", "8", "--taps", "2",
            "--channels", "2", "--ofdm-symbols", "8", "--snr-db", "10,20", "--ls-sweeps", "2",
            "--seed", "1", "--quiet", "--json", str(tmp_path / "o.json"),
            "--plot", str(tmp_path / "o.png")]  # fmt: skip
    code, out, _ = run(args, capsys)
    assert code == 0
    data = json.loads((tmp_path / "o.json").read_text())
    assert data["config"]["ls_sweeps"] == 2 and data["config"]["code"] is None
    ls = [r for r in data["results"] if r["precoder"] == "ls-ofdm"]
    assert len(ls) == 2
    for r in ls:  # no Bussgang model for a non-linear precoder, the simulation only
        assert r["sum_rate"]["exact"] is None and r["psd_db"]["exact"] is None
        assert r["sum_rate"]["sim"] > 0 and r["bler"] is None
    assert (tmp_path / "o_snr.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--precoder", "ls-ofdm", "--bits", "1,inf"], "ls-ofdm searches the DAC levels"),
        (["--code-rate", "0.5"], "--code-rate needs QAM symbols"),
        (["--ls-sweeps", "0"], "--ls-sweeps must be a positive integer"),
    ],
)
def test_ofdm_wideband_errors_name_the_option(extra, message, capsys):
    code, _, err = run(["ofdm", "--quiet", *extra], capsys)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
