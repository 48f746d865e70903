import json
import math
import subprocess
import sys

import pytest
import torch

from qprecode.cli import main


def run(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def test_evaluate_writes_json_and_plot(tmp_path, capsys):
    args = [
        "evaluate",
        "--precoder",
        "mrt,zf",
        "--bits",
        "1,inf",
        "--antennas",
        "8",
        "--users",
        "2",
        "--snr-db",
        "0:20:10",
        "--channels",
        "20",
        "--symbols",
        "32",
        "--seed",
        "1",
        "--quiet",
        "--json",
        str(tmp_path / "r.json"),
        "--plot",
        str(tmp_path / "r.png"),
    ]
    code, out, _ = run(args, capsys)
    assert code == 0
    assert "Sum rate" in out and "zf" in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["config"]["seed"] == 1 and data["config"]["antennas"] == 8
    records = data["results"]
    assert len(records) == 2 * 2 * 3
    required = {"precoder", "bits", "antennas", "users", "snr_db", "sum_rate", "nmse_db"}
    assert all(required <= set(r) for r in records)
    assert {r["bits"] for r in records} == {1, "inf"}  # integers, "inf" unquantized
    by_key = {(r["precoder"], r["bits"], r["snr_db"]): r["sum_rate"] for r in records}
    assert by_key[("zf", "inf", 20.0)] > by_key[("zf", 1, 20.0)]
    assert (tmp_path / "r.png").stat().st_size > 10_000
    for r in records:  # per-user rates, their sum, and the standard error over channels
        assert len(r["user_rate"]) == 2 and sum(r["user_rate"]) == pytest.approx(r["sum_rate"])
        assert r["sum_rate_sem"] == pytest.approx(r["sum_rate_std"] / 20**0.5)
    # same seed, same numbers
    run(args[:-4] + ["--json", str(tmp_path / "again.json")], capsys)
    assert json.loads((tmp_path / "again.json").read_text())["results"] == records
    # imperfect CSI costs unquantized ZF its rate at high SNR
    run(args[:-4] + ["--csi-error-db", "-10", "--json", str(tmp_path / "csi.json")], capsys)
    noisy = json.loads((tmp_path / "csi.json").read_text())
    assert noisy["config"]["csi_error_nmse_db"] == -10
    noisy_rate = {(r["precoder"], r["bits"], r["snr_db"]): r["sum_rate"] for r in noisy["results"]}
    assert noisy_rate[("zf", "inf", 20.0)] < by_key[("zf", "inf", 20.0)] - 1.0


def test_radiation_writes_patterns(tmp_path, capsys):
    args = [
        "radiation",
        "--precoder",
        "mrt",
        "--bits",
        "1",
        "--antennas",
        "16",
        "--angles",
        "110",
        "--symbols",
        "500",
        "--json",
        str(tmp_path / "p.json"),
        "--plot",
        str(tmp_path / "p.png"),
    ]
    code, out, _ = run(args, capsys)
    assert code == 0 and "SDR" in out
    pattern = json.loads((tmp_path / "p.json").read_text())["patterns"][0]
    assert len(pattern["angles_deg"]) == len(pattern["p_lin_db"]) == len(pattern["sdr_db"])
    peak = pattern["angles_deg"][
        max(range(len(pattern["p_lin_db"])), key=pattern["p_lin_db"].__getitem__)
    ]
    assert abs(peak - 110) < 1
    assert (tmp_path / "p.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["evaluate", "--bits", "9"], "bits must be an integer in 1..8"),
        (["evaluate", "--snr-db", "0:10"], "start:stop:step"),
        (["evaluate", "--precoder", "zf", "--users", "40", "--channels", "2"], "K <= M"),
        (["evaluate", "--precoder", "foo"], "unknown precoder"),
        (["evaluate", "--symbols", "0"], "--symbols"),
        (["radiation", "--angles", "x"], "not a number"),
        (["radiation", "--angles", "200"], "[0, 180]"),
        (["evaluate", "--device", "gpu0"], "unknown device"),
        (["evaluate", "--users", "2", "--symbols", "1", "--channels", "2"], "at least 32"),
        (
            [
                "evaluate",
                "--precoder",
                "zf",
                "--users",
                "2",
                "--channel",
                "los",
                "--channels",
                "300",
            ],
            "full column rank",
        ),
        (["power", "--efficiency", "0"], "'--efficiency': 0.0 is not in the range x>0"),
    ],
)
def test_bad_input_gives_one_line_error(args, message, capsys):
    code, _, err = run(args + ["--quiet"] if args[0] == "evaluate" else args, capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "qprecode.cli", "evaluate", "--bits", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error:")


@pytest.mark.slow
def test_train_then_evaluate_the_checkpoint_beside_mrt(tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text(
        "antennas: 8\nusers: 1\nbits: 1\nhidden_dim: 8\nhidden_layers: 1\n"
        "train_channels: 32\nval_channels: 8\ntest_channels: 8\nsymbols: 8\neval_symbols: 8\n"
        "batch_size: 16\nepochs: 1\neval_every: 1\n"
    )
    run_dir = tmp_path / "run"
    code, out, _ = run(["train", "--config", str(config), "--out", str(run_dir), "--quiet",
                        "epochs=2", "lr=1e-3", "--device", "cpu"], capsys)  # fmt: skip
    assert code == 0 and "best validation" in out
    card = (run_dir / "MODEL_CARD.md").read_text()
    # the device is part of the command: a GPU draws its own training noise
    assert f"qprecode train --config {config} epochs=2 lr=1e-3 --out {run_dir} --device cpu" in card
    assert json.loads((run_dir / "best.json").read_text())["config"]["optim"]["epochs"] == 2
    args = [
        "evaluate",
        "--precoder",
        f"mrt,gnn:{run_dir}",
        "--bits",
        "1,2",
        "--antennas",
        "8",
        "--snr-db",
        "20",
        "--channels",
        "10",
        "--quiet",
        "--json",
        str(tmp_path / "e.json"),
    ]
    code, out, _ = run(args, capsys)
    assert code == 0
    records = json.loads((tmp_path / "e.json").read_text())["results"]
    assert [(r["precoder"], r["bits"]) for r in records] == [
        ("mrt", 1),
        ("mrt", 2),
        (f"gnn:{run_dir}", 1),
    ]


def test_train_errors(tmp_path, capsys):
    code, _, err = run(["train", "--config", str(tmp_path / "none.yaml")], capsys)
    assert code == 2 and "does not exist" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("bits: 1\n")
    code, _, err = run(["train", "--config", str(bad), "hidden_dim=-3"], capsys)
    assert code == 2 and "hidden_dim must be >= 1" in err
    code, _, err = run(["train", "--config", str(bad), "--out", str(tmp_path / "r"), "--resume"],
                       capsys)  # fmt: skip
    assert code == 2 and "does not exist" in err


def test_power_command_records(tmp_path, capsys):
    code, out, _ = run(["power", "--json", str(tmp_path / "p.json"), "--plot",
                        str(tmp_path / "p.png")], capsys)  # fmt: skip
    assert code == 0 and "accelerator limit" in out
    records = json.loads((tmp_path / "p.json").read_text())["results"]
    assert {(r["precoder"], r["dac"]) for r in records} == {
        (p, dac) for p in ("GNN d_h=128, N_h=4", "GNN d_h=32, N_h=8", "local search")
        for dac in ("baseband", "rf")
    }  # fmt: skip
    for r in records:
        assert {"flops_per_vector", "crossover_bandwidth_hz", "max_bandwidth_hz",
                "power_reduction"} <= set(r)  # fmt: skip
        assert {"dac_only", "total", "bandwidth_hz"} <= set(r["power_reduction"])
    small_bb = next(r for r in records if (r["hidden_dim"], r["dac"]) == (32, "baseband"))
    assert 3.4e6 < small_bb["crossover_bandwidth_hz"] < 3.8e6
    search = next(r for r in records if (r["precoder"], r["dac"]) == ("local search", "baseband"))
    # a thousand times fewer operations than the small GNN: it never costs more than it saves
    assert search["flops_per_vector"] < small_bb["flops_per_vector"] / 100
    assert search["crossover_bandwidth_hz"] is None
    assert (tmp_path / "p.png").stat().st_size > 10_000
    code, _, err = run(["power", "--arch", "128by4"], capsys)
    assert code == 2 and "d_h x N_h" in err


def test_evaluate_reads_a_channel_file(tmp_path, capsys):
    from qprecode.channels import RayleighChannel
    from qprecode.datasets import ChannelFile, write_channel_file

    h = RayleighChannel(6, 40).sample(1, torch.Generator().manual_seed(0))[0].mT.contiguous()
    write_channel_file(tmp_path / "c.h5", ChannelFile(h, {"generator": "test"}))
    code, out, _ = run(["evaluate", "--channel-file", str(tmp_path / "c.h5"), "--users", "2",
                        "--precoder", "zf", "--bits", "inf", "--snr-db", "10", "--channels", "30",
                        "--quiet", "--json", str(tmp_path / "r.json")], capsys)  # fmt: skip
    assert code == 0
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["config"]["antennas"] == 6 and data["config"]["channel"].endswith("c.h5")
    assert data["results"][0]["sum_rate"] > 2.0
    assert data["config"]["positions"] == "all" and data["config"]["split"] == "all"


def test_evaluate_draws_from_a_split_and_los_selection_of_a_channel_file(tmp_path, capsys):
    from qprecode.datasets import ChannelFile, write_channel_file

    h = torch.randn(20, 4, dtype=torch.complex64)
    los = torch.arange(20) % 4 == 0  # 5 LOS positions
    write_channel_file(tmp_path / "c.h5", ChannelFile(h, {"generator": "test"}, los=los))
    common = ["evaluate", "--channel-file", str(tmp_path / "c.h5"), "--precoder", "mrt",
              "--bits", "inf", "--snr-db", "0", "--channels", "5", "--quiet"]  # fmt: skip
    # the 3 LOS positions of the train split hold 3 groups of 2 users: 5 channels would reuse them
    code, _, err = run([*common, "--users", "2", "--positions", "los", "--split", "train"], capsys)
    assert code == 2 and "holds 3 different channels" in err
    code, out, _ = run([*common, "--users", "1", "--positions", "los", "--split", "all"], capsys)
    assert code == 0
    # the 5 LOS positions cannot fill groups of 6 users, whatever the split holds
    code, _, err = run([*common, "--users", "6", "--positions", "los", "--split", "train"], capsys)
    assert code != 0 and "fewer than K=6" in err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--plot", "out/x.jpgx", "plot format must be one of"),
        ("--json", "/proc/none/r.json", "--json /proc/none/r.json: cannot create files in /proc"),
        ("--json", "/proc/r.json", "--json /proc/r.json: cannot create files in /proc"),
        ("--plot", "/proc/r.png", "--plot /proc/r.png: cannot create files in /proc"),
    ],  # fmt: skip
)
def test_outputs_are_checked_before_any_work(option, value, message, tmp_path, capsys, monkeypatch):
    import qprecode.cli.evaluate as command

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(command, "evaluate_side_by_side", lambda *a, **k: pytest.fail("work began"))
    code, _, err = run(["evaluate", "--snr-db", "0", "--channels", "5", option, value], capsys)
    assert code == 2 and message in err


