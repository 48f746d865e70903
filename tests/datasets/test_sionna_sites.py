import math

import numpy as np
import pytest
import torch

from qprecode.datasets import (
    ChannelFile,
    FileChannel,
    SiteConfig,
    calibrated_snr_db,
    mean_snr_db,
    read_channel_file,
    sionna_sites,
    snr_summary,
    split_snr_db,
    thermal_noise_dbm,
    user_snr_db,
    write_channel_file,
)
from qprecode.datasets.plots import plot_site_positions, plot_snr_distribution
from qprecode.datasets.site_config import ring_grid, user_offsets
from tests.conftest import generator
from tests.test_cli import run

SIONNA_REASON = f"Sionna RT is not installed or has no LLVM backend: {sionna_sites.INSTALL_HINT}"


@pytest.fixture(scope="module")
def rt():
    return pytest.importorskip("sionna.rt", reason=SIONNA_REASON, exc_type=ImportError)


# --- without Sionna ---------------------------------------------------------------------------


def test_ring_grid_covers_every_radius_and_bearing():
    r, a = ring_grid(50.0, 350.0, 10.0, 10.0)
    assert r.shape == a.shape == (31 * 36,) and r.dtype == torch.float64
    assert torch.equal(r.unique(), 50.0 + 10.0 * torch.arange(31, dtype=torch.float64))
    assert torch.allclose(torch.rad2deg(a[:36]), 10.0 * torch.arange(36, dtype=torch.float64))
    r, a = ring_grid(50.0, 60.0, 7.0, 120.0)  # 60 is off the 7 m grid: radii 50, 57
    assert r.unique().tolist() == [50.0, 57.0] and a.numel() == 6


def test_jitter_is_seeded_and_stays_in_its_cell():
    config = SiteConfig(r_min=50, r_max=100, r_step=10, angle_step=30, jitter_draws=2, seed=4)
    xy = user_offsets(config)
    grid = user_offsets(SiteConfig(r_min=50, r_max=100, r_step=10, angle_step=30))
    assert xy.shape == (3 * grid.shape[0], 2) and torch.equal(xy[: grid.shape[0]], grid)
    assert torch.equal(xy, user_offsets(config))
    assert not torch.equal(xy, user_offsets(SiteConfig(**{**config.__dict__, "seed": 5})))
    g = grid.shape[0]
    radius, angle = xy.norm(dim=-1), torch.atan2(xy[:, 1], xy[:, 0])
    r0, a0 = grid.norm(dim=-1).repeat(3), torch.atan2(grid[:, 1], grid[:, 0]).repeat(3)
    assert (radius - r0).abs().max() <= 5 + 1e-9 and radius.min() >= 50 - 1e-9
    assert radius.max() <= 100 + 1e-9
    wrapped = torch.remainder(angle - a0 + math.pi, 2 * math.pi) - math.pi
    assert wrapped.abs().max() <= math.radians(15) + 1e-9 and wrapped[g:].abs().max() > 0.1


def test_snr_helpers_match_the_closed_form():
    assert thermal_noise_dbm(1.0) == pytest.approx(-173.975, abs=1e-3)  # kT at 290 K
    assert thermal_noise_dbm(20e6, 9.0) == pytest.approx(-173.975 + 73.0103 + 9.0, abs=1e-3)
    M, amplitude = 16, torch.tensor([0.5, 2.0, 10.0])
    phases = torch.rand(3, M, generator=generator(0)) * 6.28
    h = (amplitude[:, None] * torch.polar(torch.ones(3, M), phases)).to(torch.complex64)
    # SNR_u = P_T ||h||^2 / (M sigma^2) with P_T = M and P_T / sigma^2 = 10^(snr/10)
    expected = 20 * torch.log10(amplitude.double()) + 7.0
    assert torch.allclose(user_snr_db(h, 7.0), expected, atol=1e-5)
    assert mean_snr_db(h, 7.0) == pytest.approx(float(expected.mean()), abs=1e-5)
    assert mean_snr_db(h, calibrated_snr_db(h, 15.0)) == pytest.approx(15.0, abs=1e-9)
    summary = snr_summary(h, torch.tensor([True, False, False]))
    assert summary["los_mean"] == pytest.approx(20 * math.log10(0.5), abs=1e-5)
    assert summary["median"] == pytest.approx(20 * math.log10(2.0), abs=1e-5)
    with pytest.raises(ValueError, match="all zero"):
        mean_snr_db(torch.zeros(2, 4, dtype=torch.complex64))


