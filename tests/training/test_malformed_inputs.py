"""Configs, checkpoints and model files that are malformed are refused on reading with one line
that names the file and what is wrong, through ``train``, ``sweep``, ``retest`` and
``evaluate --precoder gnn:PATH``; the files are left as they were."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from qprecode._locking import LOCK_NAME
from qprecode.training import config_from_raw, train
from tests.cli_harness import assert_clean, run_cli

TINY = {
    "model": {"bits": 1, "hidden_dim": 4, "hidden_layers": 1},
    "data": {"antennas": 4, "users": 1, "train_channels": 32, "val_channels": 8,
             "test_channels": 8, "symbols": 4, "eval_symbols": 8},
    "optim": {"batch_size": 16, "epochs": 1},
    "loop": {"eval_every": 2, "checkpoint_every": 1},
}  # fmt: skip


def _merge(extra: dict) -> str:
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in TINY.items()}
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return yaml.safe_dump(merged)


# (file name, text, what the message must say)
CONFIGS = [
    ("unclosed.yaml", "a: [1, 2\n", "is not valid YAML: expected ',' or ']'"),
    ("binary.yaml", "\x00\x01binary", "is not valid YAML"),
    ("list.yaml", "- 1\n- 2\n", "must hold a mapping"),
    ("empty.yaml", "", "is empty"),
    ("unknown.yaml", _merge({"model": {"hiden_dim": 4}}), "'model.hiden_dim' is unknown"),
    ("type.yaml", _merge({"model": {"bits": "one"}}), "'model.bits' must be int, got 'one'"),
    ("float.yaml", _merge({"optim": {"batch_size": 1.5}}), "'optim.batch_size' must be int"),
    ("nan.yaml", _merge({"optim": {"lr": float("nan")}}), "lr must be a positive finite"),
    ("inf.yaml", _merge({"optim": {"lr": float("inf")}}), "lr must be a positive finite"),
    ("task.yaml", _merge({"task": "nosuch"}), "unknown task 'nosuch'"),
    ("snr.yaml", _merge({"data": {"snr_db": 1000}}), "snr_db must be within +-300 dB"),
    ("sweep.yaml", _merge({"sweep": {"seed": []}}), "sweep key 'seed' has an empty list"),
    ("sweep3.yaml", _merge({"sweep": 3}), "sweep must be a mapping"),
]


@pytest.mark.parametrize(("name", "text", "message"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_a_malformed_config_is_refused_naming_the_file(name, text, message, tmp_path, capsys):
    path = tmp_path / name
    path.write_text(text)
    for args in (["train", "--config", str(path), "--out", str(tmp_path / "run"), "--quiet"],
                 ["sweep", "--config", str(path), "--list"]):  # fmt: skip
        code, _, err = run_cli(args, capsys)
        assert code == 2, err
        assert_clean(code, err)
        assert str(path) in err and message in err, err
    assert path.read_text() == text
    assert not (tmp_path / "run").exists()  # refused before the run folder is made


def test_max_steps_below_one_is_refused(tmp_path, capsys):
    path = tmp_path / "c.yaml"
    path.write_text(_merge({}))
    for steps in ("0", "-1"):
        code, _, err = run_cli(["train", "--config", str(path), "--max-steps", steps], capsys)
        assert code == 2 and "'--max-steps'" in err, err


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory) -> Path:
    """A run stopped after one step: best and last checkpoints, no test metrics yet."""
    out = tmp_path_factory.mktemp("run")
    train(config_from_raw(yaml.safe_load(_merge({}))), out, max_steps=1, progress=False,
          echo=lambda _: None)  # fmt: skip
    return out


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _edit(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(path: Path) -> None:
        info = json.loads(path.read_text())
        change(info)
        path.write_text(json.dumps(info))

    return edit


def _set(key: str, value: object) -> Callable[[dict], None]:
    def change(info: dict) -> None:
        info[key] = value

    return change


# (case, file stem and suffix spoiled in best and last, spoiler, what the message must say)
CHECKPOINTS = [
    ("truncated", ".safetensors", _truncate, "is not a valid safetensors file"),
    ("empty", ".safetensors", lambda p: p.write_bytes(b""), "is not a valid safetensors file"),
    ("newer", ".json", _edit(_set("format_version", 99)), "newer than the 1"),
    ("architecture", ".json", _edit(_set("architecture", "kasalaee-dnn")),
     "hyperparameters do not fit a kasalaee-dnn model"),
    ("unknown", ".json", _edit(_set("architecture", "resnet")), "needs an 'architecture'"),
    ("width", ".json", _edit(lambda i: i["hyperparameters"].update(hidden_dim=8)),
     "'hidden_dim': 8"),
    ("json", ".json", lambda p: p.write_text("{oops"), "not valid JSON"),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("case", "suffix", "spoil", "message"), CHECKPOINTS,
                         ids=[c[0] for c in CHECKPOINTS])  # fmt: skip
def test_a_malformed_checkpoint_is_refused_naming_the_file(
    case, suffix, spoil, message, stopped_run, tmp_path, capsys
):
    run = tmp_path / case
    shutil.copytree(stopped_run, run)
    for stem in ("best", "last"):
        spoil(run / f"{stem}{suffix}")
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    before[LOCK_NAME] = b""  # the lock file of train may be added; nothing else may change
    config = tmp_path / "c.yaml"
    config.write_text(_merge({}))
    resume = ["train", "--config", str(config), "--out", str(run), "--resume", "--quiet"]
    for args in (["retest", "--unfinished", str(run)],
                 ["evaluate", "--precoder", f"gnn:{run}", "-M", "4", "-K", "1", "--channels",
                  "2", "--quiet"], resume):  # fmt: skip
        code, _, err = run_cli(args, capsys)
        assert code == 2, (args, err)
        assert_clean(code, err)
        assert str(run) in err and message in err, (args, err)
    after = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    after[LOCK_NAME] = b""
    assert after == before  # nothing written over


@pytest.mark.slow
def test_retest_of_a_run_json_without_config_names_the_file(stopped_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(stopped_run, run)
    _edit(lambda info: info.pop("config"))(run / "best.json")
    code, _, err = run_cli(["retest", "--unfinished", str(run)], capsys)
    assert code == 2 and f"{run / 'best.json'} holds no training config" in err, err
