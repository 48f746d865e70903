"""Tables that cannot mislead: repeated precoders or resolutions refused, a channel file never
serves more channels than it holds, constellation runs say their rate is the Gaussian bound,
a user without signal gets an infinite NMSE and a NaN output is refused, and the notes say
what to expect of a learned model outside its training and why an NMSE lies above 0 dB."""

import json
import math

import numpy as np
import pytest
import torch

from qprecode._parsing import parse_bits_list, parse_name_list
from qprecode.channels import make_channel
from qprecode.cli import main
from qprecode.datasets import FileChannel, read_channel_file
from qprecode.evaluation import evaluate
from qprecode.evaluation.evaluate import _to_db
from qprecode.evaluation.notes import (
    channel_conditioning,
    expectation_notes,
    nmse_note,
    rate_bound_note,
)
from qprecode.registry import find_entry


def run(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


SMALL = ["--antennas", "8", "--channels", "20", "--symbols", "32", "--snr-db", "0,10", "--quiet"]


# --- repeated precoders or resolutions ---------------------------------------------------------


def test_repeated_names_and_bits_are_refused():
    with pytest.raises(ValueError, match="repeats mrt"):
        parse_name_list("mrt,zf,mrt")
    with pytest.raises(ValueError, match="repeats 1"):
        parse_bits_list("1,2,01")  # the same resolution spelled twice
    with pytest.raises(ValueError, match="repeats inf"):
        parse_bits_list("inf,1,inf")
    assert parse_bits_list("1,2,inf") == [1, 2, None]


@pytest.mark.parametrize("option", [["--precoder", "mrt,mrt"], ["--bits", "1,1"]])
def test_evaluate_refuses_repeats_in_one_line_before_any_work(option, tmp_path, capsys):
    code, out, err = run(["evaluate", *option, *SMALL, "--json", str(tmp_path / "r.json")], capsys)
    assert code == 2 and "repeats" in err and len(err.strip().splitlines()) == 1
    assert out == "" and not (tmp_path / "r.json").exists()


# --- channel files: no silent reuse ------------------------------------------------------------


@pytest.fixture
def npy_file(tmp_path):
    rng = np.random.default_rng(0)
    H = (rng.standard_normal((40, 8, 2)) + 1j * rng.standard_normal((40, 8, 2))) / np.sqrt(2)
    path = tmp_path / "H.npy"
    np.save(path, H.astype(np.complex64))
    return path


def test_distinct_draws_give_every_sample_once(npy_file):
    source = FileChannel(read_channel_file(npy_file), 2, distinct=True)
    H = source.sample(40, torch.Generator().manual_seed(3))
    file = read_channel_file(npy_file).channels
    # every sample of the file exactly once: the draw is a permutation of the file
    matches = (H[:, None] == file[None]).flatten(2).all(dim=-1)  # [drawn, file]
    assert matches.sum(dim=1).eq(1).all() and matches.sum(dim=0).eq(1).all()
    with pytest.raises(ValueError, match="holds 40 different channels.*at most 40"):
        source.sample(41, torch.Generator().manual_seed(3))


def test_distinct_positions_count_groups_of_users():
    file = read_channel_file("data/samples/etoile.h5")
    one = FileChannel(file, 1, split="test", distinct=True)
    positions = one.pool.numel()
    assert one.distinct_channels == positions
    H = one.sample(positions, torch.Generator().manual_seed(0))  # every test position once
    assert torch.unique(torch.view_as_real(H[:, :, 0]).flatten(1), dim=0).shape[0] == positions
    assert FileChannel(file, 3, split="test").distinct_channels == math.comb(positions, 3)


def test_evaluate_refuses_more_channels_than_the_file_holds(npy_file, capsys):
    args = ["evaluate", "--channel-file", str(npy_file), "--users", "2", "--precoder", "zf",
            "--symbols", "32", "--snr-db", "10", "--quiet"]  # fmt: skip
    code, out, err = run([*args, "--channels", "41"], capsys)
    assert code == 2 and "holds 40 different channels" in err and "at most 40" in err
    assert out == ""
    code, out, _ = run([*args, "--channels", "40"], capsys)
    assert code == 0 and "40 channels" in " ".join(out.split())


# --- constellations: the rate is the Gaussian-signalling bound ---------------------------------


def test_rate_bound_note_names_the_ceiling():
    rows = [{"precoder": "zf", "bits": "inf", "snr_db": 30.0, "sum_rate": 77.8},
            {"precoder": "zf", "bits": 1, "snr_db": 30.0, "sum_rate": 20.0}]  # fmt: skip
    note = rate_bound_note(rows, "qpsk", 16)
    assert "Gaussian signalling" in note and "32 bits/c.u. for K=16" in note
    assert "1 of 2 points lie above" in note and "77.8" in note
    assert rate_bound_note(rows, "gaussian", 16) is None
    assert "above" not in rate_bound_note(rows, "64qam", 16)  # ceiling 96


def test_qpsk_table_is_labelled_as_the_gaussian_bound(tmp_path, capsys):
    path = tmp_path / "r.json"
    args = ["evaluate", "--precoder", "zf", "--bits", "inf", "--users", "2", "--modulation",
            "qpsk", *SMALL[:-3], "--snr-db", "30", "--quiet", "--json", str(path)]  # fmt: skip
    code, out, _ = run(args, capsys)
    data = json.loads(path.read_text())
    ceiling = 2 * 2
    assert code == 0 and data["results"][0]["sum_rate"] > ceiling  # unquantized ZF at 30 dB
    assert "Gaussian-signalling bound" in " ".join(out.split())
    assert "4 bits/c.u. for K=2" in " ".join(out.split())
    assert "Gaussian signalling" in data["config"]["rate"]
    assert any("at most 2 bits per user" in n for n in data["config"]["notes"])
    code, out, _ = run(["evaluate", "--precoder", "zf", "--users", "2", *SMALL], capsys)
    assert code == 0 and "Gaussian-signalling" not in out and "bits per user" not in out


def test_the_nmse_column_names_the_snr_it_is_at(capsys):
    # SQUID is designed for each SNR: its NMSE differs per SNR, and the table shows the last
    code, out, _ = run(["evaluate", "--precoder", "squid", "--users", "2", *SMALL[:-3],
                        "--snr-db", "10,0", "--quiet"], capsys)  # fmt: skip
    assert code == 0 and "NMSE [dB] at 0 dB" in out


# --- users without signal, NaN outputs ---------------------------------------------------------


class _DropUser:
    """MRT for every user but the last, who gets nothing."""

    name = "drop-last"

    def __call__(self, H, s):
        s = s.clone()
        s[..., -1] = 0
        return s @ H.conj().transpose(-1, -2)


class _NaNOnce:
    name = "nan-once"

    def __call__(self, H, s):
        y = s @ H.conj().transpose(-1, -2)
        y[1, 0, 0] = float("nan")
        return y


def _channels(count=12):
    return make_channel("rayleigh", 8, 2).sample(count, torch.Generator().manual_seed(0))


def test_a_user_without_signal_has_infinite_nmse_and_is_counted():
    result = evaluate(_DropUser(), _channels(), [10.0], num_symbols=32)
    assert result.nmse_db == [math.inf]  # not -inf: there is no estimate of that user at all
    assert result.zero_gain == [12]  # one user in each of the 12 channels
    assert result.user_rate[0][1] == pytest.approx(0.0, abs=1e-9)
    silent = evaluate(lambda H, s: torch.zeros(*s.shape[:-1], H.shape[-2], dtype=H.dtype),
                      _channels(), [10.0], num_symbols=32)  # fmt: skip
    assert silent.nmse_db == [math.inf] and silent.zero_gain == [24] and silent.sum_rate == [0.0]
    clean = evaluate(lambda H, s: s @ H.conj().transpose(-1, -2), _channels(), [10.0],
                     num_symbols=32)  # fmt: skip
    assert clean.zero_gain == [0] and math.isfinite(clean.nmse_db[0])


def test_nan_outputs_are_refused_with_the_channel():
    with pytest.raises(ValueError, match=r"nan-check: .*NaN or infinite outputs for 1 .*\[1\]"):
        evaluate(_NaNOnce(), _channels(), [10.0], num_symbols=32, description="nan-check")
    assert math.isnan(_to_db(math.nan)) and _to_db(math.inf) == math.inf and _to_db(0) == -math.inf


# --- notes: what to expect, and NMSE above 0 dB ------------------------------------------------


def test_outside_training_names_the_channel():
    entry = find_entry("gnn:k1-b1")  # trained on Rayleigh, M=32, K=1, 20 dB
    assert entry.outside_training(32, 1, [20.0], "rayleigh") == []
    notes = entry.outside_training(32, 1, [20.0], "data/samples/munich.h5")
    assert notes == ["channel data/samples/munich.h5 (trained on rayleigh)"]
    site = find_entry("dnn:etoile-k4-w2")  # trained on file:data/samples/etoile.h5
    assert not [n for n in site.outside_training(64, 4, [-35.0], "/x/etoile.h5") if "channel" in n]


def test_expectation_notes_compare_with_the_reference_point_by_point():
    model = [{"snr_db": -10.0, "sum_rate": 0.55}, {"snr_db": 20.0, "sum_rate": 3.1}]
    reference = [{"snr_db": -10.0, "sum_rate": 1.19}, {"snr_db": 20.0, "sum_rate": 2.2}]
    (note,) = expectation_notes("gnn:k1-b1", model, reference, "1-bit MRT")
    assert "below 1-bit MRT here at 1 of 2 SNR points (-10 dB" in note
    assert "0.55 against 1.19" in note
    (note,) = expectation_notes("gnn:k1-b1", model[1:], reference, "1-bit MRT")
    assert "at or above 1-bit MRT" in note


def test_gnn_at_low_snr_is_compared_with_mrt_on_the_same_channels(tmp_path, capsys):
    path = tmp_path / "r.json"
    args = ["evaluate", "--precoder", "gnn:k1-b1", "--snr-db", "-10,20", "--channels", "50",
            "--quiet", "--json", str(path)]  # fmt: skip
    code, out, _ = run(args, capsys)
    notes = json.loads(path.read_text())["config"]["notes"]
    assert code == 0 and len(notes) == 1 and "below 1-bit MRT here at 1 of 2 SNR points" in notes[0]
    # the reference is 1-bit MRT evaluated on the same channels and symbols
    code, _, _ = run(["evaluate", "--precoder", "mrt", "--snr-db", "-10,20", "--channels", "50",
                      "--quiet", "--json", str(tmp_path / "m.json")], capsys)  # fmt: skip
    mrt = json.loads((tmp_path / "m.json").read_text())["results"][0]["sum_rate"]
    assert f"against {mrt:.2f}" in notes[0]


def test_channel_conditioning_closed_form():
    # orthogonal columns of norms 1 and 10: gain spread 20 dB, condition number 20 dB
    H = torch.zeros(3, 4, 2, dtype=torch.complex64)
    H[:, 0, 0], H[:, 1, 1] = 1.0, 10.0
    stats = channel_conditioning(H)
    assert stats["gain_spread_db"] == pytest.approx(20.0)
    assert stats["condition_db"] == pytest.approx(20.0)


def test_nmse_note_only_above_zero_db():
    stats = {"gain_spread_db": 30.0, "condition_db": 35.0}
    rows = [{"precoder": "zf", "bits": 1, "nmse_db": 17.7, "snr_db": 30.0},
            {"precoder": "zf", "bits": 1, "nmse_db": 5.0, "snr_db": 0.0},
            {"precoder": "mrt", "bits": 1, "nmse_db": -3.0, "snr_db": 0.0},
            {"precoder": "zf", "bits": "inf", "nmse_db": -math.inf, "snr_db": 0.0}]  # fmt: skip
    note = nmse_note(rows, stats, {"gain_spread_db": 1.0, "condition_db": 2.7})
    # each precoder's worst NMSE, with the SNR it was measured at
    assert "zf 1-bit +17.7 dB at 30 dB SNR" in note and "+5.0" not in note
    assert "mrt" not in note and "30.0 dB" in note
    assert "Rayleigh of the same size: 1.0 and 2.7 dB" in note
    assert nmse_note(rows[2:], stats) is None


def test_ill_conditioned_file_explains_its_nmse(tmp_path, capsys):
    rng = np.random.default_rng(0)
    H = (rng.standard_normal((30, 16, 4)) + 1j * rng.standard_normal((30, 16, 4))) / np.sqrt(2)
    np.save(tmp_path / "weak.npy", (H * [1.0, 1.0, 1e-2, 1e-2]).astype(np.complex64))
    args = ["evaluate", "--channel-file", str(tmp_path / "weak.npy"), "--users", "4",
            "--precoder", "zf", "--channels", "30", "--symbols", "32", "--snr-db", "10",
            "--quiet", "--json", str(tmp_path / "r.json")]  # fmt: skip
    code, _, _ = run(args, capsys)
    data = json.loads((tmp_path / "r.json").read_text())
    assert code == 0 and data["results"][0]["nmse_db"] > 0
    (note,) = data["config"]["notes"]
    assert note.startswith("NMSE above 0 dB (zf 1-bit")
    spread = float(note.split("gains differ by ")[1].split(" dB")[0])
    assert spread > 35  # two users 40 dB weaker than the other two
