"""The Numba kernel of WMMSE's steps (``wmmse``, which falls back to its torch form where Numba is
missing, on a GPU, or when a history is asked for). Each run (a channel from one start) is taken
to its own end in one compiled loop, with no per-step work in the interpreter.

The steps live in the ``K``-dimensional user space (the Woodbury / push-through form of the
transmit update): every step's precoder is ``W = H^* T`` with ``T: [K, K]``
(``T = C^{1/2} Q (Lambda + lambda)^{-1} X``, ``wmmse_step``), so ``E = H^T W = G T`` with the
Gram matrix ``G = H^T H^*``, and a step costs ``O(K^3)`` whatever ``M``; ``W`` is formed once,
after the last step. Per step: the receivers and MSE weights from ``E``, the eigendecomposition
of ``C^{1/2} G C^{1/2}`` (Jacobi rotations up to 8 users: no LAPACK call per step), the
power multiplier by Newton's method from the previous step's (each run stops on its own, as in
``power_multiplier``), ``T``, ``E = G T`` and the weighted rate.

Arrays: ``E0, G: [B, K, K]`` complex128 (``E0 = H^T W_0`` of the starts), ``mu: [B, K]``
float64, ``H: [B, M, K]`` complex128; outputs ``W: [B, M, K]``, ``objective: [B]``,
``iterations: [B]`` int64, ``converged: [B]`` bool.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .wmmse_step import _NEWTON_SETTLED, _NEWTON_STEPS, _RANK_TOL

__all__ = ["wmmse_runs"]

# Jacobi rotations from the last step's eigenvectors up to this many users, LAPACK above (at 16
# users a step's rotations cost about 2x LAPACK's call, at 4 a fraction of it)
_JACOBI_USERS = 8


@njit(cache=True, nogil=True)
def wmmse_runs(  # type: ignore[no-untyped-def]
    H, E0, G, mu, noise_var, power, tolerance, max_iterations,
    W, objective, iterations, converged,
):  # fmt: skip
    """Every run from ``E0`` until its weighted rate's relative change is at most ``tolerance``
    or ``max_iterations`` steps (at least one)."""
    B, M, K = H.shape
    E = np.empty((K, K), dtype=np.complex128)
    T = np.empty((K, K), dtype=np.complex128)
    Q = np.empty((K, K), dtype=np.complex128)  # eigenvectors, each step's from the last's
    for b in range(B):
        E[:, :] = E0[b]
        for i in range(K):
            for j in range(K):
                Q[i, j] = 1.0 + 0j if i == j else 0j
        old = _rate(E, noise_var, mu[b])
        lam = 0.0
        done = False
        steps = 0
        while steps < max_iterations and not done:
            steps += 1
            lam = _transmit(E, G[b], mu[b], noise_var, power, lam, T, Q)
            for u in range(K):  # E = G T
                for j in range(K):
                    acc = 0j
                    for i in range(K):
                        acc += G[b, u, i] * T[i, j]
                    E[u, j] = acc
            new = _rate(E, noise_var, mu[b])
            done = abs(new - old) <= tolerance * abs(old)
            old = new
        objective[b] = old
        iterations[b] = steps
        converged[b] = done
        for m in range(M):  # W = H^* T
            for j in range(K):
                acc = 0j
                for i in range(K):
                    acc += H[b, m, i].conjugate() * T[i, j]
                W[b, m, j] = acc


@njit(cache=True, nogil=True)
def _rate(E, noise_var, mu):  # type: ignore[no-untyped-def]
    """``sum_u mu_u log2(1 + SINR_u)`` from ``E = H^T W`` (``weighted_rate_from_cross``)."""
    K = E.shape[0]
    total = 0.0
    for u in range(K):
        signal = 0.0
        row = 0.0
        for j in range(K):
            p = E[u, j].real ** 2 + E[u, j].imag ** 2
            row += p
            if j == u:
                signal = p
        total += mu[u] * math.log2(1.0 + signal / (row - signal + noise_var))
    return total


@njit(cache=True, nogil=True)
def _transmit(E, G, mu, noise_var, power, start, T, Q):  # type: ignore[no-untyped-def]
    """One step's transmit update as ``T`` (``W_new = H^* T``, written into ``T``) from
    ``E = H^T W``; returns the power multiplier (``wmmse_update``). ``Q`` holds the last step's
    eigenvectors on entry (the Jacobi rotations start from them) and this step's on return."""
    K = E.shape[0]
    root_c = np.empty(K)
    a = np.empty(K)  # sqrt(mu omega)
    phase = np.empty(K, dtype=np.complex128)
    for u in range(K):
        e = E[u, u]
        J = noise_var
        for j in range(K):
            J += E[u, j].real ** 2 + E[u, j].imag ** 2
        g = e / J
        omega = J / (J - (e.real**2 + e.imag**2))
        a[u] = math.sqrt(mu[u] * omega)
        magnitude = abs(g)
        root_c[u] = a[u] * magnitude
        phase[u] = g / magnitude if magnitude > 0 else 0j
    S = np.empty((K, K), dtype=np.complex128)
    for u in range(K):
        for v in range(K):
            S[u, v] = root_c[u] * G[u, v] * root_c[v]
    lam_i = np.empty(K)
    if K <= _JACOBI_USERS:
        _jacobi(S, lam_i, Q)
    else:  # LAPACK, faster than rotations from a guess this far from the answer
        w, vectors = np.linalg.eigh(S)
        lam_i[:] = w
        Q[:, :] = vectors
    floor = _RANK_TOL * max(lam_i.max(), 0.0)
    keep = lam_i > floor
    num = np.zeros(K)
    for i in range(K):
        if keep[i]:
            x2 = 0.0
            for u in range(K):
                q = Q[u, i]
                x2 += (q.real**2 + q.imag**2) * a[u] ** 2 * (abs(phase[u]) ** 2)
            num[i] = lam_i[i] * x2
        else:
            lam_i[i] = 1.0
    lam = _power_multiplier(lam_i, num, power, start)
    # T = C^{1/2} Q (Lambda + lambda)^{-1} X with X[i, u] = conj(Q[u, i]) a_u phase_u
    for i in range(K):
        lam_i[i] = 1.0 / (lam_i[i] + lam) if keep[i] else 0.0
    for u in range(K):
        for j in range(K):
            acc = 0j
            for i in range(K):
                acc += Q[u, i] * lam_i[i] * Q[j, i].conjugate()
            T[u, j] = root_c[u] * acc * (a[j] * phase[j])
    return lam


