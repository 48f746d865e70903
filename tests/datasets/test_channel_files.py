import h5py
import numpy as np
import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.datasets import (
    ChannelFile,
    FileChannel,
    read_channel_file,
    split_positions,
    write_channel_file,
)
from tests.conftest import generator


def position_file(count: int = 60, M: int = 8) -> ChannelFile:
    h = RayleighChannel(M, count).sample(1, generator(0))[0].mT.contiguous()  # [P, M]
    positions = torch.randn(count, 3, dtype=torch.float64, generator=generator(1))
    los = torch.arange(count) % 3 == 0
    return ChannelFile(h, {"generator": "test", "seed": 0}, positions, los)


def test_round_trip_keeps_channels_positions_flags_and_metadata(tmp_path):
    original = position_file()
    write_channel_file(tmp_path / "site.h5", original)
    read = read_channel_file(tmp_path / "site.h5")
    assert torch.equal(read.channels, original.channels) and read.layout == "positions"
    assert torch.equal(read.positions, original.positions) and torch.equal(read.los, original.los)
    assert (
        read.metadata["generator"] == "test" and "qprecode_version" in read.metadata["written_by"]
    )
    samples = ChannelFile(RayleighChannel(4, 2).sample(5, generator(2)), {"k": 2})
    write_channel_file(tmp_path / "s.h5", samples)
    assert read_channel_file(tmp_path / "s.h5").layout == "samples"


def test_bad_files_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_channel_file(tmp_path / "none.h5")
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    with pytest.raises(ValueError, match="not a readable HDF5"):
        read_channel_file(tmp_path / "junk.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("x", data=[1, 2])
    with pytest.raises(ValueError, match="not a qprecode channel file"):
        read_channel_file(tmp_path / "other.h5")
    bad = position_file()
    with pytest.raises(ValueError, match="finite"):
        write_channel_file(tmp_path / "nan.h5", ChannelFile(bad.channels * float("nan")))
    with pytest.raises(ValueError, match="positions must have shape"):
        write_channel_file(tmp_path / "p.h5", ChannelFile(bad.channels, {}, bad.positions[:3]))


def test_splits_are_disjoint_and_cover_every_position():
    parts = split_positions(101, (0.8, 0.1, 0.1), seed=3)
    sets = [set(parts[s].tolist()) for s in ("train", "val", "test")]
    assert sum(map(len, sets)) == 101 and set().union(*sets) == set(range(101))
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert torch.equal(split_positions(101, (0.8, 0.1, 0.1), 3)["val"], parts["val"])
    with pytest.raises(ValueError, match="summing to 1"):
        split_positions(10, (0.5, 0.1, 0.1), 0)


def test_samples_draw_k_distinct_positions_of_their_split():
    file = position_file()
    train = FileChannel(file, num_users=4, split="train", split_seed=5)
    test = FileChannel(file, num_users=4, split="test", split_seed=5)
    H = train.sample(500, generator(6))
    assert H.shape == (500, 8, 4) and H.dtype == torch.complex64
    rows = {tuple(file.channels[p].tolist()): p for p in range(file.channels.shape[0])}
    used = [[rows[tuple(H[b, :, k].tolist())] for k in range(4)] for b in range(500)]
    assert all(len(set(u)) == 4 for u in used)  # distinct users in every sample
    assert {p for u in used for p in u} <= set(train.pool.tolist())
    assert not set(train.pool.tolist()) & set(test.pool.tolist())
    assert torch.equal(train.sample(500, generator(6)), H)  # seeded
    los = FileChannel(file, num_users=2, los=True)
    assert bool(file.los[los.pool].all())
    with pytest.raises(ValueError, match="fewer than K"):
        FileChannel(file, num_users=10, split="val")


@pytest.mark.parametrize("suffix", [".npy", ".mat"])
def test_array_files_are_read_and_checked_like_hdf5_files(tmp_path, suffix):
    from scipy.io import savemat

    H = (torch.randn(6, 8, 2, dtype=torch.complex64, generator=generator(0))).numpy()
    path = tmp_path / f"h{suffix}"
    if suffix == ".npy":
        np.save(path, H)
    else:
        savemat(path, {"H": H, "note": np.ones(3)})
    file = read_channel_file(path)
    assert file.layout == "samples" and file.metadata["source"] == str(path)
    np.testing.assert_array_equal(file.channels.numpy(), H)
    assert FileChannel(path, 2).sample(4, generator(1)).shape == (4, 8, 2)
    bad = H.copy()
    bad[2, :, 1] = 0  # a user with no channel
    np.save(tmp_path / "bad.npy", bad)
    with pytest.raises(ValueError, match="zero"):
        read_channel_file(tmp_path / "bad.npy")


def test_array_files_with_the_wrong_content_are_refused(tmp_path):
    from scipy.io import savemat

    np.save(tmp_path / "flat.npy", np.ones(5))
    with pytest.raises(ValueError, match=r"\[N, M, K\]"):
        read_channel_file(tmp_path / "flat.npy")
    savemat(tmp_path / "two.mat", {"a": np.ones((2, 2)), "b": np.ones((2, 2))})
    with pytest.raises(ValueError, match="name the channel variable"):
        read_channel_file(tmp_path / "two.mat")
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match="not a readable .npy"):
        read_channel_file(tmp_path / "junk.npy")
    np.save(tmp_path / "nan.npy", np.full((2, 4, 1), np.nan))
    with pytest.raises(ValueError, match="finite"):
        read_channel_file(tmp_path / "nan.npy")


def test_evaluate_reads_a_npy_channel_file(tmp_path, capsys):
    from tests.test_cli import run

    np.save(tmp_path / "h.npy", torch.randn(40, 8, 2, dtype=torch.complex64,
                                            generator=generator(2)).numpy())  # fmt: skip
    code, out, err = run(["evaluate", "--channel-file", str(tmp_path / "h.npy"), "-K", "2",
                          "--precoder", "zf", "--bits", "inf", "--snr-db", "30", "--channels",
                          "40", "--symbols", "32", "--quiet"], capsys)  # fmt: skip
    assert code == 0, err
    assert "zf" in out
