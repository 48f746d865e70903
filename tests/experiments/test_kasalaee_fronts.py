import json

import pytest

from qprecode.cli import main
from qprecode.experiments.kasalaee import pareto_fronts, wmmse_tradeoff
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
    curve = wmmse_tradeoff(8, 2, "rayleigh", 10.0, channels=50, tolerances=(1e-1, 1e-3, 1e-6))
    iterations = [c["iterations"] for c in curve]
    assert iterations == sorted(iterations) and iterations[-1] > iterations[0]
    assert [c["energy_uj"] for c in curve] == sorted(c["energy_uj"] for c in curve)
    assert curve[-1]["sum_rate"] >= curve[0]["sum_rate"] - 1e-9


def test_pareto_command_reads_a_table_and_writes_fronts_and_plots(tmp_path, capsys):
    write_csv(tmp_path / "results.csv", records())
    with pytest.raises(SystemExit) as done:
        main(["pareto", str(tmp_path / "results.csv"), "--wmmse", "20"])
    assert done.value.code == 0
    data = json.loads((tmp_path / "pareto.json").read_text())
    assert len(data["points"]) == 5 and len(data["wmmse"]) == 7
    for name in ("pareto_architectures.png", "pareto_overall.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    assert "64x512" in capsys.readouterr().out
