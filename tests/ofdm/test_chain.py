import pytest
import torch

from qprecode.channels import complex_normal
from qprecode.dac import DAC
from qprecode.metrics import noise_variance, sinr_from_matrix
from qprecode.ofdm import (
    OFDMGrid,
    OFDMTransmitter,
    TappedDelayLineChannel,
    bussgang_model,
    frequency_response,
    guard_to_inband_db,
    precode_subcarriers,
    simulate_chain,
    sndr,
    subcarrier_matrices,
)
from qprecode.ofdm.evaluate import evaluate_ofdm
from qprecode.precoders import MRT, RZF, ZF
from tests.conftest import generator

M, K, S = 32, 4, 64


def _setup(ratio, batch=4, symbols=48, dtype=torch.complex64, profile="uniform", seed=0):
    grid = OFDMGrid.from_oversampling(S, ratio)
    taps = TappedDelayLineChannel(M, K, 8, profile, dtype=dtype).sample(batch, generator(seed))
    H = frequency_response(taps, grid)
    s = complex_normal((batch, symbols, S, K), generator(seed + 1), dtype)
    return grid, H, s


@pytest.mark.parametrize("ratio", [1, 4])
def test_ideal_dacs_give_per_subcarrier_narrowband_precoding(ratio):
    grid, H, s = _setup(ratio, batch=2, symbols=6, dtype=torch.complex128)
    W = subcarrier_matrices(ZF(), H)
    tx = OFDMTransmitter(grid, DAC(None))
    Y = grid.demodulate(tx(W, s))  # [B, T, N, M]
    assert Y.shape == (2, 6, S * ratio, M)
    # every used subcarrier carries exactly W[f] s[f]; the guard band nothing
    narrowband = s.unsqueeze(-2) @ W.mT.unsqueeze(1)  # [B, T, S, 1, M]: y = s W^T per subcarrier
    torch.testing.assert_close(grid.take_used(Y), narrowband.squeeze(-2))
    torch.testing.assert_close(precode_subcarriers(W, s), narrowband.squeeze(-2))
    assert float(Y[:, :, grid.guard_mask].abs().sum()) < 1e-9
    # zero forcing: no inter-user interference on any subcarrier
    r = torch.einsum("bsmk,btsm->btsk", H, grid.take_used(Y))
    gains = torch.diagonal(H.mT @ W, dim1=-2, dim2=-1)  # [B, S, K]
    torch.testing.assert_close(r, s * gains.unsqueeze(1))


