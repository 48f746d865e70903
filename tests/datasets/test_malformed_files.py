"""Every malformed channel file (HDF5, ``.npy``, ``.mat``) is refused on reading with one line
that names the file and the defect, through the API and the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest
import scipy.io

from qprecode.datasets import read_channel_file
from tests.cli_harness import assert_clean, run_cli

RNG = np.random.default_rng(0)
H = (RNG.standard_normal((6, 4, 2)) + 1j * RNG.standard_normal((6, 4, 2))).astype(np.complex64)


def _h5(data: np.ndarray | None = H, version: int | None = 1, metadata: str = "{}"):
    def write(path: Path) -> None:
        with h5py.File(path, "w") as f:
            if version is not None:
                f.attrs["format_version"] = version
            f.attrs["layout"] = "samples"
            f.attrs["metadata"] = metadata
            if data is not None:
                f.create_dataset("channels", data=data)

    return write


def _npy(data: np.ndarray) -> Callable[[Path], None]:
    return lambda path: np.save(path, data)


def _mat(data: object) -> Callable[[Path], None]:
    return lambda path: scipy.io.savemat(path, {"H": data})


def _bytes(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def _with(index: tuple[int, ...], value: complex) -> np.ndarray:
    out = H.copy()
    out[index] = value
    return out


def _truncated(write: Callable[[Path], None], keep: int) -> Callable[[Path], None]:
    def truncate(path: Path) -> None:
        write(path)
        path.write_bytes(path.read_bytes()[:keep])

    return truncate


ZERO_USER = H.copy()
ZERO_USER[:, :, 1] = 0

# (file name, writer, what the message must say)
CASES = [
    ("nan.h5", _h5(_with((1, 2, 1), np.nan)), "must be finite"),
    ("inf.h5", _h5(_with((0, 0, 0), np.inf)), "must be finite"),
    ("rank4.h5", _h5(H[None]), "must be [P, M] or [N, M, K]"),
    ("rank1.h5", _h5(H[:, 0, 0]), "must be [P, M] or [N, M, K]"),
    ("empty.h5", _h5(H[:0]), "holds no channels"),
    ("text.h5", _h5(np.array([b"a", b"b"])), "must be numbers"),
    ("newer.h5", _h5(version=2), "newer than the 1 this qprecode reads"),
    ("noversion.h5", _h5(version=None), "not a qprecode channel file"),
    ("nochannels.h5", _h5(data=None), "has no 'channels' dataset"),
    ("metadata.h5", _h5(metadata="{not json"), "metadata attribute is not valid JSON"),
    ("silent.h5", _h5(ZERO_USER), "all-zero channel"),
    ("truncated.h5", _truncated(_h5(), 800), "not a readable HDF5 file"),
    ("zero.h5", _bytes(b""), "not a readable HDF5 file"),
    ("nan.npy", _npy(_with((1, 1, 1), np.nan)), "must be finite"),
    ("inf.npy", _npy(_with((1, 1, 1), -np.inf)), "must be finite"),
    ("overflow.npy", _npy(H.astype(np.complex128) * 1e300), "overflow complex64"),
    ("rank4.npy", _npy(H[None]), "must be [N, M, K] or [P, M]"),
    ("empty.npy", _npy(H[:0]), "holds no channels"),
    ("nousers.npy", _npy(H[:, :, :0]), "M, K >= 1"),
    ("text.npy", _npy(np.array(["a", "b"])), "must be numbers"),
    ("bool.npy", _npy(np.ones((6, 4, 2), bool)), "must be numbers"),
    ("truncated.npy", _truncated(_npy(H), 300), "not a readable .npy file"),
    ("zero.npy", _bytes(b""), "empty (0 bytes)"),
    ("nan.mat", _mat(_with((0, 0, 0), np.nan)), "must be finite"),
    ("rank4.mat", _mat(H[None]), "must be [N, M, K] or [P, M]"),
    ("empty.mat", _mat(H[:0]), "holds no channels"),
    ("text.mat", _mat("hello"), "must be numbers"),
    ("truncated.mat", _truncated(_mat(H), 200), "not a readable .mat file"),
    ("zero.mat", _bytes(b""), "empty (0 bytes)"),
    ("garbage.mat", _bytes(b"hello"), "not a readable .mat file"),
]


@pytest.mark.parametrize(("name", "write", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_malformed_channel_file_is_refused_naming_the_file(name, write, message, tmp_path):
    path = tmp_path / name
    write(path)
    with pytest.raises(ValueError) as refused:
        read_channel_file(path)
    text = str(refused.value)
    assert str(path) in text and message in text, text
    assert "\n" not in text


@pytest.mark.parametrize(("name", "write", "message"), CASES[::4], ids=[c[0] for c in CASES[::4]])
def test_the_commands_that_read_channel_files_say_it_in_one_line(
    name, write, message, tmp_path, capsys
):
    path = tmp_path / name
    write(path)
    before = path.read_bytes()
    for args in (["dataset", "spread", str(path)],
                 ["evaluate", "--channel-file", str(path), "-K", "2", "--channels", "2",
                  "--quiet"]):  # fmt: skip
        code, _, err = run_cli(args, capsys)
        assert code == 2
        assert_clean(code, err)
        assert str(path) in err and message in err, err
    assert path.read_bytes() == before  # the file is left as it was
