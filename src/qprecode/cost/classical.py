"""Real-FLOP counts of the classical precoders, per channel (matrix design or set-up) and per
symbol vector, following the algorithms of ``qprecode.precoders`` step by step.

Conventions (the same as Sect. V of Feys et al. for real arithmetic):

- a complex multiplication is 4 real multiplications and 2 additions, a complex addition 2
  additions, a complex times a real number 2 multiplications, ``|z|^2`` 2 multiplications and 1
  addition, so a complex inner product of length ``n`` is ``4n`` multiplications and
  ``4n - 2`` additions (a real one ``n`` and ``n - 1``);
- a division or a square root counts as one multiplication, a subtraction as an addition;
- conjugation, negation, sign, absolute value of a real, comparisons (max, clipping, sorting)
  and data movement are free;
- constants of ``M``, ``K``, the design SNR or a step size (SQUID's ``lambda`` and ``c``, C2PO's
  ``tau`` and ``rho``) are computed once and not counted;
- an ``n x n`` inverse, or a linear solve (counted as an inverse and a product), is in-place
  Gauss-Jordan elimination without pivoting: ``n^3`` multiplications/divisions and
  ``n^3 - 2n^2 + n`` additions, in complex or real arithmetic (``inverse_flops``); a complex
  division counts as a complex multiplication. Cholesky-based solves cost about a third of the
  ``n^3`` term; it is the leading term for ``K`` users, against ``K^2 M`` for the Gram matrix;
- common subexpressions are counted once; the final quantizer and the sign alignment of
  ``precoders.objective.align_sign`` are not counted.

Per channel and per vector:

- MRT: ``W = alpha H^*`` with ``alpha = sqrt(P_T / ||H||_F^2)``: ``4MK + 2`` mults and
  ``2MK - 1`` adds per channel; every linear precoder then costs ``y = W s``, ``M`` inner
  products of length ``K``: ``4MK`` mults and ``M(4K - 2)`` adds per vector.
- ZF: the Gram matrix ``H^T H^*`` (``K^2`` inner products of length ``M``), its inverse,
  ``H^* G^{-1}`` (``MK`` inner products of length ``K``) and the normalisation of MRT.
- RZF: ZF plus ``K`` real additions for the regularisation of the diagonal.
- SQUID (real form, ``D = 2M``, ``R = 2K``): per channel ``A_R A_R^T`` (``R x D`` by
  ``D x R``), ``+ c I``, the solve for ``Q``; per vector ``A_R^T s_R`` and, per
  Douglas-Rachford iteration, ``2RD + 4D`` mults and ``2RD + 5D - R - 1`` adds.
- C2PO: nothing per channel; per vector ``s / ||s||`` and ``A^H s``, and per iteration
  ``8MK + 8K + 4M`` mults and ``8MK + 6K - 2`` adds (``A x``, the projection ``P_s``,
  ``A^H r``, the step ``tau`` and push ``rho``).
- Local search (``precoders.local_search``, ZF start): per channel the ZF design, the
  per-antenna norms of ``W`` and the row energies ``||h_m||^2``, the gain ``a`` (one division) and
  ``c a`` per candidate; per vector the start ``y0 = W s`` normalised per antenna, ``r0 = y0 H``,
  the sums of ``a`` (``s^* r0`` and ``|s|^2``), and per candidate ``c``: the target ``c a s``,
  the residual ``c a s - r0`` and, per sweep and antenna, ``h_m^H e``, its division by
  ``||h_m||^2``, the new level (a comparison: free), the change ``d`` and the residual update
  ``e - d h_m``: ``8K + 2`` mults and ``8K + 2`` adds. With the automatic gain (``G``
  candidates) each candidate's estimated SNIDR adds, per vector, its power (``2M`` and ``2M``) and
  the per-user sums of ``s^* r`` and ``|r|^2`` (``6K`` and ``8K``), and ``10K`` of each per
  channel; the best candidate is a comparison. This is the algorithm's arithmetic in the
  paper's convention; the fused kernel that runs counts its own operations
  (``precoders.local_search_flops``: comparisons included, and the start and the chosen
  candidate's search done twice), which ``qprecode power`` uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..precoders import AUTO_GAINS
from .model import FlopCount

__all__ = [
    "CLASSICAL_PRECODERS", "ClassicalCost", "classical_flops", "inverse_flops", "wmmse_step_flops",
]  # fmt: skip

CLASSICAL_PRECODERS = ("mrt", "zf", "rzf", "squid", "c2po", "local-search")
# The iteration counts of SQUID() and C2PO() and the sweeps of LocalSearch() in qprecode.precoders.
_DEFAULT_ITERATIONS = {"squid": 50, "c2po": 25, "local-search": 3}
_ZERO = FlopCount(0, 0)


@dataclass(frozen=True)
class ClassicalCost:
    """FLOPs of a classical precoder.

    Attributes:
        per_channel: once per channel realisation (matrix design, factorisation).
        per_vector: per precoded symbol vector, all iterations included.
        per_iteration: one iteration of an iterative precoder (zero for linear ones).
        iterations: iterations included in ``per_vector`` (0 for linear precoders).
    """

    per_channel: FlopCount
    per_vector: FlopCount
    per_iteration: FlopCount = _ZERO
    iterations: int = 0

    def for_vectors(self, vectors: int) -> FlopCount:
        """One channel and ``vectors`` symbol vectors (``N_s``): ``per_channel + N_s
        per_vector``."""
        return self.per_channel + vectors * self.per_vector


def _cmatmul(rows: int, inner: int, cols: int) -> FlopCount:
    """Complex ``[rows, inner] @ [inner, cols]``: ``rows cols`` inner products of length
    ``inner``."""
    return FlopCount(4 * inner * rows * cols, (4 * inner - 2) * rows * cols)


def _rmatmul(rows: int, inner: int, cols: int) -> FlopCount:
    """Real ``[rows, inner] @ [inner, cols]``."""
    return FlopCount(inner * rows * cols, (inner - 1) * rows * cols)


def inverse_flops(n: int, complex_valued: bool = True) -> FlopCount:
    """In-place Gauss-Jordan inverse of an ``n x n`` matrix without pivoting: ``n^3``
    multiplications/divisions and ``n^3 - 2n^2 + n`` additions of the matrix's field, in real
    FLOPs (a complex one as 4 mults + 2 adds, a complex addition as 2 adds)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    mul, add = n**3, n**3 - 2 * n**2 + n
    if complex_valued:
        return FlopCount(4 * mul, 2 * mul + 2 * add)
    return FlopCount(mul, add)


