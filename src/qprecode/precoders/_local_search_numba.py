"""The Numba kernels of ``local_search_kernel``, imported only through that module (which falls
back to its torch form where Numba is missing). Real arrays of one dtype (float32 or float64;
Numba compiles one version per dtype and caches it on disk); complex inputs and outputs are viewed
as real pairs on their last axis (``s: [B, N_s, 2K]``, ``y: [B, N_s, 2M]``).

One thread takes one channel at a time: it computes the start for the channel's ``N_s`` symbol
vectors, then searches lanes (one symbol vector for one candidate gain, candidate-major) in
blocks of ``W`` lanes. Inside a block every loop runs over the lanes, innermost, and writes at
most four arrays, so that LLVM vectorises it (AVX2: 8 float32 lanes) with few run-time alias
checks; the block's levels ``[M, W]`` and residual ``[K, W]`` stay in cache over all sweeps.
Indices are loop counters of ``range`` (never sums), which keeps every address affine.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True, error_model="numpy")
def _start(b, Hr, Hi, P, y0, s, lev, thr0, linear, y0r, y0i, r0r, r0i, sr, si, xr, xi):
    """Channel ``b``'s symbols ``sr, si: [K, N]``, start ``y0r, y0i: [M, N]`` (``P s`` quantized
    against the plain thresholds ``thr0`` onto ``lev``, or the given ``y0``) and ``r0 = y0 H:
    [K, N]``; returns the common gain ``a = <s, r0> / ||s||^2`` (sums in float64, in order)."""
    M, K, L = Hr.shape[1], Hr.shape[2], lev.shape[2]
    N = sr.shape[1]
    for k in range(K):
        for n in range(N):
            sr[k, n] = s[b, n, 2 * k]
            si[k, n] = s[b, n, 2 * k + 1]
    for m in range(M):
        if linear:
            pr, pi = P[b, m, 0], P[b, m, 1]
            for n in range(N):
                xr[n] = pr * sr[0, n] - pi * si[0, n]
                xi[n] = pr * si[0, n] + pi * sr[0, n]
            for k in range(1, K):
                pr, pi = P[b, m, 2 * k], P[b, m, 2 * k + 1]
                for n in range(N):
                    xr[n] = xr[n] + (pr * sr[k, n] - pi * si[k, n])
                for n in range(N):
                    xi[n] = xi[n] + (pr * si[k, n] + pi * sr[k, n])
            low, t, v = lev[b, m, 0], thr0[0], lev[b, m, 1]
            for n in range(N):
                y0r[m, n] = v if xr[n] > t else low
                y0i[m, n] = v if xi[n] > t else low
            for j in range(2, L):
                t, v = thr0[j - 1], lev[b, m, j]
                for n in range(N):
                    y0r[m, n] = v if xr[n] > t else y0r[m, n]
                for n in range(N):
                    y0i[m, n] = v if xi[n] > t else y0i[m, n]
        else:
            for n in range(N):
                y0r[m, n] = y0[b, n, 2 * m]
                y0i[m, n] = y0[b, n, 2 * m + 1]
    for k in range(K):
        hr, hi = Hr[b, 0, k], Hi[b, 0, k]
        for n in range(N):
            r0r[k, n] = y0r[0, n] * hr - y0i[0, n] * hi
            r0i[k, n] = y0r[0, n] * hi + y0i[0, n] * hr
        for m in range(1, M):
            hr, hi = Hr[b, m, k], Hi[b, m, k]
            for n in range(N):
                r0r[k, n] = r0r[k, n] + (y0r[m, n] * hr - y0i[m, n] * hi)
            for n in range(N):
                r0i[k, n] = r0i[k, n] + (y0r[m, n] * hi + y0i[m, n] * hr)
    num_r, num_i, den = 0.0, 0.0, 0.0
    for n in range(N):
        for k in range(K):
            s_r, s_i, q_r, q_i = (
                np.float64(sr[k, n]),
                np.float64(si[k, n]),
                np.float64(r0r[k, n]),
                np.float64(r0i[k, n]),
            )
            num_r += s_r * q_r + s_i * q_i
            num_i += s_r * q_i - s_i * q_r
            den += s_r * s_r + s_i * s_i
    return num_r / den, num_i / den


@njit(cache=True, nogil=True, error_model="numpy")
def _sweeps(b, Hr, Hi, Gr, Gi, lev, thr, sweeps, yr, yi, er, ei, acr, aci, qr, qi):
    """``sweeps`` passes of coordinate descent over the lanes of one block: levels ``yr, yi:
    [M, W]``, residual ``er, ei: [K, W]`` (updated in place), scratch ``acr .. qi: [W]``."""
    M, K, L = Hr.shape[1], Hr.shape[2], lev.shape[2]
    W = yr.shape[1]
    for _ in range(sweeps):
        for m in range(M):
            # the step conj(g_m)^T e, g_m = h_m / ||h_m||^2, summed over the users in order
            gr, gi = Gr[b, m, 0], Gi[b, m, 0]
            for w in range(W):
                acr[w] = gr * er[0, w] + gi * ei[0, w]
                aci[w] = gr * ei[0, w] - gi * er[0, w]
            for k in range(1, K):
                gr, gi = Gr[b, m, k], Gi[b, m, k]
                for w in range(W):  # one array written per loop: this one vectorises too
                    acr[w] = acr[w] + (gr * er[k, w] + gi * ei[k, w])
                for w in range(W):
                    aci[w] = aci[w] + (gr * ei[k, w] - gi * er[k, w])
            # the nearest level of y_m + step (on a threshold: the lower one); acr, aci <- the
            # change d of antenna m
            low, t, v = lev[b, m, 0], thr[b, m, 0], lev[b, m, 1]
            if L == 2:
                for w in range(W):
                    xr = yr[m, w] + acr[w]
                    xi = yi[m, w] + aci[w]
                    pr = v if xr > t else low
                    pi = v if xi > t else low
                    acr[w] = pr - yr[m, w]
                    aci[w] = pi - yi[m, w]
                    yr[m, w] = pr
                    yi[m, w] = pi
            else:
                for w in range(W):
                    acr[w] = yr[m, w] + acr[w]
                    aci[w] = yi[m, w] + aci[w]
                for w in range(W):
                    qr[w] = v if acr[w] > t else low
                    qi[w] = v if aci[w] > t else low
                for j in range(2, L):
                    t, v = thr[b, m, j - 1], lev[b, m, j]
                    for w in range(W):
                        qr[w] = v if acr[w] > t else qr[w]
                        qi[w] = v if aci[w] > t else qi[w]
                for w in range(W):
                    acr[w] = qr[w] - yr[m, w]
                    aci[w] = qi[w] - yi[m, w]
                    yr[m, w] = qr[w]
                    yi[m, w] = qi[w]
            # the residual e - d h_m
            for k in range(K):
                hr, hi = Hr[b, m, k], Hi[b, m, k]
                for w in range(W):
                    er[k, w] = er[k, w] - (acr[w] * hr - aci[w] * hi)
                    ei[k, w] = ei[k, w] - (acr[w] * hi + aci[w] * hr)


@njit(cache=True, nogil=True, error_model="numpy")
def _power(yr, yi, out):
    """``out[w] = ||y_w||^2``, summed over the antennas in order."""
    M, W = yr.shape
    for w in range(W):
        out[w] = yr[0, w] * yr[0, w] + yi[0, w] * yi[0, w]
    for m in range(1, M):
        for w in range(W):
            out[w] = out[w] + (yr[m, w] * yr[m, w] + yi[m, w] * yi[m, w])


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def _accumulate(b, c, sr, si, n0, Rr, Ri, pw, sum_p, sum_sr, sum_rr):
    """Add symbol vectors ``n0 ..`` (``Rr, Ri: [K, V]`` float64 received signals, ``pw: [V]``
    powers) to candidate ``c``'s sums: ``sum_p``, ``s^H R: [K, K]`` and ``|R_k|^2``. In any order
    (``reassoc``, which vectorises the sums): they are float64, and they only rate candidates."""
    K, V = Rr.shape
    total = 0.0
    for v in range(V):
        total += np.float64(pw[v])
    sum_p[c, b] += total
    for i in range(K):
        s_r, s_i = sr[i, n0 : n0 + V], si[i, n0 : n0 + V]
        for j in range(K):
            re, im = 0.0, 0.0
            for v in range(V):
                re += np.float64(s_r[v]) * Rr[j, v] + np.float64(s_i[v]) * Ri[j, v]
                im += np.float64(s_r[v]) * Ri[j, v] - np.float64(s_i[v]) * Rr[j, v]
            sum_sr[c, b, i, j, 0] += re
            sum_sr[c, b, i, j, 1] += im
    for k in range(K):
        total = 0.0
        for v in range(V):
            total += Rr[k, v] * Rr[k, v] + Ri[k, v] * Ri[k, v]
        sum_rr[c, b, k] += total


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def candidate_stats(Hr, Hi, Gr, Gi, P, y0, s, lev, thr, thr0, linear, gains, sweeps, lanes,
                    sum_p, sum_sr, sum_rr):  # fmt: skip
    """Per channel: the start and, for each gain ``gains[c]``, the search toward
    ``gains[c] a s``; writes the sums of the estimated rate of the start (``c = 0``) and of each
    candidate (``c = 1..C``) into ``sum_p: [1 + C, B]``, ``sum_sr: [1 + C, B, K, K, 2]`` and
    ``sum_rr: [1 + C, B, K]`` (float64, zeroed by the caller)."""
    B, M, K = Hr.shape
    N, C = s.shape[1], gains.shape[0]
    dt = Hr.dtype
    blocks = (C * N + lanes - 1) // lanes
    W = (C * N + blocks - 1) // blocks
    for b in prange(B):
        y0r, y0i = np.empty((M, N), dt), np.empty((M, N), dt)
        r0r, r0i = np.empty((K, N), dt), np.empty((K, N), dt)
        sr, si = np.empty((K, N), dt), np.empty((K, N), dt)
        xr, xi = np.empty(N, dt), np.empty(N, dt)
        a_r, a_i = _start(b, Hr, Hi, P, y0, s, lev, thr0, linear, y0r, y0i, r0r, r0i, sr, si,
                          xr, xi)  # fmt: skip
        Rr, Ri = np.empty((K, max(N, W))), np.empty((K, max(N, W)))
        _power(y0r, y0i, xr)
        for k in range(K):
            for n in range(N):
                Rr[k, n], Ri[k, n] = r0r[k, n], r0i[k, n]
        _accumulate(b, 0, sr, si, 0, Rr[:, :N], Ri[:, :N], xr, sum_p, sum_sr, sum_rr)
        alpha = np.empty((C, 2), dt)  # the candidates' target gains, rounded to dt
        for c in range(C):
            alpha[c, 0], alpha[c, 1] = gains[c] * a_r, gains[c] * a_i
        for block in range(blocks):
            l0 = block * W
            V = min(W, C * N - l0)  # the last block may be shorter
            yr, yi = np.empty((M, V), dt), np.empty((M, V), dt)
            er, ei = np.empty((K, V), dt), np.empty((K, V), dt)
            acr, aci, qr, qi = np.empty(V, dt), np.empty(V, dt), np.empty(V, dt), np.empty(V, dt)
            # the block's lanes: runs of consecutive symbol vectors, one run per candidate
            w, c, n0 = 0, l0 // N, l0 % N
            while w < V:
                run = min(V - w, N - n0)
                ar, ai = alpha[c, 0], alpha[c, 1]
                for m in range(M):
                    yr[m, w : w + run] = y0r[m, n0 : n0 + run]
                    yi[m, w : w + run] = y0i[m, n0 : n0 + run]
                for k in range(K):
                    s_r, s_i = sr[k, n0 : n0 + run], si[k, n0 : n0 + run]
                    q_r, q_i = r0r[k, n0 : n0 + run], r0i[k, n0 : n0 + run]
                    e_r, e_i = er[k, w : w + run], ei[k, w : w + run]
                    for v in range(run):
                        e_r[v] = (ar * s_r[v] - ai * s_i[v]) - q_r[v]
                        e_i[v] = (ar * s_i[v] + ai * s_r[v]) - q_i[v]
                w, c, n0 = w + run, c + 1, 0
            _sweeps(b, Hr, Hi, Gr, Gi, lev, thr, sweeps, yr, yi, er, ei, acr, aci, qr, qi)
            _power(yr, yi, qr)
            w, c, n0 = 0, l0 // N, l0 % N
            while w < V:
                run = min(V - w, N - n0)
                ar, ai = np.float64(alpha[c, 0]), np.float64(alpha[c, 1])
                for k in range(K):
                    s_r, s_i = sr[k, n0 : n0 + run], si[k, n0 : n0 + run]
                    e_r, e_i = er[k, w : w + run], ei[k, w : w + run]
                    R_r, R_i = Rr[k, :run], Ri[k, :run]
                    for v in range(run):
                        sv_r, sv_i = np.float64(s_r[v]), np.float64(s_i[v])
                        R_r[v] = (ar * sv_r - ai * sv_i) - np.float64(e_r[v])
                        R_i[v] = (ar * sv_i + ai * sv_r) - np.float64(e_i[v])
                _accumulate(b, 1 + c, sr, si, n0, Rr[:, :run], Ri[:, :run], qr[w : w + run],
                            sum_p, sum_sr, sum_rr)  # fmt: skip
                w, c, n0 = w + run, c + 1, 0


@njit(parallel=True, cache=True, nogil=True, error_model="numpy")
def search_outputs(Hr, Hi, Gr, Gi, P, y0, s, lev, thr, thr0, linear, gain, sweeps, y_out):
    """Per channel: the start and, where ``gain[b] > 0``, the search toward ``gain[b] a s``
    (``gain[b] = 0``: the start is kept); writes ``y_out: [B, N, 2M]``."""
    B, M, K = Hr.shape
    N = s.shape[1]
    dt = Hr.dtype
    for b in prange(B):
        y0r, y0i = np.empty((M, N), dt), np.empty((M, N), dt)
        r0r, r0i = np.empty((K, N), dt), np.empty((K, N), dt)
        sr, si = np.empty((K, N), dt), np.empty((K, N), dt)
        acr, aci, qr, qi = np.empty(N, dt), np.empty(N, dt), np.empty(N, dt), np.empty(N, dt)
        a_r, a_i = _start(b, Hr, Hi, P, y0, s, lev, thr0, linear, y0r, y0i, r0r, r0i, sr, si,
                          acr, aci)  # fmt: skip
        if gain[b] > 0:
            alpha = np.empty(2, dt)  # the target gain, rounded to dt
            alpha[0], alpha[1] = gain[b] * a_r, gain[b] * a_i
            ar, ai = alpha[0], alpha[1]
            er, ei = np.empty((K, N), dt), np.empty((K, N), dt)
            for k in range(K):
                for n in range(N):
                    er[k, n] = (ar * sr[k, n] - ai * si[k, n]) - r0r[k, n]
                    ei[k, n] = (ar * si[k, n] + ai * sr[k, n]) - r0i[k, n]
            _sweeps(b, Hr, Hi, Gr, Gi, lev, thr, sweeps, y0r, y0i, er, ei, acr, aci, qr, qi)
        for n in range(N):
            for m in range(M):
                y_out[b, n, 2 * m] = y0r[m, n]
                y_out[b, n, 2 * m + 1] = y0i[m, n]
