"""``qprecode reproduce PAPER:ITEM``: the catalogue's names, its one-row extension, and items
run through the command with their config saved beside the numbers."""

import json

import pytest
from click.testing import CliRunner

from qprecode.cli import cli
from qprecode.experiments import CATALOGUE, EXPERIMENTS, Section, catalogue, resolve_items


def test_every_feys_figure_and_the_other_papers_are_named_paper_item():
    assert {f"feys:{key}" for key in EXPERIMENTS} <= set(CATALOGUE)
    assert {row.paper for row in CATALOGUE.values()} == {"feys", "kasalaee", "zhang", "studies"}
    assert all(row.key == f"{row.paper}:{row.item}" and row.summary for row in CATALOGUE.values())


def test_bare_feys_names_and_paper_all_resolve_as_before():
    assert [r.key for r in resolve_items("fig7a")] == ["feys:fig7a"]
    assert [r.key for r in resolve_items("all")] == [f"feys:{k}" for k in EXPERIMENTS]
    zhang = [r.key for r in resolve_items("zhang:all")]
    assert zhang and all(key.startswith("zhang:") for key in zhang)
    for bad in ("fig99", "zhang:fig99", "nobody:all", "kasalaee"):
        with pytest.raises(ValueError, match="unknown item"):
            resolve_items(bad)


def test_a_new_item_is_one_row(tmp_path, monkeypatch):
    """A study added as one ``Reproduction`` row runs through the command, its section saved
    with the config its function returned."""

    def run(preset, seed, out):
        (out / "toy.png").write_bytes(b"png")
        return [Section("toy", "Toy", f"## Toy\n\nseed {seed}\n", ["toy.png"], {"x": 1})], {
            "preset": preset, "seed": seed,
        }  # fmt: skip

    row = catalogue.Reproduction("studies", "toy", "a toy study", run)
    monkeypatch.setattr(catalogue, "_ROWS", [*catalogue._ROWS, row])
    monkeypatch.setitem(catalogue.CATALOGUE, row.key, row)
    result = CliRunner().invoke(
        cli, ["reproduce", "studies:toy", "--preset", "tiny", "--seed", "3", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "toy.json").read_text())
    assert saved["config"] == {"preset": "tiny", "seed": 3} and saved["data"] == {"x": 1}
    assert (tmp_path / "toy.md").read_text() == "## Toy\n\nseed 3\n"
    assert "studies:toy" in CliRunner().invoke(cli, ["reproduce", "--list"]).output


def test_kasalaee_energy_reproduces_the_paper_tables_within_the_stated_ratios(tmp_path):
    result = CliRunner().invoke(cli, ["reproduce", "kasalaee:energy", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "energy.json").read_text())["data"]
    zf = data["table_i"]["zf"]
    assert zf["ours_uj"] == pytest.approx(zf["paper_uj"], rel=0.02)  # eq. 13 is exact
    two_bit = next(r for r in data["table_ii"] if r["bits"] == 2)
    assert two_bit["ours_uj_I1"] < two_bit["ours_uj_I2"] < two_bit["paper_uj"]
    assert "| II | 2-bit weights | 4.6 |" in (tmp_path / "energy.md").read_text()


def test_unknown_items_and_a_missing_item_are_usage_errors(tmp_path):
    for argv in (["reproduce", "zhang:fig99"], ["reproduce"]):
        result = CliRunner().invoke(cli, [*argv, "--out", str(tmp_path)])
        assert result.exit_code == 2, result.output


@pytest.mark.slow
def test_the_local_search_gap_study_writes_its_table(tmp_path):
    result = CliRunner().invoke(
        cli, ["reproduce", "studies:local-search-gap", "--preset", "tiny", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    gaps = json.loads((tmp_path / "local_search_gap.json").read_text())["data"]["gaps"]
    assert len(gaps) == 6
    assert all(g["optimum"] <= g["search"] + 1e-12 < g["start"] for g in gaps)


@pytest.mark.slow
def test_zhang_fig6_shows_the_shipped_gnn_at_its_training_size_near_wmmse(tmp_path):
    result = CliRunner().invoke(
        cli, ["reproduce", "zhang:fig6", "--preset", "tiny", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "fig6.json").read_text())
    assert saved["config"]["model"] == "gradient-k4-n12" and saved["config"]["channels"] == 10
    rows = saved["data"]["rows"]
    at_k4 = {r["precoder"]: r["fraction"] for r in rows if r["users"] == 4}
    assert at_k4["wmmse"] == 1.0 and at_k4["gradient-k4-n12"] > 0.97
    assert (tmp_path / "fig6.png").stat().st_size > 0
