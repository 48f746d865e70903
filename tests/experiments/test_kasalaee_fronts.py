import json
import math

import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.cli import main
from qprecode.experiments.kasalaee import (
    data_from_row,
    linear_references,
    pareto_fronts,
    per_user_snr_db,
    wmmse_references,
)
from qprecode.results import write_csv


def records():
    rows = []
    for arch, bits, rate, energy in [(64, 16, 3.0, 50.0), (64, 2, 2.8, 3.0), (64, 8, 2.7, 15.0),
                                     (8, 16, 2.5, 5.0), (8, 2, 2.4, 0.5)]:  # fmt: skip
        for seed, noise in ((0, -0.01), (1, 0.01)):
            rows.append({"trial": f"{arch}-{bits}-s{seed}", "seed": seed,
                         "model.conv_channels": arch, "model.fc_dim": 512,
                         "model.conv_bits": bits, "model.fc1_bits": bits,
                         "model.fc2_bits": bits, "model.fc3_bits": bits,
                         "data.antennas": 4, "data.users": 2, "data.channel": "rayleigh",
                         "data.snr_db": 0.0, "data.test_seed": 3,
                         "test_sum_rate": rate + noise, "energy_uj": energy})  # fmt: skip
    return rows


def test_fronts_average_seeds_and_keep_the_undominated_configurations():
    points = {(p.architecture, p.bits): p for p in pareto_fronts(records())}
    assert len(points) == 5 and all(p.seeds == 2 for p in points.values())
    best = points[("64x512", "[16,16,16,16]")]
    assert best.sum_rate == pytest.approx(3.0) and best.sum_rate_std == pytest.approx(0.01414, 1e-3)
    assert best.energy_efficiency == pytest.approx(3.0 / 50.0)
    assert points[("64x512", "[8,8,8,8]")].on_architecture_front is False  # 2-bit is better
    assert points[("8x512", "[16,16,16,16]")].on_architecture_front is True
    assert points[("8x512", "[16,16,16,16]")].on_overall_front is False  # dominated by 64x512 2-bit
    assert points[("8x512", "[2,2,2,2]")].on_overall_front is True  # the most efficient
    with pytest.raises(ValueError, match="energy_uj"):
        pareto_fronts([{"model.a": 1, "test_sum_rate": 1.0}])


def test_wmmse_spends_more_iterations_and_energy_at_tighter_tolerances():
    H = RayleighChannel(8, 2).sample(50, torch.Generator().manual_seed(3))
    rows = wmmse_references(H, 10.0, ("multi", "mrt"), tolerances=(1e-1, 1e-3, 1e-6))
    for init in ("multi", "mrt"):
        curve = [c for c in rows if c["init"] == init]
        iterations = [c["iterations"] for c in curve]
        assert iterations == sorted(iterations) and iterations[-1] > iterations[0]
        assert [c["energy_uj"] for c in curve] == sorted(c["energy_uj"] for c in curve)
        assert curve[-1]["sum_rate"] >= curve[0]["sum_rate"] - 1e-9
    # four starts cost more iterations than one, and end at least as high at every tolerance
    multi = [c for c in rows if c["init"] == "multi"]
    mrt = [c for c in rows if c["init"] == "mrt"]
    for a, b in zip(multi, mrt, strict=True):
        assert a["sum_rate"] >= b["sum_rate"] - 1e-9 and a["iterations"] > b["iterations"]


def test_linear_references_in_both_normalisations():
    H = RayleighChannel(8, 2).sample(64, torch.Generator().manual_seed(3))
    H = H * torch.tensor([1.0, 0.05])  # one user 26 dB weaker
    rows = {r["precoder"]: r for r in linear_references(H, 10.0)}
    assert set(rows) == {"mrt", "zf", "rzf", "mrt-eq", "zf-eq", "rzf-eq"}
    assert rows["zf-eq"]["sum_rate"] > rows["zf"]["sum_rate"]  # matrix scaling feeds the weak
    assert rows["rzf-eq"]["sum_rate"] >= rows["zf-eq"]["sum_rate"] - 1e-9


