import json
import math

import pytest
import yaml

from qprecode.cli import main
from qprecode.experiments.kasalaee import compression_table
from qprecode.sweeps import plan_sweep, run_local

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites

BASE = {
    "task": "kasalaee-dnn",
    "model": {"conv_channels": 2, "fc_dim": 16, "dropout": 0.0},
    "data": {"antennas": 4, "users": 2, "train_channels": 256, "val_channels": 64,
             "test_channels": 128, "snr_db": 0.0},
    "optim": {"lr": 0.003, "batch_size": 64, "epochs": 3},
    "loop": {"eval_every": 4, "checkpoint_every": 100},
}  # fmt: skip


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    root = tmp_path_factory.mktemp("table2")
    fp32 = {**BASE, "sweep": {"seed": [0, 1]}, "name": "fp32-s{seed}"}
    (root / "fp32.yaml").write_text(yaml.safe_dump(fp32))
    run_local(plan_sweep(root / "fp32.yaml"), root / "fp32", echo=lambda _: None, progress=False)
    qat = {**BASE, "optim": {**BASE["optim"], "epochs": 1},
           "qat": {"init_from": str(root / "fp32" / "trials" / "fp32-s{seed}")},
           "sweep": [{"conv_bits": b, "fc1_bits": b, "fc2_bits": b, "fc3_bits": b,
                      "seed": [0, 1]} for b in (8, 2)],
           "name": "b{conv_bits}-s{seed}"}  # fmt: skip
    (root / "qat.yaml").write_text(yaml.safe_dump(qat))
    run_local(plan_sweep(root / "qat.yaml"), root / "qat", echo=lambda _: None, progress=False)
    return root


def test_table_rows_average_seeds_and_compare_with_wmmse(sweeps):
    rows = compression_table(sweeps / "fp32", sweeps / "qat")
    by = {(r["method"], r["bits"]): r for r in rows}
    assert [r["method"] for r in rows] == ["fp32", "lsq", "ptq", "ptq", "lsq", "ptq"]
    fp32 = by[("fp32", "[16,16,16,16]")]
    assert fp32["seeds"] == 2 and 0 < fp32["fraction_of_wmmse"] < 1.05
    expected = fp32["fraction_of_wmmse"] * fp32["wmmse_sum_rate"]
    assert fp32["sum_rate"] == pytest.approx(expected, rel=1e-3)
    # energy falls with the bits; PTQ at 8 bits loses little
    widths = [("fp32", "[16,16,16,16]"), ("lsq", "[8,8,8,8]"), ("lsq", "[2,2,2,2]")]
    energies = [by[key]["energy_uj"] for key in widths]
    assert energies == sorted(energies, reverse=True)
    assert by[("ptq", "[8,8,8,8]")]["sum_rate"] == pytest.approx(fp32["sum_rate"], rel=0.05)
    assert math.isnan(by[("ptq", "[4,4,4,4]")]["train_minutes"])  # PTQ needs no training
    # WMMSE's energy at its measured iterations, and every row's efficiency against it
    wmmse = fp32["wmmse"]
    assert wmmse["iterations"] >= 4  # four starts, at least one step each
    from qprecode.cost import baseline_energy_uj, wmmse_multiplications

    assert wmmse["energy_uj"] == pytest.approx(
        baseline_energy_uj(wmmse_multiplications(4, 2, wmmse["iterations"]))
    )
    for row in rows:
        ratio = (row["sum_rate"] / row["energy_uj"]) / (wmmse["sum_rate"] / wmmse["energy_uj"])
        assert row["efficiency_over_wmmse"] == pytest.approx(ratio)


def test_compress_table_command_writes_json_and_markdown(sweeps, capsys):
    with pytest.raises(SystemExit) as done:
        main(["compress-table", "--fp32", str(sweeps / "fp32"), "--qat", str(sweeps / "qat")])
    assert done.value.code == 0
    rows = json.loads((sweeps / "fp32" / "table2.json").read_text())["rows"]
    assert len(rows) == 6
    assert "| lsq | [2,2,2,2] | 2 |" in (sweeps / "fp32" / "table2.md").read_text()
    out = capsys.readouterr().out
    assert "54.5 uJ" in out and "WMMSE (four starts, tolerance 1e-5)" in out
