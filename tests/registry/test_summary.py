"""Each saved model's registry description says what it is, how it was trained and what it
reached, from its own JSON, so that no two shipped models read alike."""

from __future__ import annotations

import json

import pytest

from qprecode.models import SHIPPED_DIR, shipped_models
from qprecode.registry import entries, find_entry
from qprecode.registry.summary import model_summary, reached, recipe, setting


def _info(name: str) -> dict:
    return json.loads((SHIPPED_DIR / f"{name}.json").read_text())


def _feys_models() -> list[str]:
    return [n for n in shipped_models() if _info(n)["architecture"] == "feys-gnn"]


def test_every_shipped_model_has_its_own_description():
    learned = [e for e in entries() if e.kind in ("learned", "hybrid") and ":" in e.name]
    assert len(learned) == len(shipped_models())
    descriptions = [e.description for e in learned]
    assert len(set(descriptions)) == len(descriptions), descriptions
    gnns = [e for e in learned if e.name.startswith("gnn:")]
    assert len(gnns) == len(_feys_models()) >= 2
    assert len({e.description for e in gnns}) == len(gnns)


@pytest.mark.parametrize("name", _feys_models())
def test_a_gnn_description_names_its_bits_users_recipe_and_test_rate(name):
    info = _info(name)
    description = find_entry(f"gnn:{name}").description
    bits = info["hyperparameters"]["bits"]
    users = info["trained_on"]["users"]
    assert f"{bits}-bit DACs" in description and f"K={users}" in description
    assert f"batch {info['config']['optim']['batch_size']}" in description
    if "test" not in info:  # a run not yet tested (``qprecode retest`` adds it)
        assert "test at" not in description
        return
    snr = info["trained_on"]["snr_db"]
    own = info["test"]["results"][0]
    rate = own["sum_rate"][own["snr_db"].index(snr)]
    assert f"test at {snr:g} dB: {rate:.2f} bit/c.u." in description
    baseline = "MRT" if users == 1 else "ZF"
    assert f"-bit {baseline}" in description


def test_the_recipe_says_how_a_run_differs():
    info = {
        "config": {
            "optim": {"batch_size": 128, "micro_batch": 16, "lr": 1e-4, "lr_schedule": "cosine"},
            "loss": {"distill_steps": 300, "gumbel_scale_initial": 0.0,
                     "gumbel_scale_final": 0.0, "gain_estimate": "ls"},
            "loop": {"init_from": "runs/start"},
        },
        "training": {"steps": 152, "stopped_at": "152 of 500", "device": "cpu",
                     "hardware": "AMD EPYC, 2 CPUs", "seconds": 7200.0,
                     "earlier_hardware": [{"hardware": "GPU X; CPU Y", "steps": "1-100"}]},
    }  # fmt: skip
    text = recipe(info)
    for words in (
        "fine-tuned from start",
        "stopped at step 152 of 500",
        "micro-batches of 16",
        "lr 0.0001 cosine",
        "distilled from the local search for 300 steps",
        "no Gumbel noise",
        "LS Bussgang gain",
        "GPU X (steps 1-100), then 2 CPUs, 2.0 h",
    ):
        assert words in text, (words, text)


def test_the_test_line_picks_the_training_snr():
    info = {
        "trained_on": {"snr_db": 10.0, "users": 1, "antennas": 8, "channel": "rayleigh"},
        "test": {"results": [
            {"precoder": "gnn", "bits": 1, "snr_db": [0.0, 10.0], "sum_rate": [1.0, 3.25],
             "nmse_db": [-9.0, -9.0]},
            {"precoder": "mrt", "bits": 1, "snr_db": [0.0, 10.0], "sum_rate": [0.5, 2.0]},
            {"precoder": "mrt", "bits": 2, "snr_db": [0.0, 10.0], "sum_rate": [0.7, 2.5]},
        ]},
    }  # fmt: skip
    assert (
        reached(info)
        == "test at 10 dB: 3.25 bit/c.u. against 2.00/2.50 for 1/2-bit MRT, NMSE -9.0 dB"
    )
    assert setting(info) == "M=8, K=1, rayleigh at 10 dB"
    assert "K=1" not in model_summary(info, said="trained at M=8, K=1")


def test_a_fraction_just_below_one_is_not_rounded_up():
    test = {"baseline": "wmmse", "results": [{"precoder": "gnn", "fraction_of_baseline": 0.9998}]}
    assert reached({"test": test}) == "test: 99.98 % of WMMSE"
    test["results"][0]["fraction_of_baseline"] = 0.986
    assert reached({"test": test}) == "test: 98.6 % of WMMSE"


def test_a_model_without_a_card_keeps_its_kind_description():
    assert model_summary({"architecture": "x", "hyperparameters": {}}) == ""
    assert reached({"test": {"results": [{"precoder": "x"}]}}) == ""
