"""The products that Numba kernels over blocks of symbol vectors are made of (SQUID's and
C2PO's). A block holds ``LANES`` vectors as the columns of ``[rows, LANES]`` arrays; every loop
over the lanes is innermost and of a length known when compiling, so LLVM unrolls and vectorises
it, and ``fastmath`` lets it fuse multiply-adds. The products hold a few coefficients of the
matrix in registers per pass over the lanes (register blocking): each loaded lane feeds several
multiply-adds. ``lanes_for(N)`` picks the block width for ``N`` vectors; ``compile_products``
compiles the products for one width.
"""

from __future__ import annotations

from typing import Any

from numba import njit

__all__ = ["BLOCK_LANES", "compile_products", "lanes_for"]

BLOCK_LANES = (64, 128)
"""The block widths the kernels are compiled for."""


def lanes_for(n: int) -> int:
    """The block's lane count for ``n`` vectors: 128 unless 64 pads fewer zero vectors (the wider
    block loads each coefficient of the products once per twice as many multiply-adds)."""
    return 128 if -(-n // 128) * 128 == -(-n // 64) * 64 else 64


def compile_products(LANES: int) -> tuple[Any, Any, Any, Any]:  # noqa: N803 - as in the kernels
    """``(matched_filter, add_rows, subtract_rows, product)`` for blocks of ``LANES`` lanes, Numba
    functions to call from a kernel compiled for the same width."""

    @njit(cache=True, nogil=True, fastmath=True)
    def matched_filter(s, A, smf, sT):  # type: ignore[no-untyped-def]
        """``smf[:, w] = A^T s[w]`` for the block's ``n <= LANES`` vectors ``s: [n, 2K]``, zero
        in the lanes past ``n`` (zero vectors, whose iterates stay zero); ``sT: [2K, LANES]``
        receives the block's symbols, one lane per vector (zero past ``n``)."""
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

    @njit(cache=True, nogil=True, fastmath=True, inline="always")
    def subtract_rows(x, m, P, r, K2):  # type: ignore[no-untyped-def]
        """``x[i] -= sum_k P[i, k] r[k]`` for ``i = m, m + 1`` (``x: [D, LANES]``, ``P: [D, K2]``,
        ``r: [K2, LANES]``): two rows of ``x`` by four of ``r`` per pass over the lanes (8
        multiply-adds per 6 loads and 2 stores, the 8 factors held in registers), then two by
        two for the rest of ``r``."""
        k = 0
        while k + 4 <= K2:
            p0, p1, p2, p3 = P[m, k], P[m, k + 1], P[m, k + 2], P[m, k + 3]
            q0, q1, q2, q3 = P[m + 1, k], P[m + 1, k + 1], P[m + 1, k + 2], P[m + 1, k + 3]
            for w in range(LANES):
                r0, r1, r2, r3 = r[k, w], r[k + 1, w], r[k + 2, w], r[k + 3, w]
                x[m, w] -= (r0 * p0 + r1 * p1) + (r2 * p2 + r3 * p3)
                x[m + 1, w] -= (r0 * q0 + r1 * q1) + (r2 * q2 + r3 * q3)
            k += 4
        while k < K2:  # K2 is even
            p0, p1, q0, q1 = P[m, k], P[m, k + 1], P[m + 1, k], P[m + 1, k + 1]
            for w in range(LANES):
                r0, r1 = r[k, w], r[k + 1, w]
                x[m, w] -= r0 * p0 + r1 * p1
                x[m + 1, w] -= r0 * q0 + r1 * q1
            k += 2

    @njit(cache=True, nogil=True, fastmath=True, inline="always")
    def add_rows(r, Pt, x, m0, m1, K2):  # type: ignore[no-untyped-def]
        """``r[k] += sum_{m0 <= m < m1} Pt[m, k] x[m]`` for every ``k`` (``r: [K2, LANES]``,
        ``Pt: [D, K2]``, ``x: [D, LANES]``): two rows of ``r`` by four of ``x`` per pass over the
        lanes (``m1 - m0`` is 4, or 2 for the last rows where ``D = 2M`` is not a multiple of 4)."""
        if m1 - m0 == 4:
            for k in range(0, K2, 2):  # K2 is even
                a0, a1, a2, a3 = Pt[m0, k], Pt[m0 + 1, k], Pt[m0 + 2, k], Pt[m0 + 3, k]
                b0, b1 = Pt[m0, k + 1], Pt[m0 + 1, k + 1]
                b2, b3 = Pt[m0 + 2, k + 1], Pt[m0 + 3, k + 1]
                for w in range(LANES):
                    u0, u1, u2, u3 = x[m0, w], x[m0 + 1, w], x[m0 + 2, w], x[m0 + 3, w]
                    r[k, w] += (u0 * a0 + u1 * a1) + (u2 * a2 + u3 * a3)
                    r[k + 1, w] += (u0 * b0 + u1 * b1) + (u2 * b2 + u3 * b3)
        else:
            for k in range(0, K2, 2):
                a0, a1, b0, b1 = Pt[m0, k], Pt[m0 + 1, k], Pt[m0, k + 1], Pt[m0 + 1, k + 1]
                for w in range(LANES):
                    u0, u1 = x[m0, w], x[m0 + 1, w]
                    r[k, w] += u0 * a0 + u1 * a1
                    r[k + 1, w] += u0 * b0 + u1 * b1

    @njit(cache=True, nogil=True, fastmath=True)
    def product(r, Pt, x):  # type: ignore[no-untyped-def]
        """``r = Pt^T x`` (``r: [K2, LANES]``, ``Pt: [D, K2]``, ``x: [D, LANES]``) by ``add_rows``
        over blocks of four rows of ``x``."""
        D, K2 = Pt.shape
        zero = r.dtype.type(0)
        for k in range(K2):
            for w in range(LANES):
                r[k, w] = zero
        for m0 in range(0, D, 4):
            add_rows(r, Pt, x, m0, min(m0 + 4, D), K2)

    return matched_filter, add_rows, subtract_rows, product
