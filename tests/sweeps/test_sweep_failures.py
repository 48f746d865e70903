"""A sweep whose trial fails records the failure in its table and goes on; the sweep tables that
``pareto`` reads are checked, and a failed row is left out of the fronts."""

from __future__ import annotations

import csv
import json

import pytest
import yaml

from qprecode.experiments.kasalaee.pareto_report import read_sweep_table
from qprecode.sweeps import engines, plan_sweep, run_local
from tests.cli_harness import assert_clean, run_cli

GRID = {
    "model": {"bits": 1, "hidden_dim": 4, "hidden_layers": 1},
    "data": {"antennas": 4, "users": 1, "train_channels": 32, "val_channels": 8,
             "test_channels": 8, "symbols": 4, "eval_symbols": 8},
    "optim": {"batch_size": 16, "epochs": 1},
    "sweep": {"seed": [0, 1, 2]},
    "name": "s{seed}",
}  # fmt: skip


@pytest.fixture
def failing_second(monkeypatch):
    """``execute_trial`` that fails on trial s1 and returns a record for the others."""

    def execute(trial, out_dir):
        if trial.name == "s1":
            raise RuntimeError("the loss diverged\nsecond line")
        return {"trial": trial.name, "val_best": 1.5, "test_sum_rate": 2.0}

    monkeypatch.setattr(engines, "execute_trial", execute)


def test_a_failed_trial_is_recorded_and_the_sweep_goes_on(failing_second, tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(GRID))
    said: list[str] = []
    records = run_local(plan_sweep(path), tmp_path / "out", echo=said.append, progress=False)
    assert [r["trial"] for r in records] == ["s0", "s1", "s2"]
    assert [r["status"] for r in records] == ["ok", "failed", "ok"]
    assert records[1]["error"] == "RuntimeError: the loss diverged"
    assert records[1]["seed"] == 1  # its config is in the row
    assert "test_sum_rate" not in records[1]
    assert any("s1: failed" in line for line in said)


def test_the_sweep_command_writes_the_table_then_says_how_many_failed(
    failing_second, tmp_path, capsys
):
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(GRID))
    out = tmp_path / "out"
    code, _, err = run_cli(["sweep", "--config", str(path), "--out", str(out), "--engine",
                            "local", "--quiet"], capsys)  # fmt: skip
    assert code == 2
    assert_clean(code, err)
    assert "1 of 3 trials failed (s1)" in err
    with (out / "results.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert rows[1]["error"].startswith("RuntimeError")
    assert json.loads((out / "results.json").read_text())["results"][1]["status"] == "failed"


def test_pareto_reads_past_failed_rows_and_refuses_missing_columns(tmp_path):
    table = tmp_path / "results.csv"
    table.write_text("trial,status,test_sum_rate,energy_uj,error\n"
                     "a,ok,2.0,1.0,\nb,failed,,,RuntimeError: x\n")  # fmt: skip
    assert [r["trial"] for r in read_sweep_table(table)] == ["a"]
    for text, message in (("trial,val_best\na,1\n", "has no test_sum_rate, energy_uj columns"),
                          ("trial,test_sum_rate,energy_uj\na,nan,1\n", "must be a finite"),
                          ("trial,test_sum_rate,energy_uj\na,x,1\n", "must be a finite"),
                          ("", "has no test_sum_rate")):  # fmt: skip
        table.write_text(text)
        with pytest.raises(ValueError, match=message) as refused:
            read_sweep_table(table)
        assert str(table) in str(refused.value)
    bad = tmp_path / "results.json"
    for text, message in (('{"results": 5}', "must be a list of rows"),
                          ("{oops", "is not readable")):  # fmt: skip
        bad.write_text(text)
        with pytest.raises(ValueError, match=message):
            read_sweep_table(bad)


def test_pareto_command_names_the_table(tmp_path, capsys):
    table = tmp_path / "results.csv"
    table.write_text("trial,val_best\na,1.0\n")
    code, _, err = run_cli(["pareto", str(table), "--out", str(tmp_path / "p")], capsys)
    assert code == 2
    assert_clean(code, err)
    assert str(table) in err and "energy_uj" in err


@pytest.mark.parametrize(("text", "message"), [
    ('{"trial": "a"}', "has no test_sum_rate, test_sum_rate[wmmse--]"),
    ("{oops", "is not readable"), ("[1, 2]", "must hold a JSON object"),
])  # fmt: skip
def test_compress_table_and_zhang_curve_name_a_broken_trial_record(text, message, tmp_path,
                                                                   capsys):  # fmt: skip
    record = tmp_path / "sweep" / "trials" / "a" / "record.json"
    record.parent.mkdir(parents=True)
    record.write_text(text)
    commands = [["compress-table", "--fp32", str(tmp_path / "sweep"), "--out",
                 str(tmp_path / "t")]]  # fmt: skip
    if "test_sum_rate" not in message:  # zhang curve skips records of other tasks
        commands.append(["zhang", "curve", str(tmp_path / "sweep"), "--out", str(tmp_path / "z")])
    for args in commands:
        code, _, err = run_cli(args, capsys)
        assert code == 2
        assert_clean(code, err)
        assert f"trial record {record}" in err and message in err, err
    assert record.read_text() == text
