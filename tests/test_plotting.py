import json
import os
import subprocess
import sys

import matplotlib
import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.image import imread

from qprecode.plotting import (
    DPI,
    plot_curves,
    plot_metric,
    plot_power,
    plot_radiation,
    plot_symbol_scatter,
)


def _records():
    out = []
    for precoder in ("mrt", "zf", "gnn:k1-b1"):
        for bits in (1, 2, None):
            for snr in (-10.0, 0.0, 10.0, 20.0):
                rate = (3 if bits is None else bits) * (snr + 12) / 10 + len(precoder)
                out.append({"precoder": precoder, "bits": bits, "snr_db": snr, "sum_rate": rate})
    return out


def _distinct_colours(image):
    """Number of distinct RGBA values of an ``[H, W, 4]`` float image read by ``imread``."""
    rgba = np.ascontiguousarray((image * 255).round().astype(np.uint8))
    return len(np.unique(rgba.view(np.uint32)))


def _check_png(path, figsize):
    """Read the PNG back: about the size asked for (tight bounding box trims the margins), and
    something drawn on it (many colours, not mostly white)."""
    image = imread(path)
    height, width = image.shape[:2]
    assert 0.5 * figsize[0] * DPI <= width <= 1.1 * figsize[0] * DPI, image.shape
    assert 0.5 * figsize[1] * DPI <= height <= 1.1 * figsize[1] * DPI, image.shape
    assert _distinct_colours(image) > 50
    assert (image[..., :3].min(axis=-1) < 0.9).mean() > 0.02
    rgb = image[..., :3]  # curves are coloured; text, axes and grid are black or grey
    assert ((rgb.max(axis=-1) - rgb.min(axis=-1)) > 0.3).mean() > 0.004
    return image


def _has_colour(image, rgba, tol=0.02):
    return bool((np.abs(image[..., :3] - np.asarray(rgba[:3])).max(axis=-1) < tol).sum() > 30)


def test_plot_metric_colours_by_precoder_and_styles_by_bits(tmp_path):
    fig = plot_metric(_records(), tmp_path / "rate.png", "sum_rate", "title")
    lines = {line.get_label(): line for line in fig.axes[0].lines}
    assert len(lines) == 9
    colour = {label: to_rgba(line.get_color()) for label, line in lines.items()}
    style = {label: (line.get_linestyle(), line.get_marker()) for label, line in lines.items()}
    # one colour per precoder, one style per bit-width, so every curve can be told apart
    assert colour["MRT 1-bit"] == colour["MRT unquantized"] != colour["ZF 1-bit"]
    assert len({colour[f"{p} 2-bit"] for p in ("MRT", "ZF", "GNN:K1-B1")}) == 3
    assert style["MRT 1-bit"] == style["ZF 1-bit"] != style["MRT 2-bit"]
    assert len(set(zip(colour.values(), style.values(), strict=True))) == 9
    image = _check_png(tmp_path / "rate.png", (8.4, 4.4))
    for precoder in ("MRT", "ZF", "GNN:K1-B1"):
        assert _has_colour(image, colour[f"{precoder} 1-bit"]), precoder


def test_plot_metric_ber_is_on_a_log_axis(tmp_path):
    records = [{"precoder": "mrt", "bits": "inf", "snr_db": x, "ber": 10 ** (-x / 10 - 1)}
               for x in (0.0, 10.0, 20.0)]  # fmt: skip
    fig = plot_metric(records, tmp_path / "ber.png", "ber")
    assert fig.axes[0].get_yscale() == "log"
    _check_png(tmp_path / "ber.png", (8.4, 4.4))


