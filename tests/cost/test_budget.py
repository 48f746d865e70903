import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qprecode.cost import (
    Accelerator,
    DACPowerModel,
    compare_power,
    gnn_flops,
    power_panels,
    power_records,
)


def test_eq39_by_hand():
    model = DACPowerModel()
    # 1 bit at 4 MHz: 0.5*3*10e-6*1 + 1*1e-12*(4e6/2)*9 = 1.5e-5 + 1.8e-5
    assert model.power(1, 4e6) == pytest.approx(3.3e-5)
    # 3 bits at 4 MHz: 0.5*3*10e-6*7 + 3*1e-12*2e6*9 = 1.05e-4 + 5.4e-5
    assert model.power(3, 4e6) == pytest.approx(1.59e-4)
    # RF-DAC: f_s = 4 * 3.5 GHz / 3, independent of the bandwidth
    assert model.sample_rate("rf", 1e6) == pytest.approx(4 * 3.5e9 / 3)
    assert model.sample_rate("baseband", 1e6) == 4e6
    assert model.total(3, 32, "rf", 1.0) == pytest.approx(64 * (1.05e-4 + 3 * 1e-12 * 14e9 / 6 * 9))
    with pytest.raises(ValueError, match="baseband"):
        model.sample_rate("if", 1e6)
    with pytest.raises(ValueError, match="vdd"):
        DACPowerModel(vdd=0)


def test_paper_figures_of_sect_vii():
    big = compare_power(hidden_dim=128, hidden_layers=4)
    small = compare_power(hidden_dim=32, hidden_layers=8)
    # FLOPs per vector from the FeysFlops cost model on a profile of the GNN (eqs. 31-38)
    assert big.flops_per_vector == gnn_flops(32, 1, 128, 4, 1).total == 22_512_384
    assert small.flops_per_vector == gnn_flops(32, 1, 32, 8, 1).total == 2_771_680
    # accelerator-limited bandwidths: 1.95 MHz and 15.8 MHz
    assert big.max_bandwidth_hz == pytest.approx(1.95e6, rel=0.01)
    assert small.max_bandwidth_hz == pytest.approx(15.8e6, rel=0.01)
    # baseband crossovers: about 200 kHz and 3.5 MHz
    assert big.crossover_bandwidth_hz == pytest.approx(200e3, rel=0.05)
    assert small.crossover_bandwidth_hz == pytest.approx(3.5e6, rel=0.05)
    # DAC-only reduction of 4 to 7 for baseband DACs (static-dominated at low bandwidth)
    assert big.reduction(1e3)["dac_only"] == pytest.approx(7.0, rel=0.01)
    assert 3.0 < big.reduction(10e6)["dac_only"] < 4.5
    # RF-DACs: a factor 3, and 2.9 with the small GNN at its accelerator limit
    rf = compare_power(hidden_dim=32, hidden_layers=8, dac="rf")
    assert rf.reduction(1e6)["dac_only"] == pytest.approx(3.0, abs=0.01)
    assert rf.reduction(rf.max_bandwidth_hz)["total"] == pytest.approx(2.9, abs=0.05)


@pytest.mark.slow
@given(d_h=st.integers(4, 256), n_h=st.integers(1, 12))
def test_crossover_falls_as_the_gnn_grows(d_h, n_h):
    def crossover(**kw):  # None (the GNN never costs more) counts as an infinite crossover
        value = compare_power(**kw).crossover_bandwidth_hz
        return math.inf if value is None else value

    base = crossover(hidden_dim=d_h, hidden_layers=n_h)
    wider = crossover(hidden_dim=d_h + 8, hidden_layers=n_h)
    deeper = crossover(hidden_dim=d_h, hidden_layers=n_h + 1)
    assert wider <= base and deeper <= base
    if math.isfinite(base):
        assert wider < base and deeper < base


def test_no_crossover_when_the_gnn_is_free():
    free = compare_power(accelerator=Accelerator(efficiency_flops_per_watt=1e30))
    assert free.crossover_bandwidth_hz is None
    assert compare_power(gnn_bits=3, baseline_bits=3).crossover_bandwidth_hz == 0.0


def test_records_and_panels():
    records = power_records([(128, 4), (32, 8)], reduction_bandwidth_hz=1e6)
    assert [(r["hidden_dim"], r["hidden_layers"], r["dac"]) for r in records] == [
        (128, 4, "baseband"), (128, 4, "rf"), (32, 8, "baseband"), (32, 8, "rf")
    ]  # fmt: skip
    assert all("dh" not in r and "nh" not in r for r in records)
    big = compare_power(hidden_dim=128, hidden_layers=4)
    first = records[0]
    assert first["flops_per_vector"] == big.flops_per_vector
    assert first["crossover_bandwidth_hz"] == big.crossover_bandwidth_hz
    assert first["power_reduction"]["total"] == big.reduction(1e6)["total"]
    bandwidths = np.array([1e5, 1e6])
    (panel,) = power_panels([(32, 8)], ("rf",), bandwidths_hz=bandwidths)
    small = compare_power(hidden_dim=32, hidden_layers=8, dac="rf")
    assert panel["gnn_total_w"] == [small.gnn_total_power(b) for b in bandwidths]
    assert panel["label"] == "GNN d_h=32, N_h=8"


def test_the_power_analysis_counts_the_local_search_kernel_it_runs():
    """``qprecode power``'s local search: the FLOPs its kernel counts per vector on the GNN's
    alphabet (two levels per part at 1 bit, four at 2), plus its ZF design spread over 125
    vectors."""
    from qprecode.cost import classical_flops
    from qprecode.precoders.local_search import local_search_flops

    for bits in (1, 2):
        record = power_records(["local-search"], antennas=32, users=4, gnn_bits=bits,
                               baseline_bits=3)[0]  # fmt: skip
        kernel = local_search_flops(32, 4, levels=2**bits).total
        design = classical_flops("local-search", 32, 4).per_channel.total
        assert record["flops_per_vector"] == round(kernel + design / 125)
    assert local_search_flops(32, 4, levels=4).total > local_search_flops(32, 4, levels=2).total
