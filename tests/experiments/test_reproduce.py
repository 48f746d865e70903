"""Every experiment of the Feys et al. reproduction, run once on the ``tiny`` preset and checked
against facts that do not depend on the Monte-Carlo size: the paper's Table I for MRT, closed
forms, the FLOP formulas, and the orderings the paper reports."""

import json
import math
import shutil
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.image import imread

from qprecode.cli import cli
from qprecode.experiments import COMPARE_PRESETS, EXPERIMENTS, ReproduceConfig, reproduce
from qprecode.experiments.feys import PAPER_TABLE_I, PRESETS, table1
from qprecode.models import shipped_models

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites

TINY = ReproduceConfig.from_preset("tiny")
HAS_GNN = "k1-b1" in shipped_models()


def _distinct_colours(image):
    """Number of distinct RGBA values of an ``[H, W, 4]`` float image read by ``imread``."""
    rgba = np.ascontiguousarray((image * 255).round().astype(np.uint8))
    return len(np.unique(rgba.view(np.uint32)))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """``reproduce all`` on the tiny preset: the output folder and every KEY.json read back."""
    out = tmp_path_factory.mktemp("reproduce")
    sections = reproduce("all", TINY, out, echo=lambda _: None)
    saved = {k: json.loads((out / f"{k}.json").read_text()) for k in EXPERIMENTS}
    return out, sections, saved


def test_every_figure_and_table_has_an_experiment():
    expected = {"fig3", "fig4", "fig7a", "fig7b", "table1", "fig8", "fig9", "fig10", "fig11",
                "fig12", "fig13"}  # fmt: skip
    assert set(EXPERIMENTS) == expected


def test_every_experiment_saves_its_config_seed_and_code_version(report):
    out, sections, saved = report
    assert [s.key for s in sections] == list(EXPERIMENTS)
    for key, payload in saved.items():
        assert payload["experiment"] == key
        assert payload["config"] == TINY.to_dict() and payload["config"]["seed"] == 0
        assert payload["meta"]["qprecode_version"] and "git_commit" in payload["meta"]
        assert payload["data"], key
        assert (out / f"{key}.md").read_text().startswith("## ")
    text = (out / "REPORT.md").read_text()
    assert "seed 0" in text and "--preset tiny --seed 0" in text
    assert all(s.markdown in text for s in sections)


def test_every_figure_is_a_drawn_png(report):
    out, sections, _ = report
    figures = [f for s in sections for f in s.figures]
    assert len(figures) == 13 if HAS_GNN else len(figures) >= 12
    assert all(f"]({f})" in s.markdown for s in sections for f in s.figures)
    for name in figures:
        image = imread(out / name)
        height, width = image.shape[:2]
        assert 400 <= height <= 700 and 700 <= width <= 1500, (name, image.shape)
        assert _distinct_colours(image) > 50, name
        assert (image[..., :3].min(axis=-1) < 0.9).mean() > 0.03, name  # not a blank canvas
        rgb = image[..., :3]  # curves are coloured; text, axes and grid are black or grey
        assert ((rgb.max(axis=-1) - rgb.min(axis=-1)) > 0.3).mean() > 0.004, name


def test_table1_mrt_matches_the_paper(report):
    data = report[2]["table1"]["data"]
    # MRT + b-bit DACs at M=32, K=1 (Table I): within 0.3 dB even on 300 channels
    assert data["mrt_db"] == pytest.approx(PAPER_TABLE_I["mrt"], abs=0.3)
    if HAS_GNN:
        assert data["gnn_db"][0] < data["mrt_db"][0] - 5.0  # the 1-bit GNN beats 1-bit MRT