def test_ideal_chain_sndr_is_the_narrowband_closed_form():
    grid, H, s = _setup(2, batch=3, symbols=32)
    W = subcarrier_matrices(RZF(10.0), H)
    noise_var = noise_variance(10.0, M)
    tx = OFDMTransmitter(grid, DAC(None))
    closed = sinr_from_matrix(H, W, noise_var)  # [B, S, K]
    model = bussgang_model(H, W, tx)
    torch.testing.assert_close(sndr(model, noise_var), closed)
    assert float(model.distortion.abs().max()) == 0.0
    measured = simulate_chain(H, W, s, tx).terms
    torch.testing.assert_close(sndr(measured, noise_var), closed, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("bits", [1, 2, 4])
@pytest.mark.parametrize("ratio", [1, 2, 4])
def test_transmit_power_is_kept(bits, ratio):
    """Parseval and the output scale: the chain sends S P_T per OFDM symbol, in and out of band
    together, as the unquantized signal does."""
    grid, H, s = _setup(ratio, batch=2, symbols=16)
    W = subcarrier_matrices(MRT(), H)
    tx = OFDMTransmitter(grid, DAC(bits))
    model = bussgang_model(H, W, tx)
    total = S * M  # P_T = M per used subcarrier
    torch.testing.assert_close(model.spectrum.sum(-1), torch.full((2,), float(total)), rtol=1e-4,
                               atol=0.0)  # fmt: skip
    y = tx(W, s)
    measured = (y.abs() ** 2).sum(dim=(-2, -1)).mean()  # energy per OFDM symbol (time domain)
    assert float(measured) == pytest.approx(total, rel=0.02)


def test_guard_band_emission_grows_as_bits_drop():
    grid, H, s = _setup(4, batch=2, symbols=16)
    W = subcarrier_matrices(ZF(), H)
    model_db, sim_db = [], []
    for bits in (None, 4, 3, 2, 1):
        tx = OFDMTransmitter(grid, DAC(bits))
        model_db.append(float(guard_to_inband_db(bussgang_model(H, W, tx).spectrum.mean(0), grid)))
        sim = simulate_chain(H, W, s, tx).terms.spectrum.mean(0)
        sim_db.append(float(guard_to_inband_db(sim, grid)))
    assert model_db[0] == float("-inf") and sim_db[0] < -100.0  # silent, up to float rounding
    assert model_db[1:] == sorted(model_db[1:]) and sim_db == sorted(sim_db)
    assert model_db[-1] > -15.0  # 1-bit DACs: the guard band within ~11 dB of the band
    for a, b in zip(model_db[1:], sim_db[1:], strict=True):
        assert a == pytest.approx(b, abs=0.3)


def _gap_db(H, W, s, tx, model, noise_var):
    predicted = sndr(bussgang_model(H, W, tx, model), noise_var)
    measured = sndr(simulate_chain(H, W, s, tx).terms, noise_var)
    return float((10 * torch.log10(measured)).mean() - (10 * torch.log10(predicted)).mean())


@pytest.mark.parametrize(("bits", "ratio"), [(1, 1), (1, 4), (3, 2)])
def test_bussgang_model_within_half_a_db_of_simulation(bits, ratio):
    grid, H, s = _setup(ratio)
    W = subcarrier_matrices(ZF(), H)
    tx = OFDMTransmitter(grid, DAC(bits))
    noise_var = noise_variance(30.0, M)  # distortion-limited: the hardest case for the model
    assert abs(_gap_db(H, W, s, tx, "exact", noise_var)) < 0.5


def test_white_distortion_approximation_fails_with_oversampling():
    """Without the distortion's correlation in time the model misses the in-band distortion of
    oversampled 1-bit DACs by several dB; a test that the exact model passes and this one fails."""
    grid, H, s = _setup(4)
    W = subcarrier_matrices(ZF(), H)
    tx = OFDMTransmitter(grid, DAC(1))
    assert _gap_db(H, W, s, tx, "diagonal", noise_variance(30.0, M)) < -2.0


@pytest.mark.slow
@pytest.mark.parametrize("precoder", [ZF(), MRT(), RZF(20.0)], ids=["zf", "mrt", "rzf"])
@pytest.mark.parametrize("bits", [1, 2, 3])
@pytest.mark.parametrize("ratio", [1, 2, 4])
@pytest.mark.parametrize("profile", ["uniform", "exponential"])
def test_bussgang_model_within_half_a_db_everywhere(precoder, bits, ratio, profile):
    grid, H, s = _setup(ratio, batch=6, symbols=64, profile=profile, seed=bits)
    W = subcarrier_matrices(precoder, H)
    tx = OFDMTransmitter(grid, DAC(bits))
    for snr in (0.0, 20.0, 40.0):
        assert abs(_gap_db(H, W, s, tx, "exact", noise_variance(snr, M))) < 0.5


def test_evaluate_does_not_depend_on_the_batch_size():
    grid = OFDMGrid.from_oversampling(16, 2)
    channel = TappedDelayLineChannel(8, 2, 4)
    runs = [
        evaluate_ofdm(
            ZF(), grid, channel, DAC(2), [10.0], 5, 8, seed=3, modulation="qpsk", batch_size=b
        )  # fmt: skip
        for b in (2, 5)
    ]
    a, b = runs[0][0], runs[1][0]
    assert a.sum_rate["sim"] == pytest.approx(b.sum_rate["sim"], rel=1e-5)
    assert a.ber == b.ber and a.ber is not None
    assert len(a.subcarrier_rate) == 16 and len(a.frequencies) == 32
    assert a.aclr_db["sim"] is None and a.guard_to_inband_db["exact"] is not None


def test_evaluate_ideal_zf_has_no_error_vector():
    grid = OFDMGrid.from_oversampling(16, 4)
    channel = TappedDelayLineChannel(8, 2, 4)
    (point,) = evaluate_ofdm(ZF(), grid, channel, DAC(None), [30.0], 3, 8, modulation="qpsk")
    assert point.evm_mean_percent < 1e-3 and point.ber == 0.0
    assert point.sndr_gap_db["exact"] == pytest.approx(0.0, abs=1e-3)
    (quantized,) = evaluate_ofdm(ZF(), grid, channel, DAC(1), [30.0], 3, 8)
    assert quantized.evm_mean_percent > 10.0 and quantized.aclr_db["exact"] is not None
    assert quantized.sum_rate["sim"] < point.sum_rate["sim"]
