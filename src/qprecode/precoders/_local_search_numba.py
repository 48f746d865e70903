"""The Numba kernel of ``local_search_kernel``, imported only through that module (which falls back
to its torch form where Numba is missing). Real arrays of one dtype (float32 or float64; Numba
compiles one version per dtype and caches it on disk); complex inputs and outputs are viewed as
real pairs on their last axis (``H: [B, M, 2K]``, ``s: [B, N_s, 2K]``, ``y: [B, N_s, 2M]``).

The kernel runs through the channels of the arrays it is given, without threads of its own
(``nogil``: the caller runs slices of the channels on its threads). Per channel: the alphabets and
``g_m = h_m / ||h_m||^2``, the start for the channel's ``N_s`` symbol vectors, then (automatic
gain) the lanes, one symbol vector for one candidate gain, candidate-major, searched in blocks of
``W`` lanes and reduced to the sums of their estimated rates, the rates, the best candidate, and
its search once more to write the outputs. Inside a block every loop runs over the lanes,
innermost, and writes at most four arrays, so that LLVM vectorises it (AVX2: 8 float32 lanes)
with few run-time alias checks; the block's levels ``[M, W]`` and residual ``[K, W]`` stay in
cache over all sweeps. Indices are loop counters of ``range`` (never sums), which keeps every
address affine.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def _tables(Hc, scale, levels, plain, tiny, Hr, Hi, Gr, Gi, lev, thr):
    """One channel's ``H`` (``Hc: [M, 2K]``), ``G = H / ||h_m||^2`` (the energy summed over the
    users in order, at least ``tiny[0]``) and alphabets ``lev = scale_m levels``, ``thr = scale_m
    plain``: ``[M, K]``, ``[M, L]``, ``[M, L - 1]``."""
    M, K = Hr.shape
    for m in range(M):
        for k in range(K):
            Hr[m, k], Hi[m, k] = Hc[m, 2 * k], Hc[m, 2 * k + 1]
        energy = Hr[m, 0] * Hr[m, 0] + Hi[m, 0] * Hi[m, 0]
        for k in range(1, K):
            energy = energy + (Hr[m, k] * Hr[m, k] + Hi[m, k] * Hi[m, k])
        if energy < tiny[0]:
            energy = tiny[0]
        for k in range(K):
            Gr[m, k], Gi[m, k] = Hr[m, k] / energy, Hi[m, k] / energy
        for j in range(levels.shape[0]):
            lev[m, j] = scale[m] * levels[j]
        for j in range(plain.shape[0]):
            thr[m, j] = scale[m] * plain[j]


@njit(cache=True, nogil=True, error_model="numpy")
def _start(Hr, Hi, P, y0, s, lev, plain, linear, y0r, y0i, r0r, r0i, sr, si, xr, xi):
    """One channel's symbols ``sr, si: [K, N]``, start ``y0r, y0i: [M, N]`` (``P s``, ``P: [M,
    2K]``, quantized against the plain thresholds onto ``lev``; or the given ``y0: [N, 2M]``) and
    ``r0 = y0 H: [K, N]``; returns the common gain ``a = <s, r0> / ||s||^2`` (float64 sums)."""
    M, K = Hr.shape
    L, N = lev.shape[1], sr.shape[1]
    for k in range(K):
        for n in range(N):
            sr[k, n], si[k, n] = s[n, 2 * k], s[n, 2 * k + 1]
    for m in range(M):
        if linear:
            pr, pi = P[m, 0], P[m, 1]
            for n in range(N):
                xr[n] = pr * sr[0, n] - pi * si[0, n]
                xi[n] = pr * si[0, n] + pi * sr[0, n]
            for k in range(1, K):
                pr, pi = P[m, 2 * k], P[m, 2 * k + 1]
                for n in range(N):
                    xr[n] = xr[n] + (pr * sr[k, n] - pi * si[k, n])
                for n in range(N):
                    xi[n] = xi[n] + (pr * si[k, n] + pi * sr[k, n])
            low, t, v = lev[m, 0], plain[0], lev[m, 1]
            for n in range(N):
                y0r[m, n] = v if xr[n] > t else low
                y0i[m, n] = v if xi[n] > t else low
            for j in range(2, L):
                t, v = plain[j - 1], lev[m, j]
                for n in range(N):
                    y0r[m, n] = v if xr[n] > t else y0r[m, n]
                for n in range(N):
                    y0i[m, n] = v if xi[n] > t else y0i[m, n]
        else:
            for n in range(N):
                y0r[m, n], y0i[m, n] = y0[n, 2 * m], y0[n, 2 * m + 1]
    for k in range(K):
        hr, hi = Hr[0, k], Hi[0, k]
        for n in range(N):
            r0r[k, n] = y0r[0, n] * hr - y0i[0, n] * hi
            r0i[k, n] = y0r[0, n] * hi + y0i[0, n] * hr
        for m in range(1, M):
            hr, hi = Hr[m, k], Hi[m, k]
            for n in range(N):
                r0r[k, n] = r0r[k, n] + (y0r[m, n] * hr - y0i[m, n] * hi)
            for n in range(N):
                r0i[k, n] = r0i[k, n] + (y0r[m, n] * hi + y0i[m, n] * hr)
    num_r, num_i, den = 0.0, 0.0, 0.0
    for n in range(N):
        for k in range(K):
            s_r, s_i = np.float64(sr[k, n]), np.float64(si[k, n])
            q_r, q_i = np.float64(r0r[k, n]), np.float64(r0i[k, n])
            num_r += s_r * q_r + s_i * q_i
            num_i += s_r * q_i - s_i * q_r
            den += s_r * s_r + s_i * s_i
    return num_r / den, num_i / den


@njit(cache=True, nogil=True, error_model="numpy")
def _sweeps(Hr, Hi, Gr, Gi, lev, thr, sweeps, yr, yi, er, ei, acr, aci, qr, qi):
    """``sweeps`` passes of coordinate descent over the lanes of one block: levels ``yr, yi:
    [M, W]``, residual ``er, ei: [K, W]`` (updated in place), scratch ``acr .. qi: [W]``."""
    M, K = Hr.shape
    L, W = lev.shape[1], yr.shape[1]
    if K == 1 and L == 2:  # one user, one bit: the same arithmetic in one loop per antenna
        for _ in range(sweeps):
            for m in range(M):
                gr, gi, hr, hi = Gr[m, 0], Gi[m, 0], Hr[m, 0], Hi[m, 0]
                low, t, v = lev[m, 0], thr[m, 0], lev[m, 1]
                for w in range(W):
                    e_r, e_i = er[0, w], ei[0, w]
                    xr = yr[m, w] + (gr * e_r + gi * e_i)
                    xi = yi[m, w] + (gr * e_i - gi * e_r)
                    pr = v if xr > t else low
                    pi = v if xi > t else low
                    dr, di = pr - yr[m, w], pi - yi[m, w]
                    yr[m, w] = pr
                    yi[m, w] = pi
                    er[0, w] = e_r - (dr * hr - di * hi)
                    ei[0, w] = e_i - (dr * hi + di * hr)
        return
    for _ in range(sweeps):
        for m in range(M):
            # the step conj(g_m)^T e, summed over the users in order
            gr, gi = Gr[m, 0], Gi[m, 0]
            for w in range(W):
                acr[w] = gr * er[0, w] + gi * ei[0, w]
                aci[w] = gr * ei[0, w] - gi * er[0, w]
            for k in range(1, K):
                gr, gi = Gr[m, k], Gi[m, k]
                for w in range(W):  # one array written per loop: this one vectorises too
                    acr[w] = acr[w] + (gr * er[k, w] + gi * ei[k, w])
                for w in range(W):
                    aci[w] = aci[w] + (gr * ei[k, w] - gi * er[k, w])
            # the nearest level of y_m + step (on a threshold: the lower one); acr, aci <- the
            # change d of antenna m
            low, t, v = lev[m, 0], thr[m, 0], lev[m, 1]
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
                    t, v = thr[m, j - 1], lev[m, j]
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
                hr, hi = Hr[m, k], Hi[m, k]
                for w in range(W):
                    er[k, w] = er[k, w] - (acr[w] * hr - aci[w] * hi)
                    ei[k, w] = ei[k, w] - (acr[w] * hi + aci[w] * hr)


@njit(cache=True, nogil=True, error_model="numpy")
def _power(yr, yi, lev, out):
    """``out[w] = ||y_w||^2``, summed over the antennas in order. With two levels ``+-l_m`` per
    antenna every output has the same terms, and the sum is computed once."""
    M, W = yr.shape
    symmetric = lev.shape[1] == 2
    for m in range(M):
        symmetric = symmetric and lev[m, 0] == -lev[m, 1]
    if symmetric:
        p = lev[0, 1] * lev[0, 1] + lev[0, 1] * lev[0, 1]
        for m in range(1, M):
            p = p + (lev[m, 1] * lev[m, 1] + lev[m, 1] * lev[m, 1])
        for w in range(W):
            out[w] = p
        return
    for w in range(W):
        out[w] = yr[0, w] * yr[0, w] + yi[0, w] * yi[0, w]
    for m in range(1, M):
        for w in range(W):
            out[w] = out[w] + (yr[m, w] * yr[m, w] + yi[m, w] * yi[m, w])


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def _accumulate(c, sr, si, n0, Rr, Ri, pw, sum_p, sum_sr, sum_rr):
    """Add symbol vectors ``n0 ..`` (``Rr, Ri: [K, V]`` float64 received signals, ``pw: [V]``
    powers) to candidate ``c``'s sums: ``sum_p``, ``s^H R: [K, K]`` and ``|R_k|^2``. In any order
    (``reassoc``, which vectorises the sums): they are float64, and they only rate candidates."""
    K, V = Rr.shape
    total = 0.0
    for v in range(V):
        total += np.float64(pw[v])
    sum_p[c] += total
    for i in range(K):
        s_r, s_i = sr[i, n0 : n0 + V], si[i, n0 : n0 + V]
        for j in range(K):
            re, im = 0.0, 0.0
            for v in range(V):
                re += np.float64(s_r[v]) * Rr[j, v] + np.float64(s_i[v]) * Ri[j, v]
                im += np.float64(s_r[v]) * Ri[j, v] - np.float64(s_i[v]) * Rr[j, v]
            sum_sr[c, i, j, 0] += re
            sum_sr[c, i, j, 1] += im
    for k in range(K):
        total = 0.0
        for v in range(V):
            total += Rr[k, v] * Rr[k, v] + Ri[k, v] * Ri[k, v]
        sum_rr[c, k] += total


@njit(cache=True, nogil=True, error_model="numpy")
def _estimated_rate(gram, sum_p, sum_sr, sum_rr, N, total_power, noise):
    """The sum rate that ``local_search.snidr_terms_from_sums`` gives for one candidate's sums
    (``gram = S^H S: [K, K]`` complex), ``A^T = gram^{-1} S^H R`` by Gauss-Jordan elimination."""
    K = gram.shape[0]
    A = np.empty((K, 2 * K), np.complex128)  # [gram | S^H R]
    for i in range(K):
        for j in range(K):
            A[i, j] = gram[i, j]
            A[i, K + j] = sum_sr[i, j, 0] + 1j * sum_sr[i, j, 1]
    for col in range(K):  # partial pivoting
        pivot = col
        for i in range(col + 1, K):
            if abs(A[i, col]) > abs(A[pivot, col]):
                pivot = i
        for j in range(2 * K):
            A[col, j], A[pivot, j] = A[pivot, j], A[col, j]
        inverse = 1.0 / A[col, col]
        for j in range(2 * K):
            A[col, j] *= inverse
        for i in range(K):
            if i != col:
                factor = A[i, col]
                for j in range(2 * K):
                    A[i, j] -= factor * A[col, j]
    mean = sum_p / N
    scale2 = total_power / mean if mean > 0 else 0.0
    rate = 0.0
    for k in range(K):
        signal = scale2 * abs(A[k, K + k]) ** 2
        column, fitted = 0.0, 0.0
        for i in range(K):
            column += scale2 * abs(A[i, K + k]) ** 2
            b = sum_sr[i, k, 0] + 1j * sum_sr[i, k, 1]
            fitted += (b.conjugate() * A[i, K + k]).real
        distortion = max(scale2 * (sum_rr[k] - fitted) / N, 0.0)
        rate += math.log2(1.0 + signal / (column - signal + distortion + noise))
    return rate


@njit(cache=True, nogil=True, error_model="numpy")
def local_search(Hc, P, y0, s, scale, levels, plain, linear, tiny, gains, auto, sweeps, lanes,
                 total_power, noise, y_out, choice):  # fmt: skip
    """Per channel ``b``: with ``auto``, the start and a search toward ``gains[c] a s`` for every
    candidate, rated; the best (``choice[b]``: 0 the start, ``1 + c`` candidate ``c``; the first
    of equal rates, a NaN rate never) searched again; without, the search toward
    ``gains[0] a s``. Writes ``y_out: [B, N_s, 2M]``.

    Per channel ``Hc: [M, 2K]``, ``P: [M, 2K]`` (``linear``) or ``y0: [N_s, 2M]``, ``s: [N_s,
    2K]``, ``scale: [M]``; ``levels: [L]`` and ``plain: [L - 1]`` the DAC's."""
    B, M = scale.shape
    K, N, C = Hc.shape[2] // 2, s.shape[1], gains.shape[0]
    L = levels.shape[0]
    dt = Hc.dtype
    blocks = (C * N + lanes - 1) // lanes
    W = (C * N + blocks - 1) // blocks
    for b in range(B):
        Hr, Hi = np.empty((M, K), dt), np.empty((M, K), dt)
        Gr, Gi = np.empty((M, K), dt), np.empty((M, K), dt)
        lev, thr = np.empty((M, L), dt), np.empty((M, L - 1), dt)
        _tables(Hc[b], scale[b], levels, plain, tiny, Hr, Hi, Gr, Gi, lev, thr)
        y0r, y0i = np.empty((M, N), dt), np.empty((M, N), dt)
        r0r, r0i = np.empty((K, N), dt), np.empty((K, N), dt)
        sr, si = np.empty((K, N), dt), np.empty((K, N), dt)
        acr, aci, qr, qi = np.empty(N, dt), np.empty(N, dt), np.empty(N, dt), np.empty(N, dt)
        Pb = P[b] if linear else P[0]
        y0b = y0[0] if linear else y0[b]
        a_r, a_i = _start(Hr, Hi, Pb, y0b, s[b], lev, plain, linear, y0r, y0i, r0r, r0i, sr, si,
                          acr, aci)  # fmt: skip
        alpha = np.empty((C, 2), dt)  # the candidates' target gains, rounded to dt
        for c in range(C):
            alpha[c, 0], alpha[c, 1] = gains[c] * a_r, gains[c] * a_i
        best = 1
        if auto:
            best = _best(Hr, Hi, Gr, Gi, lev, thr, sweeps, y0r, y0i, r0r, r0i, sr, si, alpha,
                         blocks, W, total_power, noise)  # fmt: skip
        choice[b] = best
        if best > 0:
            ar, ai = alpha[best - 1, 0], alpha[best - 1, 1]
            er, ei = np.empty((K, N), dt), np.empty((K, N), dt)
            for k in range(K):
                for n in range(N):
                    er[k, n] = (ar * sr[k, n] - ai * si[k, n]) - r0r[k, n]
                    ei[k, n] = (ar * si[k, n] + ai * sr[k, n]) - r0i[k, n]
            _sweeps(Hr, Hi, Gr, Gi, lev, thr, sweeps, y0r, y0i, er, ei, acr, aci, qr, qi)
        out = y_out[b]
        for n in range(N):
            for m in range(M):
                out[n, 2 * m], out[n, 2 * m + 1] = y0r[m, n], y0i[m, n]


