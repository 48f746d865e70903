"""Every command against numbers a user may type: exit 0 with finite numbers, or a one-line error
naming the option, never a traceback (hypothesis properties, a few examples each), and the cases
that used to print a number that looked like success."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli_harness import (
    INTEGERS,
    NUMBERS,
    assert_clean,
    assert_finite_json,
    non_finite,
    run_cli,
)

FEW = settings(
    max_examples=int(os.environ.get("QPRECODE_CLI_EXAMPLES", "12")),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


# --- the three cases of the issue ---------------------------------------------------------------


@pytest.mark.parametrize("symbols", [1, 4, 31])
def test_radiation_refuses_fewer_symbol_vectors_than_evaluate(symbols, capsys):
    code, _, err = run_cli(["radiation", "--precoder", "mrt", "--bits", "1", "--symbols",
                            str(symbols)], capsys)  # fmt: skip
    assert code == 2 and err.startswith("error: --symbols must be at least 32"), err
    assert f"got {symbols}" in err


def test_radiation_needs_a_symbol_vector_per_user(capsys):
    angles = ",".join(str(a) for a in range(40, 140, 3))  # 34 users
    code, _, err = run_cli(["radiation", "-M", "64", "--angles", angles, "--symbols", "33"],
                           capsys)  # fmt: skip
    assert code == 2 and "--symbols must be at least 34" in err, err


def test_radiation_at_the_minimum_gives_a_plausible_sdr(capsys, tmp_path):
    """At 32 symbol vectors the fit no longer inflates the SDR at the user to 100+ dB."""
    out = tmp_path / "r.json"
    code, _, err = run_cli(["radiation", "--precoder", "mrt", "--bits", "1", "--symbols", "32",
                            "--json", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    import json

    pattern = json.loads(out.read_text())["patterns"][0]
    at_user = pattern["sdr_db"][round(110 / 0.25)]
    assert 0 < at_user < 20


@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf", "-inf"])
def test_power_bandwidth_error_names_the_option(value, capsys):
    code, _, err = run_cli(["power", "--at-bandwidth", value], capsys)
    assert code == 2 and "'--at-bandwidth'" in err, err
    assert "f_s" not in err and "-20.0" not in err


@pytest.mark.parametrize(("gnn", "baseline"), [(3, 1), (2, 2), (8, 3)])
def test_power_refuses_a_baseline_with_as_many_bits_or_fewer(gnn, baseline, capsys):
    code, _, err = run_cli(["power", "--gnn-bits", str(gnn), "--baseline-bits", str(baseline)],
                           capsys)  # fmt: skip
    assert code == 2, err
    assert "'--gnn-bits'" in err and f"not below --baseline-bits {baseline}" in err


@pytest.mark.parametrize(("option", "value"), [
    ("--efficiency", "0"), ("--max-flops", "inf"), ("--rolloff", "nan"), ("--vdd", "-1"),
    ("--i0", "0"), ("--cp", "nan"), ("--carrier", "0"), ("-M", "0"), ("-K", "0"),
    ("--gnn-bits", "0"), ("--baseline-bits", "17"),
])  # fmt: skip
def test_power_errors_speak_in_option_names(option, value, capsys):
    code, _, err = run_cli(["power", option, value], capsys)
    assert code == 2, err
    assert option.lstrip("-") in err.splitlines()[-1], err


# --- properties ---------------------------------------------------------------------------------


@FEW
@given(antennas=INTEGERS, users=INTEGERS, gnn_bits=INTEGERS, baseline_bits=INTEGERS,
       bandwidth=NUMBERS, rolloff=NUMBERS, efficiency=NUMBERS,
       arch=st.sampled_from(["8x1", "local-search", "0x2", "4x0", "x", "8x1,local-search"]),
       )  # fmt: skip
def test_power_property(antennas, users, gnn_bits, baseline_bits, bandwidth, rolloff, efficiency,
                        arch, capsys):  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "p.json"
        args = ["power", "-M", antennas, "-K", users, "--gnn-bits", gnn_bits, "--baseline-bits",
                baseline_bits, "--at-bandwidth", bandwidth, "--rolloff", rolloff,
                "--efficiency", efficiency, "--arch", arch, "--json", str(out)]  # fmt: skip
        code, _, err = run_cli(args, capsys)
        assert_clean(code, err)
        if code == 0:
            assert_finite_json(out)


@FEW
@given(antennas=INTEGERS, iterations=NUMBERS,
       arch=st.sampled_from(["4x8", "0x8", "4x0", "4", "4x8,2x2"]),
       bits=st.sampled_from(["16", "2,2,2,2", "0", "1,2,3", "33", "16,16,4,8", "x"]),
       users=INTEGERS)  # fmt: skip
def test_energy_property(antennas, iterations, arch, bits, users, capsys):
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "e.json"
        args = ["energy", "-M", antennas, "-K", users, "--iterations", iterations, "--arch", arch,
                "--bits", bits, "--json", str(out)]  # fmt: skip
        code, _, err = run_cli(args, capsys)
        assert_clean(code, err)
        if code == 0:
            assert_finite_json(out)


@FEW
@given(antennas=st.sampled_from(["-1", "0", "1", "4", "x"]),
       symbols=st.sampled_from(["-1", "0", "1", "31", "32", "40"]),
       resolution=st.one_of(st.sampled_from(["1", "5", "45"]), NUMBERS),
       snr=st.one_of(st.sampled_from(["20", "0:10:5", "-30"]), NUMBERS),
       angles=st.sampled_from(["110", "90,90", "0,180", "-5", "200", "30,60", "nan", ""]),
       precoder=st.sampled_from(["mrt", "zf", "squid"]),
       bits=st.sampled_from(["1", "inf", "0", "2,inf"]))  # fmt: skip
def test_radiation_property(antennas, symbols, resolution, snr, angles, precoder, bits, capsys):
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "r.json"
        args = ["radiation", "--precoder", precoder, "--bits", bits, "-M", antennas, "--symbols",
                symbols, "--resolution", resolution, "--snr-db", snr, "--angles", angles,
                "--json", str(out)]  # fmt: skip
        code, _, err = run_cli(args, capsys)
        assert_clean(code, err)
        if code == 0:
            assert_finite_json(out)


@pytest.mark.parametrize("value", ["1e-300", "0", "46", "nan"])
def test_radiation_resolution_outside_its_range_is_refused_before_any_work(value, capsys):
    code, _, err = run_cli(["radiation", "--resolution", value], capsys)
    assert code == 2 and "--resolution must be in [0.01, 45] degrees" in err, err


# --- the other commands -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def channel_file(tmp_path_factory) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("files") / "h.npy"
    np.save(path, (rng.standard_normal((40, 4, 2)) + 1j * rng.standard_normal((40, 4, 2))))
    return path


@FEW
@given(fractions=st.one_of(st.sampled_from(["0.8,0.1,0.1", "1,0,0", "0.5,0.5", "-1,1,1"]),
                           NUMBERS),
       snr=NUMBERS, target=st.one_of(st.none(), NUMBERS), seed=INTEGERS)  # fmt: skip
def test_dataset_info_property(channel_file, fractions, snr, target, seed, capsys):
    args = ["dataset", "info", str(channel_file), "--fractions", fractions, "--snr-db", snr,
            "--split-seed", seed]  # fmt: skip
    if target is not None:
        args += ["--target-snr-db", target]
    code, out, err = run_cli(args, capsys)
    assert_clean(code, err)
    if code == 0:
        assert "nan" not in out.lower() and "inf " not in out.lower()


@FEW
@given(seed=INTEGERS)
def test_dataset_spread_property(channel_file, seed, capsys):
    with tempfile.TemporaryDirectory() as folder:
        args = ["dataset", "spread", str(channel_file), "--seed", seed, "--plot",
                str(Path(folder) / "s.png")]  # fmt: skip
        code, out, err = run_cli(args, capsys)
        assert_clean(code, err)
        if code == 0:
            assert "nan" not in out.lower()


@pytest.mark.parametrize(("option", "value"), [
    ("--samples", "0"), ("-M", "0"), ("-K", "-1"), ("--carrier", "nan"), ("--carrier", "0"),
    ("--sector-deg", "-5"), ("--sector-deg", "inf"), ("--upa-rows", "0"), ("--seed", "-1"),
])  # fmt: skip
def test_dataset_3gpp_refuses_bad_numbers_by_option_name(option, value, tmp_path, capsys):
    out = tmp_path / "c.h5"
    code, _, err = run_cli(["dataset", "3gpp", "cdl-a", "--out", str(out), option, value],
                           capsys)  # fmt: skip
    assert code == 2
    assert_clean(code, err)
    assert f"'{option}'" in err, err
    assert not out.exists()


@FEW
@given(key=st.sampled_from(["optim.lr", "epochs", "data.antennas", "data.users", "batch_size",
                            "hidden_dim", "model.bits", "data.snr_db", "seed"]),
       value=st.one_of(NUMBERS, st.sampled_from(["[1, 2]", "{a: 1}", "null", "true"])))  # fmt: skip
def test_train_and_sweep_overrides_property(key, value, tmp_path_factory, capsys):
    """Any value of a config key on the command line is taken or refused in one line naming
    the key; ``sweep --list`` and ``train --list`` stop before any training."""
    import yaml

    folder = tmp_path_factory.mktemp("cfg")
    config = folder / "c.yaml"
    config.write_text(yaml.safe_dump({
        "model": {"bits": 1, "hidden_dim": 4, "hidden_layers": 1},
        "data": {"antennas": 4, "users": 1, "train_channels": 32, "val_channels": 8,
                 "test_channels": 8, "symbols": 4, "eval_symbols": 8},
        "optim": {"batch_size": 16, "epochs": 1},
    }))  # fmt: skip
    code, _, err = run_cli(["sweep", "--config", str(config), "--list", f"{key}={value}"], capsys)
    assert_clean(code, err)
    if code == 2:
        assert str(config) in err or key in err, err


@pytest.mark.parametrize("args", [
    ["reproduce", "nosuch:item"], ["reproduce", "--seed", "-1", "fig7a"],
    ["reproduce", "--preset", "huge", "fig7a"], ["reproduce"],
    ["compare", "--seed", "-1"], ["compare", "--preset", "huge"],
    ["retest", "/no/such/run"], ["zhang", "sizes", "--model", "x", "--out", "/tmp/z"],
    ["zhang", "complexity", "--out", "/tmp/z", "--target", "nan"],
    ["zhang", "complexity", "--out", "/tmp/z", "--target", "2"],
    ["compress-table", "--fp32", "/no/such/folder"], ["pareto", "/no/such/results.csv"],
    ["train", "--config", "no-such-preset"], ["sweep", "--config", "no-such-preset"],
    ["train", "--config", "feys/smoke", "--max-steps", "0"],
    ["sweep", "--config", "feys/smoke", "--cpus-per-trial", "0"],
])  # fmt: skip
def test_every_command_refuses_bad_input_in_one_line(args, capsys):
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert_clean(code, err)


def test_reproduce_list_exits_cleanly(capsys):
    code, out, err = run_cli(["reproduce", "--list"], capsys)
    assert code == 0 and "feys:fig7a" in out, err


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("QPRECODE_CLI_EXAMPLES", "6")),
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(lr=st.sampled_from(["1e-3", "1e30", "0", "-1", "nan", "x"]),
       snr=st.sampled_from(["20", "-300", "301", "nan"]),
       symbols=st.sampled_from(["1", "4", "0"]),
       steps=st.sampled_from(["1", "2", "0"]))  # fmt: skip
def test_train_property(lr, snr, symbols, steps, tmp_path_factory, capsys):
    """A tiny training run with any of these values ends with finite test numbers, or a one-line
    error (a diverged run: the checkpoint holding NaN is named)."""
    import json

    import yaml

    folder = tmp_path_factory.mktemp("train")
    config = folder / "c.yaml"
    config.write_text(yaml.safe_dump({
        "model": {"bits": 1, "hidden_dim": 4, "hidden_layers": 1},
        "data": {"antennas": 4, "users": 1, "train_channels": 32, "val_channels": 8,
                 "test_channels": 8, "symbols": 4, "eval_symbols": 8},
        "optim": {"batch_size": 16, "epochs": 1}, "loop": {"eval_every": 2},
    }))  # fmt: skip
    out = folder / "run"
    code, _, err = run_cli(["train", "--config", str(config), "--out", str(out), "--max-steps",
                            steps, "--quiet", f"optim.lr={lr}", f"data.snr_db={snr}",
                            f"data.symbols={symbols}"], capsys)  # fmt: skip
    assert_clean(code, err)
    if code == 0 and (out / "best.json").is_file():
        info = json.loads((out / "best.json").read_text())
        assert "test" not in info or not non_finite(info["test"]), info.get("test")


@settings(max_examples=int(os.environ.get("QPRECODE_CLI_EXAMPLES", "4")),
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(item=st.sampled_from(["kasalaee:energy", "feys:fig4", "fig4", "feys:fig99", "x"]),
       seed=INTEGERS, preset=st.sampled_from(["tiny", "huge"]))  # fmt: skip
def test_reproduce_property(item, seed, preset, capsys):
    """A cheap reproduction at any seed writes finite numbers, or refuses in one line."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "rep"
        code, _, err = run_cli(["reproduce", item, "--preset", preset, "--seed", seed, "--out",
                                str(out)], capsys)  # fmt: skip
        assert_clean(code, err)
        if code == 0:
            written = sorted(out.glob("*.json"))
            assert written
            for path in written:
                assert_finite_json(path)
