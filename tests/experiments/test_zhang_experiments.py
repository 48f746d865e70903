"""Zhang et al. experiments: size generalisation rows and learning curves from a sweep folder,
and the ``qprecode zhang`` commands."""

import json

import pytest
import torch

from qprecode.cli import main
from qprecode.experiments.zhang import learning_curves, size_generalisation
from qprecode.nn import GradientGNN, UserGAT, save_model

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites


def _models():
    torch.manual_seed(0)
    return {"grad": GradientGNN(8, 1), "gat": UserGAT(6, 8, 1)}


def test_size_generalisation_rows_and_the_baseline_at_one():
    rows = size_generalisation(_models(), [(6, 2), (8, 3), (4, 5)], num_channels=20, progress=False)
    at = {(r["antennas"], r["users"], r["precoder"]): r for r in rows}
    for M, K in [(6, 2), (8, 3), (4, 5)]:
        assert at[(M, K, "wmmse")]["fraction"] == 1.0
        assert 0 < at[(M, K, "grad")]["fraction"] <= 1.05
        assert at[(M, K, "mrt")]["fraction"] < 1.0
    assert (6, 2, "gat") in at and (8, 3, "gat") not in at  # the GAT runs at its own M only
    assert (4, 5, "zf") not in at and (6, 2, "zf") in at  # ZF needs K <= M
    pf = size_generalisation({}, [(6, 3)], objective="log-se", num_channels=20, progress=False)
    assert {r["precoder"] for r in pf} == {"wmmse-pf", "rzf", "mrt", "zf"}


def _record(folder, arch, users, samples, fraction):
    trial = folder / "trials" / f"{arch}-k{users}-n{samples}"
    trial.mkdir(parents=True)
    (trial / "record.json").write_text(json.dumps({
        "trial": trial.name, "task": "zhang-gnn", "seed": 0, "model.architecture": arch,
        "data.users": users, "data.objective": "se", "data.train_channels": samples,
        "test_fraction": fraction, "test_utility": 10 * fraction,
    }))  # fmt: skip


def test_learning_curves_group_and_sort_a_sweep(tmp_path):
    for samples, fraction in [(1000, 0.95), (50, 0.8), (200, 0.9)]:
        _record(tmp_path, "gradient", 4, samples, fraction)
    _record(tmp_path, "edge", 4, 50, 0.6)
    curves = learning_curves(tmp_path)
    assert list(curves) == ["edge K=4 se", "gradient K=4 se"]
    assert [p["samples"] for p in curves["gradient K=4 se"]] == [50, 200, 1000]
    with pytest.raises(ValueError, match="no finished zhang-gnn trial"):
        learning_curves(tmp_path / "trials")


def test_zhang_commands_write_tables_and_plots(tmp_path, capsys):
    model = _models()["grad"]
    save_model(tmp_path / "g", model, {"trained_on": {}})
    with pytest.raises(SystemExit) as stop:
        main(["zhang", "sizes", "--model", f"g={tmp_path / 'g'}", "-M", "6", "-K", "1:3",
              "--channels", "10", "--out", str(tmp_path / "out"), "--quiet"])  # fmt: skip
    assert stop.value.code == 0
    data = json.loads((tmp_path / "out" / "sizes.json").read_text())
    assert {r["users"] for r in data["rows"]} == {1, 2, 3}
    assert (tmp_path / "out" / "sizes.png").stat().st_size > 10_000
    _record(tmp_path / "sweep", "gradient", 4, 50, 0.8)
    _record(tmp_path / "sweep", "gradient", 4, 500, 0.9)
    with pytest.raises(SystemExit) as stop:
        main(["zhang", "curve", str(tmp_path / "sweep")])
    assert stop.value.code == 0 and (tmp_path / "sweep" / "curve.png").is_file()
    with pytest.raises(SystemExit) as stop:
        main(["zhang", "sizes", "--model", "g", "--out", str(tmp_path / "x")])
    assert stop.value.code == 2 and "LABEL=PATH" in capsys.readouterr().err


