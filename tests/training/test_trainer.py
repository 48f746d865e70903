import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from qprecode.evaluation import evaluate
from qprecode.nn import read_files
from qprecode.registry import build_precoder
from qprecode.training import config_from_raw, make_channel_sets, retest, run_trial, train

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites

TINY = dict(
    antennas=8, users=1, bits=1, hidden_dim=8, hidden_layers=1, train_channels=64,
    val_channels=16, test_channels=16, symbols=8, eval_symbols=16, batch_size=16, epochs=2,
    eval_every=4, checkpoint_every=2,
)  # fmt: skip


def weights(run: Path, name: str = "last") -> dict[str, torch.Tensor]:
    tensors, _ = read_files(run / name)
    return {k: v for k, v in tensors.items() if k.startswith("model.")}


def test_run_folder_contents(tmp_path):
    result = train(config_from_raw(TINY), tmp_path, progress=False, echo=lambda _: None)
    assert result.step == 8
    for name in ("last.safetensors", "last.json", "best.safetensors", "best.json",
                 "metrics.csv", "MODEL_CARD.md"):  # fmt: skip
        assert (tmp_path / name).is_file(), name
    info = json.loads((tmp_path / "best.json").read_text())
    assert info["config"]["model"]["hidden_dim"] == 8 and info["hyperparameters"]["bits"] == 1
    assert info["trained_on"] == {"antennas": 8, "users": 1, "channel": "rayleigh", "snr_db": 20.0}
    assert {r["precoder"] for r in info["test"]["results"]} == {"gnn", "mrt"}
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("step,epoch,train_loss,val_sum_rate") and len(rows) == 3
    # the test evaluation can be redone from the run folder alone
    again = retest(tmp_path, echo=lambda _: None)
    assert again == json.loads((tmp_path / "best.json").read_text())["test"]
    with pytest.raises(ValueError, match="not a run folder"):
        retest(tmp_path / "nothing")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without a GPU")
def test_a_gpu_run_is_tested_again_on_the_cpu_and_keeps_its_hardware(tmp_path):
    train(config_from_raw(TINY), tmp_path, progress=False, echo=lambda _: None)
    path = tmp_path / "best.json"
    info = json.loads(path.read_text())
    assert info["training"]["hardware"].endswith(f"{os.cpu_count()} CPUs")
    info["training"].update(device="cuda", hardware="NVIDIA H200 GPU; a CPU")
    path.write_text(json.dumps(info))
    again = retest(tmp_path, echo=lambda _: None)  # no GPU here: on the CPU
    assert again == info["test"]
    kept = json.loads(path.read_text())["training"]
    assert kept["hardware"] == "NVIDIA H200 GPU; a CPU" and kept["device"] == "cuda"
    assert "NVIDIA H200 GPU; a CPU" in (tmp_path / "MODEL_CARD.md").read_text()


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(tmp_path):
    config = config_from_raw(TINY)
    train(config, tmp_path / "full", progress=False, echo=lambda _: None)
    # stop before the first validation, so that no best model exists yet
    train(config, tmp_path / "split", progress=False, max_steps=1, echo=lambda _: None)
    train(config, tmp_path / "split", resume=True, progress=False, max_steps=3, echo=print)
    # a stop between checkpoints loses at most the steps since the last one (step 2 here)
    assert json.loads((tmp_path / "split" / "last.json").read_text())["step"] == 3
    train(config, tmp_path / "split", resume=True, progress=False, echo=lambda _: None)
    full, split = weights(tmp_path / "full"), weights(tmp_path / "split")
    assert full.keys() == split.keys()
    for key in full:
        assert torch.equal(full[key], split[key]), key


def test_a_run_resumed_on_another_kind_of_device_draws_fresh_noise_seeded_by_the_step(tmp_path):
    from safetensors.torch import load_file, save_file

    config = config_from_raw(TINY)
    for name in ("a", "b"):  # a GPU run's checkpoint: a CUDA generator's 16-byte noise state
        train(config, tmp_path / name, progress=False, max_steps=2, echo=lambda _: None)
        tensors = load_file(tmp_path / name / "last.safetensors")
        tensors["rng.noise"] = torch.zeros(16, dtype=torch.uint8)
        save_file(tensors, tmp_path / name / "last.safetensors")
    said: list[str] = []
    train(config, tmp_path / "a", resume=True, progress=False, echo=said.append)
    assert any("drawn on another kind of device: from step 2" in line for line in said)
    train(config, tmp_path / "b", resume=True, progress=False, echo=lambda _: None)
    a, b = weights(tmp_path / "a"), weights(tmp_path / "b")
    assert all(torch.equal(a[key], b[key]) for key in a)  # the fresh noise is seeded, not random