def test_split_snr_is_the_mean_over_the_split_positions():
    P, M = 40, 8
    gains = torch.logspace(-1, 1, P, dtype=torch.float64)
    h = (gains[:, None] * torch.ones(P, M)).to(torch.complex64)
    file = ChannelFile(h, {}, torch.zeros(P, 3, dtype=torch.float64), torch.arange(P) % 2 == 0)
    channel = FileChannel(file, 1, "val", split_seed=3, los=True, scale=2.0)
    expected = 20 * torch.log10(2.0 * gains[channel.pool]).mean() + 3.0
    assert split_snr_db(channel, 3.0) == pytest.approx(float(expected), abs=1e-4)
    assert bool(file.los[channel.pool].all())


def test_config_validates_and_states_its_channel_scale():
    config = SiteConfig()
    assert config.tx_power_dbm == pytest.approx(43.0103, abs=1e-4)  # 20 W
    n0_w = 10 ** ((config.noise_dbm - 30) / 10)
    assert config.channel_scale**2 == pytest.approx(20.0 / 10.0 / n0_w, rel=1e-9)
    for bad in ({"r_min": 0}, {"r_max": 10}, {"rows": 0}, {"angle_step": 400}, {"bandwidth_hz": 0},
                {"jitter_draws": -1}):  # fmt: skip
        with pytest.raises(ValueError):
            SiteConfig(**bad)


def test_site_plots_write_pngs(tmp_path):
    P = 50
    positions = torch.randn(P, 3, dtype=torch.float64, generator=generator(0)) * 100
    los = torch.arange(P) % 3 == 0
    snr = torch.randn(P, dtype=torch.float64, generator=generator(1)) * 8 + 25
    triangles = np.array([[[0, 0], [30, 0], [0, 30]], [[-50, -50], [-20, -50], [-50, -10]]])
    fig = plot_site_positions(positions, los, tmp_path / "pos.png", triangles, [0, 0, 20], "t")
    assert (tmp_path / "pos.png").stat().st_size > 0 and len(fig.axes[0].collections) == 4
    plot_snr_distribution(snr, los, tmp_path / "snr.png")
    plot_snr_distribution(snr, None, tmp_path / "snr_all.png")
    assert (tmp_path / "snr.png").is_file() and (tmp_path / "snr_all.png").is_file()


def test_cli_info_reports_splits_and_site_needs_sionna(tmp_path, capsys, monkeypatch):
    P, M = 60, 8
    h = torch.polar(torch.ones(P, M), torch.rand(P, M, generator=generator(2))).to(torch.complex64)
    los = torch.arange(P) % 2 == 0
    write_channel_file(tmp_path / "f.h5", ChannelFile(h * 10, {"scene": "x"},
                                                      torch.zeros(P, 3, dtype=torch.float64),
                                                      los))  # fmt: skip
    code, out, _ = run(["dataset", "info", str(tmp_path / "f.h5"), "--los", "los",
                        "--target-snr-db", "15"], capsys)  # fmt: skip
    assert code == 0 and "train" in out and "20.00" in out and "-5.00 dB" in out
    monkeypatch.setattr("qprecode.cli.dataset.sionna_unavailable_reason", lambda: "no sionna here")
    code, _, err = run(["dataset", "site", "--out", str(tmp_path / "s.h5")], capsys)
    assert code == 1 and "no sionna here" in err


# --- with Sionna (skipped without it; a few receivers, depth <= 1) ----------------------------


