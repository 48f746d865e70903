"""Where the commands write: impossible outputs are one-line errors before any work, the
repository's shipped results are never rewritten without --force, every README command writes
outside them, and bad inputs (an empty channel file, an empty config) say what is wrong."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

import qprecode.cli._app as app
from qprecode.cli import main

REPO = Path(__file__).resolve().parents[1]
needs_proc = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux's /proc")


def run(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def one_line_error(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err.strip()


@pytest.fixture
def no_work(monkeypatch):
    """The work of every command that takes --out fails the test if it begins."""
    import qprecode.cli.experiments as experiments
    import qprecode.cli.sweep as sweep
    import qprecode.cli.train as train
    import qprecode.cli.zhang as zhang

    def began(*args, **kwargs):
        pytest.fail("work began")

    monkeypatch.setattr(train, "load_config", began)
    monkeypatch.setattr(sweep, "plan_sweep", began)
    monkeypatch.setattr(experiments, "reproduce_items", began)
    monkeypatch.setattr(experiments, "run_comparison", began)
    monkeypatch.setattr(zhang, "sizes_report", began)


COMMANDS_WITH_OUT = {
    "train": ["train", "--config", "feys/smoke"],
    "sweep": ["sweep", "--config", "kasalaee/search-smoke"],
    "reproduce": ["reproduce", "feys:fig7a", "--preset", "tiny"],
    "zhang sizes": ["zhang", "sizes", "--model", "k4=zhang:gradient-k4-n12"],
    "compare": ["compare", "--preset", "quick"],
}


@needs_proc
@pytest.mark.parametrize("command", COMMANDS_WITH_OUT)
def test_an_impossible_out_is_a_one_line_error_before_any_work(command, tmp_path, capsys, no_work):
    args = COMMANDS_WITH_OUT[command]
    code, _, err = run([*args, "--out", "/proc/x"], capsys)
    line = one_line_error(code, err)
    assert line == "error: --out /proc/x: cannot create files in /proc (No such file or directory)"
    file = tmp_path / "a-file"
    file.write_text("")
    code, _, err = run([*args, "--out", str(file / "x")], capsys)
    assert one_line_error(code, err) == f"error: --out {file / 'x'}: {file} is a file, not a folder"


@needs_proc
@pytest.mark.parametrize(
    "args",
    [
        ["power", "--json", "/proc/p.json"],
        ["power", "--plot", "/proc/p.png"],
        ["radiation", "--json", "/proc/r.json"],
        ["energy", "--json", "/proc/e.json"],
    ],
)
def test_json_and_plot_into_an_unwritable_existing_folder_fail_first(args, capsys, monkeypatch):
    """``/proc`` exists and even root cannot create files in it (a permission check alone
    lets root through, and the write then fails after the work)."""
    import qprecode.cli.energy as energy
    import qprecode.cli.power as power
    import qprecode.cli.radiation as radiation

    for module, name in ((power, "power_records"), (radiation, "los_radiation_db"),
                         (energy, "energy_records")):  # fmt: skip
        monkeypatch.setattr(module, name, lambda *a, **k: pytest.fail("work began"))
    code, _, err = run(args, capsys)
    assert one_line_error(code, err).startswith(f"error: {args[1]} {args[2]}: cannot create files")


@pytest.fixture
def shipped(tmp_path, monkeypatch) -> Path:
    """A stand-in for the repository's results/ with one shipped report."""
    results = tmp_path / "results"
    (results / "compare").mkdir(parents=True)
    (results / "compare" / "report.md").write_text("shipped\n")
    monkeypatch.setattr(app, "SHIPPED_RESULTS", results.resolve())
    return results


def test_shipped_results_are_refused_without_force(shipped, capsys, no_work):
    code, _, err = run(["compare", "--out", str(shipped / "compare")], capsys)
    assert one_line_error(code, err) == (
        f"error: --out {shipped / 'compare'}: these are results shipped with the repository; "
        "write elsewhere (runs/ is kept out of git) or add --force to replace them"
    )
    code, _, err = run(["evaluate", "--json", str(shipped / "compare" / "report.md")], capsys)
    assert "add --force" in one_line_error(code, err)
    # --force lets the command begin; a new folder inside results/ needs no --force
    with pytest.raises(pytest.fail.Exception, match="work began"):
        main(["compare", "--out", str(shipped / "compare"), "--force"])
    with pytest.raises(pytest.fail.Exception, match="work began"):
        main(["compare", "--out", str(shipped / "new")])
    assert (shipped / "compare" / "report.md").read_text() == "shipped\n"


def test_the_checkout_s_results_are_the_guarded_ones():
    assert (REPO / "results").resolve() == app.SHIPPED_RESULTS


def test_report_commands_default_to_runs(capsys, monkeypatch):
    import qprecode.cli.experiments as experiments

    seen = {}

    def stop(config, out_dir, **kwargs):
        seen["compare"] = out_dir
        raise KeyboardInterrupt

    monkeypatch.setattr(experiments, "run_comparison", stop)
    with pytest.raises(SystemExit):
        main(["compare"])
    assert seen["compare"] == Path("runs/compare")


