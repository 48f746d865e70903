"""The Zhang et al. training task: utilities, random-size training sets, and learning."""

import json
import math

import pytest
import torch

from qprecode.metrics import log_se, noise_variance, sinr_from_matrix, sum_rate
from qprecode.nn import GraphMasks, load_model
from qprecode.precoders import MRT
from qprecode.training import config_from_raw, task_for, train
from qprecode.training.zhang.task import draw_sizes, utility

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites

SMALL = {
    "task": "zhang-gnn", "seed": 0,
    "model": {"hidden_dim": 32, "hidden_layers": 2},
    "data": {"antennas": 8, "users": 2, "train_channels": 2000, "val_channels": 200,
             "test_channels": 200},
    "optim": {"epochs": 3},
    "loop": {"eval_every": 10_000, "checkpoint_every": 10_000},
}  # fmt: skip


def _H(B, M, K, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.complex(torch.randn(B, M, K, generator=g), torch.randn(B, M, K, generator=g))


def test_utility_is_the_sum_se_or_log_se_at_the_snr():
    H = _H(6, 8, 3)
    W = MRT().matrix(H)
    sinr = sinr_from_matrix(H, W, noise_variance(10.0, 8))
    assert torch.allclose(utility(H, W, 10.0, "se"), sum_rate(sinr))
    assert torch.allclose(utility(H, W, 10.0, "log-se"), log_se(sinr))


def test_padded_users_add_nothing_to_either_utility():
    H = _H(1, 8, 3)
    W = MRT().matrix(H)
    Hp = torch.zeros(1, 10, 5, dtype=H.dtype)
    Wp = torch.zeros_like(Hp)
    Hp[:, :8, :3], Wp[:, :8, :3] = H, W
    masks = GraphMasks(torch.arange(10)[None] < 8, torch.arange(5)[None] < 3)
    for objective in ("se", "log-se"):
        assert torch.allclose(
            utility(Hp, Wp, 10.0, objective, masks), utility(H, W, 10.0, objective)
        )


def test_exp_sizes_follow_the_truncated_exponentials():
    sizes = draw_sizes(20_000, 4, 12, "exp", "exp", 8, 40, torch.Generator().manual_seed(0))
    M, K = sizes[:, 0].double(), sizes[:, 1].double()
    assert K.min() == 1 and K.max() == 8 and 2.0 < K.mean() < 2.7  # ceil(Exp(2)), truncated
    assert bool((M >= K).all()) and M.max() == 40 and 10.5 < M.mean() < 12.5
    fixed = draw_sizes(5, 4, 12, "fixed", "fixed", 8, 40, torch.Generator())
    assert fixed.tolist() == [[12, 4]] * 5


def test_an_exp_training_set_is_zero_padded_beyond_each_size():
    exp = {"train_channels": 300, "users_distribution": "exp", "antennas_distribution": "exp"}
    config = config_from_raw({**SMALL, "data": {**SMALL["data"], **exp}})
    sets = task_for(config).train_set
    for b in range(300):
        m, k = sets.sizes[b].tolist()
        assert sets.H[b, m:].abs().sum() == 0 and sets.H[b, :, k:].abs().sum() == 0
        assert bool((sets.H[b, :m, :k].abs() > 0).all())
    H, antennas, users = sets.batch(torch.arange(10))
    assert H.shape[1:] == (int(sets.sizes[:10, 0].max()), int(sets.sizes[:10, 1].max()))
    assert torch.equal(antennas.sum(-1), sets.sizes[:10, 0])


def test_short_training_learns_most_of_wmmse_and_writes_a_card(tmp_path):
    config = config_from_raw(SMALL)
    train(config, tmp_path, progress=False, echo=lambda _: None)
    info = json.loads((tmp_path / "best.json").read_text())
    rows = {r["precoder"]: r for r in info["test"]["results"]}
    assert rows["gnn"]["fraction_of_baseline"] > rows["mrt"]["fraction_of_baseline"]
    assert rows["gnn"]["fraction_of_baseline"] > 0.7
    model, _ = load_model(tmp_path / "best")
    assert model(_H(2, 16, 5)).shape == (2, 16, 5)  # runs at another size
    assert "fraction of wmmse" in (tmp_path / "MODEL_CARD.md").read_text()
    assert (tmp_path / "training.png").stat().st_size > 10_000  # the training curve


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"objective": "rate"}, "objective"),
        ({"users_distribution": "poisson"}, "users_distribution"),
        ({"users": 9, "antennas": 8}, "users must be <= antennas"),
        ({"max_users": 50}, "max_users must be <= max_antennas"),
    ],  # fmt: skip
)
def test_bad_data_settings_raise(data, message):
    with pytest.raises(ValueError, match=message):
        config_from_raw({"task": "zhang-gnn", "data": data})


