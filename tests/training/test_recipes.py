"""Training-recipe options: the learning-rate schedule and distillation from the local-search
teacher."""

import json
import math

import pytest
import torch

from qprecode.channels import RayleighChannel, complex_normal
from qprecode.precoders import LocalSearch, zf_matrix
from qprecode.training import OptimConfig, config_from_raw, train
from qprecode.training.feys.loss import received_error, teacher_target
from qprecode.training.feys.task import FeysTask

from .test_trainer import TINY

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites


def test_cosine_schedule_runs_from_lr_to_lr_final_and_never_rises():
    optim = OptimConfig(lr=1e-2, lr_schedule="cosine", lr_final=1e-4)
    rates = [optim.lr_at(step, 50) for step in range(50)]
    assert rates[0] == pytest.approx(1e-2) and rates[-1] == pytest.approx(1e-4)
    halfway = 1e-4 + (1e-2 - 1e-4) * 0.5 * (1 + math.cos(math.pi * 25 / 49))
    assert rates[25] == pytest.approx(halfway)
    assert all(a >= b for a, b in zip(rates[:-1], rates[1:], strict=True))
    assert OptimConfig(lr=3e-3).lr_at(40, 50) == 3e-3  # constant


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_warmup_rises_linearly_then_joins_the_schedule(schedule):
    plain = OptimConfig(lr=1e-2, lr_schedule=schedule)
    warm = OptimConfig(lr=1e-2, lr_schedule=schedule, lr_warmup=10)
    for step in range(10):
        assert warm.lr_at(step, 50) == pytest.approx(plain.lr_at(step, 50) * (step + 1) / 10)
    for step in range(9, 50):
        assert warm.lr_at(step, 50) == pytest.approx(plain.lr_at(step, 50))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr_schedule": "step"}, "lr_schedule"),
        ({"lr_final": 1.0}, "lr_final"),
        ({"lr_warmup": -1}, "lr_warmup"),
    ],
)
def test_bad_schedules_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        OptimConfig(lr=1e-3, **changes)


def test_the_optimizer_follows_the_schedule(tmp_path):
    config = config_from_raw({**TINY, "lr_schedule": "cosine", "lr_final": 1e-5, "lr": 1e-2})
    train(config, tmp_path, progress=False, echo=lambda _: None)
    groups = json.loads((tmp_path / "last.json").read_text())["optimizer_param_groups"]
    assert groups[0]["lr"] == pytest.approx(1e-5)  # the last of 8 steps


def test_received_error_is_zero_on_the_target_and_scale_free():
    g = torch.Generator().manual_seed(0)
    H = RayleighChannel(16, 3).sample(4, g)
    s = complex_normal((4, 32, 3), g)
    y = s @ zf_matrix(H, 16.0).mT  # delivers a multiple of s exactly
    target = teacher_target(H, y, s, total_power=16.0)
    assert received_error(H, y, target, 16.0).item() == pytest.approx(0.0, abs=1e-10)
    assert received_error(H, 7.0 * y, target, 16.0).item() == pytest.approx(0.0, abs=1e-10)
    # the received error of nothing sent is the whole target
    assert received_error(H, torch.zeros_like(y), target, 16.0).item() == pytest.approx(1.0)


def test_distillation_batches_carry_the_teachers_target_then_stop():
    config = config_from_raw({**TINY, "distill_steps": 3})
    task = FeysTask(config)
    g = torch.Generator().manual_seed(1)
    H, s, gumbel, target = task.training_batch(torch.arange(4), g, step=2, total_steps=8)
    y = LocalSearch(1, snr_db=20.0, scale_back=False)(H, s)
    assert torch.allclose(target, teacher_target(H, y, s, 8.0))
    assert len(task.training_batch(torch.arange(4), g, step=3, total_steps=8)) == 3


