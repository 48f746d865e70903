import math

import pytest
import torch

from qprecode.channels import complex_normal
from qprecode.dac import DAC
from qprecode.ofdm import OFDMGrid, OFDMTransmitter, TappedDelayLineChannel, frequency_response
from qprecode.ofdm.evaluate import evaluate_ofdm
from qprecode.ofdm.local_search import NUMBA_AVAILABLE, OFDMLocalSearch, local_search_ofdm_flops
from qprecode.ofdm.simulate import measure_output
from qprecode.precoders import ZF, zf_matrix
from tests.conftest import generator


def _setup(M=8, K=2, S=16, ratio=2, batch=3, symbols=12, taps=4, seed=0):
    grid = OFDMGrid.from_oversampling(S, ratio)
    H = frequency_response(TappedDelayLineChannel(M, K, taps).sample(batch, generator(seed)), grid)
    s = complex_normal((batch, symbols, S, K), generator(seed + 1))
    return grid, H, s


def _objective(H, y, s, grid, nu):
    """J of an output, recomputed from scratch: FFT, in-band received signals, best gain."""
    Y = grid.take_used(grid.demodulate(y.to(torch.complex128)))  # [B, T, S, M]
    r = torch.einsum("bsmk,btsm->btsk", H.to(torch.complex128), Y)
    s64 = s.to(torch.complex128)
    num = (r.conj() * s64).sum(dim=(1, 2, 3))
    den = (r.abs() ** 2).sum(dim=(1, 2, 3)) + nu
    return (s64.abs() ** 2).sum(dim=(1, 2, 3)) - num.abs() ** 2 / den


backends = ["torch", *(["numba"] if NUMBA_AVAILABLE else [])]


