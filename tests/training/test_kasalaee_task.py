import json
import math
from pathlib import Path

import pytest
import torch

from qprecode.metrics import sinr_from_matrix, sum_rate
from qprecode.nn import CompressedDNN, load_model, read_files, save_model
from qprecode.precoders import MRT
from qprecode.registry import build_precoder
from qprecode.training import (
    KasalaeeConfig,
    config_from_raw,
    load_config,
    negative_matrix_sum_rate,
    run_trial,
    task_for,
    train,
)
from tests.conftest import generator

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites

CONFIGS = Path(__file__).parents[2] / "configs" / "kasalaee"

# M = 4, K = 2 at 0 dB: MRT is the best of MRT and ZF there, and a small network beats it
# after about 1000 steps (2.65 vs 2.46 bit/s/Hz on seeds 0..2).
LEARNS = {
    "task": "kasalaee-dnn", "seed": 0,
    "model": {"conv_channels": 4, "fc_dim": 128, "dropout": 0.0},
    "data": {"antennas": 4, "users": 2, "train_channels": 4096, "val_channels": 256,
             "test_channels": 64, "snr_db": 0.0},
    "optim": {"lr": 3e-3, "batch_size": 128, "epochs": 32},
    "loop": {"eval_every": 10_000, "checkpoint_every": 10_000},
}  # fmt: skip
TINY = {
    "task": "kasalaee-dnn", "seed": 0,
    "model": {"conv_channels": 2, "fc_dim": 16},
    "data": {"antennas": 8, "users": 2, "train_channels": 64, "val_channels": 16,
             "test_channels": 16, "snr_db": 5.0},
    "optim": {"lr": 1e-2, "batch_size": 16, "epochs": 2},
    "loop": {"eval_every": 4, "checkpoint_every": 2},
}  # fmt: skip


def weights(run: Path, name: str = "last") -> dict[str, torch.Tensor]:
    tensors, _ = read_files(run / name)
    return {k: v for k, v in tensors.items() if k.startswith("model.")}


def with_(base: dict, **sections: dict) -> dict:
    return {**base, **{k: {**base.get(k, {}), **v} for k, v in sections.items()}}


def test_the_loss_is_the_negative_mean_closed_form_sum_rate():
    H = torch.randn(3, 5, 2, dtype=torch.complex64, generator=generator(0))
    W = torch.randn(3, 5, 2, dtype=torch.complex64, generator=generator(1)).requires_grad_()
    loss = negative_matrix_sum_rate(H, W, 0.5)
    by_hand = 0.0
    for b in range(3):
        for k in range(2):
            gains = (H[b, :, k] @ W[b].detach()).abs() ** 2  # |h_k^T w_j|^2
            by_hand += math.log2(1 + float(gains[k]) / (float(gains.sum() - gains[k]) + 0.5))
    assert float(loss.detach()) == pytest.approx(-by_hand / 3, rel=1e-5)
    loss.backward()
    assert W.grad is not None and torch.isfinite(torch.view_as_real(W.grad)).all()


def test_config_defaults_sections_and_checks():
    config = config_from_raw({"task": "kasalaee-dnn"})
    assert isinstance(config, KasalaeeConfig)
    assert (config.model.conv_channels, config.model.fc_dim) == (64, 1024)
    assert config.model.weight_bits == (None,) * 4 and not config.model.quantized
    assert (config.data.antennas, config.data.users) == (64, 4)
    # the paper's optimiser settings even when the file sets only some of them
    partial = config_from_raw({"task": "kasalaee-dnn", "optim": {"epochs": 3}})
    assert (partial.optim.lr, partial.optim.batch_size, partial.optim.epochs) == (1e-3, 1000, 3)
    bits = config_from_raw({"task": "kasalaee-dnn", "conv_bits": 16, "fc1_bits": 2})
    assert bits.model.weight_bits == (16, 2, None, None) and bits.model.quantized
    for bad, message in [({"fc2_bits": 1}, "fc2_bits must be an integer in 2..16"),
                         ({"val_seed": 1}, "must differ"), ({"users": 65}, "users must be"),
                         ({"channel": "x"}, "channel must be one of")]:  # fmt: skip
        with pytest.raises(ValueError, match=message):
            config_from_raw({"task": "kasalaee-dnn", **bad})


