"""The energy model of Kasalaee et al. (eqs. 7-14) against numbers worked out by hand from
its equations, on a stand-in of the DNN template profiled with forward hooks."""

import json
from collections import OrderedDict

import pytest
import torch
from torch import nn

from qprecode.cost import (
    PAPER_TABLE_II,
    CostModel,
    KasalaeeEnergy,
    ModelProfile,
    baseline_energy_uj,
    iterations_for_energy,
    kasalaee_layer_profile,
    layer_energy_pj,
    mac_energy_pj,
    parallel_units,
    profile_model,
    wmmse_multiplications,
    zf_multiplications,
)

LAYERS = ("conv", "fc1", "fc2", "fc3")


def stand_in_profile(conv_channels=64, fc_dim=1024, bits=(16, 16, 16, 16), N_T=64, N_U=4):
    """Conv2d(2, C_out, 3, padding=1) -> flatten -> three Linear layers, built on the meta
    device (no weights drawn), bits set per module, profiled on one input [1, 2, N_U, N_T]."""
    with torch.device("meta"):
        model = nn.Sequential(OrderedDict(
            conv=nn.Conv2d(2, conv_channels, 3, padding=1), act=nn.ReLU(), flatten=nn.Flatten(),
            fc1=nn.Linear(conv_channels * N_U * N_T, fc_dim), fc2=nn.Linear(fc_dim, fc_dim),
            fc3=nn.Linear(fc_dim, 2 * N_T * N_U),
        ))  # fmt: skip
        x = torch.zeros(1, 2, N_U, N_T)
    for name, b in zip(LAYERS, bits, strict=True):
        module = getattr(model, name)
        module.weight_bits, module.activation_bits = b, 16
    return profile_model(model, x)


def energy(bits, interpretation="I2", **arch):
    return KasalaeeEnergy(interpretation)(stand_in_profile(bits=bits, **arch))["energy_uj"]


def test_mac_energy_and_parallel_units():
    assert mac_energy_pj(16) == pytest.approx(0.86)
    assert mac_energy_pj(8) / mac_energy_pj(16) == pytest.approx(2**-1.9)
    assert mac_energy_pj(8) == pytest.approx(0.2304, abs=1e-4)
    assert [parallel_units(q) for q in (16, 8, 4, 2)] == [64, 32, 16, 8]
    with pytest.raises(ValueError, match="bit width"):
        mac_energy_pj(0)


def test_baselines_match_the_worked_example():
    assert zf_multiplications(64, 4) == pytest.approx(8362.6667, abs=1e-3)
    assert baseline_energy_uj(zf_multiplications(64, 4)) == pytest.approx(0.00809, abs=5e-6)
    per_iteration = wmmse_multiplications(64, 4, 1)
    assert per_iteration == pytest.approx(2_880_309.3333, abs=1e-3)
    assert baseline_energy_uj(per_iteration) == pytest.approx(2.7867, abs=1e-4)
    assert baseline_energy_uj(1.0) == pytest.approx(0.9675e-6)  # 0.86 (1 + 1/8) pJ
    # linear in I
    assert wmmse_multiplications(64, 4, 92.8) == pytest.approx(92.8 * per_iteration)
    assert baseline_energy_uj(wmmse_multiplications(64, 4, 92.8)) == pytest.approx(258.6, abs=0.05)
    assert iterations_for_energy(296.0) == pytest.approx(106.2, abs=0.05)
    with pytest.raises(ValueError, match="iterations"):
        wmmse_multiplications(64, 4, -1)


def test_default_dnn_counts_and_energy():
    profile = stand_in_profile()
    assert [layer.name for layer in profile.layers] == list(LAYERS)
    for interpretation in ("I1", "I2"):
        model = KasalaeeEnergy(interpretation)
        assert isinstance(model, CostModel)
        out = model(profile)
        assert out["macs"] == 18_644_992 and out["weights"] == 18_351_232
        assert out["activations"] == 18_944
        assert out["energy_uj"] == pytest.approx(51.72, abs=0.005)
        parts = out["compute_uj"] + out["weights_uj"] + out["activations_uj"]
        assert parts == pytest.approx(out["energy_uj"])
    # FCL1 holds 90 % of the MACs
    assert profile.layers[1].macs / profile.macs == pytest.approx(0.9, abs=0.001)