@pytest.mark.parametrize("backend", backends)
@pytest.mark.parametrize(("bits", "ratio", "snr"), [(1, 1, 10.0), (1, 2, math.inf), (2, 4, 20.0)])
def test_objective_never_increases_and_matches_the_output(backend, bits, ratio, snr):
    grid, H, s = _setup(ratio=ratio)
    search = OFDMLocalSearch(bits, sweeps=4, snr_db=snr, backend=backend)
    result = search.search(H, s, grid)
    J = result.objective  # [B, sweeps + 1]
    assert J.shape == (3, 5)
    assert bool((J[:, 1:] <= J[:, :-1] * (1 + 1e-5)).all())
    assert bool((J[:, -1] < J[:, 0]).all())  # it moves off the quantized ZF start
    nu = search.noise_term(8.0, 12, 16, 2)
    torch.testing.assert_close(J[:, -1], _objective(H, result.y, s, grid, nu), rtol=1e-4, atol=1e-4)
    # the start's objective is that of the quantized ZF chain with its best gain
    y0 = OFDMTransmitter(grid, DAC(bits))(zf_matrix(H, 8.0), s)
    torch.testing.assert_close(J[:, 0], _objective(H, y0, s, grid, nu), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("bits", [1, 3])
def test_every_output_lies_on_its_antennas_alphabet(bits):
    grid, H, s = _setup()
    search = OFDMLocalSearch(bits, sweeps=2)
    y = search.search(H, s, grid).y
    assert y.shape == (3, 12, 32, 8) and y.dtype == torch.complex64
    _, scale = search.start(H, s, grid)  # [B, M]
    levels = DAC(bits).levels(torch.float32)
    for part in (y.real, y.imag):
        ratio = part / scale[:, None, None, :]  # [B, T, N, M]
        nearest = (ratio.unsqueeze(-1) - levels).abs().min(dim=-1).values
        assert float(nearest.max()) < 1e-5


def test_one_bit_output_sends_the_power_of_the_zf_chain():
    grid, H, s = _setup(ratio=4)
    y = OFDMLocalSearch(1, sweeps=2)(H, s, grid)
    y0 = OFDMTransmitter(grid, DAC(1))(zf_matrix(H, 8.0), s)
    # 1-bit: every sample of antenna m has the same magnitude, whichever levels are chosen
    torch.testing.assert_close(y.abs(), y0.abs())
    power = (y.abs() ** 2).sum(dim=-1).mean()
    assert float(power) == pytest.approx(8.0 * grid.used / grid.fft_size, rel=1e-4)


def test_multi_bit_output_is_scaled_to_the_nominal_power():
    grid, H, s = _setup(ratio=2)
    y = OFDMLocalSearch(2, sweeps=1)(H, s, grid)
    power = (y.abs() ** 2).sum(dim=-1).mean(dim=(1, 2))
    torch.testing.assert_close(power, torch.full((3,), 8.0 / 2), rtol=1e-4, atol=0.0)


@pytest.mark.skipif(not NUMBA_AVAILABLE, reason="numba does not import here")
@pytest.mark.parametrize("bits", [1, 2])
def test_numba_kernel_equals_the_torch_form(bits):
    grid, H, s = _setup(batch=4, seed=3)
    a = OFDMLocalSearch(bits, sweeps=3, snr_db=5.0, backend="torch").search(H, s, grid)
    b = OFDMLocalSearch(bits, sweeps=3, snr_db=5.0, backend="numba").search(H, s, grid)
    # the same levels (float32 rounding could flip a near-tie; none here)
    assert float((a.y != b.y).float().mean()) == 0.0
    torch.testing.assert_close(a.objective, b.objective, rtol=1e-5, atol=1e-5)


def test_beats_quantized_zf_in_band_at_one_bit():
    """The in-band error of the search's output, measured as the evaluator measures any output
    (per-subcarrier least-squares fit), is below that of the quantized ZF chain it starts from,
    and so is its simulated sum rate."""
    grid, H, s = _setup(M=16, K=2, S=16, ratio=2, batch=4, symbols=24)
    y_ls = OFDMLocalSearch(1, sweeps=3, snr_db=math.inf)(H, s, grid)
    y_zf = OFDMTransmitter(grid, DAC(1))(zf_matrix(H, 16.0), s)
    ls, zf = measure_output(H, y_ls, s, grid).terms, measure_output(H, y_zf, s, grid).terms

    def error(t):  # in-band interference + distortion relative to the signal
        return float((t.interference + t.distortion).sum() / t.signal.sum())

    assert error(ls) < 0.7 * error(zf)
    grid_small = OFDMGrid.from_oversampling(8, 2)
    channel = TappedDelayLineChannel(8, 2, 2)
    rates = {
        name: evaluate_ofdm(p, grid_small, channel, DAC(1), [20.0], 3, 8, seed=1)[0]
        for name, p in (("ls", OFDMLocalSearch(1, sweeps=2)), ("zf", ZF()))
    }
    assert rates["ls"].sum_rate["sim"] > rates["zf"].sum_rate["sim"]
    assert rates["ls"].sum_rate["exact"] is None and rates["zf"].sum_rate["exact"] is not None
    assert rates["ls"].sndr_gap_db == {"exact": None, "diagonal": None}


def test_snr_design_and_errors():
    search = OFDMLocalSearch(1, snr_db=20.0)
    assert search.snr_dependent and search.with_snr(5.0).snr_db == 5.0
    assert search.noise_term(32.0, 10, 64, 4) == pytest.approx(10 * 64 * 4 * 32.0 / 100.0)
    assert OFDMLocalSearch(1, snr_db=math.inf).noise_term(32.0, 10, 64, 4) == 0.0
    with pytest.raises(ValueError, match="bits"):
        OFDMLocalSearch(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backend"):
        OFDMLocalSearch(1, backend="cuda")
    grid, H, s = _setup()
    with pytest.raises(ValueError, match="S = 16"):
        search(H[:, :8], s, grid)
    assert local_search_ofdm_flops(128, 64, 32, 4, 3) == 3 * 32 * 16 * 64 * 4
