import json

import pytest
import torch

from qprecode.nn import (
    FORMAT_VERSION,
    QuantizedGNN,
    load_model,
    model_from_tensors,
    read_files,
    save_model,
)
from qprecode.registry import build_precoder


def test_round_trip_without_pickle(tmp_path):
    model = QuantizedGNN(2, 8, 1, edge_features="channel+mrt")
    save_model(tmp_path / "m", model, {"note": "kept"})
    info = json.loads((tmp_path / "m.json").read_text())
    assert info["format_version"] == FORMAT_VERSION and info["architecture"] == "feys-gnn"
    assert info["hyperparameters"] == model.hyperparameters() and info["note"] == "kept"
    loaded, read = load_model(tmp_path / "m.safetensors")
    assert isinstance(loaded, QuantizedGNN) and not loaded.training
    assert loaded.hyperparameters() == model.hyperparameters()
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])
    precoder = build_precoder(f"gnn:{tmp_path / 'm.safetensors'}")
    assert precoder.bits == 2  # type: ignore[attr-defined]


def test_format_0_files_are_read_as_the_feys_gnn(tmp_path):
    model = QuantizedGNN(1, 8, 2)
    save_model(tmp_path / "old", model)
    legacy = {"model": {"bits": 1, "hidden_dim": 8, "hidden_layers": 2, "negative_slope": 0.01,
                        "edge_features": "channel"}, "step": 7}  # fmt: skip
    (tmp_path / "old.json").write_text(json.dumps(legacy))
    loaded, info = load_model(tmp_path / "old")
    assert info["architecture"] == "feys-gnn" and info["step"] == 7
    assert loaded.hyperparameters() == model.hyperparameters()


def test_mismatches_and_corrupt_files_are_clear_errors(tmp_path):
    model = QuantizedGNN(1, 8, 1)
    save_model(tmp_path / "m", model)
    tensors, info = read_files(tmp_path / "m")
    with pytest.raises(ValueError, match="missing tensors"):
        model_from_tensors({k: v for k, v in tensors.items() if "output.edge." not in k}, info)
    other = {**info, "hyperparameters": {**info["hyperparameters"], "bits": 2}}
    with pytest.raises(ValueError, match=r"has shape .* but a feys-gnn model"):
        model_from_tensors(tensors, other)
    with pytest.raises(ValueError, match="hyperparameters do not fit"):
        model_from_tensors(tensors, {**info, "hyperparameters": {"width": 3}})
    nan = {k: torch.full_like(v, float("nan")) for k, v in tensors.items()}
    with pytest.raises(ValueError, match="NaN"):
        model_from_tensors(nan, info)
    unsupported = [({**info, "format_version": 99}, "newer than the 1 this qprecode reads"),
                   ({**info, "architecture": "resnet"}, "needs an 'architecture'")]  # fmt: skip
    for bad, message in unsupported:
        (tmp_path / "m.json").write_text(json.dumps(bad))
        with pytest.raises(ValueError, match=message):
            load_model(tmp_path / "m")
    (tmp_path / "m.safetensors").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ValueError, match="not a valid safetensors"):
        load_model(tmp_path / "m")
    with pytest.raises(ValueError, match="does not exist"):
        load_model(tmp_path / "x")
    with pytest.raises(ValueError, match="no model at"):
        build_precoder("gnn:/no/such/model")