def test_resume_refuses_another_config(tmp_path):
    train(config_from_raw(TINY), tmp_path, progress=False, max_steps=2, echo=lambda _: None)
    with pytest.raises(ValueError, match=r"config differs from the given config in \['optim.lr'\]"):
        train(config_from_raw({**TINY, "lr": 1e-3}), tmp_path, resume=True, progress=False)
    # how the run is run may change: validation cadence, checkpoint cadence, device
    relaxed = config_from_raw({**TINY, "eval_every": 3, "checkpoint_every": 5})
    assert train(relaxed, tmp_path, resume=True, progress=False, echo=lambda _: None).step == 8


def test_a_stopped_run_is_tested_only_on_request_and_its_card_says_so(tmp_path):
    quiet = {"progress": False, "echo": lambda _: None}
    train(config_from_raw(TINY), tmp_path, max_steps=4, **quiet)
    with pytest.raises(ValueError, match="--unfinished"):
        retest(tmp_path, echo=lambda _: None)
    (tmp_path / "training.png").unlink()  # as after an interrupt, which draws no curve
    test = retest(tmp_path, unfinished=True, echo=lambda _: None)
    assert test["results"][0]["precoder"] == "gnn"
    assert (tmp_path / "training.png").stat().st_size > 0
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert "Unfinished run**: stopped at step 4 of 8" in card
    with pytest.raises(ValueError, match="--unfinished"):  # still not finished
        retest(tmp_path, echo=lambda _: None)
    # the run still resumes to its end, and its final card no longer says it is unfinished
    assert train(config_from_raw(TINY), tmp_path, resume=True, **quiet).step == 8
    assert "Unfinished" not in (tmp_path / "MODEL_CARD.md").read_text()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without a GPU")
def test_a_stopped_gpu_run_is_tested_on_the_cpu_and_its_config_still_says_cuda(tmp_path):
    train(config_from_raw(TINY), tmp_path, max_steps=4, progress=False, echo=lambda _: None)
    for name in ("best.json", "last.json"):  # as when the run was trained on a GPU
        info = json.loads((tmp_path / name).read_text())
        info["config"]["loop"]["device"] = "cuda"
        (tmp_path / name).write_text(json.dumps(info))
    test = retest(tmp_path, unfinished=True, echo=lambda _: None)
    assert test["results"][0]["precoder"] == "gnn"
    assert json.loads((tmp_path / "best.json").read_text())["config"]["loop"]["device"] == "cuda"


def test_a_stopped_run_extended_on_resume_is_tested_against_its_new_plan(tmp_path):
    quiet = {"progress": False, "echo": lambda _: None}
    train(config_from_raw(TINY), tmp_path, max_steps=4, **quiet)  # a plan of 8 steps
    train(config_from_raw({**TINY, "epochs": 3}), tmp_path, resume=True, max_steps=6, **quiet)
    best = json.loads((tmp_path / "best.json").read_text())
    best["config"]["optim"]["epochs"] = 2  # as when the best model came before the extension
    (tmp_path / "best.json").write_text(json.dumps(best))
    retest(tmp_path, unfinished=True, echo=lambda _: None)
    assert "stopped at step 6 of 12" in (tmp_path / "MODEL_CARD.md").read_text()


def test_a_run_resumed_on_another_machine_names_both(tmp_path, monkeypatch):
    quiet = {"progress": False, "echo": lambda _: None}
    monkeypatch.setattr("qprecode.training.loop.hardware", lambda device: "machine A")
    train(config_from_raw(TINY), tmp_path, max_steps=4, **quiet)
    train(config_from_raw(TINY), tmp_path, resume=True, max_steps=6, **quiet)  # same machine
    monkeypatch.setattr("qprecode.training.loop.hardware", lambda device: "machine B")
    assert train(config_from_raw(TINY), tmp_path, resume=True, **quiet).step == 8
    training = json.loads((tmp_path / "best.json").read_text())["training"]
    assert training["earlier_hardware"] == [{"hardware": "machine A", "steps": "1-6"}]
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert "Steps 1-6 ran on another machine: machine A." in card


def test_a_finished_run_is_extended_by_more_epochs_but_never_shortened(tmp_path):
    quiet = {"progress": False, "echo": lambda _: None}
    assert train(config_from_raw(TINY), tmp_path, **quiet).step == 8  # 2 epochs of 4 steps
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    longer = config_from_raw({**TINY, "epochs": 3})
    assert train(longer, tmp_path, resume=True, **quiet).step == 12
    steps = [int(line.split(",")[0]) for line in (tmp_path / "metrics.csv").read_text()
             .splitlines()[1:]]  # fmt: skip
    assert steps == sorted(steps) and steps[-1] == 12 and len(steps) > len(rows) - 1
    assert "epochs | 3" in (tmp_path / "MODEL_CARD.md").read_text().replace("optim.", "")
    with pytest.raises(ValueError, match=r"in \['optim.epochs'\].*may grow"):
        train(config_from_raw({**TINY, "epochs": 2}), tmp_path, resume=True, **quiet)


