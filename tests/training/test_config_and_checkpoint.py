import json

import pytest
import torch

from qprecode.nn import QuantizedGNN
from qprecode.training import (
    TrainConfig,
    load_config,
    load_model,
    model_from_tensors,
)
from qprecode.training.checkpoint import architecture_of, save_checkpoint_files
from qprecode.zoo import build_precoder


def test_overrides_are_typed(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("hidden_dim: 16\nlr: 0.01\n")
    config = load_config(path, ["epochs=3", "lr=1e-3", "estimator=st-softmax", "total_power=8"])
    assert (config.hidden_dim, config.epochs, config.lr) == (16, 3, 1e-3)
    assert config.estimator == "st-softmax" and config.power == 8.0
    with pytest.raises(ValueError, match="unknown config keys"):
        load_config(path, ["hiden_dim=3"])
    with pytest.raises(ValueError, match="must be int"):
        load_config(path, ["epochs=two"])
    with pytest.raises(ValueError, match="key=value"):
        load_config(path, ["epochs"])
    with pytest.raises(ValueError, match="estimator"):
        load_config(path, ["estimator=reinforce"])
    with pytest.raises(ValueError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")


def test_every_shipped_config_loads():
    from pathlib import Path

    paths = sorted(Path(__file__).parents[2].glob("configs/*.yaml"))
    assert len(paths) >= 34
    for path in paths:
        config = load_config(path)
        assert config.antennas == 32


def save(tmp_path, model, name="m"):
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    save_checkpoint_files(tmp_path / name, tensors, {"model": architecture_of(model)})
    return tmp_path / name


def test_round_trip(tmp_path):
    model = QuantizedGNN(2, 8, 1)
    loaded, info = load_model(save(tmp_path, model))
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])
    assert info["model"]["bits"] == 2
    precoder = build_precoder(f"gnn:{tmp_path / 'm.safetensors'}")
    assert precoder.bits == 2  # type: ignore[attr-defined]


def test_mismatched_bit_width_is_a_clear_error(tmp_path):
    path = save(tmp_path, QuantizedGNN(1, 8, 1))
    info = json.loads(path.with_suffix(".json").read_text())
    info["model"]["bits"] = 2
    path.with_suffix(".json").write_text(json.dumps(info))
    with pytest.raises(ValueError, match="another bit-width"):
        load_model(path)


def test_missing_tensors_and_corrupt_files(tmp_path):
    model = QuantizedGNN(1, 8, 1)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors.pop("model.output.edge.weight")
    with pytest.raises(ValueError, match="missing tensors"):
        model_from_tensors(tensors, architecture_of(model))
    path = save(tmp_path, model)
    path.with_suffix(".safetensors").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ValueError, match="not a valid safetensors"):
        load_model(path)
    (tmp_path / "x.safetensors").write_bytes(b"")
    with pytest.raises(ValueError, match="does not exist"):
        load_model(tmp_path / "x")
    with pytest.raises(ValueError, match="no GNN checkpoint"):
        build_precoder("gnn:/no/such/model")


def test_config_validation():
    with pytest.raises(ValueError, match="bits"):
        TrainConfig(bits=9)
    with pytest.raises(ValueError, match="batch_size"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="gumbel_scale_final"):
        TrainConfig(gumbel_scale_final=2.0)
