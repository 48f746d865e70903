import math

import pytest
import torch

from qprecode.channels import RayleighChannel
from qprecode.metrics import noise_variance, sinr_from_matrix, sum_rate, user_rates
from qprecode.precoders import (
    WMMSE,
    WMMSE_STARTS,
    ZF,
    weighted_sum_rate,
    wmmse_update,
    zf_matrix,
)
from qprecode.registry import build_precoder, find_entry
from tests.conftest import generator

C128 = torch.complex128


def channels(batch=16, M=16, K=4, seed=0, dtype=C128):
    return RayleighChannel(M, K, dtype=dtype).sample(batch, generator(seed))


def power(W):
    return (W.abs() ** 2).sum(dim=(-2, -1))


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 20.0])
@pytest.mark.parametrize("init", ["mrt", "zf"])
def test_weighted_sum_rate_never_decreases(snr_db, init):
    H = channels(M=8, K=6)
    mu = torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0, 1.0])
    result = WMMSE(snr_db, tolerance=0.0, max_iterations=60, weights=mu, init=init).solve(
        H, history=True
    )
    history = result.history  # [B, T + 1]
    assert history.shape == (16, 61) and history.dtype == torch.float64
    steps = history.diff(dim=-1) / history[:, :-1]
    assert steps.min() >= -1e-9
    assert (history[:, -1] > history[:, 0]).all()
    torch.testing.assert_close(history[:, -1], result.objective)
    nv = noise_variance(snr_db, 8.0)
    torch.testing.assert_close(result.objective, weighted_sum_rate(H, result.W, nv, mu))


def test_zf_initialised_wmmse_beats_zf_on_every_sample():
    H = channels(batch=64, M=16, K=4)
    for snr_db in (0.0, 15.0, 30.0):
        nv = noise_variance(snr_db, 16.0)
        zf = sum_rate(sinr_from_matrix(H, ZF().matrix(H), nv))
        result = WMMSE(snr_db, init="zf").solve(H, history=True)
        torch.testing.assert_close(result.history[:, 0], zf)
        assert (result.objective >= zf - 1e-9 * zf).all()


def test_mean_rate_at_least_zf_over_snr_for_64_antennas_4_users():
    H = channels(batch=200, M=64, K=4, seed=3)
    for snr_db in range(0, 31, 5):
        nv = noise_variance(snr_db, 64.0)
        result = WMMSE(float(snr_db)).solve(H)
        zf = sum_rate(sinr_from_matrix(H, zf_matrix(H, 64.0), nv))
        assert result.converged.all()
        assert result.objective.mean() >= zf.mean(), snr_db


def test_the_power_multiplier_meets_the_power_constraint():
    H = channels(batch=32, M=12, K=5)
    P, nv = 12.0, noise_variance(10.0, 12.0)
    W = zf_matrix(H, P)
    mu = torch.ones(32, 5, dtype=torch.float64)
    for _ in range(5):
        W, lam = wmmse_update(H, W, nv, mu, P)
        assert (lam > 0).all()
        torch.testing.assert_close(power(W), torch.full((32,), P, dtype=torch.float64),
                                   rtol=1e-6, atol=0)  # fmt: skip
    # and the precoder's matrix, with P_T given or M by default
    for total_power in (None, 3.0):
        W = WMMSE(10.0, total_power=total_power).matrix(H)
        expected = torch.full((32,), total_power or 12.0, dtype=torch.float64)
        torch.testing.assert_close(power(W), expected, rtol=1e-6, atol=0)


def test_iteration_counts_fall_as_the_tolerance_grows():
    H = channels(batch=32, M=32, K=4, seed=1)
    counts = [WMMSE(5.0, tolerance=eps).solve(H).iterations for eps in (1e-5, 1e-4, 1e-3, 1e-2)]
    for finer, coarser in zip(counts[:-1], counts[1:], strict=True):
        assert (coarser <= finer).all()
        assert coarser.float().mean() < finer.float().mean()
    capped = WMMSE(5.0, tolerance=0.0, max_iterations=7, init="rzf-eq").solve(H)
    assert (capped.iterations == 7).all() and not capped.converged.any()
    # the default runs all four starts: its cost is their sum
    capped = WMMSE(5.0, tolerance=0.0, max_iterations=7).solve(H)
    assert (capped.iterations == 7).all() and not capped.converged.any()
    assert (capped.total_iterations == 7 * len(WMMSE_STARTS)).all()


