"""An interrupted ``dataset 3gpp`` leaves the file the user already has at ``--out`` as it was
and no partial file (the channels are written to a temporary name and renamed); a written file
is whole. (The site generator resumes from its traced batches: ``test_sionna_sites``.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qprecode.cli import dataset as dataset_cli
from qprecode.datasets import ChannelFile, read_channel_file
from qprecode.datasets.h5 import write_channel_file
from tests.cli_harness import run_cli


def _file(n: int) -> ChannelFile:
    g = torch.Generator().manual_seed(n)
    return ChannelFile(torch.randn(n, 4, 2, dtype=torch.complex64, generator=g), {"n": n})


@pytest.fixture
def no_sionna_needed(monkeypatch):
    monkeypatch.setattr(dataset_cli, "sionna_phy_unavailable_reason", lambda: None)


def test_an_interrupted_generation_leaves_the_existing_file_whole(
    no_sionna_needed, monkeypatch, tmp_path, capsys
):
    out = tmp_path / "cdl.h5"
    write_channel_file(out, _file(5))
    before = out.read_bytes()

    def interrupted(config, progress=True):
        raise KeyboardInterrupt

    monkeypatch.setattr(dataset_cli, "generate_3gpp", interrupted)
    # --force: the user asked to replace the file, and the interrupt still leaves it whole
    code, _, err = run_cli(["dataset", "3gpp", "cdl-a", "--out", str(out), "--samples", "8",
                            "-M", "4", "-K", "2", "--quiet", "--force"], capsys)  # fmt: skip
    assert code == 1 and "aborted" in err
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdl.h5"]  # no partial file


def test_an_interrupted_write_leaves_no_partial_file(monkeypatch, tmp_path):
    import h5py

    out = tmp_path / "c.h5"
    write_channel_file(out, _file(5))
    before = out.read_bytes()

    class Interrupted(h5py.File):
        def create_dataset(self, *args, **kwargs):
            raise KeyboardInterrupt

    monkeypatch.setattr(h5py, "File", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_channel_file(out, _file(7))
    monkeypatch.undo()
    assert out.read_bytes() == before
    assert np.array_equal(read_channel_file(out).channels.numpy(), _file(5).channels.numpy())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.h5"]  # the temporary file is gone
    write_channel_file(out, _file(7))
    assert read_channel_file(out).channels.shape[0] == 7
