from __future__ import annotations

import functools
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qprecode.cost import CLASSICAL_PRECODERS, FlopCount, classical_flops, inverse_flops


class Ops:
    """Tally of the real operations done on ``R`` numbers."""

    def __init__(self) -> None:
        self.mul = 0
        self.add = 0

    def count(self) -> FlopCount:
        return FlopCount(self.mul, self.add)


class R:
    """A real number that counts its arithmetic (a division as a multiplication)."""

    def __init__(self, value: float, ops: Ops) -> None:
        self.v, self.ops = value, ops

    @staticmethod
    def _v(other: R | float) -> float:
        return other.v if isinstance(other, R) else other

    def __add__(self, other: R | float) -> R:
        self.ops.add += 1
        return R(self.v + self._v(other), self.ops)

    def __sub__(self, other: R | float) -> R:
        self.ops.add += 1
        return R(self.v - self._v(other), self.ops)

    def __mul__(self, other: R | float) -> R:
        self.ops.mul += 1
        return R(self.v * self._v(other), self.ops)

    __rmul__ = __mul__

    def __rtruediv__(self, other: float) -> R:
        self.ops.mul += 1
        return R(other / self.v, self.ops)

    def __neg__(self) -> R:
        return R(-self.v, self.ops)


class C:
    """A complex number of two ``R``: 4 mults + 2 adds per product, 2 adds per sum."""

    def __init__(self, re: R, im: R) -> None:
        self.re, self.im = re, im

    def __add__(self, o: C) -> C:
        return C(self.re + o.re, self.im + o.im)

    def __sub__(self, o: C) -> C:
        return C(self.re - o.re, self.im - o.im)

    def __mul__(self, o: C) -> C:
        return C(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)

    def __rtruediv__(self, one: float) -> C:  # by convention, as one complex multiplication
        inverse = complex(one) / complex(self.re.v, self.im.v)
        self.re.ops.mul += 4
        self.re.ops.add += 2
        return C(R(inverse.real, self.re.ops), R(inverse.imag, self.re.ops))

    def __neg__(self) -> C:
        return C(-self.re, -self.im)

    def scale(self, real: float) -> C:
        return C(self.re * real, self.im * real)

    def conj(self) -> C:
        return C(self.re, -self.im)

    def value(self) -> complex:
        return complex(self.re.v, self.im.v)


def total(terms):
    return functools.reduce(operator.add, terms)


def gauss_jordan(a):
    """In-place Gauss-Jordan inverse without pivoting, as ``inverse_flops`` counts it."""
    n = len(a)
    for k in range(n):
        p = 1.0 / a[k][k]
        a[k][k] = p
        for j in range(n):
            if j != k:
                a[k][j] = a[k][j] * p
        for i in range(n):
            if i != k:
                f = a[i][k]
                a[i][k] = -(f * p)
                for j in range(n):
                    if j != k:
                        a[i][j] = a[i][j] - f * a[k][j]
    return a


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("complex_valued", [False, True])
def test_inverse_count_is_gauss_jordan_counted(n, complex_valued):
    rng = np.random.default_rng(n)
    A = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)) * complex_valued + 2 * n * np.eye(n)
    ops = Ops()
    if complex_valued:
        a = [[C(R(z.real, ops), R(z.imag, ops)) for z in row] for row in A]
        inverse = np.array([[z.value() for z in row] for row in gauss_jordan(a)])
    else:
        a = [[R(x.real, ops) for x in row] for row in A]
        inverse = np.array([[x.v for x in row] for row in gauss_jordan(a)])
    np.testing.assert_allclose(inverse, np.linalg.inv(A), atol=1e-12)  # a real inverse
    assert ops.count() == inverse_flops(n, complex_valued)