@njit(cache=True, nogil=True, error_model="numpy")
def _best(Hr, Hi, Gr, Gi, lev, thr, sweeps, y0r, y0i, r0r, r0i, sr, si, alpha, blocks, W,
          total_power, noise):  # fmt: skip
    """One channel's best candidate: 0 the start, ``1 + c`` the search toward ``alpha[c] s``."""
    M, K = Hr.shape
    C, N = alpha.shape[0], sr.shape[1]
    dt = Hr.dtype
    sum_p, sum_rr = np.zeros(1 + C), np.zeros((1 + C, K))
    sum_sr = np.zeros((1 + C, K, K, 2))
    Rr, Ri = np.empty((K, max(N, W))), np.empty((K, max(N, W)))
    pw = np.empty(max(N, W), dt)
    _power(y0r, y0i, lev, pw[:N])
    for k in range(K):
        for n in range(N):
            Rr[k, n], Ri[k, n] = r0r[k, n], r0i[k, n]
    _accumulate(0, sr, si, 0, Rr[:, :N], Ri[:, :N], pw[:N], sum_p, sum_sr, sum_rr)
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
                d_r, d_i = yr[m, w : w + run], yi[m, w : w + run]
                s_r, s_i = y0r[m, n0 : n0 + run], y0i[m, n0 : n0 + run]
                for v in range(run):
                    d_r[v] = s_r[v]
                for v in range(run):
                    d_i[v] = s_i[v]
            for k in range(K):
                s_r, s_i = sr[k, n0 : n0 + run], si[k, n0 : n0 + run]
                q_r, q_i = r0r[k, n0 : n0 + run], r0i[k, n0 : n0 + run]
                e_r, e_i = er[k, w : w + run], ei[k, w : w + run]
                for v in range(run):
                    e_r[v] = (ar * s_r[v] - ai * s_i[v]) - q_r[v]
                    e_i[v] = (ar * s_i[v] + ai * s_r[v]) - q_i[v]
            w, c, n0 = w + run, c + 1, 0
        _sweeps(Hr, Hi, Gr, Gi, lev, thr, sweeps, yr, yi, er, ei, acr, aci, qr, qi)
        _power(yr, yi, lev, qr)
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
            _accumulate(1 + c, sr, si, n0, Rr[:, :run], Ri[:, :run], qr[w : w + run],
                        sum_p, sum_sr, sum_rr)  # fmt: skip
            w, c, n0 = w + run, c + 1, 0
    gram = np.empty((K, K), np.complex128)
    for i in range(K):
        for j in range(K):
            acc = 0j
            for n in range(N):
                acc += (np.float64(sr[i, n]) - 1j * np.float64(si[i, n])) * (
                    np.float64(sr[j, n]) + 1j * np.float64(si[j, n]))  # fmt: skip
            gram[i, j] = acc
    best, best_rate = 0, -math.inf
    for c in range(1 + C):
        rate = _estimated_rate(gram, sum_p[c], sum_sr[c], sum_rr[c], N, total_power, noise)
        if rate > best_rate:  # a NaN rate never wins
            best, best_rate = c, rate
    return best
