"""The local search (``precoders.local_search``) as one fused kernel over a batch of channels, in
two implementations that choose the same levels: a Numba kernel (``_local_search_numba``: per
channel the start, every candidate gain searched jointly, their estimated rates, and the chosen
one searched again to write its outputs; the loops over sweeps and antennas inside, the symbol
vectors vectorised) and a pure-torch form that runs the same arithmetic, operation for operation,
over all lanes at once.

Both work on real and imaginary parts in the dtype of ``H`` (float32 for ``complex64``); every sum
that decides a level runs in a fixed order (users, then antennas), and a value on a threshold
takes the lower level, as ``DAC`` does; so the two choose the same bits, ties included. A
candidate is rated from float64 sums over the channel's symbol vectors (``snidr_terms_from_sums``:
``y H = alpha s - e`` from the residual ``e``), whose order differs between the two by rounding
only.

Why Numba: a sweep is a serial chain over the antennas, a few multiply-adds per step, too small
for a library call per antenna (the torch form pays ~10 dispatches per antenna); a compiled loop
over a block of symbol vectors, lanes innermost, is vectorised by LLVM (AVX2) and installs from
PyPI as a wheel, with no compiler or build step. The kernel runs on Python threads
(``_kernel_threads``; it releases the GIL), one slice of the channels each: they sleep when idle,
where an OpenMP pool spins, and on a machine whose cores are all busy two spinning pools (Numba's
and torch's) slow each other by orders of magnitude.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch

from ..metrics import SNIDRTerms, snidr, sum_rate
from ._kernel_threads import BACKENDS, run_in_threads
from ._kernel_threads import resolve_backend as _resolve

__all__ = [
    "BACKENDS",
    "NUMBA_AVAILABLE",
    "SearchProblem",
    "local_search",
    "resolve_backend",
    "snidr_terms_from_sums",
]

# Bytes of a block's levels (float32: 8 M W): W = 64 K / (8 M) lanes, within 64..1024.
_BLOCK_BYTES = 1 << 16

try:  # numba is a dependency; the torch form keeps machines without a working numba going
    from . import _local_search_numba as _nb

    _kernel = cast(Callable[..., None], _nb.local_search)
    NUMBA_AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    NUMBA_AVAILABLE = False


def resolve_backend(backend: str) -> str:
    """``"auto"`` -> ``"numba"`` where the local-search kernel imports, else ``"torch"``
    (``_kernel_threads.resolve_backend``)."""
    return _resolve(backend, NUMBA_AVAILABLE)


@dataclass(frozen=True)
class SearchProblem:
    """One batch of local searches.

    Attributes:
        H: ``[B, M, K]`` complex channels.
        s: ``[B, N_s, K]`` complex symbols.
        scale: ``[B, M]`` real, antenna ``m`` sends ``scale[b, m]`` times a DAC level.
        levels: ``[L]`` real, the DAC's increasing levels.
        thresholds: ``[L - 1]`` real, its decision thresholds.
        start: ``[B, M, K]`` complex ``P``: the start is ``P s`` quantized by the DAC (against
            ``thresholds``) and scaled by ``scale``; or ``[B, N_s, M]`` complex, a given start on
            the scaled alphabets (``linear=False``).
        linear: which of the two ``start`` is.
    """

    H: torch.Tensor
    s: torch.Tensor
    scale: torch.Tensor
    levels: torch.Tensor
    thresholds: torch.Tensor
    start: torch.Tensor
    linear: bool


def local_search(
    problem: SearchProblem,
    gains: torch.Tensor,
    sweeps: int,
    auto: bool,
    total_power: float,
    noise: float,
    backend: str = "auto",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per channel, the search toward ``c a s`` (``a`` the start's least-squares gain) for ``c``
    the one gain of ``gains``, or with ``auto`` for the best of the start and ``gains``.

    Args:
        problem: the batch.
        gains: ``[C]`` real, the candidate ``c`` (one without ``auto``).
        sweeps: passes over the antennas.
        auto: choose among the start and the candidates by the estimated sum rate (eq. 9 of Feys
            et al. with the Bussgang SNIDR of eq. 8 over the channel's symbols, outputs
            normalised to ``total_power``, receiver noise ``noise``); the first of equal rates.
        total_power: ``P_T``.
        noise: ``sigma_v^2``.
        backend: ``"numba"``, ``"torch"`` or ``"auto"``.

    Returns:
        ``y: [B, N_s, M]`` complex on the alphabets, and ``choice: [B]`` int64 (0: the start,
        ``1 + c``: candidate ``c``).
    """
    gains = gains.to(torch.float64).cpu()
    if resolve_backend(backend) == "torch":
        return _local_search_torch(problem, gains, sweeps, auto, total_power, noise)
    H, s = problem.H, problem.s
    (B, M, _), N = H.shape, s.shape[1]
    real = H.real.dtype
    y = np.empty((B, N, M), dtype=np.complex64 if H.dtype == torch.complex64 else complex)
    choice = np.empty(B, dtype=np.int64)
    lanes = min(max(_BLOCK_BYTES // (8 * M), 64), 1024)
    dummy = np.zeros((1, 1, 2), dtype=np.float32 if real == torch.float32 else np.float64)
    start = _pairs(problem.start)
    per_channel = {
        0: _pairs(H), 1: start if problem.linear else dummy, 2: dummy if problem.linear else start,
        3: _pairs(s), 4: problem.scale.to(real).cpu().contiguous().numpy(),
        15: y.view(y.real.dtype), 16: choice,
    }  # fmt: skip
    shared = {
        5: problem.levels.to(real).cpu().contiguous().numpy(),
        6: problem.thresholds.to(real).cpu().contiguous().numpy(), 7: problem.linear,
        8: np.array([torch.finfo(real).tiny], dtype=dummy.dtype), 9: gains.numpy(), 10: auto,
        11: sweeps, 12: lanes, 13: float(total_power), 14: float(noise),
    }  # fmt: skip
    sliced = set(per_channel) - ({1} if not problem.linear else {2})
    args = {**per_channel, **shared}
    run_in_threads(_kernel, B, [args[i] for i in range(len(args))], sliced)
    device = H.device
    return torch.from_numpy(y).to(device), torch.from_numpy(choice).to(device)


def _pairs(x: torch.Tensor) -> np.ndarray:
    """``[..., D]`` complex -> ``[..., 2D]`` real (a view where ``x`` is contiguous)."""
    x = x.detach().cpu().resolve_conj().contiguous()
    return torch.view_as_real(x).reshape(*x.shape[:-1], -1).numpy()


def snidr_terms_from_sums(
    s: torch.Tensor, sum_p: torch.Tensor, sum_sr: torch.Tensor, sum_rr: torch.Tensor,
    total_power: float,
) -> SNIDRTerms:  # fmt: skip
    """``metrics.snidr_terms`` of outputs ``y`` normalised to ``P_T`` (eq. 15 of Feys et al.), from
    sums over the channel's symbol vectors of ``y`` and of ``R = y H`` before normalisation: with
    ``A^T = (S^H S)^{-1} S^H R`` (the least-squares Bussgang fit) the distortion
    ``mean_n |R_nk - s_n A^T_k|^2`` is ``(sum_n |R_nk|^2 - (S^H R)_k^H A^T_k) / N_s``.

    Args:
        s: ``[B, N_s, K]`` complex symbols.
        sum_p: ``[..., B]`` real, ``sum_n ||y_n||^2``.
        sum_sr: ``[..., B, K, K]`` complex, ``S^H R``.
        sum_rr: ``[..., B, K]`` real, ``sum_n |R_nk|^2``.
        total_power: ``P_T``.

    Returns:
        ``SNIDRTerms`` with ``[..., B, K]`` fields, float64.
    """
    N = s.shape[-2]
    s64 = s.to(torch.complex128)
    mean = sum_p.double() / N
    scale2 = torch.where(mean > 0, total_power / mean.clamp_min(torch.finfo(mean.dtype).tiny), 0.0)
    A_T = torch.linalg.solve(s64.mH @ s64, sum_sr.to(torch.complex128))  # [..., B, K, K]
    power = A_T.abs() ** 2 * scale2[..., None, None]
    signal = torch.diagonal(power, dim1=-2, dim2=-1)
    fitted = (sum_sr.conj() * A_T).sum(-2).real  # (S^H R)_k^H A^T_k
    dist = (scale2[..., None] * (sum_rr.double() - fitted) / N).clamp_min(0.0)
    gain = A_T.mT * scale2.sqrt()[..., None, None]
    return SNIDRTerms(signal, power.sum(-2) - signal, dist, gain)


def _local_search_torch(
    p: SearchProblem, gains: torch.Tensor, sweeps: int, auto: bool, total_power: float,
    noise: float,
) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """The kernel's arithmetic in torch, over lanes ``[C, B, N_s]``."""
    tables = _tables_torch(p)
    y0r, y0i, r0r, r0i, a = _start_torch(p, tables)
    real = p.H.real.dtype
    alpha64 = gains[:, None].to(a.device) * a  # [C, B]
    alpha = torch.complex(alpha64.real.to(real), alpha64.imag.to(real))
    if not auto:
        alpha = alpha[:1]
    yr, yi, er, ei = _search_torch(tables, (y0r, y0i, r0r, r0i), p.s, alpha, sweeps)
    B = p.H.shape[0]
    if not auto:
        return torch.complex(yr[0], yi[0]), torch.ones(B, dtype=torch.int64, device=a.device)
    a_r, a_i = alpha.real.double()[..., None, None], alpha.imag.double()[..., None, None]
    sr, si = p.s.real.double(), p.s.imag.double()
    R = torch.complex((a_r * sr - a_i * si) - er.double(), (a_r * si + a_i * sr) - ei.double())
    R = torch.cat([torch.complex(r0r.double(), r0i.double())[None], R])  # [1 + C, B, N_s, K]
    power = torch.cat([_power_torch(y0r, y0i)[None], _power_torch(yr, yi)]).double()
    s64 = p.s.to(torch.complex128)
    terms = snidr_terms_from_sums(p.s, power.sum(-1), s64.mH @ R, (R.abs() ** 2).sum(-2),
                                  total_power)  # fmt: skip
    rates = sum_rate(snidr(terms, noise))  # [1 + C, B]
    choice = rates.nan_to_num(nan=-torch.inf).argmax(dim=0)  # the first of equal ones
    index = (choice - 1).clamp_min(0)[None, :, None, None].expand(1, -1, *yr.shape[2:])
    keep = (choice == 0)[:, None, None]
    y_r = torch.where(keep, y0r, yr.gather(0, index)[0])
    y_i = torch.where(keep, y0i, yi.gather(0, index)[0])
    return torch.complex(y_r, y_i), choice


def _tables_torch(p: SearchProblem) -> tuple[torch.Tensor, ...]:
    """The kernel's ``_tables``: ``Hr, Hi, Gr, Gi: [B, M, K]``, ``lev: [B, M, L]``, ``thr: [B, M,
    L - 1]``."""
    Hr, Hi = p.H.real.contiguous(), p.H.imag.contiguous()
    energy = Hr[..., 0] * Hr[..., 0] + Hi[..., 0] * Hi[..., 0]  # [B, M]
    for k in range(1, Hr.shape[-1]):
        energy = energy + (Hr[..., k] * Hr[..., k] + Hi[..., k] * Hi[..., k])
    energy = energy.clamp_min(torch.finfo(energy.dtype).tiny)[..., None]
    scale = p.scale.to(Hr.dtype)[..., None]
    return (Hr, Hi, Hr / energy, Hi / energy, scale * p.levels.to(Hr.dtype),
            scale * p.thresholds.to(Hr.dtype))  # fmt: skip


def _start_torch(p: SearchProblem, tables: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """The kernel's ``_start``: ``y0r, y0i: [B, N_s, M]``, ``r0r, r0i: [B, N_s, K]`` and the
    common gain ``a: [B]`` complex128."""
    Hr, Hi, _, _, lev, _ = tables
    sr, si = p.s.real, p.s.imag  # [B, N_s, K]
    plain = p.thresholds.to(sr.dtype)
    lev = lev[:, None]  # [B, 1, M, L]
    if p.linear:
        Pr, Pi = p.start.real[:, None], p.start.imag[:, None]  # [B, 1, M, K]
        xr = Pr[..., 0] * sr[..., 0:1] - Pi[..., 0] * si[..., 0:1]  # [B, N_s, M]
        xi = Pr[..., 0] * si[..., 0:1] + Pi[..., 0] * sr[..., 0:1]
        for k in range(1, sr.shape[-1]):
            xr = xr + (Pr[..., k] * sr[..., k : k + 1] - Pi[..., k] * si[..., k : k + 1])
            xi = xi + (Pr[..., k] * si[..., k : k + 1] + Pi[..., k] * sr[..., k : k + 1])
        y0r = torch.where(xr > plain[0], lev[..., 1], lev[..., 0])
        y0i = torch.where(xi > plain[0], lev[..., 1], lev[..., 0])
        for j in range(2, lev.shape[-1]):
            y0r = torch.where(xr > plain[j - 1], lev[..., j], y0r)
            y0i = torch.where(xi > plain[j - 1], lev[..., j], y0i)
    else:
        y0r, y0i = p.start.real.contiguous(), p.start.imag.contiguous()
    Hr, Hi = Hr[:, None], Hi[:, None]  # [B, 1, M, K]
    r0r = y0r[..., 0:1] * Hr[..., 0, :] - y0i[..., 0:1] * Hi[..., 0, :]  # [B, N_s, K]
    r0i = y0r[..., 0:1] * Hi[..., 0, :] + y0i[..., 0:1] * Hr[..., 0, :]
    for m in range(1, y0r.shape[-1]):
        ym_r, ym_i = y0r[..., m : m + 1], y0i[..., m : m + 1]
        r0r = r0r + (ym_r * Hr[..., m, :] - ym_i * Hi[..., m, :])
        r0i = r0i + (ym_r * Hi[..., m, :] + ym_i * Hr[..., m, :])
    s64 = torch.complex(sr.double(), si.double())
    r64 = torch.complex(r0r.double(), r0i.double())
    a = (s64.conj() * r64).sum((-2, -1)) / (s64.abs() ** 2).sum((-2, -1))
    return y0r, y0i, r0r, r0i, a


def _power_torch(yr: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
    """``||y||^2`` over the last axis, summed in order."""
    power = yr[..., 0] * yr[..., 0] + yi[..., 0] * yi[..., 0]
    for m in range(1, yr.shape[-1]):
        power = power + (yr[..., m] * yr[..., m] + yi[..., m] * yi[..., m])
    return power


def _search_torch(
    tables: tuple[torch.Tensor, ...], start: tuple[torch.Tensor, ...], s: torch.Tensor,
    alpha: torch.Tensor, sweeps: int,
) -> tuple[torch.Tensor, ...]:  # fmt: skip
    """The kernel's residual set-up and ``_sweeps`` for the target gains ``alpha: [C, B]``
    complex (rounded to the working dtype) over lanes ``[C, B, N_s]``: ``yr, yi: [C, B, N_s,
    M]`` and ``er, ei: [C, B, N_s, K]``."""
    Hr, Hi, Gr, Gi, lev, thr = tables
    y0r, y0i, r0r, r0i = start
    sr, si = s.real, s.imag
    C = alpha.shape[0]
    ar, ai = alpha.real[:, :, None, None], alpha.imag[:, :, None, None]  # [C, B, 1, 1]
    er = (ar * sr - ai * si) - r0r  # [C, B, N_s, K]
    ei = (ar * si + ai * sr) - r0i
    yr = y0r.expand(C, -1, -1, -1).clone()  # [C, B, N_s, M]
    yi = y0i.expand(C, -1, -1, -1).clone()
    M, K, L = Hr.shape[1], Hr.shape[2], lev.shape[2]

    def col(x: torch.Tensor, m: int, j: int) -> torch.Tensor:  # [B, M, J] -> [1, B, 1]
        return x[:, m, j][None, :, None]

    for _ in range(sweeps):
        for m in range(M):
            gr, gi = col(Gr, m, 0), col(Gi, m, 0)
            acr = gr * er[..., 0] + gi * ei[..., 0]  # [C, B, N_s]
            aci = gr * ei[..., 0] - gi * er[..., 0]
            for k in range(1, K):
                gr, gi = col(Gr, m, k), col(Gi, m, k)
                acr = acr + (gr * er[..., k] + gi * ei[..., k])
                aci = aci + (gr * ei[..., k] - gi * er[..., k])
            xr, xi = yr[..., m] + acr, yi[..., m] + aci
            low, t, v = col(lev, m, 0), col(thr, m, 0), col(lev, m, 1)
            qr, qi = torch.where(xr > t, v, low), torch.where(xi > t, v, low)
            for j in range(2, L):
                t, v = col(thr, m, j - 1), col(lev, m, j)
                qr, qi = torch.where(xr > t, v, qr), torch.where(xi > t, v, qi)
            dr, di = qr - yr[..., m], qi - yi[..., m]
            yr[..., m], yi[..., m] = qr, qi
            for k in range(K):
                hr, hi = col(Hr, m, k), col(Hi, m, k)
                er[..., k] = er[..., k] - (dr * hr - di * hi)
                ei[..., k] = ei[..., k] - (dr * hi + di * hr)
    return yr, yi, er, ei
