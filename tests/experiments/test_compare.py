import json
import math

import pytest
from click.testing import CliRunner
from matplotlib.image import imread

from qprecode.cli import cli
from qprecode.experiments import COMPARE_PRESETS, ComparisonConfig, run_comparison
from qprecode.experiments import compare as compare_module

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites

TINY = ComparisonConfig(
    antennas=8, users=(1, 2), bits=(1, 2), snr_db=(0.0, 20.0), channels=8, symbols=16,
    small_antennas=3, small_users=(1, 2), small_channels=6, small_symbols=8, table_snr_db=20.0,
)  # fmt: skip


def test_comparison_writes_report_and_exhaustive_is_the_optimum(tmp_path):
    results = run_comparison(TINY, tmp_path, echo=lambda _: None)
    for name in ("report.md", "results.json", "config.json", "rate_k1_b1.png",
                 "ber_qpsk_k2_b2.png"):  # fmt: skip
        assert (tmp_path / name).is_file(), name
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["config"]["antennas"] == 8 and saved["config"]["seed"] == 0
    assert saved["meta"]["qprecode_version"]
    names = {r["precoder"] for r in saved["sum_rate"]}
    assert {"mrt", "zf", "wf", "squid", "c2po"} <= names
    assert not [r for r in saved["sum_rate"] if r["precoder"] == "c2po" and r["bits"] == 2]
    for r in saved["ber_qpsk"]:
        assert 0.0 <= r["ber"] <= 0.5
    small = results["small_problem"]
    for row in small:
        if row["precoder"] == "exhaustive":
            assert row["rate_fraction"] == 1.0 and row["mse_ratio"] == 1.0
        elif row["mse_ratio"] is not None:
            assert row["mse_ratio"] >= 1.0 - 1e-6, row  # never beaten on its own objective
    assert {r["precoder"] for r in small if r["mse_ratio"] is None} >= {"mrt", "zf"}
    report = (tmp_path / "report.md").read_text()
    assert "| squid |" in report and "exhaustive-search optimum" in report
    image = imread(tmp_path / "rate_k1_b1.png")
    assert image.shape[0] > 400 and image.shape[1] > 600
    assert (image[..., :3].min(axis=-1) < 0.9).mean() > 0.03


def test_compare_presets_and_seed():
    assert set(COMPARE_PRESETS) == {"quick", "full"}
    quick = ComparisonConfig.from_preset("quick", seed=4)
    assert (quick.channels, quick.symbols, quick.seed) == (300, 64, 4)
    assert ComparisonConfig.from_preset("full").snr_db[1] == -5.0
    # reproduce's name of its largest preset means the same here
    assert ComparisonConfig.from_preset("paper") == ComparisonConfig.from_preset("full")
    with pytest.raises(ValueError, match="unknown preset"):
        ComparisonConfig.from_preset("huge")


def test_cli_compare_takes_preset_and_seed(tmp_path, monkeypatch):
    small = ComparisonConfig(antennas=4, users=(1,), bits=(1,), snr_db=(10.0,), channels=4,
                             symbols=8, small_antennas=2, small_users=(1,), small_channels=3,
                             small_symbols=4, table_snr_db=10.0)  # fmt: skip
    monkeypatch.setitem(compare_module.PRESETS, "quick", small)
    result = CliRunner().invoke(
        cli, ["compare", "--preset", "quick", "--seed", "3", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["config"]["seed"] == 3 and saved["config"]["channels"] == 4
    rate = json.loads((tmp_path / "results.json").read_text())["sum_rate"]
    assert all(math.isfinite(r["sum_rate"]) for r in rate)