@pytest.mark.parametrize(
    ("bits", "i1", "i2"), [(8, 14.30, 15.60), (4, 4.00, 5.78), (2, 1.14, 3.10)]
)
def test_uniform_bits_under_both_interpretations(bits, i1, i2):
    assert energy((bits,) * 4, "I1") == pytest.approx(i1, abs=0.005)
    assert energy((bits,) * 4, "I2") == pytest.approx(i2, abs=0.005)
    assert bits in PAPER_TABLE_II  # the paper's 17.5 / 7.4 / 4.6 are not reproduced by eqs. 7-11


def test_interpretation_two_keeps_activation_terms_at_sixteen_bits():
    report = KasalaeeEnergy("I2").report(stand_in_profile(bits=(2, 2, 2, 2)))
    reference = KasalaeeEnergy("I2").report(stand_in_profile())
    e_a = report.totals()["activations_uj"]
    assert e_a == pytest.approx(reference.totals()["activations_uj"])  # E_A at 16 bits
    assert all(layer.activation_bits == 16 and layer.weight_bits == 2 for layer in report.layers)
    i1 = KasalaeeEnergy("I1").report(stand_in_profile(bits=(2, 2, 2, 2)))
    assert i1.totals()["activations_uj"] < e_a
    assert i1.layers[0].activation_bits == 2
    # activation bits read from the profile (set to 16 by the stand-in) give the same
    from_profile = KasalaeeEnergy("I2", activation_bits=None)(stand_in_profile(bits=(2,) * 4))
    assert from_profile["energy_uj"] == pytest.approx(report.total_uj)


@pytest.mark.parametrize("interpretation", ["I1", "I2"])
def test_energy_is_monotone_in_every_layers_bits(interpretation):
    base = [2, 4, 8, 16]
    for layer in range(4):
        values = []
        for q in (2, 4, 8, 16):
            bits = list(base)
            bits[layer] = q
            values.append(energy(bits, interpretation, conv_channels=8, fc_dim=512))
        assert values == sorted(values) and values[0] < values[-1]


def test_energy_is_additive_over_layers():
    profile = stand_in_profile(32, 512, (16, 2, 8, 4))
    model = KasalaeeEnergy()
    total = model(profile)
    parts = [model(ModelProfile((layer,))) for layer in profile.layers]
    for key in ("energy_uj", "compute_uj", "weights_uj", "activations_uj", "macs"):
        assert total[key] == pytest.approx(sum(p[key] for p in parts))
    report = model.report(profile)
    assert [x.name for x in report.layers] == list(LAYERS)
    assert sum(x.total_pj for x in report.layers) * 1e-6 == pytest.approx(report.total_uj)
    breakdown = report.as_dict()
    assert breakdown["interpretation"] == "I2" and len(breakdown["layers"]) == 4
    # one layer at one precision: E_MAC [N_c (1 + 2/sqrt(p)) + 7 N_a + 2 N_w]
    compute, weight, activation = layer_energy_pj(1000, 300, 20, 8, 8)
    closed = mac_energy_pj(8) * (1000 * (1 + 2 / parallel_units(8) ** 0.5) + 7 * 20 + 2 * 300)
    assert compute + weight + activation == pytest.approx(closed)


@pytest.mark.parametrize(
    ("arch", "bits"),
    [((64, 1024), (16, 16, 16, 16)), ((8, 512), (2, 8, 8, 8)), ((16, 1024), (16, 2, 4, 8))],
)
def test_analytic_profile_equals_the_hook_counts(arch, bits):
    expected = stand_in_profile(*arch, bits)
    assert kasalaee_layer_profile(64, 4, *arch, bits) == expected
    small = stand_in_profile(4, 32, bits, N_T=8, N_U=2)
    assert kasalaee_layer_profile(8, 2, 4, 32, bits) == small


