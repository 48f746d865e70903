"""The Numba kernel of SQUID's Douglas-Rachford iterations (``squid``, which falls back to its
torch form where Numba is missing). Arrays are real, of one dtype, with the lanes (symbol vectors)
last: ``smf: [B, 2M, N_s]`` (``A_R^T s_R`` per vector), ``A: [B, 2K, 2M]``, ``Qt: [B, 2K, 2M]``.

The kernel runs over a slice of the channels (``_kernel_threads`` gives each thread slices);
the vectors of a channel are cut into blocks of ``LANES``; within a block
every loop runs over the lanes, innermost, so that LLVM vectorises it, and the block's state
(``z``, ``a``, ``b``: ``[2M, W]``) stays in cache over all iterations. The proximal map of the
squared infinity norm clips at the root ``t`` of ``2 w t = sum_i (|v_i| - t)_+``, found by
Newton's method (``t <- S(t) / (2 w + n(t))``, with ``n(t)`` entries above ``t`` summing to
``S(t)``) from the previous iteration's root: on this concave, increasing, piecewise-linear
function one step from anywhere lands at or left of the root, and from there the steps rise
monotonically to it and end on it exactly once the set of entries above ``t`` stops changing.
"""

from __future__ import annotations

import numpy as np
from numba import njit

LANES = 64


@njit(cache=True, nogil=True)
def douglas_rachford(smf, A, Qt, c, weight, iterations, out):  # type: ignore[no-untyped-def]
    """``iterations`` of Douglas-Rachford for every (channel, block of lanes); writes the last
    ``b`` iterate to ``out: [B, 2M, N_s]``."""
    B, D, N = smf.shape
    for b in range(B):
        for l0 in range(0, N, LANES):
            _block(smf, A, Qt, c, weight, iterations, out, b, l0, min(LANES, N - l0))


@njit(cache=True, nogil=True, fastmath=False)
def _block(smf, A, Qt, c, weight, iterations, out, b, l0, W):  # type: ignore[no-untyped-def]
    D = smf.shape[1]
    K2 = A.shape[1]
    dt = smf.dtype
    z = np.zeros((D, W), dtype=dt)
    a = np.empty((D, W), dtype=dt)
    v = np.empty((D, W), dtype=dt)
    r = np.empty((K2, W), dtype=dt)
    t = np.empty(W, dtype=dt)
    s_sum = np.empty(W, dtype=dt)
    count = np.empty(W, dtype=dt)
    # literals would promote float32 to float64 (and float32 iterates never equal float64 ones)
    two_w = weight + weight
    one = dt.type(1)
    for w in range(W):
        t[w] = 0
    for _ in range(iterations):
        # a = prox_f(z) = (u - (u A^T) Q^T) / c with u = A^T s + c z, rows per lane
        for k in range(K2):
            for w in range(W):
                r[k, w] = 0
        for m in range(D):
            for w in range(W):
                a[m, w] = smf[b, m, l0 + w] + c * z[m, w]
            for k in range(K2):
                akm = A[b, k, m]
                for w in range(W):
                    r[k, w] += a[m, w] * akm
        for m in range(D):
            for k in range(K2):
                qmk = Qt[b, k, m]
                for w in range(W):
                    a[m, w] -= r[k, w] * qmk
            for w in range(W):
                a[m, w] /= c
                v[m, w] = a[m, w] + a[m, w] - z[m, w]
        # t: root of 2 w t = sum (|v| - t)_+ by Newton's method from the previous iteration's
        # root (one step lands left of the new root, the next ones rise to it), all lanes at once
        for _newton in range(D + 2):
            for w in range(W):
                s_sum[w] = 0
                count[w] = 0
            for m in range(D):
                for w in range(W):
                    mag = abs(v[m, w])
                    if mag > t[w]:
                        s_sum[w] += mag
                        count[w] += one
            changed = False
            for w in range(W):
                new = s_sum[w] / (two_w + count[w])
                if new != t[w]:
                    changed = True
                t[w] = new
            if not changed:
                break
        # b = prox_g(v) (clip |v| at t), z += b - a; the last b is the output
        for m in range(D):
            for w in range(W):
                clipped = min(max(v[m, w], -t[w]), t[w])
                z[m, w] += clipped - a[m, w]
                out[b, m, l0 + w] = clipped