def test_los_channel_phases_follow_the_user_direction(rt):
    config = SiteConfig(max_depth=0, samples_per_src=1000)
    users = np.array([[100.0, 30.0, 1.5], [-40.0, 80.0, 25.0], [60.0, -90.0, 5.0]])
    k = 2 * math.pi * config.carrier_hz / 299_792_458.0
    for synthetic in (True, False):
        cfg = SiteConfig(**{**config.__dict__, "synthetic_array": synthetic})
        scene = sionna_sites.configure_scene(rt.load_scene(), cfg)  # free space
        bs = np.array([0.0, 0.0, 10.0])
        scene.add(rt.Transmitter("bs", position=bs.tolist()))
        out = sionna_sites.trace_users(scene, rt.PathSolver(), users, cfg)
        offsets = np.asarray(scene.tx_array.positions(scene.wavelength).numpy()).T  # [M, 3]
        assert offsets.shape == (64, 3) and np.allclose(offsets[:, 0], 0)  # y-z plane
        assert np.ptp(offsets[:, 1]) == pytest.approx(
            7 * 0.5 * 2 * math.pi / k, rel=1e-5
        )  # 8 x lambda/2
        assert np.ptp(offsets[:, 2]) == pytest.approx(7 * 0.5 * 2 * math.pi / k, rel=1e-5)
        assert out["los"].all() and out["has_path"].all()
        h = out["channels"].astype(np.complex128) / cfg.channel_scale  # [3, M]
        for u, user in enumerate(users):
            d = np.linalg.norm(user - (bs + offsets), axis=1)  # exact distance per antenna
            assert np.allclose(np.abs(h[u]), 1 / (2 * k * d), rtol=2e-2)  # lambda / (4 pi d)
            direction = (user - bs) / np.linalg.norm(user - bs)
            steer = np.exp(1j * k * offsets @ direction)  # plane wave leaving toward the user
            error = np.angle(h[u] * np.conj(h[u, 0]) * np.conj(steer * np.conj(steer[0])))
            assert np.abs(error).max() < 0.05
            exact = np.angle(h[u] * np.conj(h[u, 0]) * np.exp(1j * k * (d - d[0])))
            assert np.abs(exact).max() < 0.05
            flipped = np.angle(h[u] * np.conj(h[u, 0]) * steer * np.conj(steer[0]))
            assert np.abs(flipped).max() > 1.0  # the test sees the sign of the progression


def test_generate_site_counts_los_metadata_and_resumes(rt, tmp_path, monkeypatch):
    config = SiteConfig(scene="simple_street_canyon", bs_xy=(0.0, 0.0), r_min=20, r_max=100,
                        r_step=40, angle_step=45, max_depth=1, samples_per_src=20_000,
                        batch_size=4, seed=1)  # fmt: skip
    path = tmp_path / "site.h5"

    def fail(*args, **kwargs):
        raise RuntimeError("stopped")

    monkeypatch.setattr(sionna_sites, "write_channel_file", fail)
    with pytest.raises(RuntimeError, match="stopped"):
        sionna_sites.generate_site(config, path, progress=False)
    parts = sorted((tmp_path / "site.h5.parts").glob("batch-*.npz"))
    assert parts and not path.exists()
    monkeypatch.setattr(sionna_sites, "write_channel_file", write_channel_file)
    monkeypatch.setattr(sionna_sites, "trace_users", fail)  # resume: every batch is on disk
    file = sionna_sites.generate_site(config, path, progress=False)
    assert not (tmp_path / "site.h5.parts").exists()
    read = read_channel_file(path)
    counts = read.metadata["counts"]
    assert counts["candidates"] == 3 * 8
    assert sum(counts[k] for k in ("outside", "indoor", "no_path", "kept")) == 24
    assert counts["outside"] >= 2 and counts["indoor"] >= 1 and counts["kept"] >= 2
    assert counts["kept"] == read.channels.shape[0] and counts["los"] == int(read.los.sum())
    assert torch.equal(read.channels, file.channels) and read.channels.shape[1] == 64
    assert (read.channels.abs().sum(dim=1) > 0).all()
    assert ((read.positions[:, 2] - 1.5).abs() < 0.05).all()  # the floor lies at z = -0.03
    meta = read.metadata
    assert meta["scene"] == "simple_street_canyon" and meta["seed"] == 1
    assert meta["carrier_hz"] == 2e9 and meta["array"]["rows"] == 8
    assert len(meta["array"]["antenna_offsets_m"]) == 64
    assert meta["bs_position_m"][2] == pytest.approx(20.0 - 0.03, abs=0.01)  # 20 m above the floor
    assert meta["versions"]["sionna-rt"] and "qprecode_version" in meta["written_by"]
    assert meta["snr_db"]["mean"] == pytest.approx(mean_snr_db(read.channels), abs=1e-4)
    footprint = sionna_sites.scene_footprint(sionna_sites.load_site_scene(config))
    assert footprint.ndim == 3 and footprint.shape[1:] == (3, 2) and len(footprint) > 4
    other = SiteConfig(**{**config.__dict__, "seed": 2})
    (tmp_path / "site.h5.parts").mkdir()
    (tmp_path / "site.h5.parts" / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="another configuration"):
        sionna_sites.generate_site(other, path, progress=False)
