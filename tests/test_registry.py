"""Conformance of every precoder in the registry, classical and shipped: one test suite that a
new precoder passes by being registered."""

import json

import pytest
import torch

from qprecode.dac import DAC
from qprecode.models import shipped_models
from qprecode.precoders import (
    HybridPrecoder,
    MatrixPrecoder,
    QuantizedLinearPrecoder,
    design_for_snr,
)
from qprecode.registry import LEARNED_PREFIXES, build_precoder, entries, find_entry
from tests.conftest import generator

M, K, N_S, BATCH = 6, 2, 8, 3
ENTRIES = entries()
_SLOW = {"mo-altmin"}  # manifold optimisation: seconds per case
CASES = [
    pytest.param(
        e.name,
        bits,
        id=f"{e.name}-{'inf' if bits is None else bits}",
        marks=[pytest.mark.slow] if e.name in _SLOW else [],
    )
    for e in ENTRIES
    for bits in dict.fromkeys([e.bits[0], *(b for b in e.bits if b is None)])
]


def problem(seed: int = 0, M: int = M, K: int = K) -> tuple[torch.Tensor, torch.Tensor]:
    H = torch.randn(BATCH, M, K, dtype=torch.complex64, generator=generator(seed))
    s = torch.randn(BATCH, N_S, K, dtype=torch.complex64, generator=generator(seed + 1))
    return H, s


def sizes(entry) -> tuple[int, int]:
    """``(M, K)`` of the conformance problem: the trained sizes of a model that runs only there
    (the Kasalaee networks), else the small default."""
    if any(need.startswith("runs only at") for need in entry.needs):
        return entry.trained_on["antennas"], entry.trained_on["users"]
    return M, K


def build(name: str, bits: int | None):
    return design_for_snr(build_precoder(name, bits), 10.0)


def test_the_registry_lists_every_classical_precoder_and_every_shipped_model():
    names = {e.name for e in ENTRIES}
    assert {"mrt", "zf", "rzf", "pzf", "squid", "c2po", "exhaustive"} <= names
    prefixes = set(LEARNED_PREFIXES.values())
    assert all(any(f"{p}{m}" in names for p in prefixes) for m in shipped_models())
    assert len(shipped_models()) >= 3
    assert find_entry("WF").name == "rzf" and find_entry("exs").name == "exhaustive"
    with pytest.raises(ValueError, match="unknown precoder 'nope'; known: mrt") as refused:
        find_entry("nope")
    assert "NAME+ls for NAME's output refined by the local search" in str(refused.value)


@pytest.mark.parametrize(("name", "bits"), CASES)
def test_conformance(name, bits):
    entry = find_entry(name)
    precoder = build(name, bits)
    M, K = sizes(entry)
    H, s = problem(0, M, K)
    y = precoder(H, s)
    # shape, dtype, device
    assert y.shape == (BATCH, N_S, M) and y.dtype == torch.complex64 and y.device == H.device
    assert torch.isfinite(torch.view_as_real(y)).all()
    # batched == per sample, and the same inputs give the same outputs
    for b in range(BATCH):
        torch.testing.assert_close(precoder(H[b], s[b]), y[b], rtol=1e-5, atol=1e-5)
    assert torch.equal(build(name, bits)(H, s), y)
    # outputs on the DAC alphabet where quantized
    if bits is not None:
        levels = DAC(bits).levels()
        per_antenna = isinstance(precoder, QuantizedLinearPrecoder) or name == "local-search"
        if entry.kind in ("linear", "hybrid") or per_antenna:  # scaled back per antenna
            for part in (y.real, y.imag):
                distinct = [torch.unique(part[c, :, m]).numel() for c in range(BATCH)
                            for m in range(M)]  # fmt: skip
                assert max(distinct) <= 2**bits
        else:
            assert torch.isin(y.real, levels).all() and torch.isin(y.imag, levels).all()
    # a matrix precoder: ||W||_F^2 = P_T = M and y = s W^T; a hybrid one: |F| constant
    if isinstance(precoder, MatrixPrecoder):
        W = precoder.matrix(H)
        torch.testing.assert_close((W.abs() ** 2).sum(dim=(-2, -1)), torch.full((BATCH,), float(M)))
        torch.testing.assert_close(y, s @ W.mT)
    if isinstance(precoder, HybridPrecoder):
        F, D = precoder.analog_digital(H)
        torch.testing.assert_close(F.abs(), torch.full_like(F.abs(), F.abs()[0, 0, 0].item()))
        torch.testing.assert_close(F @ D, precoder.matrix(H))
    # permutation equivariance over antennas, invariance over users
    if entry.equivariant:
        antennas = torch.randperm(M, generator=generator(5))
        users = torch.randperm(K, generator=generator(6))
        torch.testing.assert_close(
            precoder(H[:, antennas], s), y[..., antennas], rtol=1e-4, atol=1e-4
        )
        torch.testing.assert_close(precoder(H[..., users], s[..., users]), y, rtol=1e-4, atol=1e-4)
    # clear errors on bad inputs
    with pytest.raises(ValueError, match="complex"):
        precoder(H.real, s)
    with pytest.raises(ValueError, match="users"):  # one user fewer, or one more at K = 1
        precoder(H, s[..., :1] if K > 1 else torch.cat([s, s], dim=-1))
    with pytest.raises(ValueError, match="shape"):
        precoder(H[0, 0], s)


def test_bits_are_checked_in_one_place():
    with pytest.raises(ValueError, match=r"c2po takes bits in \{1\}, got 3"):
        build_precoder("c2po", 3)
    with pytest.raises(ValueError, match="integer in 1..8"):
        build_precoder("mrt", 9)
    assert build_precoder("gnn:k1-b1", 4).bits == 1  # a learned model runs at its own bits


def test_learned_entries_know_what_they_were_trained_on():
    entry = find_entry("gnn:k2-b1")
    assert entry.kind == "learned" and entry.bits == (1,)
    assert entry.trained_on["antennas"] == 32 and entry.trained_on["users"] == 2


def test_precoders_command_lists_the_registry(capsys):
    from qprecode.cli import main

    with pytest.raises(SystemExit) as done:
        main(["precoders", "--json"])
    assert done.value.code == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["name"] for e in listed] == [e.name for e in ENTRIES]
    assert next(e for e in listed if e["name"] == "mrt")["bits"][-1] == "inf"
    with pytest.raises(SystemExit):
        main(["precoders"])
    assert "gnn:k1-b1" in capsys.readouterr().out


def test_a_learned_entry_says_where_it_is_used_outside_its_training():
    entry = find_entry("gnn:k1-b1")
    assert entry.outside_training(32, 1, [20.0]) == []
    notes = entry.outside_training(64, 2, [10.0, 20.0])
    assert notes == ["M=64 (trained at 32)", "K=2 (trained at 1)", "SNR 10 dB (trained at 20 dB)"]
    assert find_entry("mrt").outside_training(64, 2, [0.0]) == []
