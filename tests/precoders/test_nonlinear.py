import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from qprecode.channels import RayleighChannel
from qprecode.dac import DAC, DAC_KINDS
from qprecode.evaluation import evaluate
from qprecode.metrics import noise_variance
from qprecode.precoders import (
    C2PO,
    SQUID,
    ExhaustiveSearch,
    alphabet_noise_variance,
    one_bit,
    precoding_mse,
    prox_squared_inf_norm,
)
from qprecode.registry import build_precoder
from tests.conftest import generator


def problem(M, K, batch=3, N_s=6, seed=0, dtype=torch.complex64):
    H = RayleighChannel(M, K, dtype=dtype).sample(batch, generator(seed))
    s = torch.randn(batch, N_s, K, dtype=dtype, generator=generator(seed + 1))
    return H, s


def on_alphabet(y, bits):
    levels = DAC(bits).levels(y.real.dtype)
    return bool(torch.isin(y.real, levels).all() and torch.isin(y.imag, levels).all())


@settings(max_examples=15)
@given(M=st.integers(2, 5), K=st.integers(1, 2), seed=st.integers(0, 10_000),
       snr_db=st.sampled_from([0.0, 10.0, 20.0]))  # fmt: skip
def test_exhaustive_search_is_never_beaten_on_its_objective(M, K, seed, snr_db):
    H, s = problem(M, K, seed=seed, dtype=torch.complex128)
    noise_var = alphabet_noise_variance(DAC(1).levels(), M, snr_db)
    best = precoding_mse(H, s, ExhaustiveSearch(1, snr_db)(H, s), noise_var)
    others = [SQUID(1, snr_db), C2PO()]
    for precoder in others:
        assert (precoding_mse(H, s, precoder(H, s), noise_var) >= best - 1e-9).all()
    random_levels = torch.randint(0, 2, (200, *s.shape[:-1], 2 * M), generator=generator(seed))
    levels = DAC(1).levels(torch.float64)[random_levels]
    random_y = torch.complex(levels[..., :M], levels[..., M:])
    assert (precoding_mse(H, s, random_y, noise_var) >= best - 1e-9).all()


def test_exhaustive_search_refuses_large_problems():
    H, s = problem(12, 2)
    with pytest.raises(ValueError, match="exceeds max_candidates"):
        ExhaustiveSearch(1)(H, s)
    with pytest.raises(ValueError, match="exceeds max_candidates"):
        ExhaustiveSearch(2, max_candidates=1000)(*problem(3, 1))


@pytest.mark.parametrize(
    "precoder", [SQUID(1), SQUID(2), C2PO(), ExhaustiveSearch(1), ExhaustiveSearch(2)]
)
def test_outputs_on_the_dac_alphabet_and_batched_equals_per_sample(precoder):
    H, s = problem(3, 2)
    y = precoder(H, s)
    assert y.shape == (3, 6, 3)
    assert on_alphabet(y, precoder.bits)
    for b in range(3):
        torch.testing.assert_close(precoder(H[b], s[b]), y[b])


