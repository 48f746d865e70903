"""Plots where every curve can be seen: equal curves both marked, legends outside the curves,
titles and units on the training curve."""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import Bbox

from qprecode.experiments.studies.csi import plot_csi_sweep
from qprecode.plotting import plot_metric, plot_power, plot_training


def _boxes(fig):
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    return [(ax.get_window_extent(renderer), ax.get_legend()) for ax in fig.axes], renderer


def _legends_clear_of_axes(fig):
    """Every legend lies outside every axes (so it covers no curve)."""
    boxes, renderer = _boxes(fig)
    legends = [legend.get_window_extent(renderer) for _, legend in boxes if legend]
    assert legends
    for legend in legends:
        for axes, _ in boxes:
            overlap = Bbox.intersection(legend, axes)
            assert overlap is None or overlap.width * overlap.height < 1.0, (legend, axes)


def test_equal_curves_both_show(tmp_path):
    snrs = [-10.0, 0.0, 10.0]
    records = [{"precoder": name, "bits": 1, "snr_db": x, "sum_rate": 1 + x / 20}
               for name in ("mrt", "zf", "wf") for x in snrs]  # fmt: skip
    records += [{"precoder": "squid", "bits": 1, "snr_db": x, "sum_rate": 2 + x / 10} for x in snrs]
    fig = plot_metric(records, tmp_path / "r.png", "sum_rate")
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert set(lines) == {"MRT 1-bit", "ZF 1-bit (= MRT 1-bit)", "WF 1-bit (= MRT 1-bit)",
                          "SQUID 1-bit"}  # fmt: skip
    sizes = [lines[k].get_markersize() for k in ("MRT 1-bit", "ZF 1-bit (= MRT 1-bit)",
                                                 "WF 1-bit (= MRT 1-bit)")]  # fmt: skip
    assert sizes[0] < sizes[1] < sizes[2]  # rings around the curve drawn first
    assert lines["ZF 1-bit (= MRT 1-bit)"].get_markerfacecolor() == "none"
    assert lines["SQUID 1-bit"].get_markersize() == sizes[0]  # a distinct curve stays plain
    _legends_clear_of_axes(fig)


def test_power_legend_is_outside_the_curves(tmp_path):
    b = np.logspace(3, 8, 20)
    panel = {"dac": "baseband", "bandwidth_hz": b, "baseline_dacs_w": b * 1e-9,
             "gnn_dacs_w": b * 3e-10, "gnn_processing_w": b * 1e-10, "gnn_total_w": b * 4e-10,
             "baseline_label": "MRT 3-bit DACs", "gnn_dac_label": "GNN 1-bit DACs", "label": "GNN",
             "max_bandwidth_hz": 1e7}  # fmt: skip
    _legends_clear_of_axes(plot_power([panel, {**panel, "dac": "RF"}], tmp_path / "p.png"))


def test_csi_panels_have_their_legends_outside(tmp_path):
    rows = [{"precoder": name, "csi_error_db": e, "sum_rate": r - (e or -30) / 10,
             "sum_rate_stderr": 0.05}
            for name, r in (("mrt", 2.0), ("zf", 3.0), ("gnn:k1-b1", 6.0))
            for e in (None, -30.0, -20.0, -10.0, 0.0)]  # fmt: skip
    fig = plot_csi_sweep({"K=1": rows, "K=2": rows}, tmp_path / "csi.png")
    _legends_clear_of_axes(fig)


def test_training_plot_has_a_title_and_units(tmp_path):
    rows = [{"step": s, "train_loss": -s / 10, "val_sum_rate": s / 5} for s in (10, 20, 30)]
    fig = plot_training(rows, tmp_path / "training.png", "val_sum_rate", title="run-1")
    assert fig._suptitle is not None and fig._suptitle.get_text() == "run-1"
    left, right = fig.axes
    assert right.get_ylabel() == "validation sum rate [bits/channel use]"
    assert left.get_xlabel() == right.get_xlabel() == "optimiser step"
    assert "lower is better" in left.get_ylabel()
    fig = plot_training(rows, tmp_path / "t2.png", "val_sum_rate")
    assert fig._suptitle.get_text()  # never untitled
