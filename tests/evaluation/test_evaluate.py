import math

import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.evaluation import evaluate, gaussian_symbols, noisy_channel_estimate
from qprecode.registry import build_precoder
from tests.conftest import generator

# Table I of Feys et al.: NMSE of b-bit MRT on noiseless Rayleigh channels, M = 32, K = 1.
PAPER_TABLE_I_MRT = {1: -5.38, 2: -13.02, 3: -20.31, 4: -27.70}


def test_mrt_nmse_matches_table_i_of_feys():
    H = RayleighChannel(32, 1).sample(2000, generator(0))
    for bits, paper in PAPER_TABLE_I_MRT.items():
        result = evaluate(build_precoder("mrt", bits), H, [20.0], seed=1)
        assert result.nmse_db[0] == pytest.approx(paper, abs=0.15), bits


def test_chunking_and_seeding_do_not_change_results():
    H = RayleighChannel(8, 2).sample(50, generator(0))
    precoder = build_precoder("zf", 1)
    a = evaluate(precoder, H, [0.0, 20.0], num_symbols=32, seed=3, batch_size=50)
    b = evaluate(precoder, H, [0.0, 20.0], num_symbols=32, seed=3, batch_size=7)
    for x, y in zip(a.sum_rate + a.nmse_db, b.sum_rate + b.nmse_db, strict=True):
        assert x == pytest.approx(y, rel=1e-5)
    c = evaluate(precoder, H, [0.0, 20.0], num_symbols=32, seed=4)
    assert c.sum_rate != a.sum_rate


def test_given_symbols_equal_seeded_symbols():
    H = RayleighChannel(8, 2).sample(20, generator(0))
    s = gaussian_symbols(20, 16, 2, seed=9, dtype=H.dtype)
    precoder = build_precoder("mrt", 2)
    a = evaluate(precoder, H, [10.0], symbols=s)
    b = evaluate(precoder, H, [10.0], num_symbols=16, seed=9)
    assert a == b


def test_rate_grows_with_snr_and_bits():
    H = RayleighChannel(32, 1).sample(200, generator(0))
    snrs = [-10.0, 0.0, 10.0, 20.0, 30.0]
    by_bits = [evaluate(build_precoder("mrt", b), H, snrs).sum_rate for b in (1, 2, 3, None)]
    for rates in by_bits:
        assert rates == sorted(rates)
    at_30db = [rates[-1] for rates in by_bits]
    assert at_30db == sorted(at_30db)
    # 1-bit MRT saturates: distortion, not noise, limits it at high SNR
    assert by_bits[0][-1] - by_bits[0][-2] < 0.1


def test_snr_dependent_precoder_is_redesigned_per_snr():
    H = RayleighChannel(8, 4).sample(100, generator(0))
    rzf = evaluate(build_precoder("rzf", None), H, [-10.0, 30.0])
    zf = evaluate(build_precoder("zf", None), H, [-10.0, 30.0])
    mrt = evaluate(build_precoder("mrt", None), H, [-10.0, 30.0])
    # the Wiener filter behaves like MRT at low SNR and like ZF at high SNR
    assert rzf.sum_rate[0] == pytest.approx(mrt.sum_rate[0], rel=0.02)
    assert rzf.sum_rate[0] > 1.5 * zf.sum_rate[0]
    assert rzf.sum_rate[1] >= zf.sum_rate[1] - 1e-3
    assert rzf.sum_rate[1] > 2 * mrt.sum_rate[1]
    assert rzf.nmse_db[0] != rzf.nmse_db[1]


def test_input_validation():
    H = RayleighChannel(8, 2).sample(4, generator(0))
    precoder = build_precoder("mrt", 1)
    with pytest.raises(ValueError, match="snr_db"):
        evaluate(precoder, H, [])
    with pytest.raises(ValueError, match="snr_db"):
        evaluate(precoder, H, [float("nan")])
    with pytest.raises(ValueError, match=r"\[N, M, K\]"):
        evaluate(precoder, H[0], [0.0])
    with pytest.raises(ValueError, match="symbols must have shape"):
        evaluate(precoder, H, [0.0], symbols=torch.ones(3, 5, 2, dtype=torch.complex64))