def test_table1_explains_each_gnn_gap_by_how_its_model_was_trained(report):
    from qprecode.experiments.common import PAPER_TRAINING_PAIRS
    from qprecode.models import SHIPPED_DIR

    data = report[2]["table1"]["data"]
    markdown = next(section.markdown for section in report[1] if section.key == "table1")
    for b, (ours, paper) in enumerate(zip(data["gnn_db"], PAPER_TABLE_I["gnn"], strict=True), 1):
        if ours is None:
            continue
        info = json.loads((SHIPPED_DIR / f"k1-b{b}.json").read_text())
        config, training = info["config"], info["training"]
        # every step the weights saw: the selected step of the last run and the steps of the
        # weights it started from
        steps = info["step"] + training.get("starting_model_steps", 0)
        assert training.get("starting_model_steps", 0) > 0 or not config["loop"]["init_from"]
        pairs = steps * config["optim"]["batch_size"] * config["data"]["symbols"]
        line = next(x for x in markdown.splitlines() if x.startswith(f"- b={b}: "))
        assert f"{steps:,} steps" in line and f"({pairs / PAPER_TRAINING_PAIRS:.0%} of" in line
        assert line.endswith(f"{ours - paper:+.2f} dB from the paper.")
    gaps = [x - p for x, p in zip(data["gnn_db"], PAPER_TABLE_I["gnn"], strict=True) if x]
    if any(gap > 1.0 for gap in gaps):
        assert "Every gap above 1 dB belongs to a model trained on a fraction" in markdown
    else:
        assert "Every shipped bit-width is within 1 dB of the paper's NMSE or below it" in markdown


def _at20(records):
    return {(r["precoder"], r["bits"]): r["sum_rate"] for r in records if r["snr_db"] == 20.0}


def test_fig7a_rates_grow_with_bits_and_unquantized_mrt_meets_its_closed_form(report):
    records = report[2]["fig7a"]["data"]["records"]
    at20 = _at20(records)
    mrt = [at20[("mrt", b)] for b in (1, 2, 3, 4, "inf")]
    assert mrt == sorted(mrt) and mrt[0] < mrt[1] - 1.0
    # unquantized MRT, K=1: SNR * ||h||^2 with ||h||^2 ~ Gamma(M=32): log2(1 + 100 * 32)
    assert at20[("mrt", "inf")] == pytest.approx(math.log2(1 + 100 * 32), abs=0.15)
    unquantized = [r["sum_rate"] for r in records if r["bits"] == "inf"]
    assert unquantized == sorted(unquantized)  # grows with SNR
    if HAS_GNN:
        assert at20[("gnn", 1)] > at20[("mrt", 1)] + 1.0


def test_fig7b_and_fig11_orderings(report):
    at20 = _at20(report[2]["fig7b"]["data"]["records"])
    assert at20[("zf K=2", 1)] < at20[("zf K=4", 1)] < at20[("zf K=6", 1)]
    if "k2-b1" in shipped_models():
        assert at20[("gnn K=2", 1)] > at20[("zf K=2", 1)]  # the GNN beats ZF at high SNR
    fig11 = report[2]["fig11"]["data"]
    for K, base in ((1, "MRT"), (2, "ZF"), (4, "ZF"), (6, "ZF")):
        rates = fig11[f"{base} K={K}"]["sum_rate"]
        assert rates == sorted(rates) and len(rates) == 4
    # the same channels and symbols in both figures: ZF K=2 at 1 bit is the same number
    assert fig11["ZF K=2"]["sum_rate"][0] == pytest.approx(at20[("zf K=2", 1)], rel=1e-9)


def test_radiation_figures(report):
    saved = report[2]
    fig3 = saved["fig3"]["data"]
    # 90 deg is pathological for 1-bit MRT: flat SDR; 110 deg is not
    assert fig3["a"]["sdr_range_db"] < 1.0 < 20.0 < fig3["b"]["sdr_range_db"]
    fig4 = saved["fig4"]["data"]  # more users: more uniform distortion
    assert fig4["a"]["distortion_peak_to_mean_db"] > fig4["b"]["distortion_peak_to_mean_db"] + 3
    fig8 = saved["fig8"]["data"]
    if len(fig8) == 2:  # a GNN is shipped: it beams its distortion away from the user
        mrt, gnn = fig8["MRT 1-bit"], next(v for k, v in fig8.items() if k.startswith("GNN"))
        assert gnn["sdr_user_db"] > mrt["sdr_user_db"] + 5
        assert fig8["MRT 1-bit"]["sdr_user_db"] == pytest.approx(fig3["b"]["sdr_user_db"])
        fig9 = saved["fig9"]["data"]
        assert fig9["8"] < fig9["16"] < fig9["32"]  # SDR at the user grows with M


def test_fig10_nmse(report):
    data = report[2]["fig10"]["data"]
    assert data["MRT M=32"]["nmse_pooled_db"] == pytest.approx(PAPER_TABLE_I["mrt"][0], abs=0.3)
    if HAS_GNN:
        assert data["GNN M=32"]["nmse_pooled_db"] < data["MRT M=32"]["nmse_pooled_db"] - 5


