import json

import pytest
import torch

from qprecode.datasets import ChannelFile, FileChannel, read_channel_file, write_channel_file
from qprecode.datasets.sionna_3gpp import (
    INSTALL_HINT,
    ThreeGPPConfig,
    condition_number_db,
    generate_3gpp,
    normalize_channels,
    sionna_phy_unavailable_reason,
)
from tests.conftest import generator
from tests.test_cli import run

SIONNA_REASON = f"Sionna PHY is not installed: {INSTALL_HINT}"


@pytest.fixture(scope="module")
def phy():
    if sionna_phy_unavailable_reason() is not None:
        pytest.skip(SIONNA_REASON)


def _rayleigh(n: int, m: int, k: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, m, k, dtype=torch.complex64, generator=generator(seed))


# --- without Sionna ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("model", "cdl-f", "model must be one of"),
        ("array", "circle", "array must be one of"),
        ("normalization", "none", "normalization must be one of"),
        ("antennas", 0, "antennas"),
        ("carrier_hz", -1.0, "carrier_hz"),
        ("sector_deg", 400.0, "sector_deg"),
    ],
)
def test_config_rejects_bad_values(field, value, message):
    with pytest.raises(ValueError, match=message):
        ThreeGPPConfig(**{field: value})


def test_upa_needs_m_divisible_by_its_rows():
    with pytest.raises(ValueError, match="divisible by 4"):
        ThreeGPPConfig(array="upa", antennas=30)
    assert ThreeGPPConfig(array="upa", antennas=32, upa_rows=4).array_shape == (4, 8)
    assert ThreeGPPConfig(array="ula", antennas=32).array_shape == (1, 32)


def test_user_normalisation_gives_every_user_energy_m_and_keeps_directions():
    H = _rayleigh(50, 16, 3) * torch.tensor([0.01, 1.0, 30.0])  # very unequal path losses
    out = normalize_channels(H, "user")
    torch.testing.assert_close(out.abs().square().sum(dim=1), torch.full((50, 3), 16.0))
    ratio = out / H  # one positive real factor per user and sample
    torch.testing.assert_close(ratio.imag, torch.zeros_like(ratio.imag), atol=1e-5, rtol=0)
    torch.testing.assert_close(ratio, ratio[:, :1, :].expand_as(ratio))


def test_sample_normalisation_keeps_the_users_relative_path_loss():
    H = _rayleigh(50, 16, 3) * torch.tensor([0.01, 1.0, 30.0])
    out = normalize_channels(H, "sample")
    torch.testing.assert_close(out.abs().square().sum(dim=(1, 2)), torch.full((50,), 48.0))
    before = H.abs().square().sum(dim=1)
    after = out.abs().square().sum(dim=1)
    torch.testing.assert_close(after / after[:, :1], before / before[:, :1], rtol=1e-4, atol=0)


def test_condition_number_closed_forms():
    eye = torch.eye(8, 4, dtype=torch.complex64).expand(3, 8, 4)
    torch.testing.assert_close(condition_number_db(eye), torch.zeros(3, dtype=torch.float64))
    scaled = eye * torch.tensor([1.0, 1.0, 1.0, 10.0])  # eigenvalues 1, 1, 1, 100
    torch.testing.assert_close(condition_number_db(scaled), torch.full((3,), 20.0).double())
    # one user's channel a multiple of another's: a singular Gram matrix, a huge spread
    H = _rayleigh(2, 8, 2)
    H[:, :, 1] = 2j * H[:, :, 0]
    assert (condition_number_db(H) > 60).all()


def test_spread_command_compares_files_with_rayleigh(tmp_path, capsys):
    H = _rayleigh(200, 8, 2)
    H[:, :, 1] = 0.9 * H[:, :, 0] + 0.1 * H[:, :, 1]  # strongly correlated users
    path = tmp_path / "corr.h5"
    write_channel_file(path, ChannelFile(H, {"generator": "test"}))
    args = ["dataset", "spread", str(path), "--plot", str(tmp_path / "s.png")]
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert (tmp_path / "s.png").stat().st_size > 0
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if "│" in line}
    median = {name: float(line.split("│")[4]) for name, line in rows.items()}
    assert median["corr"] > median["i.i.d. Rayleigh"] + 10