def test_training_beats_one_bit_mrt_on_a_small_problem(tmp_path):
    config = config_from_raw(dict(
        antennas=16, users=1, bits=1, hidden_dim=32, hidden_layers=3, train_channels=4096,
        val_channels=64, test_channels=16, symbols=16, eval_symbols=64, batch_size=32,
        epochs=2, eval_every=64, checkpoint_every=1000, gumbel_scale_final=0.0, seed=0,
    ))  # fmt: skip
    result = train(config, tmp_path, progress=False, echo=lambda _: None)
    data = make_channel_sets(config.data)
    mrt = evaluate(build_precoder("mrt", 1), data.val, [20.0], symbols=data.val_symbols)
    assert result.best > mrt.sum_rate[0] + 0.2


def test_micro_batches_train_like_one_pass(tmp_path):
    # the gradients of 4 passes of 4 channels add up to the gradient of the 16-channel batch
    train(config_from_raw(TINY), tmp_path / "one", progress=False, echo=lambda _: None)
    split = config_from_raw({**TINY, "micro_batch": 4})
    train(split, tmp_path / "four", progress=False, echo=lambda _: None)
    one, four = weights(tmp_path / "one"), weights(tmp_path / "four")
    for key in one:
        torch.testing.assert_close(one[key], four[key], rtol=1e-4, atol=1e-5)
    csv_one = (tmp_path / "one" / "metrics.csv").read_text().splitlines()
    csv_four = (tmp_path / "four" / "metrics.csv").read_text().splitlines()
    losses = [[float(row.split(",")[2]) for row in rows[1:]] for rows in (csv_one, csv_four)]
    assert losses[1] == pytest.approx(losses[0], rel=1e-4)  # the logged loss is the batch's


def test_micro_batches_must_divide_the_batch(tmp_path):
    with pytest.raises(ValueError, match="micro_batch 5 must divide"):
        train(config_from_raw({**TINY, "micro_batch": 5}), tmp_path, progress=False,
              echo=lambda _: None)  # fmt: skip
    with pytest.raises(ValueError, match="micro_batch must be a positive integer"):
        config_from_raw({**TINY, "micro_batch": 0})


@pytest.mark.skipif(not torch.distributed.is_available(), reason="no torch.distributed")
@pytest.mark.parametrize("micro_batch", [None, 2], ids=["one-pass", "micro-batches"])
def test_two_process_ddp_matches_one_process(tmp_path, micro_batch):
    config_path = tmp_path / "tiny.yaml"
    config_path.write_text(yaml.safe_dump({**TINY, "epochs": 1, "micro_batch": micro_batch}))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    base = [sys.executable, "-m", "qprecode.cli", "train", "--config", str(config_path), "--quiet"]
    subprocess.run(base + ["--out", str(tmp_path / "one")], check=True, env=env,
                   capture_output=True)  # fmt: skip
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                "--master_port", "29533", "-m", "qprecode.cli", "train", "--config",
                str(config_path), "--quiet", "--out", str(tmp_path / "two")]  # fmt: skip
    subprocess.run(torchrun, check=True, env=env, capture_output=True)
    one, two = weights(tmp_path / "one"), weights(tmp_path / "two")
    for key in one:
        torch.testing.assert_close(one[key], two[key], rtol=1e-4, atol=1e-5)


def test_init_from_starts_at_the_given_weights(tmp_path):
    train(config_from_raw(TINY), tmp_path / "a", progress=False, echo=lambda _: None)
    config = config_from_raw({**TINY, "init_from": str(tmp_path / "a" / "best"), "lr": 1e-12,
                              "epochs": 1})  # fmt: skip
    train(config, tmp_path / "b", progress=False, max_steps=1, echo=lambda _: None)
    start, after = weights(tmp_path / "a", "best"), weights(tmp_path / "b")
    for key in start:  # a step of lr 1e-12 leaves the weights where init_from put them
        torch.testing.assert_close(after[key], start[key], rtol=0, atol=1e-8)
    wrong = config_from_raw({**TINY, "init_from": str(tmp_path / "a" / "best"), "hidden_dim": 4})
    with pytest.raises(ValueError, match="architecture"):
        train(wrong, tmp_path / "c", progress=False, max_steps=1, echo=lambda _: None)


def test_run_trial_trains_a_plain_dict_and_returns_its_metrics(tmp_path):
    metrics = run_trial({**TINY, "epochs": 1}, tmp_path)
    assert metrics["step"] == 4 and metrics["config"]["optim"]["epochs"] == 1
    assert metrics["best"] == pytest.approx(
        json.loads((tmp_path / "best.json").read_text())["metrics"]["val_sum_rate"]
    )
    assert {r["precoder"] for r in metrics["test"]["results"]} == {"gnn", "mrt"}
    assert set(metrics["validation"]) == {"val_sum_rate", "val_nmse_db"}