def test_power_figures_follow_the_flop_formulas_and_the_paper(report):
    saved = report[2]
    for key in ("fig12", "fig13"):
        records = {r["hidden_dim"]: r for r in saved[key]["data"]["records"]}
        assert records[128]["hidden_layers"] == 4 and records[32]["hidden_layers"] == 8
        assert records[128]["flops_per_vector"] == 22_512_384  # eqs. 31-38, d_h=128, N_h=4
        assert records[32]["flops_per_vector"] == 2_771_680
    baseband = {r["hidden_dim"]: r for r in saved["fig12"]["data"]["records"]}
    assert baseband[128]["crossover_bandwidth_hz"] == pytest.approx(200e3, rel=0.05)
    assert baseband[32]["crossover_bandwidth_hz"] == pytest.approx(3.5e6, rel=0.05)
    rf = {r["hidden_dim"]: r for r in saved["fig13"]["data"]["records"]}
    assert rf[32]["power_reduction"]["dac_only"] == pytest.approx(3.0, abs=0.05)
    assert rf[32]["power_reduction"]["at_max_bandwidth"]["total"] == pytest.approx(2.9, abs=0.05)
    assert rf[32]["max_bandwidth_hz"] == pytest.approx(15.8e6, rel=0.01)


def test_one_experiment_again_rebuilds_the_combined_report(report, tmp_path):
    out = tmp_path / "report"
    shutil.copytree(report[0], out)
    text = (out / "REPORT.md").read_text()
    text = text.replace("Each section states", "A note.\n\nEach section states")
    # the report as an older run of fig12 left it
    text = text.replace((out / "fig12.md").read_text(), "## Fig. 12: stale\n")
    assert "stale" in text
    (out / "REPORT.md").write_text(text)
    reproduce("fig12", TINY, out, echo=lambda _: None)
    text = (out / "REPORT.md").read_text()
    assert "stale" not in text and (out / "fig12.md").read_text() in text
    assert "A note." in text.split("\n## ")[0]  # the header and its notes are kept
    order = [text.index((out / f"{k}.md").read_text()) for k in EXPERIMENTS]
    assert order == sorted(order)  # every section, in the order of the experiments


def test_the_seed_picks_the_channels(tmp_path):
    small = replace(TINY, table_channels=64)
    seed0 = table1(small, tmp_path).data["mrt_db"]
    again = table1(small, tmp_path).data["mrt_db"]
    other = table1(replace(small, seed=1), tmp_path).data["mrt_db"]
    assert again == seed0  # same seed, same numbers
    assert other != seed0 and other == pytest.approx(PAPER_TABLE_I["mrt"], abs=0.5)


def test_presets_and_config_validation(tmp_path):
    assert list(PRESETS) == ["tiny", "quick", "paper"]
    quick = ReproduceConfig.from_preset("quick", seed=5)
    assert (quick.channels, quick.table_channels, quick.seed) == (1000, 2000, 5)
    with pytest.raises(ValueError, match="unknown preset"):
        ReproduceConfig.from_preset("huge")
    # compare and reproduce share the names quick and full
    assert ReproduceConfig.from_preset("full", seed=2) == ReproduceConfig.from_preset("paper", 2)
    assert {"quick", "full"} <= set(COMPARE_PRESETS)
    with pytest.raises(ValueError, match="channels must be a positive integer"):
        replace(TINY, channels=0)
    with pytest.raises(ValueError, match="seed"):
        replace(TINY, seed=-1)
    with pytest.raises(ValueError, match="unknown experiment"):
        reproduce("fig99", TINY, tmp_path)
    with pytest.raises(TypeError, match="ReproduceConfig"):
        reproduce("fig12", "quick", tmp_path)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        TINY.seed = 3  # type: ignore[misc]  # frozen


def test_cli_reproduce_takes_preset_and_seed(tmp_path):
    result = CliRunner().invoke(
        cli, ["reproduce", "fig12", "--preset", "tiny", "--seed", "7", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "fig12.json").read_text())
    assert saved["config"] == {**TINY.to_dict(), "seed": 7}
    result = CliRunner().invoke(cli, ["reproduce", "fig99", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "fig99" in result.output
