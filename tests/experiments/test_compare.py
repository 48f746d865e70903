import json

from qprecode.experiments import ComparisonConfig, run_comparison

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
    assert saved["config"]["antennas"] == 8
    names = {r["precoder"] for r in saved["sum_rate"]}
    assert {"mrt", "zf", "wf", "squid", "c2po"} <= names
    assert not [r for r in saved["sum_rate"] if r["precoder"] == "c2po" and r["bits"] == 2]
    small = results["small_problem"]
    for row in small:
        if row["precoder"] == "exhaustive":
            assert row["rate_fraction"] == 1.0 and row["mse_ratio"] == 1.0
        elif row["mse_ratio"] is not None:
            assert row["mse_ratio"] >= 1.0 - 1e-6, row  # never beaten on its own objective
    assert {r["precoder"] for r in small if r["mse_ratio"] is None} >= {"mrt", "zf"}
    report = (tmp_path / "report.md").read_text()
    assert "| squid |" in report and "exhaustive-search optimum" in report