def test_small_cases_by_hand():
    # MRT, M=2, K=1. Per channel: |h_1|^2 + |h_2|^2 (4 mults, 2 + 1 adds), P_T / energy and
    # sqrt (2 "mults"), scaling 2 complex entries by a real (4 mults).
    mrt = classical_flops("mrt", 2, 1)
    assert mrt.per_channel == FlopCount(4 + 2 + 4, 3)
    # per vector y_m = w_m s_1: two complex products
    assert mrt.per_vector == FlopCount(8, 4)
    assert mrt.for_vectors(3) == FlopCount(10 + 24, 3 + 12)

    # ZF, M=K=2. Gram: 4 inner products of length 2 (8 mults, 4 + 2 adds each) -> (32, 24).
    # 2x2 Gauss-Jordan: 8 complex products, 2 complex sums -> (32, 16 + 4).
    # H^* G^{-1}: 4 inner products of length 2 -> (32, 24). Normalisation: (8 + 2 + 8, 7).
    zf = classical_flops("zf", 2, 2)
    assert zf.per_channel == FlopCount(32 + 32 + 32 + 18, 24 + 20 + 24 + 7)
    assert zf.per_vector == FlopCount(16, 12) and zf.iterations == 0
    # RZF: plus K additions on the diagonal
    assert classical_flops("rzf", 2, 2).per_channel == zf.per_channel + FlopCount(0, 2)

    # SQUID, M=K=1, real form D=R=2. Per channel: A A^T (8, 4), + c I (0, 2), 2x2 real
    # inverse (8, 2), inverse times A (8, 4).
    squid = classical_flops("squid", 1, 1, iterations=3)
    assert squid.per_channel == FlopCount(24, 12)
    # per iteration: sMF + c z (2, 2); times A^T (4, 2); times Q^T (4, 2); (v - u) / c (2, 2);
    # 2 a - z (2, 2); cumsum and 2 divisions (2, 1); z + b - a (0, 4)
    assert squid.per_iteration == FlopCount(16, 15)
    # per vector: s_R^T A_R (4, 2) and 3 iterations
    assert squid.per_vector == FlopCount(4 + 3 * 16, 2 + 3 * 15)

    # C2PO, M=1, K=1. Per vector: |s|^2, sqrt, 2 divisions (5, 1); A^H s (4, 2).
    # Per iteration: A x (4, 2); s_u^* r (4, 2); s_u (.) (4, 2); r - (0, 2); A^H r (4, 2);
    # x - tau g (2, 2); rho (2, 0).
    c2po = classical_flops("c2po", 1, 1, iterations=2)
    assert c2po.per_channel == FlopCount(0, 0)
    assert c2po.per_iteration == FlopCount(20, 12)
    assert c2po.per_vector == FlopCount(9 + 2 * 20, 3 + 2 * 12)


def cvec(values, ops):
    return [C(R(z.real, ops), R(z.imag, ops)) for z in values]


@pytest.mark.parametrize(("M", "K"), [(3, 2), (5, 4)])
def test_per_vector_products_counted_on_reference_loops(M, K):
    rng = np.random.default_rng(M)
    H = rng.normal(size=(M, K)) + 1j * rng.normal(size=(M, K))
    s, x0 = rng.normal(size=K) + 1j * rng.normal(size=K), rng.normal(size=M) + 0j
    # y = W s, M inner products of length K
    ops = Ops()
    W = [cvec(row, ops) for row in H]
    sv = cvec(s, ops)
    y = [total([W[m][k] * sv[k] for k in range(K)]) for m in range(M)]
    np.testing.assert_allclose([z.value() for z in y], H @ s)
    assert ops.count() == classical_flops("mrt", M, K).per_vector

    # one C2PO iteration: x <- rho (x - tau A^H P_s A x), A = H^T (clipping is free)
    ops = Ops()
    Hc, x = [cvec(row, ops) for row in H], cvec(x0, ops)
    unit = cvec(s / np.linalg.norm(s), ops)
    r = [total([x[m] * Hc[m][k] for m in range(M)]) for k in range(K)]
    along = total([unit[k].conj() * r[k] for k in range(K)])
    r = [r[k] - unit[k] * along for k in range(K)]
    g = [total([r[k] * Hc[m][k].conj() for k in range(K)]) for m in range(M)]
    x = [(x[m] - g[m].scale(0.1)).scale(1.25) for m in range(M)]
    Ps = np.eye(K) - np.outer(s, s.conj()) / np.vdot(s, s)
    expected = 1.25 * (x0 - 0.1 * H.conj() @ (Ps @ (H.T @ x0)))
    np.testing.assert_allclose([z.value() for z in x], expected)
    assert ops.count() == classical_flops("c2po", M, K).per_iteration