def test_single_user_converges_to_mrt():
    h = channels(batch=8, M=16, K=1, seed=2)
    start = torch.randn(8, 16, 1, dtype=C128, generator=generator(9))
    P, snr_db = 16.0, 5.0
    nv = noise_variance(snr_db, P)
    result = WMMSE(snr_db, tolerance=1e-12).solve(h, initial=start)
    closed_form = torch.log2(1 + P * power(h) / nv)
    torch.testing.assert_close(result.objective, closed_form, rtol=1e-8, atol=0)
    cosine = (h * result.W).sum(dim=(-2, -1)).abs()  # |h^T w|, MRT: w ~ h^*
    cosine = cosine / torch.sqrt(power(h) * power(result.W))
    torch.testing.assert_close(cosine, torch.ones(8, dtype=torch.float64), rtol=1e-6, atol=0)
    # from MRT itself it stops after one step that changes nothing
    mrt = WMMSE(snr_db, init="mrt").solve(h)
    assert (mrt.iterations == 1).all()
    torch.testing.assert_close(mrt.objective, closed_form)


@pytest.mark.slow
def test_user_weights_favour_the_heavier_user():
    H = channels(batch=64, M=8, K=4, seed=4)
    snr_db, mu = 10.0, torch.tensor([4.0, 1.0, 1.0, 1.0])
    nv = noise_variance(snr_db, 8.0)
    plain, weighted = WMMSE(snr_db).matrix(H), WMMSE(snr_db, weights=mu).matrix(H)
    rates_plain = user_rates(sinr_from_matrix(H, plain, nv))
    rates_weighted = user_rates(sinr_from_matrix(H, weighted, nv))
    assert rates_weighted[:, 0].mean() > rates_plain[:, 0].mean() + 0.5
    assert (rates_weighted[:, 0] > rates_plain[:, 0]).float().mean() > 0.9
    assert rates_weighted[:, 1:].sum(-1).mean() < rates_plain[:, 1:].sum(-1).mean()
    assert (mu * rates_weighted).sum(-1).mean() > (mu * rates_plain).sum(-1).mean()
    # weights per channel realisation, [..., K]
    per_sample = mu.expand(64, 4).clone()
    torch.testing.assert_close(WMMSE(snr_db, weights=per_sample).matrix(H), weighted)


@pytest.mark.slow
def test_batched_equals_per_sample_with_leading_dims():
    H = channels(batch=6, M=10, K=3, seed=5).reshape(2, 3, 10, 3)
    mu = torch.rand(2, 3, 3, generator=generator(6), dtype=torch.float64) + 0.5
    precoder = WMMSE(12.0, weights=mu)
    result = precoder.solve(H, history=True)
    assert result.W.shape == (2, 3, 10, 3) and result.iterations.shape == (2, 3)
    assert result.history.shape[:2] == (2, 3) and result.iterations.dtype == torch.int64
    for i in range(2):
        for j in range(3):
            one = WMMSE(12.0, weights=mu[i, j]).solve(H[i, j])
            assert one.iterations.shape == () and one.iterations == result.iterations[i, j]
            torch.testing.assert_close(one.W, result.W[i, j], rtol=1e-10, atol=1e-10)
            torch.testing.assert_close(one.objective, result.objective[i, j])


