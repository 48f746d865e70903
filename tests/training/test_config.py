from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qprecode.seeds import EPOCH_ORDER_STRIDE, TRAIN_NOISE_OFFSET, stream_seed
from qprecode.training import (
    TASKS,
    FeysConfig,
    config_from_raw,
    expand_sweep,
    list_trials,
    load_config,
)
from qprecode.training.config import config_to_dict, diff_keys

CONFIGS = Path(__file__).parents[2] / "configs"


def test_overrides_are_typed_and_take_dotted_or_unique_bare_keys(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  hidden_dim: 16\noptim: {lr: 0.01}\n")
    config = load_config(path, ["epochs=3", "optim.lr=1e-3", "estimator=st-softmax",
                                "data.total_power=8"])  # fmt: skip
    assert (config.model.hidden_dim, config.optim.epochs, config.optim.lr) == (16, 3, 1e-3)
    assert config.loss.estimator == "st-softmax" and config.data.power == 8.0
    for bad, message in [(["hiden_dim=3"], "'hiden_dim' is unknown"),
                         (["optim.hidden_dim=3"], "unknown"), (["epochs=two"], "must be int"),
                         (["epochs"], "key=value"), (["estimator=reinforce"], "estimator"),
                         (["bits=9"], "bits must be in 1..8"), (["batch_size=0"], "batch_size"),
                         (["gumbel_scale_final=2"], "gumbel_scale_final"),
                         (["val_seed=1"], "must differ")]:  # fmt: skip
        with pytest.raises(ValueError, match=message):
            load_config(path, bad)
    with pytest.raises(ValueError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match="unknown task"):
        config_from_raw({"task": "nope"})


def test_a_flat_config_reads_as_the_sectioned_one():
    flat = {"antennas": 16, "bits": 2, "lr": 0.01, "eval_every": 7, "seed": 4}
    nested = {"seed": 4, "model": {"bits": 2}, "data": {"antennas": 16}, "optim": {"lr": 0.01},
              "loop": {"eval_every": 7}}  # fmt: skip
    assert config_from_raw(flat) == config_from_raw(nested)
    assert config_from_raw({}) == FeysConfig()


def test_a_sweep_is_a_grid_of_named_trials(tmp_path):
    raw = {"sweep": [{"users": [1, 2], "bits": [1, 3]}, {"users": [4], "bits": [2]}],
           "name": "k{users}-b{bits}"}  # fmt: skip
    trials = expand_sweep(raw)
    assert [n for n, _ in trials] == ["k1-b1", "k1-b3", "k2-b1", "k2-b3", "k4-b2"]
    path = tmp_path / "grid.yaml"
    path.write_text("data: {antennas: 8}\nsweep: [{users: [1, 2], bits: [1, 3]}]\n"
                    "name: k{users}-b{bits}\n")  # fmt: skip
    assert list_trials(path) == ["k1-b1", "k1-b3", "k2-b1", "k2-b3"]
    by_name = load_config(path, trial="k2-b3")
    assert (by_name.data.users, by_name.model.bits, by_name.data.antennas) == (2, 3, 8)
    assert load_config(path, trial="3") == by_name
    with pytest.raises(ValueError, match="grid of 4 trials"):
        load_config(path)
    with pytest.raises(ValueError, match="no trial 'k9-b9'"):
        load_config(path, trial="k9-b9")
    with pytest.raises(ValueError, match="same name"):
        expand_sweep({"sweep": {"users": [1, 2]}, "name": "fixed"})


@pytest.mark.slow
def test_every_shipped_config_and_trial_loads():
    paths = sorted(CONFIGS.glob("*/*.yaml"))
    assert {p.parent.name for p in paths} >= {"feys"}
    trials = 0
    for path in paths:
        for trial in list_trials(path):
            config = load_config(path, trial=trial or None)
            trials += 1
            assert config.task in TASKS  # configs/<paper>/ of any task
    assert len(list_trials(CONFIGS / "feys" / "paper.yaml")) == 40
    assert trials >= 45


@given(seed=st.integers(0, 10**6), epochs=st.integers(1, 1000), offset=st.integers(0, 10**6))
def test_validation_and_test_data_never_share_a_seed_with_training(seed, epochs, offset):
    train_seed, val_seed, test_seed = offset, offset + 1, offset + 2
    training = {train_seed, seed + TRAIN_NOISE_OFFSET}
    training |= {seed * EPOCH_ORDER_STRIDE + e for e in range(epochs)}
    held_out = {val_seed, test_seed, stream_seed(val_seed, "val-symbols"),
                stream_seed(test_seed, "test-symbols")}  # fmt: skip
    assert len(held_out) == 4
    # held-out channel seeds are small integers distinct from train_seed (checked by the
    # config); the symbol streams are 63-bit hashes, far above every training seed
    assert min(stream_seed(val_seed, "val-symbols"), stream_seed(test_seed, "test-symbols")) > (
        max(training)
    )
    assert train_seed not in held_out


def test_the_seed_1_run_with_5_epochs_keeps_its_streams_apart():
    """Before named streams, test symbols (test_seed + 1,000,003) equalled the data-order seed
    of epoch 3 of a seed-1 run (1 * 1,000,003 + 3)."""
    order_seeds = {1 * EPOCH_ORDER_STRIDE + e for e in range(5)}
    assert stream_seed(3, "test-symbols") not in order_seeds
    assert stream_seed(2, "val-symbols") not in order_seeds


def test_diff_keys_names_what_changed():
    a = config_to_dict(config_from_raw({"lr": 0.1}))
    b = config_to_dict(config_from_raw({"lr": 0.2, "users": 2}))
    assert diff_keys(a, b) == ["data.users", "optim.lr"]


def test_a_channel_file_feeds_the_sets_from_disjoint_positions(tmp_path):
    import torch

    from qprecode.channels import RayleighChannel
    from qprecode.datasets import ChannelFile, write_channel_file

    h = RayleighChannel(4, 60).sample(1, torch.Generator().manual_seed(0))[0].mT.contiguous()
    write_channel_file(tmp_path / "c.h5", ChannelFile(h, {"generator": "test"}))
    data = config_from_raw({"channel": f"file:{tmp_path / 'c.h5'}", "antennas": 4, "users": 2}).data
    rows = {tuple(h[p].tolist()): p for p in range(60)}

    def positions(split: str) -> set[int]:
        H = data.sample(split, 50, seed=1)
        assert H.shape == (50, 4, 2)
        return {rows[tuple(H[b, :, k].tolist())] for b in range(50) for k in range(2)}

    train, val, test = positions("train"), positions("val"), positions("test")
    assert not (train & val or train & test or val & test)
    with pytest.raises(ValueError, match="M=4 antennas, the config 8"):
        config_from_raw({"channel": f"file:{tmp_path / 'c.h5'}", "antennas": 8}).data.sample(
            "train", 1, 0
        )
    with pytest.raises(ValueError, match="file:PATH"):
        config_from_raw({"channel": "munich"})


def test_a_channel_file_set_draws_from_the_selected_los_or_nlos_positions(tmp_path):
    import torch

    from qprecode.datasets import ChannelFile, write_channel_file

    h = torch.randn(60, 4, dtype=torch.complex64)
    los = torch.arange(60) % 3 == 0
    write_channel_file(tmp_path / "c.h5", ChannelFile(h, {"generator": "test"}, los=los))
    rows = {tuple(h[p].tolist()): p for p in range(60)}
    for positions, want in [("los", True), ("nlos", False)]:
        data = config_from_raw(
            {
                "channel": f"file:{tmp_path / 'c.h5'}",
                "antennas": 4,
                "users": 2,
                "positions": positions,
            }  # fmt: skip
        ).data
        H = data.sample("train", 40, seed=0)
        drawn = {rows[tuple(H[b, :, k].tolist())] for b in range(40) for k in range(2)}
        assert all(bool(los[p]) == want for p in drawn)
    with pytest.raises(ValueError, match="positions must be one of"):
        config_from_raw({"positions": "indoor"})


def test_without_a_position_split_every_set_draws_from_all_positions(tmp_path):
    import torch

    from qprecode.datasets import ChannelFile, write_channel_file

    h = torch.randn(40, 4, dtype=torch.complex64)
    write_channel_file(tmp_path / "c.h5", ChannelFile(h, {"generator": "test"}))
    rows = {tuple(h[p].tolist()): p for p in range(40)}
    raw = {"channel": f"file:{tmp_path / 'c.h5'}", "antennas": 4, "users": 2}

    def positions(split_positions: bool, split: str) -> set[int]:
        data = config_from_raw({**raw, "split_positions": split_positions}).data
        H = data.sample(split, 200, seed=1)
        return {rows[tuple(H[b, :, k].tolist())] for b in range(200) for k in range(2)}

    assert not positions(True, "train") & positions(True, "test")
    assert len(positions(False, "test")) > 30  # test groups use the training positions too
    assert positions(False, "test") & positions(True, "train")


def test_presets_are_package_data_usable_by_name(tmp_path):
    """The configs live in the package (a clone's configs/ links there) and are named as
    ``<paper>/<file stem>``; a file path that exists always wins over a preset name."""
    import tomllib

    from qprecode.training import presets, resolve_config

    names = presets()
    assert {"feys/small-k1-b1", "kasalaee/fp32", "zhang/digital"} <= set(names)
    for spelling in ("feys/small-k1-b1", "feys/small-k1-b1.yaml", "configs/feys/small-k1-b1"):
        assert resolve_config(spelling) == names["feys/small-k1-b1"]
    assert load_config("feys/smoke") == load_config("configs/feys/smoke.yaml")
    local = tmp_path / "feys" / "smoke.yaml"
    local.parent.mkdir()
    local.write_text("task: feys-gnn\n")
    assert resolve_config(local) == local
    with pytest.raises(ValueError, match="nor a preset of that name.*feys/paper"):
        resolve_config("feys/nothing")
    package_data = tomllib.loads(Path("pyproject.toml").read_text())["tool"]["setuptools"]
    assert "configs/*/*.yaml" in package_data["package-data"]["qprecode"]