def test_log_se_of_a_zero_rate_user_is_floored_not_infinite():
    H = _H(1, 4, 2)
    W = torch.zeros_like(H)
    W[0, :, 0] = MRT().matrix(H[:, :, :1])[0, :, 0]  # user 1 gets nothing
    value = utility(H, W, 10.0, "log-se")
    assert math.isfinite(float(value)) and float(value) < math.log(1e-8) + 10


@pytest.mark.parametrize("architecture", ["hybrid", "gat", "edge", "unfolded-wmmse", "pinv"])
def test_every_architecture_trains_and_reports_against_its_baseline(architecture, tmp_path):
    data = {"antennas": 8, "users": 2, "train_channels": 64, "val_channels": 16,
            "test_channels": 16, "rf_chains": 2}  # fmt: skip
    if architecture == "hybrid":
        data["channel"] = "sv"
    config = config_from_raw({**SMALL, "model": {"architecture": architecture, "hidden_dim": 8,
                              "hidden_layers": 1}, "data": data, "optim": {"epochs": 2,
                              "batch_size": 32}})  # fmt: skip
    train(config, tmp_path, progress=False, echo=lambda _: None)
    test = json.loads((tmp_path / "best.json").read_text())["test"]
    names = [r["precoder"] for r in test["results"]]
    if architecture == "hybrid":
        assert test["baseline"] == "mo-altmin" and {"omp", "pzf", "wmmse (digital)"} <= set(names)
    else:
        assert test["baseline"] == "wmmse" and {"zf", "mrt"} <= set(names)
    assert all(math.isfinite(r["utility"]) for r in test["results"])


def test_hybrid_and_gat_refuse_random_sizes():
    for architecture, key in [("hybrid", "users_distribution"), ("gat", "antennas_distribution")]:
        with pytest.raises(ValueError, match="distribution"):
            config_from_raw({"task": "zhang-gnn", "model": {"architecture": architecture},
                             "data": {key: "exp"}})  # fmt: skip
    with pytest.raises(ValueError, match="rf_chains"):
        config_from_raw({"task": "zhang-gnn", "model": {"architecture": "hybrid"},
                         "data": {"users": 4, "rf_chains": 2}})  # fmt: skip


def test_a_run_folder_is_not_overwritten_without_force(tmp_path):
    config = config_from_raw({**SMALL, "optim": {"steps": 2, "batch_size": 100},
                              "loop": {"eval_every": 1, "checkpoint_every": 1}})  # fmt: skip
    train(config, tmp_path, progress=False, echo=lambda _: None)
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    with pytest.raises(ValueError, match="already holds a run: --resume continues it, --force"):
        train(config, tmp_path, progress=False, echo=lambda _: None)
    train(config, tmp_path, progress=False, echo=lambda _: None, overwrite=True)
    again = (tmp_path / "metrics.csv").read_text().splitlines()
    assert [r.split(",")[:4] for r in again] == [r.split(",")[:4] for r in rows]  # not appended


def test_ctrl_c_writes_a_checkpoint_that_resume_continues(tmp_path, monkeypatch):
    from qprecode.training.zhang.task import ZhangTask

    config = config_from_raw({**SMALL, "optim": {"steps": 6, "batch_size": 100},
                              "loop": {"eval_every": 100, "checkpoint_every": 100}})  # fmt: skip
    original = ZhangTask.training_batch

    def interrupted(self, indices, generator, step, total_steps):
        if step == 3:
            raise KeyboardInterrupt
        return original(self, indices, generator, step, total_steps)

    monkeypatch.setattr(ZhangTask, "training_batch", interrupted)
    lines = []
    with pytest.raises(KeyboardInterrupt):
        train(config, tmp_path, progress=False, echo=lines.append)
    assert json.loads((tmp_path / "last.json").read_text())["step"] == 3
    assert any("--resume continues" in line for line in lines)
    monkeypatch.setattr(ZhangTask, "training_batch", original)
    assert train(config, tmp_path, resume=True, progress=False, echo=lambda _: None).step == 6