def test_distillation_brings_the_untrained_network_towards_the_teacher(tmp_path):
    """A few distillation steps lower the received error against the teacher's target."""
    config = config_from_raw({**TINY, "distill_steps": 40, "epochs": 1, "steps": 40,
                              "lr": 1e-2, "eval_every": 40})  # fmt: skip
    task = FeysTask(config)
    model = task.build_model()
    objective = task.objective(model)
    g = torch.Generator().manual_seed(2)
    probe = task.training_batch(torch.arange(32), g, step=0, total_steps=40)
    no_noise = torch.zeros_like(probe[2])
    before = objective(probe[0], probe[1], no_noise, probe[3]).item()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(40):
        batch = task.training_batch(torch.arange(64) % 64, g, step, 40)
        loss = objective(*batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = objective(probe[0], probe[1], no_noise, probe[3]).item()
    assert after < 0.8 * before


def test_the_card_says_how_the_model_was_trained():
    def summary(**changes):
        return " ".join(FeysTask(config_from_raw({**TINY, **changes})).card_summary())

    assert "self-supervised on the Bussgang sum rate" in summary()
    assert "against the local-search teacher)" in summary(distill_steps=8, steps=8)
    assert "teacher for 3 steps, then on the Bussgang sum rate" in summary(distill_steps=3)


def test_robust_batches_show_the_gnn_an_estimate_and_score_it_on_the_true_channel():
    config = config_from_raw({**TINY, "csi_error_db": -10.0, "distill_steps": 2})
    task = FeysTask(config)
    g = torch.Generator().manual_seed(5)
    H, s, gumbel, target, H_hat = task.training_batch(torch.arange(64) % 64, g, 1, 8)
    error = (H_hat - H).abs().square().sum() / H.abs().square().sum()
    assert 10 * math.log10(error.item()) == pytest.approx(-10.0, abs=0.6)  # 512 entries
    y = LocalSearch(1, snr_db=20.0, scale_back=False)(H, s)  # the teacher sees the true H
    assert torch.allclose(target, teacher_target(H, y, s, 8.0))
    assert len(task.training_batch(torch.arange(4), g, step=2, total_steps=8)) == 4

    robust = task.objective(task.build_model())
    no_noise = torch.zeros_like(gumbel)
    perfect = FeysTask(config_from_raw({**TINY, "distill_steps": 2})).objective(robust.gnn)
    # with the true channel as its estimate, the robust objective is the perfect-CSI one
    assert robust(H, s, no_noise, target, H).item() == pytest.approx(
        perfect(H, s, no_noise, target).item()
    )
    assert robust(H, s, no_noise, target, H_hat).item() != pytest.approx(
        perfect(H, s, no_noise, target).item()
    )
    assert task.trained_on()["csi_error_db"] == -10.0


def test_robust_training_rejects_an_error_out_of_range():
    for error_db in (math.inf, 100.5):  # the bound of evaluation.csi, checked before any step
        with pytest.raises(ValueError, match="csi_error_db must be a finite number of dB up to"):
            config_from_raw({**TINY, "csi_error_db": error_db})


def test_mixed_size_batches_draw_every_listed_size_at_its_own_power():
    config = config_from_raw({**TINY, "mix_antennas": [4, 8], "mix_users": [1, 2]})
    assert config.data.mix_antennas == (4, 8) and config.data.mixed_sizes
    task = FeysTask(config)
    assert task.data.train.shape == (0, 8, 1)  # no fixed training set to draw and hold
    g = torch.Generator().manual_seed(0)
    sizes = set()
    for step in range(40):
        H, s, gumbel, *_ = task.training_batch(torch.arange(16), g, step, 40)
        M, K = H.shape[-2:]
        sizes.add((M, K))
        assert s.shape == (16, 8, K) and gumbel.shape[2] == M
    assert sizes == {(4, 1), (4, 2), (8, 1), (8, 2)}
    # the same generator state draws the same batch (resume replays it)
    first = task.training_batch(torch.arange(16), torch.Generator().manual_seed(3), 0, 40)[0]
    again = task.training_batch(torch.arange(16), torch.Generator().manual_seed(3), 0, 40)[0]
    assert torch.equal(first, again)

    # P_T = M of the batch: the loss of a 4-antenna batch is the one at total_power 4
    objective = task.objective(task.build_model())
    fixed = FeysTask(config_from_raw({**TINY, "antennas": 4, "users": 2, "total_power": 4.0}))
    H = RayleighChannel(4, 2).sample(16, torch.Generator().manual_seed(1))
    s = complex_normal((16, 8, 2), torch.Generator().manual_seed(2))
    no_noise = torch.zeros(16, 8, 4, 2, 2)
    assert objective(H, s, no_noise).item() == pytest.approx(
        fixed.objective(objective.gnn)(H, s, no_noise).item()
    )


def test_a_mixed_size_run_trains_resumes_and_tests_at_its_nominal_size(tmp_path):
    raw = {**TINY, "mix_antennas": [4, 8], "mix_users": [1, 2], "distill_steps": 3}
    config = config_from_raw(raw)
    train(config, tmp_path, progress=False, echo=lambda _: None, max_steps=4)
    result = train(config, tmp_path, resume=True, progress=False, echo=lambda _: None)
    assert result.step == 8
    info = json.loads((tmp_path / "best.json").read_text())
    assert info["config"]["data"]["mix_antennas"] == [4, 8]
    assert info["test"]["results"][0]["num_channels"] == 16  # the nominal M=8, K=1 test set


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mix_antennas": []}, "mix_antennas"),
        ({"mix_users": [0, 2]}, "mix_users"),
        ({"mix_users": [1.5, 2]}, "list of integers"),
        ({"mix_users": "1,2"}, "list of integers"),
        ({"mix_users": [1, 2], "total_power": 8.0}, "total_power"),
        ({"mix_users": [1, 2], "channel": "file:data/samples/munich-j4.h5"}, "channel model"),
    ],
)
def test_bad_size_mixtures_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        config_from_raw({**TINY, **changes})
