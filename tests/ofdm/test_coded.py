import pytest
import torch

from qprecode.dac import DAC
from qprecode.metrics import constellation
from qprecode.ofdm import OFDMGrid, TappedDelayLineChannel
from qprecode.ofdm.coded import LDPCCode, coded_symbols, ldpc_unavailable_reason, qam_llr
from qprecode.ofdm.evaluate import evaluate_ofdm
from qprecode.precoders import ZF
from tests.conftest import generator

needs_sionna = pytest.mark.skipif(
    ldpc_unavailable_reason() is not None,
    reason=f"coded BLER skipped: {ldpc_unavailable_reason()}",
)


@pytest.mark.parametrize("name", ["qpsk", "16qam"])
def test_llr_signs_are_the_bit_labels_of_the_nearest_point(name):
    points = constellation(name)
    idx = torch.randint(0, points.points.numel(), (200,), generator=generator(0))
    z = points.points[idx].to(torch.complex64) + 0.02 * torch.randn(200, generator=generator(1))
    llr = qam_llr(z, torch.full((200,), 0.01), points)
    assert llr.shape == (200, points.bits_per_symbol)
    # log P(b=1)/P(b=0): positive where the sent label has a one
    assert torch.equal((llr > 0).long(), points.labels[idx])
    # very noisy observations carry almost no information
    assert float(qam_llr(z, torch.full((200,), 1e4), points).abs().max()) < 0.05


@needs_sionna
def test_coded_symbols_carry_the_code_words():
    code = LDPCCode(0.5, 256)
    s, idx, info = coded_symbols(2, 6, 16, 2, code, "16qam", seed=3)
    assert s.shape == idx.shape == (2, 6, 16, 2) and info.shape == (2, 2, 1, 128)
    points = constellation("16qam")
    # read the bits back from the symbols (user 0 of channel 1), in the layout's order
    labels = points.labels[idx[1, :, :, 0].reshape(-1)].reshape(-1)[:256]
    assert torch.equal(labels.float(), code.encode(info[1, 0])[0])
    torch.testing.assert_close(s[1, ..., 0], points.points[idx[1, ..., 0]].to(s.dtype))


@needs_sionna
def test_bler_is_zero_without_quantization_at_high_snr_and_one_at_low_snr():
    code = LDPCCode(0.5, 256, iterations=10)
    grid = OFDMGrid.from_oversampling(16, 2)
    channel = TappedDelayLineChannel(8, 2, 2)
    points = evaluate_ofdm(
        ZF(), grid, channel, DAC(None), [-10.0, 30.0], 2, 8, seed=0, modulation="16qam",
        code=code,
    )  # fmt: skip
    low, high = points
    assert low.blocks == high.blocks == 2 * 2 * (8 * 16 * 4 // 256)
    assert low.bler == 1.0 and high.bler == 0.0
    assert high.ber == 0.0


def test_unavailable_sionna_is_one_line():
    reason = ldpc_unavailable_reason()
    if reason is None:
        with pytest.raises(ValueError, match="code rate"):
            LDPCCode(1.5)
    else:
        assert "qprecode[sionna]" in reason and "\n" not in reason
        with pytest.raises(ValueError, match="Sionna PHY"):
            LDPCCode(0.5)