def test_dtype_registry_and_snr():
    H = channels(batch=3, M=6, K=2, dtype=torch.complex64)
    result = WMMSE(10.0).solve(H)
    assert result.W.dtype == torch.complex64 and result.objective.dtype == torch.float32
    assert result.history is None
    entry = find_entry("wmmse")
    assert entry.kind == "linear" and entry.snr_dependent and entry.needs == ()
    built = build_precoder("wmmse", None, snr_db=3.0)
    assert isinstance(built, WMMSE) and built.snr_db == 3.0
    tuned = WMMSE(1.0, tolerance=1e-3, max_iterations=9, weights=[1, 2], init="zf").with_snr(7.0)
    assert (tuned.snr_db, tuned.tolerance, tuned.max_iterations, tuned.init) == (7.0, 1e-3, 9, "zf")
    assert tuned.weights.tolist() == [1.0, 2.0] and "snr_db=7.0" in repr(tuned)
    # a lower SNR needs a different design, not just a scaled one
    low, high = WMMSE(-10.0).matrix(H), WMMSE(30.0).matrix(H)
    assert not torch.allclose(low / low.abs().amax(), high / high.abs().amax(), atol=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tolerance": -1.0}, "tolerance"),
        ({"tolerance": math.nan}, "tolerance"),
        ({"max_iterations": 0}, "max_iterations"),
        ({"init": "random"}, "init must be one of rzf-eq, zf-eq, zf, mrt, multi"),
        ({"weights": [1.0, -1.0]}, ">= 0"),
        ({"weights": [1.0, math.inf]}, "finite"),
        ({"snr_db": math.inf}, "snr_db"),
        ({"total_power": 0.0}, "total_power"),
    ],
)
def test_bad_settings_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WMMSE(**kwargs)


def test_bad_inputs_raise():
    H = channels(batch=2, M=3, K=4)
    with pytest.raises(ValueError, match="K <= M"):
        WMMSE(init="zf").matrix(H)
    with pytest.raises(ValueError, match="users in their last dimension"):
        WMMSE(weights=[1.0, 1.0]).matrix(H)
    with pytest.raises(ValueError, match="do not broadcast"):
        WMMSE(weights=torch.ones(5, 4)).matrix(H)
    with pytest.raises(ValueError, match="initial"):
        WMMSE().solve(H, initial=H[0])
    with pytest.raises(ValueError, match="complex"):
        WMMSE().matrix(H.real)


def _site_groups(name: str, los: str, count: int) -> torch.Tensor:
    from qprecode.datasets import LOS_SELECTIONS, FileChannel

    source = FileChannel(f"data/samples/{name}.h5", 4, "test", los=LOS_SELECTIONS[los])
    return source.sample(count, generator(3)).to(torch.complex128)


@pytest.mark.parametrize(
    ("where", "snr_db"),
    [("rayleigh", s) for s in (0.0, 10.0, 20.0, 30.0)]
    + [("munich-j4:nlos", -21.5), ("etoile:los", -35.0), ("los", 10.0)],
)
def test_wmmse_never_ends_below_zf_or_rzf_with_equal_power(where, snr_db):
    """On every channel: the default WMMSE (four starts, best end kept) >= ZF (both power
    normalisations), RZF with equal power and MRT, on i.i.d. Rayleigh and on both sites."""
    from qprecode.precoders import mrt_matrix, rzf_matrix

    if where == "rayleigh":
        H = channels(batch=48, M=32, K=4, seed=5)
    elif where == "los":  # users on the same ray make H^T H^* singular: ZF starts from MRT there
        from qprecode.channels import make_channel

        H = make_channel("los", 16, 4, dtype=C128).sample(200, generator(5))
    else:
        name, los = where.split(":")
        H = _site_groups(name, los, 24)
    P = float(H.shape[-2])
    nv = noise_variance(snr_db, P)
    # the guarantee holds at any iteration cap (WMMSE never lowers its start's rate)
    wmmse = WMMSE(snr_db, total_power=P, max_iterations=150).solve(H)
    rate = wmmse.objective
    assert torch.isfinite(rate).all()
    regular = torch.linalg.matrix_rank(H.mT @ H.conj()) == H.shape[-1]
    if where == "los":
        assert not regular.all()  # the case this parameter is here for
    zf = [zf_matrix(H[regular], P), zf_matrix(H[regular], P, "per-user")]
    for W, subset in [(w, regular) for w in zf] + [
        (rzf_matrix(H, P, nv, "per-user"), slice(None)),
        (mrt_matrix(H, P), slice(None)),
    ]:
        baseline = weighted_sum_rate(H[subset], W, nv)
        assert (rate[subset] >= baseline - 1e-9 * baseline.abs()).all()
    # and the kept start is at least as good as a single start from RZF-eq
    single = WMMSE(snr_db, total_power=P, max_iterations=150, init="rzf-eq").solve(H).objective
    assert (rate >= single - 1e-12).all()