def test_spread_command_refuses_position_files_and_mixed_sizes(tmp_path, capsys):
    write_channel_file(tmp_path / "p.h5", ChannelFile(_rayleigh(5, 8, 1)[..., 0]))
    code, _, err = run(["dataset", "spread", str(tmp_path / "p.h5")], capsys)
    assert code != 0 and "not grouped samples" in err
    write_channel_file(tmp_path / "a.h5", ChannelFile(_rayleigh(5, 8, 2)))
    write_channel_file(tmp_path / "b.h5", ChannelFile(_rayleigh(5, 8, 3)))
    code, _, err = run(["dataset", "spread", str(tmp_path / "a.h5"), str(tmp_path / "b.h5")],
                       capsys)  # fmt: skip
    assert code != 0 and "M x K" in err


# --- with Sionna PHY --------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["cdl-c", "umi"])
def test_generated_channels_are_normalised_reproducible_and_seeded(phy, model):
    config = ThreeGPPConfig(model=model, antennas=8, users=2, samples=6, chunk=4, seed=3)
    first = generate_3gpp(config, progress=False)
    H = first.channels
    assert H.shape == (6, 8, 2) and H.dtype == torch.complex64
    torch.testing.assert_close(H.abs().square().sum(dim=1), torch.full((6, 2), 8.0))
    torch.testing.assert_close(generate_3gpp(config, progress=False).channels, H)
    other = generate_3gpp(ThreeGPPConfig(**{**config.__dict__, "seed": 4}), progress=False)
    assert not torch.allclose(other.channels, H)
    assert first.metadata["config"]["model"] == model and first.metadata["seed"] == 3


def test_cdl_users_come_from_different_directions(phy):
    """CDL-D is LOS-dominated: with one azimuth per user, the users' channels point different
    ways (without it every user would share the model's LOS direction)."""
    config = ThreeGPPConfig(model="cdl-d", antennas=32, users=2, samples=40, chunk=40)
    H = generate_3gpp(config, progress=False).channels
    correlation = (H[:, :, 0].conj() * H[:, :, 1]).sum(dim=1).abs() / 32
    assert correlation.median() < 0.5
    narrow = generate_3gpp(ThreeGPPConfig(**{**config.__dict__, "sector_deg": 0.0}), False)
    same = (narrow.channels[:, :, 0].conj() * narrow.channels[:, :, 1]).sum(dim=1).abs() / 32
    assert same.median() > correlation.median() + 0.3


def test_3gpp_command_writes_a_file_the_evaluator_reads(phy, tmp_path, capsys):
    out = tmp_path / "umi.h5"
    code, _, err = run(["dataset", "3gpp", "umi", "--out", str(out), "-M", "8", "-K", "2",
                        "--samples", "12", "--array", "upa", "--upa-rows", "2", "--quiet",
                        "--plot", str(tmp_path / "spread.png")], capsys)  # fmt: skip
    assert code == 0, err
    file = read_channel_file(out)
    assert file.channels.shape == (12, 8, 2)
    assert file.metadata["array"]["rows"] == 2 and file.metadata["array"]["cols"] == 4
    assert FileChannel(out, 2).sample(3, generator(0)).shape == (3, 8, 2)
    js = tmp_path / "r.json"
    code, _, err = run(["evaluate", "--channel-file", str(out), "-K", "2", "--precoder", "zf",
                        "--bits", "inf", "--snr-db", "10", "--channels", "12", "--symbols", "32",
                        "--json", str(js), "--quiet"], capsys)  # fmt: skip
    assert code == 0, err
    assert json.loads(js.read_text())["results"]


def test_3gpp_command_keeps_an_existing_channel_file_without_force(tmp_path, capsys):
    # checked on the options, before Sionna is needed: runs without the extra too
    out = tmp_path / "mine.h5"
    out.write_bytes(b"the user's data")
    code, _, err = run(["dataset", "3gpp", "umi", "--out", str(out), "--quiet"], capsys)
    assert code != 0 and "exists" in err and "--force" in err and len(err.strip().splitlines()) == 1
    assert out.read_bytes() == b"the user's data"