def test_squid_relaxed_objective_decreases():
    H, s = problem(32, 4, batch=8, N_s=16, dtype=torch.complex128)
    _, history = SQUID(1, 10.0, iterations=60).relaxed(H, s, trace=True)
    mean = history.mean(dim=(1, 2))  # [iterations]
    assert mean[-1] < mean[0]
    assert mean[-1] <= mean[10:].min() + 1e-9 * mean[-1]  # converging: the last is the lowest
    # on average the objective falls from one 10-iteration block to the next
    blocks = mean[: 60 // 10 * 10].reshape(6, 10).mean(dim=1)
    assert (blocks[1:] <= blocks[:-1]).all()


def test_c2po_objective_decreases_over_iterations_on_average():
    H, s = problem(64, 8, batch=8, N_s=16, dtype=torch.complex128)
    c2po = C2PO(iterations=25)
    noise_var = noise_variance(10.0, 64.0)
    values = [precoding_mse(H, s, c2po.quantize(H, s, x), noise_var).mean()
              for x in c2po.iterates(H, s)]  # fmt: skip
    assert values[-1] < values[0]
    assert sum(values[-5:]) < sum(values[:5])


@given(w=st.lists(st.floats(-5, 5), min_size=1, max_size=8), weight=st.floats(0.01, 10))
def test_prox_of_squared_inf_norm_is_optimal(w, weight):
    w_t = torch.tensor(w, dtype=torch.float64)
    x = prox_squared_inf_norm(w_t, weight)

    def cost(z):
        return weight * z.abs().max() ** 2 + 0.5 * ((z - w_t) ** 2).sum()

    # no clipping level on a fine grid does better
    for t in torch.linspace(0, float(w_t.abs().max()) + 0.1, 200, dtype=torch.float64):
        z = torch.sign(w_t) * torch.minimum(w_t.abs(), t)
        assert cost(x) <= cost(z) + 1e-9


def test_squid_ber_far_below_quantized_zf_with_many_antennas():
    # the qualitative result of Jacobsson et al.: 1-bit non-linear precoding with many antennas
    H = RayleighChannel(128, 16).sample(10, generator(0))
    args = dict(num_symbols=40, modulation="qpsk", seed=3)
    zf = evaluate(build_precoder("zf", 1), H, [5.0], **args).ber[0]
    squid = evaluate(SQUID(1), H, [5.0], **args).ber[0]
    assert zf > 1e-3
    assert squid < 0.25 * zf


@pytest.mark.parametrize("kind", DAC_KINDS)
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_one_bit_equals_the_dac_of_the_signs(kind, dtype):
    # one_bit skips the sign pass where the DAC's threshold is 0: the same levels, also at +-0,
    # the smallest subnormal and the largest values
    edge = [0.0, -0.0, 5e-324, -5e-324, 1e-30, -1e-30, 1e30, -1e30, 0.3, -2.0]
    re = torch.tensor(edge + [0.0] * 5 + [1.0] * 5, dtype=torch.float64)
    im = torch.tensor([0.0] * 5 + [1.0] * 5 + edge, dtype=torch.float64)
    x = torch.complex(re, im).to(dtype)
    dac = DAC(1, kind)
    assert torch.equal(one_bit(x, dac), dac(torch.complex(torch.sign(x.real), torch.sign(x.imag))))


def test_alphabet_noise_variance():
    # a 1-bit Lloyd-Max DAC outputs 2/pi per antenna, so SNR 0 dB means sigma^2 = 2M/pi
    assert alphabet_noise_variance(DAC(1).levels(), 8, 0.0) == pytest.approx(16 / math.pi)
    assert alphabet_noise_variance(DAC(1).levels(), 8, 10.0) == pytest.approx(1.6 / math.pi)


def test_registry_and_errors():
    assert isinstance(build_precoder("exs", 1), ExhaustiveSearch)
    with pytest.raises(ValueError, match=r"c2po takes bits in \{1\}, got 2"):
        build_precoder("c2po", 2)
    with pytest.raises(ValueError, match=r"squid takes bits in \{1\}, got inf"):
        build_precoder("squid", None)
    # SQUID is a 1-bit algorithm: quantizing its relaxed solution with more bits gained nothing
    # past 2 bits (K=4, 20 dB: 14.66 / 15.53 / 15.25 / 15.15 at b = 1..4), so b > 1 is refused
    with pytest.raises(ValueError, match=r"squid takes bits in \{1\}, got 4"):
        build_precoder("squid", 4)
    assert SQUID(1).with_snr(5.0).snr_db == 5.0
    assert build_precoder("wf", 1, snr_db=3.0).linear.snr_db == 3.0
    assert math.isclose(ExhaustiveSearch(1).with_snr(3.0).snr_db, 3.0)


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize(
    ("M", "K", "snr_db", "N_s"), [(8, 1, 0.0, 70), (32, 4, 10.0, 50), (16, 16, 30.0, 150)]
)
def test_squid_fused_kernel_follows_the_torch_iterations(M, K, snr_db, N_s, dtype):
    """The Numba kernel (Newton's root for the squared-infinity-norm prox, warm-started) and the
    torch form (the sorted formula) run the same Douglas-Rachford iterations: relaxed solutions
    equal to rounding, hence the same 1-bit outputs wherever the relaxed entry is not near 0;
    also for an unbatched channel with batched symbols. ``N_s`` takes both block widths: 70 one
    block of 128 lanes, 50 one of 64, 150 three of 64."""
    pytest.importorskip("numba")
    from qprecode.precoders._lane_products import lanes_for

    assert [lanes_for(n) for n in (50, 70, 150)] == [64, 128, 64]
    H, s = problem(M, K, batch=5, N_s=N_s, seed=M + K, dtype=dtype)
    fused, plain = SQUID(1, snr_db, backend="numba"), SQUID(1, snr_db, backend="torch")
    x_fused, x_plain = fused.relaxed(H, s), plain.relaxed(H, s)
    tolerance = 5e-4 if dtype == torch.complex64 else 1e-10  # 50 float32 iterations apart
    torch.testing.assert_close(x_fused, x_plain, rtol=0, atol=tolerance * x_plain.abs().amax())
    clear = x_plain.abs() > 10 * tolerance * x_plain.abs().amax()
    assert torch.equal(torch.sign(x_fused)[clear], torch.sign(x_plain)[clear])
    torch.testing.assert_close(fused.relaxed(H[0], s), plain.relaxed(H[0], s),
                               rtol=0, atol=tolerance * x_plain.abs().amax())  # fmt: skip


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize(("M", "K", "N_s"), [(8, 1, 70), (33, 4, 50), (16, 16, 150)])
def test_c2po_kernel_follows_the_torch_iterations(M, K, N_s, dtype):
    """C2PO's Numba kernel and its torch form run the same iterations: relaxed iterates equal
    to rounding, and the same aligned 1-bit outputs (the kernel quantizes and aligns them
    itself) wherever no relaxed entry of the vector is near 0. ``N_s`` takes both block widths;
    a zero symbol vector stays zero; an unbatched channel takes batched symbols."""
    pytest.importorskip("numba")
    H, s = problem(M, K, batch=5, N_s=N_s, seed=M + K, dtype=dtype)
    s[0, 3] = 0  # a zero vector: relaxed 0, output -h everywhere, no flip
    fused, plain = C2PO(backend="numba"), C2PO(backend="torch")
    x_fused, x_plain = fused.relaxed(H, s), plain.relaxed(H, s)
    tolerance = 5e-4 if dtype == torch.complex64 else 1e-10
    torch.testing.assert_close(x_fused, x_plain, rtol=0, atol=tolerance)
    y_fused, y_plain = fused(H, s), plain(H, s)
    assert y_fused.dtype == y_plain.dtype == dtype
    near_zero = torch.view_as_real(x_plain).abs() < 10 * tolerance  # [..., N_s, M, 2]
    clear = ~near_zero.flatten(-2).any(-1) | (s.abs().sum(-1) == 0)  # [..., N_s]
    assert clear.float().mean() > 0.9
    assert torch.equal(y_fused[clear], y_plain[clear])
    zero_output = torch.view_as_real(y_fused[0, 3])
    assert torch.equal(y_fused[0, 3], y_plain[0, 3]) and (zero_output < 0).all()
    torch.testing.assert_close(fused.relaxed(H[0], s), plain.relaxed(H[0], s),
                               rtol=0, atol=tolerance)  # fmt: skip


@pytest.mark.parametrize("kind", DAC_KINDS)
def test_c2po_kernel_outputs_each_dac_kind_s_levels(kind):
    # the kernel writes +-h itself: the level of each DAC design, as the torch form's DAC does;
    # channels in float64 and symbols in float32 give float64 outputs in both forms
    pytest.importorskip("numba")
    H, s = problem(12, 3, batch=4, N_s=20, seed=1, dtype=torch.complex128)
    s = s.to(torch.complex64)
    fused, plain = C2PO(dac_kind=kind, backend="numba"), C2PO(dac_kind=kind, backend="torch")
    y_fused, y_plain = fused(H, s), plain(H, s)
    assert y_fused.dtype == y_plain.dtype == torch.complex128
    level = DAC(1, kind).levels(torch.float64)[1]
    assert (torch.view_as_real(y_fused).abs() == level).all()
    clear = (torch.view_as_real(plain.relaxed(H, s)).abs() > 1e-8).flatten(-2).all(-1)
    assert torch.equal(y_fused[clear], y_plain[clear])


def test_c2po_kernel_broadcasts_like_the_torch_form_and_leaves_gradients_to_it():
    pytest.importorskip("numba")
    fused, plain = C2PO(backend="numba"), C2PO(backend="torch")
    H, s = problem(6, 2, batch=3, N_s=9, seed=4, dtype=torch.complex128)
    # one channel per row of a [3, 1] batch against symbols of a [1, 2] batch, and empty batches
    for channels, symbols in [(H[:, None], s[None, :2]), (H[:0], s[:0]), (H[0], s[:0])]:
        y_fused, y_plain = fused(channels, symbols), plain(channels, symbols)
        assert y_fused.shape == y_plain.shape
        assert torch.equal(y_fused, y_plain)
    H.requires_grad_(True)
    x = fused.relaxed(H, s)  # the kernel has no gradient: the torch form runs
    assert x.requires_grad
    x.abs().sum().backward()
    assert H.grad is not None and torch.isfinite(torch.view_as_real(H.grad)).all()


def test_squid_backend_is_checked():
    with pytest.raises(ValueError, match="backend"):
        SQUID(1, backend="cuda-magic")
    assert SQUID(1, backend="torch").with_snr(3.0).backend == "torch"