@given(M=st.integers(1, 40), K=st.integers(1, 10), name=st.sampled_from(CLASSICAL_PRECODERS))
def test_monotonic_in_antennas_and_users(name, M, K):
    zf_based = name in ("zf", "local-search")  # need K <= M
    K = min(K, M) if zf_based else K
    base = classical_flops(name, M, K)
    more_antennas = classical_flops(name, M + 1, K)
    assert more_antennas.per_channel.total >= base.per_channel.total
    assert more_antennas.per_vector.total > base.per_vector.total
    if not zf_based or K < M:
        more_users = classical_flops(name, M, K + 1)
        assert more_users.per_channel.total >= base.per_channel.total
        assert more_users.per_vector.total > base.per_vector.total
    if name in ("zf", "rzf"):
        assert base.per_channel.total > classical_flops("mrt", M, K).per_channel.total


def test_iterations():
    assert classical_flops("squid", 8, 2).iterations == 50  # SQUID() and C2PO() defaults
    assert classical_flops("c2po", 8, 2).iterations == 25
    one, ten = classical_flops("c2po", 8, 2, 1), classical_flops("c2po", 8, 2, 10)
    assert ten.per_vector == one.per_vector + 9 * one.per_iteration


def test_errors():
    with pytest.raises(ValueError, match="mrt, zf, rzf, squid, c2po, local-search"):
        classical_flops("wmmse", 8, 2)
    with pytest.raises(ValueError, match="K <= M"):
        classical_flops("zf", 2, 3)
    with pytest.raises(ValueError, match="not iterative"):
        classical_flops("mrt", 8, 2, iterations=5)
    with pytest.raises(ValueError, match="iterations"):
        classical_flops("squid", 8, 2, iterations=0)
    with pytest.raises(ValueError, match="M >= 1"):
        classical_flops("mrt", 0, 1)
    with pytest.raises(ValueError, match="n must be"):
        inverse_flops(0)


@pytest.mark.parametrize(("M", "K"), [(3, 1), (4, 3)])
def test_one_local_search_sweep_counted_on_a_reference_loop(M, K):
    """A sweep over the antennas: e <- e - d h_m with d = Q(y_m + h_m^H e / ||h_m||^2) - y_m
    (the new level is a comparison: free), ``8K + 2`` mults and adds per antenna."""
    rng = np.random.default_rng(K)
    H = rng.normal(size=(M, K)) + 1j * rng.normal(size=(M, K))
    e0, y0 = rng.normal(size=K) + 1j * rng.normal(size=K), np.sign(rng.normal(size=M)) + 0j
    ops = Ops()
    Hc, e, y = [cvec(row, ops) for row in H], cvec(e0, ops), cvec(y0, ops)
    inverse_energy = [1.0 / float(np.sum(np.abs(row) ** 2)) for row in H]  # per channel
    for m in range(M):
        step = total([Hc[m][k].conj() * e[k] for k in range(K)]).scale(inverse_energy[m])
        moved = y[m] + step
        level = C(R(np.sign(moved.re.v), ops), R(np.sign(moved.im.v), ops))  # quantizer: free
        d = level - y[m]
        e = [e[k] - d * Hc[m][k] for k in range(K)]
        y[m] = level
    assert ops.count() == classical_flops("local-search", M, K).per_iteration


def test_local_search_cost_parts():
    one = classical_flops("local-search", 32, 2, iterations=1, candidates=1)
    four = classical_flops("local-search", 32, 2, iterations=4, candidates=1)
    assert four.per_vector == one.per_vector + 3 * one.per_iteration
    auto = classical_flops("local-search", 32, 2)
    assert auto.iterations == 3 and auto.per_vector.total > 6 * classical_flops(
        "local-search", 32, 2, candidates=1).per_iteration.total * 3  # fmt: skip
    with pytest.raises(ValueError, match="candidates applies to local-search only"):
        classical_flops("squid", 8, 2, candidates=2)
    with pytest.raises(ValueError, match="K <= M"):
        classical_flops("local-search", 2, 3)


@given(M=st.integers(1, 200), K=st.integers(1, 16))
def test_wmmse_kernel_step_is_the_antenna_step_at_m_equal_k(M, K):
    """The Numba kernel's WMMSE step (``user_space``: ``E = G T`` and ``T`` are ``K x K x K``
    products) costs what the torch form's step costs with ``M = K`` antennas, whatever ``M``;
    the torch form's step grows by two ``K x M x K`` complex products per antenna added."""
    from qprecode.cost import wmmse_step_flops

    assert wmmse_step_flops(M, K, user_space=True) == wmmse_step_flops(K, K)
    grown = wmmse_step_flops(M + 1, K).total - wmmse_step_flops(M, K).total
    assert grown == 2 * 8 * K * K
