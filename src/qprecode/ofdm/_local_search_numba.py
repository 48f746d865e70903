"""The Numba kernel of ``ofdm.local_search``, imported only through that module (which falls back
to its torch form where Numba is missing). Real arrays of one dtype (float32 or float64; Numba
compiles one version per dtype and caches it on disk); complex quantities as separate real and
imaginary arrays.

The kernel runs through the channels of the arrays it is given, without threads of its own
(``nogil``: the caller runs slices of the channels on its threads). The lanes are the ``T`` OFDM
symbols of a channel, innermost in every loop: one coordinate, antenna ``m`` at time sample ``n``,
has the same column ``g[f, k] = H[f, m, k] phi_n[f]`` for all of them, so a coordinate step is a
product ``g^H E`` over the channel's in-band residual ``E: [S, K, T]`` (which stays in cache), the
nearest level per lane and a rank-one update of ``E``, skipped when no lane changes level.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def _gain(rr, ri, sr, si, nu, ss):
    """The receiver gain ``beta = r^H s / (||r||^2 + nu)`` of received signals ``r`` and symbols
    ``s`` (``[S, K, T]``), and the objective ``||s||^2 - |r^H s|^2 / (||r||^2 + nu)`` it reaches
    (float64 sums)."""
    S, K, T = rr.shape
    num_r, num_i, den = 0.0, 0.0, nu
    for f in range(S):
        for k in range(K):
            for t in range(T):
                a, b, c, d = rr[f, k, t], ri[f, k, t], sr[f, k, t], si[f, k, t]
                num_r += a * c + b * d
                num_i += a * d - b * c
                den += a * a + b * b
    return num_r / den, num_i / den, ss - (num_r * num_r + num_i * num_i) / den


@njit(cache=True, nogil=True, error_model="numpy")
def local_search(Hr, Hi, inverse, phr, phi, sr, si, rr, ri, yr, yi, lev, thr, nu, sweeps, history):
    """Coordinate descent over the time-domain DAC levels, every channel of the batch.

    Args (per channel ``b``; ``S`` used subcarriers, ``N`` time samples, ``T`` OFDM symbols):
        Hr, Hi: ``[B, S, M, K]`` the channel on the used subcarriers.
        inverse: ``[B, M]`` ``1 / ||g||^2``, ``||g||^2 = (1/N) sum_{f, k} |H[f, m, k]|^2``.
        phr, phi: ``[N, S]`` ``phi_n[f] = N^{-1/2} exp(-j 2 pi f n / N)``.
        sr, si: ``[B, S, K, T]`` symbols.
        rr, ri: ``[B, S, K, T]`` the start's in-band received signals ``H[f]^T Y[t, f]``;
            overwritten with the output's.
        yr, yi: ``[B, M, N, T]`` the start on the alphabets; overwritten with the output.
        lev: ``[B, M, L]`` every antenna's levels; thr: ``[B, M, L - 1]`` its thresholds.
        nu: ``[B]`` float64, the noise term of the objective.
        sweeps: passes over the coordinates.
        history: ``[B, sweeps + 1, 3]`` float64 out: the objective and ``beta`` (real,
            imaginary) of the start and after every sweep.
    """
    B, S, M, K = Hr.shape
    N = phr.shape[0]
    T = sr.shape[3]
    L = lev.shape[2]
    dtype = Hr.dtype
    er = np.empty((S, K, T), dtype)
    ei = np.empty((S, K, T), dtype)
    gr = np.empty((S, K), dtype)
    gi = np.empty((S, K), dtype)
    accr = np.empty(T, dtype)
    acci = np.empty(T, dtype)
    dr = np.empty(T, dtype)
    alpha = np.empty(2, dtype)
    di = np.empty(T, dtype)
    for b in range(B):
        ss = 0.0
        for f in range(S):
            for k in range(K):
                for t in range(T):
                    ss += sr[b, f, k, t] * sr[b, f, k, t] + si[b, f, k, t] * si[b, f, k, t]
        beta_r, beta_i, objective = _gain(rr[b], ri[b], sr[b], si[b], nu[b], ss)
        history[b, 0, 0], history[b, 0, 1], history[b, 0, 2] = objective, beta_r, beta_i
        for sweep in range(sweeps):
            # alpha = 1 / beta; residual e = alpha s - r
            scale = beta_r * beta_r + beta_i * beta_i
            if scale == 0.0:
                for j in range(sweep, sweeps):
                    history[b, j + 1, 0] = objective
                    history[b, j + 1, 1], history[b, j + 1, 2] = beta_r, beta_i
                break
            alpha[0], alpha[1] = beta_r / scale, -beta_i / scale
            ar, ai = alpha[0], alpha[1]
            for f in range(S):
                for k in range(K):
                    for t in range(T):
                        a, c = sr[b, f, k, t], si[b, f, k, t]
                        er[f, k, t] = (ar * a - ai * c) - rr[b, f, k, t]
                        ei[f, k, t] = (ar * c + ai * a) - ri[b, f, k, t]
            for n in range(N):
                for m in range(M):
                    for f in range(S):
                        pr, pi = phr[n, f], phi[n, f]
                        for k in range(K):
                            h, g = Hr[b, f, m, k], Hi[b, f, m, k]
                            gr[f, k] = h * pr - g * pi
                            gi[f, k] = h * pi + g * pr
                    for t in range(T):
                        accr[t] = 0.0
                        acci[t] = 0.0
                    for f in range(S):
                        for k in range(K):
                            p, q = gr[f, k], gi[f, k]
                            for t in range(T):
                                accr[t] += p * er[f, k, t] + q * ei[f, k, t]
                                acci[t] += p * ei[f, k, t] - q * er[f, k, t]
                    inv = inverse[b, m]
                    moved = False
                    for t in range(T):
                        old_r, old_i = yr[b, m, n, t], yi[b, m, n, t]
                        xr = old_r + accr[t] * inv
                        xi = old_i + acci[t] * inv
                        new_r, new_i = lev[b, m, 0], lev[b, m, 0]
                        for j in range(L - 1):
                            if xr > thr[b, m, j]:
                                new_r = lev[b, m, j + 1]
                            if xi > thr[b, m, j]:
                                new_i = lev[b, m, j + 1]
                        dr[t] = new_r - old_r
                        di[t] = new_i - old_i
                        if dr[t] != 0.0 or di[t] != 0.0:
                            moved = True
                        yr[b, m, n, t], yi[b, m, n, t] = new_r, new_i
                    if not moved:
                        continue
                    for f in range(S):
                        for k in range(K):
                            p, q = gr[f, k], gi[f, k]
                            for t in range(T):
                                er[f, k, t] -= p * dr[t] - q * di[t]
                                ei[f, k, t] -= p * di[t] + q * dr[t]
            for f in range(S):
                for k in range(K):
                    for t in range(T):
                        a, c = sr[b, f, k, t], si[b, f, k, t]
                        rr[b, f, k, t] = (ar * a - ai * c) - er[f, k, t]
                        ri[b, f, k, t] = (ar * c + ai * a) - ei[f, k, t]
            beta_r, beta_i, objective = _gain(rr[b], ri[b], sr[b], si[b], nu[b], ss)
            history[b, sweep + 1, 0] = objective
            history[b, sweep + 1, 1], history[b, sweep + 1, 2] = beta_r, beta_i