def test_spec_mixed_precision_examples():
    # (8, 512) [2, 8, 8, 8]: 1.22 (I1) / 1.34 (I2) uJ
    profile = kasalaee_layer_profile(conv_channels=8, fc_dim=512, bits=[2, 8, 8, 8])
    assert KasalaeeEnergy("I1")(profile)["energy_uj"] == pytest.approx(1.22, abs=0.005)
    assert KasalaeeEnergy("I2")(profile)["energy_uj"] == pytest.approx(1.34, abs=0.005)
    # [16, 16, 4, 8] vs [16, 2, 2, 2] at (64, 1024): 48.0 vs 1.5-3.4 uJ
    assert KasalaeeEnergy()(kasalaee_layer_profile(bits=[16, 16, 4, 8]))["energy_uj"] == (
        pytest.approx(48.0, abs=0.1)
    )


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="interpretation"):
        KasalaeeEnergy("I3")
    with pytest.raises(ValueError, match="one value or four"):
        kasalaee_layer_profile(bits=[16, 16])
    with pytest.raises(ValueError, match="conv_channels"):
        kasalaee_layer_profile(conv_channels=0)
    with pytest.raises(ValueError, match="counts"):
        layer_energy_pj(-1, 0, 0, 16, 16)


def test_energy_command_prints_and_saves(tmp_path, capsys):
    from qprecode.cli import main

    path = tmp_path / "energy.json"
    with pytest.raises(SystemExit) as done:
        main(["energy", "--arch", "64x1024,8x512", "--bits", "16,16,16,16", "--bits", "2,8,8,8",
              "--iterations", "92.8", "--json", str(path)])  # fmt: skip
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "258.6" in out and "106.2" in out and "51.72" in out
    saved = json.loads(path.read_text())
    assert saved["config"]["architectures"] == [[64, 1024], [8, 512]]
    base = saved["results"]["baselines"]
    assert base["zf"]["energy_uj"] == pytest.approx(0.00809, abs=5e-6)
    assert base["wmmse_per_iteration"]["energy_uj"] == pytest.approx(2.7867, abs=1e-4)
    assert base["wmmse"]["energy_uj"] == pytest.approx(258.6, abs=0.05)
    dnn = saved["results"]["dnn"]
    assert [(r["conv_channels"], r["fc_dim"], r["bits"]) for r in dnn] == [
        (64, 1024, [16, 16, 16, 16]), (64, 1024, [2, 8, 8, 8]),
        (8, 512, [16, 16, 16, 16]), (8, 512, [2, 8, 8, 8]),
    ]  # fmt: skip
    assert dnn[0]["energy_uj_I1"] == pytest.approx(51.72, abs=0.005)
    assert dnn[3]["energy_uj_I2"] == pytest.approx(1.34, abs=0.005)
    assert len(dnn[0]["breakdown"]["I2"]["layers"]) == 4
    paper = saved["results"]["paper_comparison"]
    assert paper["table_i"]["wmmse"] == {"paper_uj": 296.0, "ours_uj": pytest.approx(258.6, 1e-3)}
    assert paper["wmmse_implied_iterations"] == pytest.approx(106.2, abs=0.05)
    assert [row["bits"] for row in paper["table_ii"]] == [16, 8, 4, 2]
    assert paper["table_ii"][1]["ours_uj_I2"] == pytest.approx(15.60, abs=0.005)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--bits", "16,16"], "four integers"), (["--arch", "64by1024"], "64x1024")],
)
def test_energy_command_rejects_bad_options(args, message, capsys):
    from qprecode.cli import main

    with pytest.raises(SystemExit) as done:
        main(["energy", *args])
    assert done.value.code == 2
    assert message in capsys.readouterr().err