def test_other_plots_write_readable_pngs(tmp_path):
    angles = np.linspace(0, 180, 181)
    pattern = {"label": "p", "angles_deg": angles.tolist(),
               "p_lin_db": (10 * np.cos(np.deg2rad(angles))).tolist(),
               "p_dist_db": (5 * np.sin(np.deg2rad(angles))).tolist(),
               "sdr_db": [None, *np.linspace(-5, 5, 180).tolist()]}  # fmt: skip
    plot_radiation([pattern], [60.0], tmp_path / "rad.png")
    _check_png(tmp_path / "rad.png", (13, 3.6))
    curves = {"a": ([1, 2, 3], [1.0, 2.0, 4.0]), "b": ([1, 2, 3], [2.0, 2.5, 3.0])}
    plot_curves(curves, tmp_path / "curves.png", "x", "y", "t")
    _check_png(tmp_path / "curves.png", (6.4, 4.4))
    rng = np.random.default_rng(0)
    sent = rng.normal(size=200)
    panels = {"one": (sent, 0.8 * sent), "two": (sent, np.sign(sent))}
    plot_symbol_scatter(panels, tmp_path / "scatter.png", "t")
    _check_png(tmp_path / "scatter.png", (9.2, 4.2))
    b = np.logspace(3, 8, 20)
    panel = {"dac": "baseband", "bandwidth_hz": b, "baseline_dacs_w": b * 1e-9,
             "gnn_dacs_w": b * 3e-10, "gnn_processing_w": b * 1e-10, "gnn_total_w": b * 4e-10,
             "baseline_label": "MRT 3-bit DACs", "gnn_dac_label": "GNN 1-bit DACs", "label": "GNN",
             "max_bandwidth_hz": 1e7}  # fmt: skip
    plot_power([panel], tmp_path / "power.png")
    _check_png(tmp_path / "power.png", (8.6, 4.4))


def test_plotting_leaves_the_global_backend_alone(tmp_path):
    before = matplotlib.get_backend()
    plot_metric(_records(), tmp_path / "a.png", "sum_rate")
    assert matplotlib.get_backend() == before
    # in a fresh interpreter with a backend chosen by the user: importing and plotting neither
    # switches it nor loads pyplot
    script = (
        "import json, sys, matplotlib\n"
        "from qprecode.plotting import plot_curves\n"
        f"plot_curves({{'a': ([0, 1], [0, 1])}}, {str(tmp_path / 'b.png')!r}, 'x', 'y')\n"
        "print(json.dumps([matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules]))\n"
    )
    env = {**os.environ, "MPLBACKEND": "svg"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert json.loads(out.stdout) == ["svg", False]
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ber_plot_marks_zero_points_at_the_floor_of_its_log_axis(tmp_path):
    from qprecode.plotting import plot_metric

    records = [{"precoder": "zf", "bits": "inf", "snr_db": s, "ber": b}
               for s, b in [(0, 1e-2), (10, 1e-4), (20, 0.0)]]  # fmt: skip
    records += [{"precoder": "mrt", "bits": "inf", "snr_db": 0, "ber": 0.0}]
    fig = plot_metric(records, tmp_path / "b.png", "ber", ber_floor=1e-5)
    lines = fig.axes[0].get_lines()
    (curve,) = [line for line in lines if line.get_label().startswith("ZF")]
    assert list(curve.get_xdata()) == [0, 10]  # a log axis has no zero
    # each zero point is a hollow triangle at the floor: ZF at 20 dB, MRT at 0 dB
    floor = [(line.get_xdata()[0], line.get_ydata()[0]) for line in lines
             if line.get_marker() == "v" and len(line.get_xdata())]  # fmt: skip
    assert sorted(floor) == [(0, 1e-5), (20, 1e-5)]
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "no error seen (BER < 1.0e-05)" in labels  # as the table writes it (2.5e-06 stays)
    # two zero points at one SNR stand side by side, each in its curve's colour
    records += [{"precoder": "c2po", "bits": "inf", "snr_db": 20, "ber": 0.0}]
    fig = plot_metric(records, tmp_path / "c.png", "ber", ber_floor=1e-5)
    at_20 = [
        line
        for line in fig.axes[0].get_lines()
        if line.get_marker() == "v" and len(line.get_xdata()) and line.get_xdata()[0] > 10
    ]
    assert len(at_20) == 2 and at_20[0].get_xdata()[0] != at_20[1].get_xdata()[0]
    assert at_20[0].get_color() != at_20[1].get_color()