@pytest.mark.parametrize("name", ["smoke", "fp32", "qat"])
def test_shipped_configs_load(name):
    path = CONFIGS / f"{name}.yaml"
    if name == "qat":
        from qprecode.training import list_trials

        trials = list_trials(path)
        assert len(trials) == 12 and "b8-8-8-8-s0" in trials and "b2-2-2-2-s3" in trials
        config = load_config(path, trial="b4-4-4-4-s1")
        assert config.model.weight_bits == (4, 4, 4, 4) and config.seed == 1
        assert config.qat.init_from is not None
    else:
        trial = "fp32-s2" if name == "fp32" else None  # fp32.yaml sweeps its seeds
        config = load_config(path, trial=trial)
        assert config.model.weight_bits == (None,) * 4 and config.qat.init_from is None
    assert config.task == "kasalaee-dnn"


def test_training_beats_the_untrained_network_and_mrt_at_low_snr(tmp_path):
    metrics = run_trial(LEARNS, tmp_path)
    task = task_for(config_from_raw(LEARNS))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        untrained = task.build_model().eval()
    H = task.data.val
    mrt = float(sum_rate(sinr_from_matrix(H, MRT().matrix(H), task.noise_var)).mean())
    before = task.validate(untrained)["val_sum_rate"]
    assert metrics["best"] > before + 1.0
    assert metrics["best"] > 1.03 * mrt  # MRT is within a few per cent of WMMSE at 0 dB here
    # the test rows: the network, MRT, ZF and RZF in both normalisations, the strongest WMMSE
    # and the paper's MRT-started one; fractions of ZF, RZF-eq and the strongest WMMSE
    rows = {row["precoder"]: row for row in metrics["test"]["results"]}
    assert set(rows) == {"dnn", "mrt", "zf", "zf-eq", "rzf-eq", "wmmse", "wmmse-mrt"}
    at = metrics["test"]["snr_db"].index(0.0)
    assert rows["dnn"]["fraction_of_zf"][at] == pytest.approx(
        rows["dnn"]["sum_rate"][at] / rows["zf"]["sum_rate"][at]
    )
    assert 0.5 < rows["dnn"]["fraction_of_wmmse"][at] <= 1.0
    for baseline in ("zf", "zf-eq", "rzf-eq", "wmmse-mrt"):
        assert rows["wmmse"]["sum_rate"][at] >= rows[baseline]["sum_rate"][at] - 1e-6
    assert rows["dnn"]["fraction_of_rzf_eq"][at] == pytest.approx(
        rows["dnn"]["sum_rate"][at] / rows["rzf-eq"]["sum_rate"][at]
    )
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert "closed-form SINR" in card and "of the strongest WMMSE's sum rate" in card
    # the run's best model is a precoder of the registry
    precoder = build_precoder(f"dnn:{tmp_path}")
    assert precoder.name == f"dnn:{tmp_path}"


def test_run_folder_and_resume_gives_the_same_weights_as_an_uninterrupted_run(tmp_path):
    quantized = with_(TINY, model={"conv_bits": 8, "fc1_bits": 4, "fc2_bits": 2})
    config = config_from_raw(quantized)
    train(config, tmp_path / "full", progress=False, echo=lambda _: None)
    info = json.loads((tmp_path / "full" / "best.json").read_text())
    assert info["architecture"] == "kasalaee-dnn"
    assert info["hyperparameters"]["weight_bits"] == [8, 4, 2, None]
    assert info["trained_on"] == {"antennas": 8, "users": 2, "channel": "rayleigh", "snr_db": 5.0}
    assert set(info["metrics"]) == {"val_sum_rate", "val_fraction_of_zf"}
    # stop before the first validation, then at a step between checkpoints
    train(config, tmp_path / "split", progress=False, max_steps=1, echo=lambda _: None)
    train(config, tmp_path / "split", resume=True, progress=False, max_steps=3,
          echo=lambda _: None)  # fmt: skip
    train(config, tmp_path / "split", resume=True, progress=False, echo=lambda _: None)
    full, split = weights(tmp_path / "full"), weights(tmp_path / "split")
    assert full.keys() == split.keys() and any(".quantizer." in k for k in full)
    for key in full:
        assert torch.equal(full[key], split[key]), key
    # dropout is part of the seeded stream: another seed trains to other weights
    other = train(config_from_raw({**quantized, "seed": 1}), tmp_path / "other", progress=False,
                  echo=lambda _: None)  # fmt: skip
    assert other.step == full_steps(config)
    assert not torch.equal(
        weights(tmp_path / "other")["model.fc2.weight"], full["model.fc2.weight"]
    )