def _normalisation(M: int, K: int) -> FlopCount:
    """``alpha W`` with ``alpha = sqrt(P_T / ||W||_F^2)``: ``|w|^2`` and their sum, a division
    and a square root, ``MK`` complex-times-real products."""
    return FlopCount(2 * M * K, 2 * M * K - 1) + FlopCount(2, 0) + FlopCount(2 * M * K, 0)


def _zf_design(M: int, K: int) -> FlopCount:
    gram = _cmatmul(K, M, K)  # H^T H^*
    return gram + inverse_flops(K) + _cmatmul(M, K, K) + _normalisation(M, K)


def _squid(M: int, K: int, iterations: int) -> ClassicalCost:
    D, R = 2 * M, 2 * K
    # A_R A_R^T + c I, then Q^T = (c I + A_R A_R^T)^{-1} A_R as an inverse and a product
    design = _rmatmul(R, D, R) + FlopCount(0, R) + inverse_flops(R, False) + _rmatmul(R, R, D)
    prox_f = (  # (sMF + c z - ((sMF + c z) A_R^T) Q^T) / c, with sMF + c z formed once
        FlopCount(D, D) + _rmatmul(1, D, R) + _rmatmul(1, R, D) + FlopCount(D, D)
    )
    reflect = FlopCount(D, D)  # 2 a - z
    prox_inf = FlopCount(D, D - 1)  # cumsum of the sorted magnitudes, D divisions
    update = FlopCount(0, 2 * D)  # z + b - a
    step = prox_f + reflect + prox_inf + update
    setup = _rmatmul(1, R, D)  # s_R^T A_R
    return ClassicalCost(design, setup + iterations * step, step, iterations)


def _c2po(M: int, K: int, iterations: int) -> ClassicalCost:
    unit = FlopCount(2 * K, 2 * K - 1) + FlopCount(1, 0) + FlopCount(2 * K, 0)  # s / ||s||
    setup = unit + _cmatmul(1, K, M)  # x = A^H s
    step = (
        _cmatmul(1, M, K)  # r = A x
        + _cmatmul(1, K, 1)  # s_unit^H r
        + FlopCount(4 * K, 2 * K)  # s_unit (s_unit^H r)
        + FlopCount(0, 2 * K)  # r - ...: P_s A x
        + _cmatmul(1, K, M)  # A^H P_s A x
        + FlopCount(2 * M, 2 * M)  # x - tau (...)
        + FlopCount(2 * M, 0)  # rho (...); clipping is free
    )
    return ClassicalCost(_ZERO, setup + iterations * step, step, iterations)