def test_complexity_rows_from_a_trained_sweep_trial(tmp_path):
    from qprecode.experiments.zhang import classical_timings, hybrid_complexity, learned_complexity
    from qprecode.sweeps import Trial, execute_trial
    from qprecode.training import config_from_raw

    raw = {"task": "zhang-gnn", "model": {"hidden_dim": 8, "hidden_layers": 1},
           "data": {"antennas": 6, "users": 2, "train_channels": 64, "val_channels": 16,
                    "test_channels": 16},
           "optim": {"steps": 4, "batch_size": 32}}  # fmt: skip
    execute_trial(Trial("gradient-k2-n64", config_from_raw(raw)), tmp_path)
    (row,) = learned_complexity(tmp_path, target=2.0, num_channels=8)  # unreachable target
    assert row["samples"] is None and row["parameters"] > 0 and row["inference_ms"] > 0
    assert (row["antennas"], row["users"]) == (6, 2) and row["train_seconds"] > 0
    (reached,) = learned_complexity(tmp_path, target=0.0, num_channels=8)
    assert reached["samples"] == 64
    timings = classical_timings([(6, 2)], ("zf", "wmmse"), num_channels=8)
    assert [t["precoder"] for t in timings] == ["zf", "wmmse"]
    assert row["flops"] > 0 and timings[1]["iterations"] >= 1
    assert timings[1]["flops"] > timings[0]["flops"] > 0  # WMMSE's steps cost more than ZF
    hybrid = {**raw, "model": {"architecture": "hybrid", "hidden_dim": 8, "hidden_layers": 1},
              "data": {**raw["data"], "channel": "sv"}}  # fmt: skip
    from qprecode.training import train

    train(config_from_raw(hybrid), tmp_path / "h", progress=False, echo=lambda _: None)
    result = hybrid_complexity(tmp_path / "h" / "best", num_channels=20)
    assert set(result["inference_ms"]) == {"hybrid-gnn", "mo-altmin", "omp", "pzf"}
    assert result["fractions"]["mo-altmin"] == 1.0 and result["flops"] > 0


def test_model_complexity_reads_a_shipped_model_and_its_card():
    from qprecode.cost import matmul_flops
    from qprecode.experiments.zhang import model_complexity
    from qprecode.models import SHIPPED_DIR
    from qprecode.nn import load_model

    (row,) = model_complexity({"grad": "gradient-k4-n12"}, num_channels=4)
    model, info = load_model(SHIPPED_DIR / "gradient-k4-n12")
    assert (row["antennas"], row["users"]) == (12, 4) and row["baseline"] == "wmmse"
    assert row["fraction"] == info["test"]["results"][0]["fraction_of_baseline"]
    assert row["parameters"] == 225_030
    H = torch.zeros(1, 12, 4, dtype=torch.complex64) + 1
    assert row["flops"] == matmul_flops(model, H).total  # the count does not depend on H


def test_sizes_with_a_hybrid_model_and_hybrid_baselines():
    from qprecode.nn import HybridGNN

    torch.manual_seed(0)
    rows = size_generalisation({"hyb": HybridGNN(2, 8, 1)}, [(8, 1), (8, 2), (8, 3)],
                               num_channels=6, channel="sv", progress=False,
                               classical=("omp", "pzf"))  # fmt: skip
    names = {(r["users"], r["precoder"]) for r in rows}
    assert (2, "hyb") in names and (3, "hyb") not in names  # K <= N_RF only
    assert {(3, "omp"), (3, "pzf"), (3, "wmmse")} <= names


def test_fig10_draws_the_log_se_curves_beside_the_papers_number(tmp_path):
    from qprecode.experiments.zhang import PAPER, figure10
    from qprecode.sweeps import Trial, execute_trial
    from qprecode.training import config_from_raw

    raw = {"task": "zhang-gnn", "model": {"architecture": "pinv", "hidden_dim": 8,
           "hidden_layers": 1}, "data": {"antennas": 6, "users": 2, "train_channels": 32,
           "val_channels": 8, "test_channels": 8, "objective": "log-se"},
           "optim": {"steps": 2, "batch_size": 16}}  # fmt: skip
    execute_trial(Trial("pinv-n32", config_from_raw(raw)), tmp_path / "sweep")
    result = figure10(tmp_path / "sweep", tmp_path / "out")
    (label,) = result["curves"]
    assert label == "pinv K=2 log-se" and result["curves"][label][0]["samples"] == 32
    saved = json.loads((tmp_path / "out" / "fig10.json").read_text())
    assert saved["paper"]["points"] == [{"curve": "gradient", "samples": 50, "fraction": 0.975}]
    assert "97.5%" in saved["paper"]["text"] == PAPER["fig10"]["text"]
    assert (tmp_path / "out" / "fig10.png").stat().st_size > 0
    se = {**raw, "data": {**raw["data"], "objective": "se"}}
    execute_trial(Trial("pinv-se", config_from_raw(se)), tmp_path / "se-only")
    with pytest.raises(ValueError, match="no finished log-se trial"):
        figure10(tmp_path / "se-only", tmp_path / "out2")


def test_fig15_runs_a_hybrid_model_over_the_antennas(tmp_path):
    from qprecode.nn import HybridGNN

    torch.manual_seed(0)
    save_model(tmp_path / "hyb", HybridGNN(2, 8, 1))
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        main(["zhang", "fig15", "--model", str(tmp_path / "hyb"), "-M", "6,10", "-K", "2",
              "--channels", "3", "--classical", "pzf", "--out", str(out), "--quiet"])  # fmt: skip
    assert stop.value.code == 0
    saved = json.loads((out / "fig15.json").read_text())
    at = {(r["antennas"], r["precoder"]) for r in saved["rows"]}
    assert at == {(m, p) for m in (6, 10) for p in ("wmmse", "hybrid-gnn", "pzf")}
    assert all(r["utility"] > 0 for r in saved["rows"]) and "antennas" in saved["paper"]["text"]
    assert (out / "fig15.png").exists() and (out / "fig15.csv").exists()
