"""Two processes never write the same run or sweep folder: the second is refused at once with one
line naming the holder, and the folder is free again when the first ends (even when killed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import yaml

from qprecode._locking import folder_lock
from tests.cli_harness import assert_clean, run_cli

from .test_malformed_inputs import TINY


@pytest.fixture
def held(tmp_path):
    """A second process that holds the lock of ``tmp_path / "out"`` until it is killed."""
    folder = tmp_path / "out"
    code = textwrap.dedent(f"""
        import sys, time
        from qprecode._locking import folder_lock
        with folder_lock({str(folder)!r}, "qprecode train"):
            print("held", flush=True)
            time.sleep(120)
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield folder, holder
    holder.kill()
    holder.wait()


def test_a_second_process_is_refused_while_the_first_holds_the_folder(held, tmp_path, capsys):
    folder, holder = held
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(TINY))
    for args in (["train", "--config", str(config), "--out", str(folder), "--max-steps", "1",
                  "--quiet"],
                 ["sweep", "--config", str(config), "--out", str(folder), "--engine", "local",
                  "--quiet"]):  # fmt: skip
        code, _, err = run_cli(args, capsys)
        assert code == 2
        assert_clean(code, err)
        assert f"{folder} is in use by another" in err and f"pid {holder.pid}" in err, err
    assert not (folder / "last.json").exists() and not (folder / "results.csv").exists()
    holder.kill()
    holder.wait()
    with folder_lock(folder, "test"):  # free again once the holder is gone (killed)
        pass


def test_the_lock_is_exclusive_within_one_process_too(tmp_path):
    with (
        folder_lock(tmp_path, "first"),
        pytest.raises(ValueError, match="in use by another"),
        folder_lock(tmp_path, "second"),
    ):
        pass
    with folder_lock(tmp_path, "third"):
        pass