def _local_search(M: int, K: int, sweeps: int, candidates: int) -> ClassicalCost:
    norms = FlopCount(2 * M * K + M, M * (2 * K - 1))  # ||w_m|| per antenna, sqrt included
    energies = FlopCount(2 * M * K, M * (2 * K - 1))  # ||h_m||^2
    design = _zf_design(M, K) + norms + energies + FlopCount(2 + 2 * candidates, 0)
    start = _cmatmul(1, K, M) + FlopCount(2 * M, 0) + _cmatmul(1, M, K)  # y0 = W s / ||w||, r0
    gain_sums = FlopCount(6 * K, 6 * K)  # s^* r0 and |s|^2, accumulated over the vectors
    sweep = FlopCount(M * (8 * K + 2), M * (8 * K + 2))
    search = FlopCount(4 * K, 2 * K) + FlopCount(0, 2 * K) + sweeps * sweep  # target, residual
    estimate = FlopCount(2 * M + 6 * K, 2 * M + 8 * K)  # a candidate's estimated SNIDR
    if candidates > 1:  # the automatic gain: every candidate and the start are estimated
        search = search + estimate
        start = start + estimate
        design = design + (candidates + 1) * FlopCount(10 * K, 10 * K)
    return ClassicalCost(design, start + gain_sums + candidates * search, sweep, sweeps)


def classical_flops(
    name: str, M: int, K: int, iterations: int | None = None, candidates: int | None = None
) -> ClassicalCost:
    """Real FLOPs of a classical precoder (conventions in the module docstring).

    Args:
        name: one of ``CLASSICAL_PRECODERS`` (``mrt``, ``zf``, ``rzf``, ``squid``, ``c2po``,
            ``local-search``).
        M: antennas.
        K: users (``K <= M`` for ZF and the local search's ZF start).
        iterations: of SQUID or C2PO, sweeps of the local search (by default 50, 25 and 3, as
            ``SQUID()``, ``C2PO()`` and ``LocalSearch()``); ``None`` for the linear precoders.
        candidates: the local search's gains tried per channel: ``len(AUTO_GAINS)`` (the
            automatic gain) by default, 1 for a fixed gain.

    Returns:
        ``ClassicalCost`` with the FLOPs per channel and per symbol vector.
    """
    if name not in CLASSICAL_PRECODERS:
        raise ValueError(f"unknown precoder {name!r}; known: {', '.join(CLASSICAL_PRECODERS)}")
    if M < 1 or K < 1:
        raise ValueError(f"need M >= 1 and K >= 1, got M={M}, K={K}")
    if candidates is not None and name != "local-search":
        raise ValueError(f"candidates applies to local-search only, not {name}")
    if name in _DEFAULT_ITERATIONS:
        iterations = _DEFAULT_ITERATIONS[name] if iterations is None else iterations
        if iterations < 1:
            raise ValueError(f"iterations must be >= 1, got {iterations}")
        if name == "local-search":
            if K > M:
                raise ValueError(f"the local search starts from ZF: needs K <= M, got K={K}, M={M}")
            count = len(AUTO_GAINS) if candidates is None else candidates
            if count < 1:
                raise ValueError(f"candidates must be >= 1, got {count}")
            return _local_search(M, K, iterations, count)
        return _squid(M, K, iterations) if name == "squid" else _c2po(M, K, iterations)
    if iterations is not None:
        raise ValueError(f"{name} is not iterative; iterations applies to squid and c2po only")
    if name == "zf" and K > M:
        raise ValueError(f"ZF needs K <= M, got K={K}, M={M}")
    product = _cmatmul(1, K, M)  # y = W s, as s^T W^T
    design = {
        "mrt": _normalisation(M, K),
        "zf": _zf_design(M, K),
        "rzf": _zf_design(M, K) + FlopCount(0, K),
    }[name]
    return ClassicalCost(design, product)


def wmmse_step_flops(M: int, K: int, newton_steps: int = 6, user_space: bool = False) -> FlopCount:
    """Real FLOPs of one step of ``precoders.WMMSE`` as implemented (the ``K x K`` form, not the
    ``M x M`` inverse that eq. 12 of Kasalaee et al. counts): ``E = H^T W`` and the new
    ``W = H^* (C^{1/2} Q (Lambda + lambda)^{-1} X)`` (``M K^2`` complex multiply-adds each), the
    receivers, weights and ``C^{1/2} G C^{1/2}`` (``O(K^2)``), the Hermitian eigendecomposition
    (about ``9 K^3`` complex operations, counted as ``4 K^3`` multiplications and ``5 K^3``
    additions of complex numbers), ``X``, and ``newton_steps`` steps of the power multiplier
    (``6K`` each). The Gram matrix ``H^T H^*`` is per run, not per step. ``user_space``: the
    step of the Numba kernel, which keeps ``W = H^* T`` as ``T: [K, K]`` and forms
    ``E = G T``, so its two products are ``K x K x K`` (``W`` itself once per run)."""
    product = _cmatmul(K, K if user_space else M, K)
    small = FlopCount(12 * K * K + 20 * K, 8 * K * K + 10 * K)  # g, omega, S, X, rates
    eigen = FlopCount(4 * 4 * K**3, 2 * 4 * K**3 + 2 * 5 * K**3)
    newton = newton_steps * FlopCount(4 * K, 2 * K)
    return 2 * product + _cmatmul(K, K, K) + small + eigen + newton
