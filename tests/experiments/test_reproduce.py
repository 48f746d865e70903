import json

import pytest

from qprecode.experiments import EXPERIMENTS, reproduce


def test_every_figure_and_table_has_an_experiment():
    expected = {"fig3", "fig4", "fig7a", "fig7b", "table1", "fig8", "fig9", "fig10", "fig11",
                "fig12", "fig13"}  # fmt: skip
    assert set(EXPERIMENTS) == expected


def test_power_figures_agree_with_the_paper(tmp_path):
    sections = reproduce("fig12", "quick", tmp_path, echo=lambda _: None)
    records = json.loads((tmp_path / "fig12.json").read_text())["data"]["records"]
    small = next(r for r in records if r["dh"] == 32)
    assert small["crossover_bandwidth_hz"] == pytest.approx(3.5e6, rel=0.05)
    assert (tmp_path / "fig12.png").stat().st_size > 10_000
    assert "Paper:" in sections[0].markdown and "Ours:" in sections[0].markdown


def test_fig3_pathological_angle_has_flat_sdr(tmp_path):
    section = reproduce("fig3", "quick", tmp_path, echo=lambda _: None)[0]
    assert section.data["a"]["sdr_range_db"] < 1.0 < 20.0 < section.data["b"]["sdr_range_db"]
    assert (tmp_path / "fig3a.png").exists() and (tmp_path / "fig3.md").exists()


def test_unknown_experiment_and_preset(tmp_path):
    with pytest.raises(ValueError, match="unknown experiment"):
        reproduce("fig99", "quick", tmp_path)
    with pytest.raises(ValueError, match="unknown preset"):
        reproduce("fig12", "huge", tmp_path)
