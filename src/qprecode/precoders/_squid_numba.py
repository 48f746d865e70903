"""The Numba kernel of SQUID's Douglas-Rachford iterations (``squid``, which falls back to its
torch form where Numba is missing). Arrays are real, of one dtype: the symbols ``sR: [B, N, 2K]``
and ``A: [B, 2K, 2M]`` in, the last iterate ``out: [B, N, 2M]`` out, one row per symbol vector
as the torch form has them. Per channel the kernel forms ``Q = A^T (c I + A A^T)^{-1}`` itself
(a Cholesky factor in float64: torch's batched solve of many small systems costs more than the
iterations at ``K = 16`` when its threads sleep between calls), and per block ``A^T s``.
``KERNELS`` holds the kernel compiled for blocks of 64 and of 128 lanes; ``lanes_for(N)`` picks
the one that pads ``N`` vectors least, the wider on a tie (its products load each coefficient
once per twice as many multiply-adds: 10-15 % more vectors/s at ``K = 16``); the lanes past
``N`` hold zero vectors, whose iterates stay zero.

The kernel runs over a slice of the channels (``_kernel_threads`` gives each thread slices);
the vectors of a channel are cut into blocks of ``LANES``; within a block every loop runs over
the lanes, innermost and of a length known when compiling, so that LLVM unrolls and vectorises
it (``fastmath`` lets it fuse multiply-adds: the iterates differ from the torch form's by
rounding only), and the block's state (``z``, ``v``: ``[2M, LANES]``) stays in cache over all
iterations. Per iteration the work is two passes over the state: the first forms
``a = prox_f(z)`` and ``v = 2a - z`` together with the first Newton sums below, the second
clips ``v`` into ``b``, updates ``z += b - a = b + (z - v) / 2`` and accumulates ``A z`` for
the next iteration (``prox_f(z) = (u - Q A u) / c`` with ``u = A^T s + c z``, so
``A u = A A^T s + c A z``, the first term once per block).

The proximal map of the squared infinity norm clips at the root ``t`` of
``2 w t = sum_i (|v_i| - t)_+``, found by Newton's method (``t <- S(t) / (2 w + n(t))``, with
``n(t)`` entries above ``t`` summing to ``S(t)``) from the previous iteration's root: on this
concave, increasing, piecewise-linear function one step from anywhere lands at or left of the
root, and from there the steps rise monotonically to it and end on it exactly once the set of
entries above ``t`` stops changing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


def lanes_for(n: int) -> int:
    """The block's lane count for ``n`` vectors: 128 unless 64 pads fewer zero vectors."""
    return 128 if -(-n // 128) * 128 == -(-n // 64) * 64 else 64


def _compile(LANES: int) -> Any:  # noqa: N803 - the compile-time constant of every loop below
    """The kernel for blocks of ``LANES`` lanes (``douglas_rachford``; the helpers it calls
    are defined after it and bound when it first compiles)."""

    @njit(cache=True, nogil=True)
    def douglas_rachford(sR, A, c, weight, iterations, out):  # type: ignore[no-untyped-def]
        """``iterations`` of Douglas-Rachford for every (channel, block of lanes): ``sR: [B, N,
        2K]`` (the symbols, one row per vector), ``A: [B, 2K, 2M]``; writes the last ``b``
        iterate to ``out: [B, N, 2M]``."""
        B, N, K2 = sR.shape
        D = A.shape[2]
        dt = sR.dtype
        # the block's state and scratch, allocated once per call
        smf = np.empty((D, LANES), dtype=dt)
        x = np.empty((D, LANES), dtype=dt)
        z = np.empty((D, LANES), dtype=dt)
        v = np.empty((D, LANES), dtype=dt)
        ua = np.empty((D, LANES), dtype=dt)
        r = np.empty((K2, LANES), dtype=dt)
        At = np.empty((D, K2), dtype=dt)
        Q = np.empty((D, K2), dtype=dt)
        G = np.empty((K2, K2), dtype=np.float64)
        q = np.empty(K2, dtype=np.float64)
        for b in range(B):
            for m in range(D):
                for k in range(K2):
                    At[m, k] = A[b, k, m]
            _prox_matrix(A[b], c, G, q, Q)
            for l0 in range(0, N, LANES):
                n = min(LANES, N - l0)
                _matched_filter(sR[b, l0 : l0 + n], A[b], smf, r)
                _block(smf, At, Q, c, weight, iterations, x, z, v, ua, r)
                for w in range(n):
                    for m in range(D):
                        out[b, l0 + w, m] = x[m, w]

    @njit(cache=True, nogil=True)
    def _prox_matrix(A, c, G, q, Q):  # type: ignore[no-untyped-def]
        """``Q = A^T (c I + A A^T)^{-1}: [D, 2K]`` for ``A: [2K, D]``, by the Cholesky factor of
        ``G = c I + A A^T`` (positive definite: ``c > 0``), in float64 (``G, q`` scratch:
        ``[2K, 2K]``, ``[2K]``)."""
        K2, D = A.shape
        for i in range(K2):
            for j in range(i + 1):
                acc = float(c) if i == j else 0.0
                for m in range(D):
                    acc += float(A[i, m]) * float(A[j, m])
                G[i, j] = acc
        for j in range(K2):  # G = L L^T, L kept in the lower triangle
            acc = G[j, j]
            for p in range(j):
                acc -= G[j, p] * G[j, p]
            G[j, j] = np.sqrt(acc)
            for i in range(j + 1, K2):
                acc = G[i, j]
                for p in range(j):
                    acc -= G[i, p] * G[j, p]
                G[i, j] = acc / G[j, j]
        for m in range(D):  # row m of Q solves G q = A[:, m]
            for i in range(K2):
                acc = float(A[i, m])
                for p in range(i):
                    acc -= G[i, p] * q[p]
                q[i] = acc / G[i, i]
            for i in range(K2 - 1, -1, -1):
                acc = q[i]
                for p in range(i + 1, K2):
                    acc -= G[p, i] * q[p]
                q[i] = acc / G[i, i]
            for i in range(K2):
                Q[m, i] = q[i]

    @njit(cache=True, nogil=True, fastmath=True)
    def _matched_filter(s, A, smf, sT):  # type: ignore[no-untyped-def]
        """``smf[:, w] = A^T s[w]`` for the block's ``n <= LANES`` vectors ``s: [n, 2K]``, zero
        in the lanes past ``n`` (zero vectors, whose iterates stay zero); ``sT: [2K, LANES]``
        scratch."""
        n, K2 = s.shape
        zero = smf.dtype.type(0)
        for k in range(K2):
            for w in range(LANES):
                sT[k, w] = s[w, k] if w < n else zero
        for m in range(smf.shape[0]):
            for w in range(LANES):
                smf[m, w] = zero
            for k in range(K2):
                a = A[k, m]
                for w in range(LANES):
                    smf[m, w] += a * sT[k, w]

    @njit(cache=True, nogil=True, fastmath=True)
    def _block(smf, At, Q, c, weight, iterations, out, z, v, ua, r):  # type: ignore[no-untyped-def]
        """One block: ``smf`` (``A^T s`` per lane) and the last iterate ``out``: ``[D, LANES]``,
        ``At = A^T`` and ``Q``: ``[D, 2K]``; ``z, v, ua: [D, LANES]`` and ``r: [2K, LANES]``
        scratch."""
        D = smf.shape[0]
        K2 = At.shape[1]
        dt = smf.dtype
        # literals would promote float32 to float64 (and float32 iterates never equal float64 ones)
        two_w = weight + weight
        one = dt.type(1)
        zero = dt.type(0)
        t = np.zeros(LANES, dtype=dt)
        s_sum = np.empty(LANES, dtype=dt)
        count = np.empty(LANES, dtype=dt)
        # z starts at 0: u = A^T s, r = A u
        for k in range(K2):
            for w in range(LANES):
                r[k, w] = zero
        for m0 in range(0, D, 4):
            m1 = min(m0 + 4, D)
            for m in range(m0, m1):
                for w in range(LANES):
                    z[m, w] = zero
                    ua[m, w] = smf[m, w]
            _add_rows(r, At, ua, m0, m1, K2)
        for it in range(iterations):
            # first pass: a = (u - Q r) / c, v = 2a - z and the first Newton sums (above the last t)
            for w in range(LANES):
                s_sum[w] = zero
                count[w] = zero
            for m0 in range(0, D, 2):
                _subtract_rows(ua, m0, Q, r, K2)
                for m in range(m0, m0 + 2):
                    for w in range(LANES):
                        amw = ua[m, w] / c
                        ua[m, w] = amw
                        vmw = amw + amw - z[m, w]
                        v[m, w] = vmw
                        mag = abs(vmw)
                        above = mag > t[w]
                        s_sum[w] += mag if above else zero
                        count[w] += one if above else zero
            # t: root of 2 w t = sum (|v| - t)_+ by Newton's method from the previous
            # iteration's root (one step lands left of the new root, the next ones rise to it),
            # all lanes at once
            for _newton in range(D + 2):
                changed = False
                for w in range(LANES):
                    new = s_sum[w] / (two_w + count[w])
                    changed |= new != t[w]
                    t[w] = new
                if not changed:
                    break
                for w in range(LANES):
                    s_sum[w] = zero
                    count[w] = zero
                for m in range(D):
                    for w in range(LANES):
                        mag = abs(v[m, w])
                        above = mag > t[w]
                        s_sum[w] += mag if above else zero
                        count[w] += one if above else zero
            if it == iterations - 1:
                for m in range(D):
                    for w in range(LANES):
                        out[m, w] = min(max(v[m, w], -t[w]), t[w])
                break
            # second pass: b = clip(v, t), z += b - a, the next u = A^T s + c z and r = A u
            for k in range(K2):
                for w in range(LANES):
                    r[k, w] = zero
            for m0 in range(0, D, 4):
                m1 = min(m0 + 4, D)
                for m in range(m0, m1):
                    for w in range(LANES):
                        clipped = min(max(v[m, w], -t[w]), t[w])
                        zmw = z[m, w] + clipped - ua[m, w]
                        z[m, w] = zmw
                        ua[m, w] = smf[m, w] + c * zmw
                _add_rows(r, At, ua, m0, m1, K2)

    @njit(cache=True, nogil=True, fastmath=True, inline="always")
    def _subtract_rows(ua, m, Q, r, K2):  # type: ignore[no-untyped-def]
        """``ua[i] -= sum_k Q[i, k] r[k]`` for ``i = m, m + 1``: two rows of ``ua`` by four of ``r``
        per pass over the lanes (8 multiply-adds per 6 loads and 2 stores, the 8 factors held in
        registers), then two by two for the rest of ``r``."""
        k = 0
        while k + 4 <= K2:
            p0, p1, p2, p3 = Q[m, k], Q[m, k + 1], Q[m, k + 2], Q[m, k + 3]
            q0, q1, q2, q3 = Q[m + 1, k], Q[m + 1, k + 1], Q[m + 1, k + 2], Q[m + 1, k + 3]
            for w in range(LANES):
                r0, r1, r2, r3 = r[k, w], r[k + 1, w], r[k + 2, w], r[k + 3, w]
                ua[m, w] -= (r0 * p0 + r1 * p1) + (r2 * p2 + r3 * p3)
                ua[m + 1, w] -= (r0 * q0 + r1 * q1) + (r2 * q2 + r3 * q3)
            k += 4
        while k < K2:  # K2 is even
            p0, p1, q0, q1 = Q[m, k], Q[m, k + 1], Q[m + 1, k], Q[m + 1, k + 1]
            for w in range(LANES):
                r0, r1 = r[k, w], r[k + 1, w]
                ua[m, w] -= r0 * p0 + r1 * p1
                ua[m + 1, w] -= r0 * q0 + r1 * q1
            k += 2

    @njit(cache=True, nogil=True, fastmath=True, inline="always")
    def _add_rows(r, At, ua, m0, m1, K2):  # type: ignore[no-untyped-def]
        """``r[k] += sum_{m0 <= m < m1} At[m, k] ua[m]`` for every ``k``: two rows of ``r`` by four
        of ``ua`` per pass over the lanes (``m1 - m0`` is 4, or 2 at the end of an odd ``M``)."""
        if m1 - m0 == 4:
            for k in range(0, K2, 2):  # K2 is even
                a0, a1, a2, a3 = At[m0, k], At[m0 + 1, k], At[m0 + 2, k], At[m0 + 3, k]
                b0, b1 = At[m0, k + 1], At[m0 + 1, k + 1]
                b2, b3 = At[m0 + 2, k + 1], At[m0 + 3, k + 1]
                for w in range(LANES):
                    u0, u1, u2, u3 = ua[m0, w], ua[m0 + 1, w], ua[m0 + 2, w], ua[m0 + 3, w]
                    r[k, w] += (u0 * a0 + u1 * a1) + (u2 * a2 + u3 * a3)
                    r[k + 1, w] += (u0 * b0 + u1 * b1) + (u2 * b2 + u3 * b3)
        else:
            for k in range(0, K2, 2):
                a0, a1, b0, b1 = At[m0, k], At[m0 + 1, k], At[m0, k + 1], At[m0 + 1, k + 1]
                for w in range(LANES):
                    u0, u1 = ua[m0, w], ua[m0 + 1, w]
                    r[k, w] += u0 * a0 + u1 * a1
                    r[k + 1, w] += u0 * b0 + u1 * b1

    return douglas_rachford


KERNELS = {lanes: _compile(lanes) for lanes in (64, 128)}