def _readme_commands() -> list[str]:
    """Every qprecode command line of the README's code blocks (continuations joined)."""
    text = (REPO / "README.md").read_text()
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        commands += [line.split("#")[0].strip() for line in joined.splitlines()
                     if "qprecode" in line.split("#")[0]]  # fmt: skip
    return commands


def test_every_readme_and_make_output_goes_where_git_does_not_look():
    """After any README command (or ``make demo``, ``make bench``), ``git status`` stays clean:
    what they write lies in a folder that .gitignore names."""
    ignored = [line.strip().lstrip("/") for line in (REPO / ".gitignore").read_text().splitlines()
               if line.strip().endswith("/")]  # fmt: skip
    commands = _readme_commands()
    assert len(commands) > 40
    outputs = [(command, path) for command in commands for path in
               re.findall(r"--(?:out|json|plot|md|plot-dir)[ =](\S+)", command)]  # fmt: skip
    assert len(outputs) > 20
    for command, path in outputs:
        assert any(path.startswith(folder) for folder in ignored), command
    makefile = (REPO / "Makefile").read_text()
    assert "\nBENCH_OUT ?= runs/benchmarks\n" in makefile
    for target in ("demo", "bench"):
        recipe = makefile.split(f"\n{target}:")[1].split("\n\n")[0]
        assert "results/" not in recipe, target
        written = re.findall(r"--(?:json|plot) (\S+)", recipe)
        assert written and all(p.startswith(("runs/", "$(BENCH_OUT)/")) for p in written), target
    publish = makefile.split("\nbench-publish:")[1].split("\n\n")[0]
    assert "BENCH_OUT=results/benchmarks" in publish


def test_an_empty_npy_file_says_which_file_and_what_is_wrong(tmp_path, capsys):
    empty = tmp_path / "H.npy"
    empty.write_bytes(b"")
    code, _, err = run(["evaluate", "--channel-file", str(empty), "--users", "2"], capsys)
    assert one_line_error(code, err) == f"error: {empty} is empty (0 bytes): no .npy array in it"
    no_rows = tmp_path / "none.npy"
    np.save(no_rows, np.zeros((0, 4, 2), dtype=np.complex64))
    code, _, err = run(["evaluate", "--channel-file", str(no_rows), "--users", "2"], capsys)
    assert one_line_error(code, err) == (
        f"error: {no_rows} holds no channels: its array has shape (0, 4, 2)"
    )
    cut = tmp_path / "cut.npy"
    cut.write_bytes((tmp_path / "none.npy").read_bytes()[:60])
    code, _, err = run(["evaluate", "--channel-file", str(cut), "--users", "2"], capsys)
    assert one_line_error(code, err).startswith(f"error: {cut} is not a readable .npy file")


@pytest.mark.parametrize("content", ["", "# nothing yet\n", "{}\n"])
@pytest.mark.parametrize("command", ["train", "sweep"])
def test_an_empty_config_is_refused(content, command, tmp_path, capsys):
    config = tmp_path / "empty.yaml"
    config.write_text(content)
    code, _, err = run([command, "--config", str(config), "--out", str(tmp_path / "r")], capsys)
    assert one_line_error(code, err) == (
        f"error: config file {config} is empty: give at least its task and sizes, or start "
        "from a shipped preset (`qprecode configs` lists them)"
    )
    assert not (tmp_path / "r").exists()


def _commands(group, prefix=""):
    import click

    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def test_every_command_with_a_checked_output_takes_force():
    """A command whose output may be refused as a shipped result has the --force that lifts
    the refusal."""
    from qprecode.cli import cli

    checks = (app.check_output_path, app.check_output_dir, app.check_plot_path)
    checked = [name for name, command in _commands(cli)
               if any(p.callback in checks for p in command.params)]  # fmt: skip
    assert {"compare", "reproduce", "evaluate", "train", "zhang sizes"} <= set(checked)
    for name, command in _commands(cli):
        if name in checked:
            assert any("--force" in p.opts for p in command.params), name


def test_a_reader_that_goes_away_loses_no_results(tmp_path, capsys, monkeypatch):
    # `qprecode evaluate ... | head`: the JSON is written before the tables are printed, and the
    # broken pipe ends the command quietly (exit 1, no traceback)
    from qprecode.cli import evaluate as evaluate_command

    def closed_pipe(*args, **kwargs):
        raise BrokenPipeError

    monkeypatch.setattr(evaluate_command, "_print_table", closed_pipe)
    out = tmp_path / "r.json"
    args = ["evaluate", "--precoder", "zf", "--antennas", "8", "--channels", "4", "--symbols",
            "32", "--snr-db", "10", "--quiet", "--json", str(out)]  # fmt: skip
    code, _, err = run(args, capsys)
    assert code == 1 and "Traceback" not in err
    assert json.loads(out.read_text())["results"][0]["precoder"] == "zf"
