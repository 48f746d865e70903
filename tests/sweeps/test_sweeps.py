import json
import random

import pytest
import torch
import yaml

from qprecode.nn import read_files
from qprecode.sweeps import (
    aggregate_seeds,
    execute_trial,
    pareto_mask,
    plan_sweep,
    ray_available,
    run_local,
    run_ray,
    trial_dir,
)

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites

TINY = {
    "model": {"bits": 1, "hidden_dim": 4, "hidden_layers": 1},
    "data": {"antennas": 4, "users": 1, "train_channels": 32, "val_channels": 8,
             "test_channels": 8, "symbols": 4, "eval_symbols": 8},
    "optim": {"batch_size": 16, "epochs": 1},
    "loop": {"eval_every": 2, "checkpoint_every": 1},
    "sweep": {"hidden_dim": [4, 8], "seed": [0, 1]},
    "name": "d{hidden_dim}-s{seed}",
}  # fmt: skip


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(TINY))
    return path


def test_plan_expands_the_grid_with_overrides(config_file):
    trials = plan_sweep(config_file, [("optim.lr", 0.01)])
    assert [t.name for t in trials] == ["d4-s0", "d4-s1", "d8-s0", "d8-s1"]
    assert trials[2].config.model.hidden_dim == 8 and trials[3].config.seed == 1
    assert all(t.config.optim.lr == 0.01 for t in trials)


def test_local_sweep_writes_records_and_resumes_without_retraining(config_file, tmp_path):
    out = tmp_path / "sweep"
    trials = plan_sweep(config_file)
    records = run_local(trials, out, echo=lambda _: None, progress=False)
    assert [r["trial"] for r in records] == [t.name for t in trials]
    for record in records:
        assert (
            record["step"] == 2 and "test_sum_rate" in record and "test_sum_rate[mrt-1]" in record
        )
        assert record["model.hidden_dim"] in (4, 8)
    weights = trial_dir(out, trials[0]) / "best.safetensors"
    stamp = weights.stat().st_mtime_ns
    assert run_local(trials, out, echo=lambda _: None, progress=False) == records
    assert weights.stat().st_mtime_ns == stamp  # read back, not trained again


def test_a_stopped_trial_continues_from_its_checkpoint(config_file, tmp_path):
    from qprecode.training import train

    trial = plan_sweep(config_file)[0]
    folder = trial_dir(tmp_path, trial)
    train(trial.config, folder, progress=False, max_steps=1, echo=lambda _: None)
    assert json.loads((folder / "last.json").read_text())["step"] == 1
    record = execute_trial(trial, tmp_path)
    assert record["step"] == 2
    execute_trial(trial, tmp_path / "again")
    # the continued run ends with the weights of an uninterrupted one (its best model may differ:
    # a stop validates, and may keep that model)
    resumed, _ = read_files(folder / "last")
    uninterrupted, _ = read_files(trial_dir(tmp_path / "again", trial) / "last")
    for key in uninterrupted:
        if key.startswith("model."):
            assert torch.equal(resumed[key], uninterrupted[key])


def test_a_trial_trained_by_train_into_its_folder_is_read_back_not_trained_again(
    config_file, tmp_path, monkeypatch
):
    from qprecode.sweeps import plan
    from qprecode.training import train

    trial, other = plan_sweep(config_file)[:2]
    folder = trial_dir(tmp_path, trial)
    train(trial.config, folder, progress=False, echo=lambda _: None)
    tested = json.loads((folder / "best.json").read_text())["test"]

    def refuse(*args, **kwargs):
        raise AssertionError("the finished trial was trained again")

    monkeypatch.setattr(plan, "run_trial", refuse)
    record = execute_trial(trial, tmp_path)
    at = tested["snr_db"].index(trial.config.data.snr_db)
    assert record["step"] == 2 and record["test_sum_rate"] == tested["results"][0]["sum_rate"][at]
    # a finished run of another config in the trial's folder is not taken for it
    other_folder = trial_dir(tmp_path, other)
    (folder / "record.json").unlink()
    folder.rename(other_folder)
    with pytest.raises(AssertionError, match="trained again"):
        execute_trial(other, tmp_path)


def test_pareto_mask_keeps_exactly_the_non_dominated_points():
    rng = random.Random(0)
    points = [(rng.random(), rng.random()) for _ in range(200)] + [(0.5, 0.5), (0.5, 0.5)]
    mask = pareto_mask(points)

    def dominates(a, b):
        return a[0] >= b[0] and a[1] >= b[1] and (a[0] > b[0] or a[1] > b[1])

    for p, kept in zip(points, mask, strict=True):
        assert kept == (not any(dominates(q, p) for q in points))
    assert pareto_mask([(1, 1), (1, 1)]) == [True, True]  # equal points do not dominate


def test_aggregate_seeds_gives_mean_and_sample_std():
    records = [{"trial": f"a-s{s}", "seed": s, "model.arch": "a", "energy_uj": 2.0,
                "test_sum_rate": r} for s, r in enumerate([1.0, 2.0, 3.0])] + [
               {"trial": "b-s0", "seed": 0, "model.arch": "b", "energy_uj": 1.0,
                "test_sum_rate": 5.0}]  # fmt: skip
    rows = {r["model.arch"]: r for r in aggregate_seeds(records, ["test_sum_rate"])}
    assert rows["a"]["energy_uj"] == 2.0 and "trial" not in rows["a"] and "seed" not in rows["a"]
    assert rows["a"]["seeds"] == 3 and rows["a"]["test_sum_rate_mean"] == pytest.approx(2.0)
    assert rows["a"]["test_sum_rate_std"] == pytest.approx(1.0)
    assert rows["b"]["test_sum_rate_std"] == 0


@pytest.mark.skipif(not ray_available(), reason="Ray Tune is an optional extra: qprecode[sweep]")
def test_ray_engine_gives_the_records_of_the_local_engine(config_file, tmp_path):
    trials = plan_sweep(config_file)[:2]
    local = run_local(trials, tmp_path / "local", echo=lambda _: None, progress=False)
    remote = run_ray(trials, tmp_path / "ray", echo=lambda _: None)
    assert [r["test_sum_rate"] for r in remote] == [r["test_sum_rate"] for r in local]
    assert (tmp_path / "ray" / "tune").is_dir()
