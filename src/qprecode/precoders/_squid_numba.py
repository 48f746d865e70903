"""The Numba kernel of SQUID's Douglas-Rachford iterations (``squid``, which falls back to its
torch form where Numba is missing). Arrays are real, of one dtype: the symbols ``sR: [B, N, 2K]``
and ``A: [B, 2K, 2M]`` in, the last iterate ``out: [B, N, 2M]`` out, one row per symbol vector
as the torch form has them. Per channel the kernel forms ``Q = A^T (c I + A A^T)^{-1}`` itself
(a Cholesky factor in float64: torch's batched solve of many small systems costs more than the
iterations at ``K = 16`` when its threads sleep between calls), and per block ``A^T s``.
``KERNELS`` holds the kernel compiled for blocks of 64 and of 128 lanes; ``squid`` takes the one
``_lane_products.lanes_for(N)`` picks (the one that pads ``N`` vectors least, the wider on a
tie: 10-15 % more vectors/s at ``K = 16``); the lanes past ``N`` hold zero vectors, whose
iterates stay zero.

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

from ._lane_products import BLOCK_LANES, compile_products


def _compile(LANES: int) -> Any:  # noqa: N803 - the compile-time constant of every loop below
    """The kernel for blocks of ``LANES`` lanes (``douglas_rachford``; the helpers it calls are
    the products of ``_lane_products`` and the functions defined after it, bound when it first
    compiles)."""
    _matched_filter, _add_rows, _subtract_rows, _ = compile_products(LANES)

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

    return douglas_rachford


KERNELS = {lanes: _compile(lanes) for lanes in BLOCK_LANES}
