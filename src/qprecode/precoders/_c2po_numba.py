"""The Numba kernel of C2PO's iterations (``c2po``, which falls back to its torch form where Numba
is missing). Arrays are real, of one dtype: the symbols ``sR: [B, N, 2K]`` and ``A: [B, 2K, 2M]``
(``real_channel(H)``) in, ``out: [B, N, M, 2]`` out (the complex rows the torch form has, as real
and imaginary parts): the last relaxed iterate, or with a DAC level ``h > 0`` the 1-bit output
``+-h`` per part with each vector's sign aligned to its symbols (``objective.align_sign``), so
that no pass over the output is left to torch. ``KERNELS`` holds the kernel compiled for each
block width of ``_lane_products``; the lanes past ``N`` hold zero vectors, whose iterates stay
zero.

In real form, with ``u = s / ||s||`` and ``u' = (j u)`` as real vectors (``[Re; Im]``, together
an orthonormal basis of the complex line through ``s``), an iteration is

    r = A x,   r <- tau (r - u (u . r) - u' (u' . r)),   x <- clip(rho (x - A^T r), -1, 1):

one product ``A x`` into ``r`` (``product``), the projection per lane, and one product
``A^T r`` subtracted from ``x`` (``subtract_rows``) with the clip fused into the same pass. The
block's state ``x: [2M, LANES]`` stays in cache over all iterations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from ._lane_products import BLOCK_LANES, compile_products


def _compile(LANES: int) -> Any:  # noqa: N803 - the compile-time constant of every loop below
    """The kernel for blocks of ``LANES`` lanes (``c2po``; the helpers it calls are bound when it
    first compiles)."""
    _matched_filter, _, _subtract_rows, _product = compile_products(LANES)

    @njit(cache=True, nogil=True)
    def c2po(sR, A, tau, rho, iterations, level, out):  # type: ignore[no-untyped-def]
        """``iterations`` of C2PO for every (channel, block of lanes): ``sR: [B, N, 2K]``,
        ``A: [B, 2K, 2M]``; writes to ``out: [B, N, M, 2]`` the last relaxed iterate
        (``level = 0``) or its aligned 1-bit output on ``+-level``."""
        B, N, K2 = sR.shape
        D = A.shape[2]
        M = D // 2
        dt = sR.dtype
        # the block's state and scratch, allocated once per call
        x = np.empty((D, LANES), dtype=dt)
        r = np.empty((K2, LANES), dtype=dt)
        u = np.empty((K2, LANES), dtype=dt)
        u_rot = np.empty((K2, LANES), dtype=dt)
        along = np.empty(LANES, dtype=dt)
        across = np.empty(LANES, dtype=dt)
        At = np.empty((D, K2), dtype=dt)
        for b in range(B):
            for m in range(D):
                for k in range(K2):
                    At[m, k] = A[b, k, m]
            for l0 in range(0, N, LANES):
                n = min(LANES, N - l0)
                _matched_filter(sR[b, l0 : l0 + n], A[b], x, u)  # x = A^T s, u = s
                _iterate(At, tau, rho, iterations, x, r, u, u_rot, along, across)
                if level > 0:
                    _quantize_aligned(At, level, x, r, u, along)
                for w in range(n):
                    for m in range(M):
                        out[b, l0 + w, m, 0] = x[m, w]
                        out[b, l0 + w, m, 1] = x[m + M, w]

    @njit(cache=True, nogil=True, fastmath=True)
    def _iterate(At, tau, rho, iterations, x, r, u, u_rot, along, across):  # type: ignore[no-untyped-def]
        """One block: ``x: [D, LANES]`` from ``A^T s`` to the last iterate, ``At = A^T: [D, 2K]``;
        ``u: [2K, LANES]`` the symbols in, their unit vectors after; ``r``, ``u_rot``: ``[2K,
        LANES]`` and ``along``, ``across``: ``[LANES]`` scratch."""
        D, K2 = At.shape
        K = K2 // 2
        dt = x.dtype
        # literals would promote float32 to float64 (and float32 iterates never equal float64 ones)
        zero = dt.type(0)
        one = dt.type(1)
        tiny = dt.type(1e-30)  # the torch form's floor on ||s||^2 (zero vectors stay zero)
        inverse_norm = along  # 1 / ||s|| per lane, until the iterations need ``along``
        _lane_dots(inverse_norm, u, u)
        for w in range(LANES):
            inverse_norm[w] = one / np.sqrt(max(inverse_norm[w], tiny))
        for k in range(K):  # u <- s / ||s||, u_rot <- j u: (-Im u, Re u)
            for w in range(LANES):
                re = u[k, w] * inverse_norm[w]
                im = u[k + K, w] * inverse_norm[w]
                u[k, w] = re
                u[k + K, w] = im
                u_rot[k, w] = -im
                u_rot[k + K, w] = re
        for _ in range(iterations):
            _product(r, At, x)  # r = A x
            # r <- tau P_s r: remove the components along s and j s
            for w in range(LANES):
                along[w] = zero
                across[w] = zero
            for k in range(K2):
                for w in range(LANES):
                    along[w] += u[k, w] * r[k, w]
                    across[w] += u_rot[k, w] * r[k, w]
            for k in range(K2):
                for w in range(LANES):
                    r[k, w] = tau * (r[k, w] - u[k, w] * along[w] - u_rot[k, w] * across[w])
            # x <- clip(rho (x - A^T r)), two rows at a time (D = 2M is even)
            for m in range(0, D, 2):
                _subtract_rows(x, m, At, r, K2)
                for i in range(m, m + 2):
                    for w in range(LANES):
                        x[i, w] = min(max(rho * x[i, w], -one), one)

    @njit(cache=True, nogil=True, fastmath=True)
    def _quantize_aligned(At, level, x, r, u, gain):  # type: ignore[no-untyped-def]
        """``x: [D, LANES]`` <- ``+-level`` by the sign of each entry (0 gives ``-level``, as the
        DAC), each lane negated where ``Re(s^H A y) < 0`` (``u: [2K, LANES]`` positive multiples
        of the symbols; ``r: [2K, LANES]`` and ``gain: [LANES]`` scratch)."""
        D = At.shape[0]
        zero = x.dtype.type(0)
        for m in range(D):
            for w in range(LANES):
                x[m, w] = level if x[m, w] > zero else -level
        _product(r, At, x)  # r = A y
        _lane_dots(gain, u, r)
        for m in range(D):
            for w in range(LANES):
                x[m, w] = -x[m, w] if gain[w] < zero else x[m, w]

    @njit(cache=True, nogil=True, fastmath=True, inline="always")
    def _lane_dots(out, a, b):  # type: ignore[no-untyped-def]
        """``out[w] = sum_k a[k, w] b[k, w]`` per lane (``a, b: [2K, LANES]``, ``out: [LANES]``)."""
        zero = out.dtype.type(0)
        for w in range(LANES):
            out[w] = zero
        for k in range(a.shape[0]):
            for w in range(LANES):
                out[w] += a[k, w] * b[k, w]

    return c2po


KERNELS = {lanes: _compile(lanes) for lanes in BLOCK_LANES}