def test_batch_norm_refuses_micro_batches(tmp_path):
    # a micro-batch normalises with its own statistics: its gradients do not add up to the batch's
    config = config_from_raw(with_(TINY, optim={"micro_batch": 4}))
    with pytest.raises(ValueError, match="cannot split its batch"):
        train(config, tmp_path, progress=False, echo=lambda _: None)


def full_steps(config: KasalaeeConfig) -> int:
    return config.data.train_channels // config.optim.batch_size * config.optim.epochs


def test_qat_starts_from_the_fp32_weights_quantized(tmp_path):
    train(config_from_raw(TINY), tmp_path / "fp32-s0", progress=False, echo=lambda _: None)
    fp32, _ = load_model(tmp_path / "fp32-s0" / "best")
    qat = with_(TINY, model={"conv_bits": 8, "fc1_bits": 4, "fc2_bits": 4, "fc3_bits": 16},
                qat={"init_from": str(tmp_path / "fp32-s{seed}")})  # fmt: skip
    task = task_for(config_from_raw(qat))
    model = task.build_model()
    reference = fp32.state_dict()
    for key, value in model.state_dict().items():
        if ".quantizer." not in key:
            assert torch.equal(value, reference[key]), key
    for layer in (model.conv, model.fc1, model.fc2):
        q = layer.quantizer
        s0 = 2 * float(layer.weight.detach().abs().mean()) / math.sqrt(q.q_p)
        assert float(q.step.detach()) == pytest.approx(s0, rel=1e-6)
        assert torch.unique(layer.quantized_weight()).numel() <= 2**q.bits
    assert model.fc3.quantizer is None and model.fc3.weight_bits == 16
    # its outputs are the FP32 model's with the weights quantized
    model.eval()
    H = task.data.val
    close = torch.nn.functional.cosine_similarity(
        torch.view_as_real(model(H)).flatten(1), torch.view_as_real(fp32(H)).flatten(1)
    )
    assert close.mean() > 0.9
    # a run with a vanishing learning rate stays where it started
    result = train(config_from_raw(with_(qat, optim={"lr": 1e-12, "epochs": 1})),
                   tmp_path / "qat", progress=False, max_steps=1, echo=lambda _: None)  # fmt: skip
    assert result.step == 1
    after = weights(tmp_path / "qat")
    for key, value in model.state_dict().items():
        if "running" not in key and "num_batches" not in key:
            torch.testing.assert_close(after[f"model.{key}"], value, rtol=0, atol=1e-8)


def test_qat_init_from_refuses_other_sizes_and_architectures(tmp_path):
    fp32 = CompressedDNN(8, 2, conv_channels=4, fc_dim=16)
    save_model(tmp_path / "wide", fp32)
    qat = with_(TINY, model={"fc1_bits": 4}, qat={"init_from": str(tmp_path / "wide")})
    with pytest.raises(ValueError, match="has sizes"):
        task_for(config_from_raw(qat)).build_model()
    from qprecode.nn import QuantizedGNN

    save_model(tmp_path / "gnn", QuantizedGNN(1, 8, 1))
    qat = with_(TINY, qat={"init_from": str(tmp_path / "gnn.safetensors")})
    with pytest.raises(ValueError, match="feys-gnn"):
        task_for(config_from_raw(qat)).build_model()