def test_configs_lists_the_presets_train_takes_by_name(capsys):
    code, out, _ = run(["configs"], capsys)
    assert code == 0 and "feys/small-k1-b1" in out and "zhang/digital" in out
    code, out, _ = run(["train", "--config", "feys/paper", "--list"], capsys)
    assert code == 0 and "d128-n4-k1-b1" in out


def test_evaluate_streams_channels_beyond_its_memory_budget(tmp_path, capsys, monkeypatch):
    """Past STREAM_BYTES the channels and symbols are drawn chunk by chunk: the same estimate
    within its standard errors, and the JSON says it was streamed."""
    from qprecode.evaluation import side_by_side

    args = ["evaluate", "--precoder", "zf", "--bits", "1", "-M", "8", "-K", "2", "--snr-db",
            "10", "--channels", "400", "--symbols", "32", "--batch-size", "64",
            "--quiet"]  # fmt: skip
    code, _, err = run([*args, "--json", str(tmp_path / "whole.json")], capsys)
    assert code == 0, err
    monkeypatch.setattr(side_by_side, "STREAM_BYTES", 1000)
    code, _, err = run([*args, "--json", str(tmp_path / "streamed.json")], capsys)
    assert code == 0, err
    whole, streamed = (json.loads((tmp_path / f"{n}.json").read_text())
                       for n in ("whole", "streamed"))  # fmt: skip
    assert not whole["config"]["streamed"] and streamed["config"]["streamed"]
    a, b = whole["results"][0], streamed["results"][0]
    assert a["sum_rate"] != b["sum_rate"]  # other draws ...
    spread = math.hypot(a["sum_rate_sem"], b["sum_rate_sem"])
    assert abs(a["sum_rate"] - b["sum_rate"]) < 4 * spread  # ... the same estimate