@njit(cache=True, nogil=True)
def _jacobi(A, eigenvalues, V):  # type: ignore[no-untyped-def]
    """Eigendecomposition of the Hermitian ``A: [K, K]`` (overwritten) by cyclic Jacobi
    rotations: ``A = V diag(eigenvalues) V^H``, eigenvalues unsorted. ``V`` holds a unitary
    guess on entry (the previous WMMSE step's eigenvectors): ``A`` is first taken into that
    basis, where it is nearly diagonal once the steps settle, so a sweep or two of ``O(K^3)``
    finish it, with no LAPACK call per step. Each rotation ``J = diag(1, e^{-i phi}) R(c, s)`` on
    the pair ``(p, q)`` zeroes ``A[p, q]``; sweeps stop once the off-diagonal part is below
    ``1e-15 ||A||_F`` (float64 rounding)."""
    K = A.shape[0]
    tmp = np.empty((K, K), dtype=np.complex128)
    for i in range(K):  # tmp = A V, A = V^H tmp
        for j in range(K):
            acc = 0j
            for k in range(K):
                acc += A[i, k] * V[k, j]
            tmp[i, j] = acc
    for i in range(K):
        for j in range(K):
            acc = 0j
            for k in range(K):
                acc += V[k, i].conjugate() * tmp[k, j]
            A[i, j] = acc
    norm2 = 0.0
    for i in range(K):
        for j in range(K):
            norm2 += A[i, j].real ** 2 + A[i, j].imag ** 2
    for _sweep in range(60):
        off2 = 0.0
        for p in range(K):
            for q in range(p + 1, K):
                off2 += A[p, q].real ** 2 + A[p, q].imag ** 2
        if not off2 > 1e-30 * norm2:
            break
        for p in range(K):
            for q in range(p + 1, K):
                magnitude = abs(A[p, q])
                if magnitude == 0.0:
                    continue
                unit = A[p, q] / magnitude  # e^{i phi}
                theta = (A[q, q].real - A[p, p].real) / (2.0 * magnitude)
                t = 1.0 / (abs(theta) + math.sqrt(theta * theta + 1.0))
                if theta < 0.0:
                    t = -t
                c = 1.0 / math.sqrt(t * t + 1.0)
                s = t * c
                jqp = -s * unit.conjugate()  # J = [[c, s], [-s e^{-i phi}, c e^{-i phi}]]
                jqq = c * unit.conjugate()
                for k in range(K):  # A J and V J: columns p, q
                    akp, akq = A[k, p], A[k, q]
                    A[k, p] = akp * c + akq * jqp
                    A[k, q] = akp * s + akq * jqq
                    vkp, vkq = V[k, p], V[k, q]
                    V[k, p] = vkp * c + vkq * jqp
                    V[k, q] = vkp * s + vkq * jqq
                for k in range(K):  # J^H (A J): rows p, q
                    apk, aqk = A[p, k], A[q, k]
                    A[p, k] = c * apk + jqp.conjugate() * aqk
                    A[q, k] = s * apk + jqq.conjugate() * aqk
                A[p, q] = 0j
                A[q, p] = 0j
    for i in range(K):
        eigenvalues[i] = A[i, i].real


@njit(cache=True, nogil=True)
def _power_multiplier(eigenvalues, num, power, start):  # type: ignore[no-untyped-def]
    """``power_multiplier`` for one run: ``0`` where ``p(0) <= P_T``, else Newton's root of
    ``p(lambda)^{-1/2} = P_T^{-1/2}`` from ``start``."""
    K = eigenvalues.shape[0]
    p0 = 0.0
    for i in range(K):
        p0 += num[i] / eigenvalues[i] ** 2
    if not p0 > power:
        return 0.0
    lam = max(start, 0.0)
    target = power**-0.5
    for _ in range(_NEWTON_STEPS):
        p = 0.0
        slope = 0.0
        for i in range(K):
            d = eigenvalues[i] + lam
            p += num[i] / d**2
            slope += num[i] / d**3
        new = max(lam + (target - 1.0 / math.sqrt(p)) * p * math.sqrt(p) / slope, 0.0)
        going = abs(new - lam) > _NEWTON_SETTLED * new
        lam = new
        if not going:
            break
    return lam