def test_costs_are_the_energy_model_of_the_configured_network():
    from qprecode.training import config_from_raw, task_for

    default = task_for(config_from_raw({"task": "kasalaee-dnn"})).costs()
    assert default["energy_uj"] == pytest.approx(51.72, abs=0.01)  # 16 bits, eqs. 7-11
    two = {"conv_bits": 2, "fc1_bits": 2, "fc2_bits": 2, "fc3_bits": 2}
    low = task_for(config_from_raw({"task": "kasalaee-dnn", "model": two})).costs()
    assert low["energy_uj"] == pytest.approx(3.10, abs=0.01)
    assert low["energy_uj_i1"] == pytest.approx(1.14, abs=0.01)


STRUCTURED = with_(
    TINY,
    model={"head": "structured", "conv_channels": 2, "fc_dim": 16, "dropout": 0.0},
    data={"antennas": 8, "users": 2, "channel": "file:data/samples/etoile.h5", "positions": "los"},
)


def test_structured_head_builds_the_structured_network_and_costs_its_closed_form_layer():
    from qprecode.nn import StructuredDNN

    task = task_for(config_from_raw(with_(STRUCTURED, data={"channel": "rayleigh"})))
    assert isinstance(task.build_model(), StructuredDNN)
    costs = task.costs()
    assert math.isfinite(costs["energy_uj"]) and costs["energy_uj"] > 0
    two = {"conv_bits": 2, "fc1_bits": 2, "fc2_bits": 2, "fc3_bits": 2}
    low = task_for(config_from_raw(with_(STRUCTURED, model=two, data={"channel": "rayleigh"})))
    assert low.costs()["energy_uj"] < costs["energy_uj"]


def test_structured_qat_refuses_a_direct_output_model(tmp_path):
    save_model(tmp_path / "direct", CompressedDNN(8, 2, conv_channels=2, fc_dim=16))
    qat = with_(
        STRUCTURED,
        model={"fc1_bits": 4},
        data={"channel": "rayleigh"},
        qat={"init_from": str(tmp_path / "direct")},
    )
    with pytest.raises(ValueError, match="kasalaee-dnn model, the config builds a kasalaee-struc"):
        task_for(config_from_raw(qat)).build_model()


@pytest.mark.parametrize("site", ["munich", "etoile", "rayleigh"])
def test_structured_configs_load(site):
    from qprecode.training import list_trials

    fp32 = load_config(CONFIGS / f"structured-{site}-fp32.yaml", trial="fp32-s3")
    assert fp32.model.head == "structured" and fp32.model.architecture == "kasalaee-structured"
    assert list_trials(CONFIGS / f"structured-{site}-qat.yaml") == [
        f"b2-2-2-2-s{seed}" for seed in range(4)
    ]
    qat = load_config(CONFIGS / f"structured-{site}-qat.yaml", trial="b2-2-2-2-s1")
    assert qat.model.weight_bits == (2, 2, 2, 2)
    assert qat.qat.init_from == f"sweeps/structured-{site}-fp32/trials/fp32-s{{seed}}"


def test_wmmse_of_a_test_set_is_solved_once_per_process(monkeypatch):
    """The trials of a local sweep share their test set: WMMSE runs once for it."""
    from qprecode.precoders import WMMSE

    calls = []
    solve = WMMSE.solve
    monkeypatch.setattr(
        WMMSE, "solve", lambda self, H, **kw: calls.append(1) or solve(self, H, **kw)
    )
    raw = with_(TINY, data={"test_seed": 77})  # a test set no other test has solved
    first = task_for(config_from_raw(raw))
    rows = first.test(first.build_model())["results"]
    solved = len(calls)
    assert solved > 0
    second = task_for(config_from_raw({**raw, "seed": 1}))  # another trial, same test set
    again = second.test(second.build_model())["results"]
    assert len(calls) == solved
    pick = {r["precoder"]: r for r in rows}, {r["precoder"]: r for r in again}
    assert pick[0]["wmmse"]["sum_rate"] == pick[1]["wmmse"]["sum_rate"]
    assert pick[0]["wmmse"]["iterations"] == pick[1]["wmmse"]["iterations"]
