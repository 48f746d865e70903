import math

import torch

from qprecode.channels import complex_normal
from qprecode.dac import DAC
from qprecode.ofdm import (
    OFDMGrid,
    OFDMLocalSearch,
    OFDMTransmitter,
    TappedDelayLineChannel,
    frequency_response,
)
from qprecode.ofdm.unfolded import UnfoldedOFDM, in_band_objective
from qprecode.precoders import zf_matrix
from tests.conftest import generator


def _setup(M=8, K=2, S=16, ratio=2, batch=3, symbols=6):
    grid = OFDMGrid.from_oversampling(S, ratio)
    H = frequency_response(TappedDelayLineChannel(M, K, 4).sample(batch, generator(0)), grid)
    return grid, H, complex_normal((batch, symbols, S, K), generator(1))


def test_zero_steps_give_the_quantized_zf_chain():
    grid, H, s = _setup()
    net = UnfoldedOFDM(layers=3)
    with torch.no_grad():
        net.step.zero_()
        y = net(H, s, grid)
    zf = OFDMTransmitter(grid, DAC(1))(zf_matrix(H, 8.0), s)
    torch.testing.assert_close(y, zf)


def test_outputs_are_one_bit_with_the_chain_powers_and_gradients_reach_every_parameter():
    grid, H, s = _setup()
    net = UnfoldedOFDM(layers=4)
    y = net(H, s, grid)
    zf = OFDMTransmitter(grid, DAC(1))(zf_matrix(H, 8.0), s)
    assert y.shape == (3, 6, 32, 8) and y.dtype == torch.complex64
    torch.testing.assert_close(y.abs(), zf.abs())  # the per-antenna 1-bit magnitudes
    loss = in_band_objective(H, net(H, s, grid, soft=True), s, grid).mean()
    loss.backward()
    assert net.step.grad is not None and bool((net.step.grad != 0).all())
    assert net.log_temperature.grad is not None and bool((net.log_temperature.grad != 0).all())


def test_in_band_objective_is_the_local_search_objective():
    grid, H, s = _setup()
    result = OFDMLocalSearch(1, sweeps=2, snr_db=math.inf).search(H, s, grid)
    ss = (s.abs() ** 2).sum(dim=(1, 2, 3)).double()
    torch.testing.assert_close(
        in_band_objective(H, result.y, s, grid).double(), result.objective[:, -1] / ss,
        rtol=1e-4, atol=1e-5,
    )  # fmt: skip
    J = in_band_objective(H, result.y, s, grid)
    assert bool(((J >= 0) & (J <= 1)).all())