def test_the_power_multiplier_solves_the_secular_equation():
    """Newton's root of ``sum_i num_i / (Lambda_i + lambda)^2 = P_T``: the closed form for one
    user, the equation itself to float64 rounding for several (eigenvalues down to 1e-9 of
    the largest), and ``0`` where the power is already within ``P_T``."""
    from qprecode.precoders import power_multiplier

    generator = torch.Generator().manual_seed(3)
    eig = torch.rand(500, 1, generator=generator, dtype=torch.float64) + 0.1
    num = torch.rand(500, 1, generator=generator, dtype=torch.float64) * 50
    lam = power_multiplier(eig, num, 2.0)
    expected = ((num / 2.0).sqrt() - eig).clamp_min(0).squeeze(-1)
    torch.testing.assert_close(lam, expected, rtol=1e-12, atol=1e-12)
    eig = torch.rand(500, 6, generator=generator, dtype=torch.float64) * 10 + 1e-9
    num = torch.rand(500, 6, generator=generator, dtype=torch.float64) * 100
    for total in (0.1, 4.0, 1e4):
        lam = power_multiplier(eig, num, total)
        power = (num / (eig + lam[:, None]) ** 2).sum(-1)
        needed = (num / eig**2).sum(-1) > total
        torch.testing.assert_close(power[needed], torch.full_like(power[needed], total),
                                   rtol=1e-12, atol=0)  # fmt: skip
        assert (lam[~needed] == 0).all() and (lam[needed] > 0).all()


@pytest.mark.parametrize(
    ("where", "M", "K", "snr_db"),
    [("rayleigh", 16, 4, 0.0), ("rayleigh", 64, 4, 10.0), ("rayleigh", 4, 6, 20.0),
     ("rayleigh", 8, 1, 10.0), ("los", 16, 4, 10.0), ("munich-j4:nlos", 64, 4, -21.5)],
)  # fmt: skip
def test_numba_kernel_takes_the_torch_steps(where, M, K, snr_db):
    """The Numba kernel (each run's steps in the K x K user space, ``W = H^* T``, ``E = G T``)
    and the torch form (``M x K`` products every step) take the same steps: iteration counts
    identical, objectives and precoders equal to float64 rounding; with
    user weights and for a given start too. Also where ``H^T H^*`` is singular (users on one
    ray) and more users than antennas (rank-deficient eigendecompositions)."""
    pytest.importorskip("numba")
    if where == "rayleigh":
        H = channels(batch=12, M=M, K=K, seed=M + K)
    elif where == "los":
        from qprecode.channels import make_channel

        H = make_channel("los", M, K, dtype=C128).sample(40, generator(5))
    else:
        name, los = where.split(":")
        H = _site_groups(name, los, 12)
    mu = torch.rand(H.shape[0], K, generator=generator(7), dtype=torch.float64) + 0.5
    for kwargs, initial in [
        ({}, None),
        ({"weights": mu}, None),
        ({"init": "mrt"}, H.conj()),
    ]:
        fused = WMMSE(snr_db, backend="numba", **kwargs).solve(H, initial=initial)
        plain = WMMSE(snr_db, backend="torch", **kwargs).solve(H, initial=initial)
        assert torch.equal(fused.total_iterations, plain.total_iterations)
        assert torch.equal(fused.iterations, plain.iterations)
        assert torch.equal(fused.converged, plain.converged)
        # (the kept start may differ where starts tie to rounding, as every start does at K = 1)
        torch.testing.assert_close(fused.objective, plain.objective, rtol=1e-10, atol=0)
        scale = plain.W.abs().amax()
        torch.testing.assert_close(fused.W, plain.W, rtol=0, atol=1e-7 * scale)
        torch.testing.assert_close(power(fused.W), power(plain.W), rtol=1e-10, atol=0)
    # the kernel is used only where it applies: a history is the torch form's
    assert WMMSE(snr_db, backend="numba").solve(H[:2], history=True).history is not None


def test_wmmse_backend_is_checked():
    with pytest.raises(ValueError, match="backend"):
        WMMSE(backend="cuda-magic")
    assert WMMSE(backend="torch").with_snr(3.0).backend == "torch"