def test_per_user_rates_sum_to_the_sum_rate_and_sem_is_std_over_root_n():
    H = RayleighChannel(16, 3).sample(200, generator(11))
    result = evaluate(build_precoder("zf", 2), H, [0.0, 20.0], num_symbols=32)
    for i in range(2):
        assert sum(result.user_rate[i]) == pytest.approx(result.sum_rate[i], rel=1e-9)
        assert result.sum_rate_sem[i] == pytest.approx(result.sum_rate_std[i] / 200**0.5)
        assert len(result.user_rate[i]) == 3
        # log-SE: sum of logs of the user rates of each channel, at most K ln(mean rate)
        assert result.log_se[i] <= 3 * math.log(result.sum_rate[i] / 3) + 1e-9


def test_perfect_estimates_change_nothing_and_noisy_ones_cost_rate():
    H = RayleighChannel(16, 2).sample(300, generator(12))
    precoder = build_precoder("zf", None)
    perfect = evaluate(precoder, H, [30.0], num_symbols=16)
    same = evaluate(precoder, H, [30.0], num_symbols=16, channel_estimates=H.clone())
    assert same.sum_rate == perfect.sum_rate
    rates = [evaluate(precoder, H, [30.0], num_symbols=16, csi_error_nmse_db=e).sum_rate[0]
             for e in (-30.0, -10.0, 0.0)]  # fmt: skip
    assert perfect.sum_rate[0] > rates[0] > rates[1] > rates[2]
    with pytest.raises(ValueError, match="not both"):
        evaluate(precoder, H, [0.0], channel_estimates=H, csi_error_nmse_db=-10.0)
    with pytest.raises(ValueError, match="shape"):
        evaluate(precoder, H, [0.0], channel_estimates=H[:10])


def test_noisy_channel_estimate_has_the_asked_nmse():
    H = RayleighChannel(32, 4).sample(2000, generator(13)) * 3.0  # the scale must not matter
    for nmse_db in (-20.0, -5.0, 0.0):
        H_hat = noisy_channel_estimate(H, nmse_db, generator(14))
        measured = ((H_hat - H).abs() ** 2).sum() / (H.abs() ** 2).sum()
        assert 10 * math.log10(measured.item()) == pytest.approx(nmse_db, abs=0.05)


def test_a_user_with_an_all_zero_channel_is_refused_not_reported_as_nan():
    import pytest
    import torch

    from qprecode.evaluation import evaluate
    from qprecode.registry import build_precoder

    H = torch.randn(4, 8, 2, dtype=torch.complex64)
    H[2, :, 1] = 0
    with pytest.raises(ValueError, match=r"1 channel realisation\(s\) \(e.g. index \[2\]\)"):
        evaluate(build_precoder("mrt", 1), H, [10.0], num_symbols=64)


@pytest.mark.parametrize("modulation", ["gaussian", "qpsk"])
def test_merged_parts_equal_one_evaluation(modulation):
    from qprecode.evaluation import draw_symbols, merge_results

    H = RayleighChannel(8, 2).sample(30, generator(4))
    s, idx = draw_symbols(30, 32, 2, 5, H.dtype, modulation)
    precoder = build_precoder("zf", 1)
    kwargs = {"modulation": modulation, "seed": 5}
    whole = evaluate(precoder, H, [0.0, 20.0], symbols=s, symbol_indices=idx, **kwargs)
    parts = [evaluate(precoder, H[a:b], [0.0, 20.0], symbols=s[a:b],
                      symbol_indices=None if idx is None else idx[a:b], **kwargs)
             for a, b in ((0, 7), (7, 19), (19, 30))]  # fmt: skip
    merged = merge_results(parts)
    for key in ("sum_rate", "sum_rate_std", "sum_rate_sem", "log_se", "snidr_db", "nmse_db"):
        assert getattr(merged, key) == pytest.approx(getattr(whole, key), rel=1e-9), key
    torch.testing.assert_close(torch.tensor(merged.user_rate), torch.tensor(whole.user_rate))
    assert merged.num_channels == 30
    if modulation == "qpsk":  # BER noise is drawn per call: equal in expectation only
        assert merged.ber is not None and len(merged.ber) == 2
    with pytest.raises(ValueError, match="same SNRs"):
        merge_results([parts[0], evaluate(precoder, H[:5], [10.0], num_symbols=32)])