def test_an_allocation_failure_is_a_one_line_error(capsys, monkeypatch):
    from qprecode.evaluation import side_by_side

    def no_memory(*args, **kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't "
                           "allocate memory: you tried to allocate 2097152000 bytes.")  # fmt: skip

    monkeypatch.setattr(side_by_side, "evaluate", no_memory)
    code, _, err = run(["evaluate", "--channels", "4", "--snr-db", "0", "--quiet"], capsys)
    assert code == 2
    assert err.startswith("error: out of memory") and "lower --batch-size" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_radiation_takes_snr_lists_like_evaluate(tmp_path, capsys):
    path = tmp_path / "r.json"
    args = ["radiation", "--precoder", "mrt,squid", "--bits", "1", "--snr-db", "0:20:20",
            "--symbols", "200", "--resolution", "5", "--json", str(path)]  # fmt: skip
    code, _, err = run(args, capsys)
    assert code == 0, err
    data = json.loads(path.read_text())
    assert data["config"]["snr_db"] == [0.0, 20.0]
    designed = [(p["precoder"], p["snr_db"]) for p in data["patterns"]]
    assert designed == [("mrt", None), ("squid", 0.0), ("squid", 20.0)]  # SQUID per SNR
    code, _, err = run([*args[:7], "--snr-db", "nan"], capsys)
    assert code == 2 and "snr" in err.lower()


def test_an_snr_no_float_can_carry_is_a_one_line_error(capsys):
    for snr in ("3083", "-3237"):  # once a ZeroDivisionError / OverflowError traceback
        code, _, err = run(["evaluate", "--precoder", "mrt", "-M", "1", "-K", "1", "--channels",
                            "1", "--snr-db", snr, "--quiet"], capsys)  # fmt: skip
        assert code == 2 and "SNR must be within" in err and "Traceback" not in err