def test_per_user_snr_is_the_transmit_snr_plus_the_mean_channel_gain():
    H = torch.full((3, 4, 2), 2.0, dtype=torch.complex64)  # |h_mk|^2 = 4: +6.02 dB
    assert per_user_snr_db(H, -10.0) == pytest.approx(-10.0 + 10 * math.log10(4.0))


def test_data_from_row_reads_csv_text():
    data = data_from_row({"data.antennas": 8, "data.users": 2, "data.split_positions": "False",
                          "data.snr_db": 3.0, "model.fc_dim": 8})  # fmt: skip
    assert data.split_positions is False and data.snr_db == 3.0 and data.antennas == 8
    with pytest.raises(ValueError, match="no data"):
        data_from_row({"model.fc_dim": 8})


def test_pareto_command_reads_a_table_and_writes_fronts_and_plots(tmp_path, capsys):
    write_csv(tmp_path / "results.csv", records())
    with pytest.raises(SystemExit) as done:
        main(["pareto", str(tmp_path / "results.csv"), "--wmmse", "20"])
    assert done.value.code == 0
    data = json.loads((tmp_path / "pareto.json").read_text())
    assert len(data["points"]) == 5 and len(data["wmmse"]) == 2 * 8 and len(data["linear"]) == 6
    for name in ("pareto_architectures.png", "pareto_overall.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    assert "64x512" in capsys.readouterr().out


@pytest.mark.slow
def test_baselines_command_on_a_site(tmp_path, capsys):
    config = tmp_path / "site.yaml"
    config.write_text(
        "task: kasalaee-dnn\nmodel: {head: structured}\n"
        "data: {antennas: 64, users: 4, channel: 'file:data/samples/etoile.h5', positions: los,"
        " train_channels: 10, val_channels: 10, test_channels: 10, snr_db: -35.0}\n"
    )
    with pytest.raises(SystemExit) as done:
        main(["baselines", "--config", str(config), "--channels", "12", "--snr-db", "-35,-18",
              "--inits", "multi,mrt", "--tolerances", "1e-3,1e-5", "--json",
              str(tmp_path / "b.json"), "--md", str(tmp_path / "b.md")])  # fmt: skip
    assert done.value.code == 0
    rows = json.loads((tmp_path / "b.json").read_text())["rows"]
    assert len(rows) == 2 * (6 + 2 * 2)
    for snr in (-35.0, -18.0):
        at = {(r["precoder"], r.get("tolerance")): r for r in rows if r["snr_db"] == snr}
        best = at[("wmmse (multi)", 1e-5)]["sum_rate"]
        for name in ("zf", "zf-eq", "rzf-eq", "mrt"):
            assert best >= at[(name, None)]["sum_rate"] - 1e-9
        # the per-user SNR moves with the transmit SNR by the same dB
    per_user = {r["snr_db"]: r["per_user_snr_db"] for r in rows}
    assert per_user[-18.0] - per_user[-35.0] == pytest.approx(17.0)
    assert "| rzf-eq |" in (tmp_path / "b.md").read_text()
    linear = [r for r in rows if "init" not in r]
    assert all(r["channels_wmmse_below"] == 0 and r["least_wmmse_margin"] >= -1e-9 for r in linear)
    assert all("rates" not in r for r in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--channels", "0"], "--channels"), (["--inits", "random"], "--inits")],
)
def test_baselines_command_refuses_bad_options(tmp_path, capsys, args, message):
    config = tmp_path / "c.yaml"
    config.write_text("task: kasalaee-dnn\n")
    with pytest.raises(SystemExit) as done:
        main(["baselines", "--config", str(config), *args])
    assert done.value.code == 2 and message in capsys.readouterr().err


def test_pareto_refuses_tables_of_different_settings(tmp_path, capsys):
    write_csv(tmp_path / "a.csv", records())
    write_csv(tmp_path / "b.csv", [{**r, "data.snr_db": 10.0} for r in records()])
    with pytest.raises(SystemExit) as done:
        main(["pareto", str(tmp_path / "a.csv"), str(tmp_path / "b.csv")])
    assert done.value.code == 2 and "another setting" in capsys.readouterr().err
    write_csv(tmp_path / "c.csv", records())  # the same setting: one front over both
    with pytest.raises(SystemExit) as done:
        main(["pareto", str(tmp_path / "a.csv"), str(tmp_path / "c.csv")])
    assert done.value.code == 0
