"""The local search (``precoders.local_search``) as fused kernels over a batch of channels, in two
implementations that choose the same levels: Numba kernels (``_local_search_numba``: a thread per
channel, the loops over sweeps and antennas inside, the lanes vectorised) and a pure-torch form
that runs the same arithmetic, operation for operation, over all lanes at once.

Two passes make the automatic gain: ``candidate_statistics`` computes the start and searches every
candidate gain jointly, keeping of each output only what its estimated rate needs (the sums of
``||y||^2``, ``s^H R`` and ``|R_k|^2`` over the channel's symbol vectors, ``R = y H = alpha s - e``
from the residual ``e``); ``search_outputs`` searches the chosen gain once more (or keeps the
start) and writes the outputs. A fixed gain needs only the second.

Both work on real and imaginary parts in the dtype of ``H`` (float32 for ``complex64``); every sum
that decides a level runs in a fixed order (users, then antennas), and a value on a threshold
takes the lower level, as ``DAC`` does; so the two choose the same bits, ties included. The rate
sums are float64 (their order differs between the two, by rounding only).

Why Numba: a sweep is a serial chain over the antennas, a few multiply-adds per step, too small
for a library call per antenna (the torch form pays ~10 dispatches per antenna and candidate); a
compiled loop over a block of symbol vectors, lanes innermost, is vectorised by LLVM (AVX2) and
installs from PyPI as a wheel, with no compiler or build step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch

__all__ = [
    "BACKENDS",
    "NUMBA_AVAILABLE",
    "SearchProblem",
    "candidate_statistics",
    "resolve_backend",
    "search_outputs",
]

BACKENDS = ("auto", "numba", "torch")
# Bytes of a block's levels (float32: 8 M W): W = 64 K / (8 M) lanes, within 64..1024.
_BLOCK_BYTES = 1 << 16

try:  # numba is a dependency; the torch form keeps machines without a working numba going
    from . import _local_search_numba as _nb

    _candidate_stats = cast(Callable[..., None], _nb.candidate_stats)
    _search_outputs = cast(Callable[..., None], _nb.search_outputs)
    NUMBA_AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    NUMBA_AVAILABLE = False


def resolve_backend(backend: str) -> str:
    """``"auto"`` -> ``"numba"`` where Numba imports, else ``"torch"``; raises for an unknown name
    or ``"numba"`` without Numba."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        return "numba" if NUMBA_AVAILABLE else "torch"
    if backend == "numba" and not NUMBA_AVAILABLE:
        raise ValueError("backend 'numba' needs the numba package, which does not import here")
    return backend


@dataclass(frozen=True)
class SearchProblem:
    """One batch of local searches.

    Attributes:
        H: ``[B, M, K]`` complex channels.
        s: ``[B, N_s, K]`` complex symbols.
        levels: ``[B, M, L]`` real, antenna ``m``'s increasing alphabet.
        thresholds: ``[B, M, L - 1]`` real, its decision thresholds.
        start: ``[B, M, K]`` complex ``P``: the start is ``P s`` quantized against the plain
            thresholds ``plain`` onto ``levels``; or ``[B, N_s, M]`` complex, a given start on
            the alphabets (``linear=False``).
        plain: ``[L - 1]`` real, the DAC's thresholds for ``P s``.
        linear: which of the two ``start`` is.
    """

    H: torch.Tensor
    s: torch.Tensor
    levels: torch.Tensor
    thresholds: torch.Tensor
    start: torch.Tensor
    plain: torch.Tensor
    linear: bool

    @property
    def G(self) -> torch.Tensor:
        """``h_m / ||h_m||^2``: ``[B, M, K]`` complex."""
        energy = (self.H.abs() ** 2).sum(-1, keepdim=True)
        return self.H / energy.clamp_min(torch.finfo(energy.dtype).tiny)


def candidate_statistics(
    problem: SearchProblem, gains: torch.Tensor, sweeps: int, backend: str = "auto"
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The start and a search toward ``gains[c] a s`` for every candidate ``c`` (``a`` the start's
    least-squares gain), reduced to the sums of their estimated rates.

    Args:
        problem: the batch.
        gains: ``[C]`` real, the candidate ``c`` of ``alpha = c a``.
        sweeps: passes over the antennas.
        backend: ``"numba"``, ``"torch"`` or ``"auto"``.

    Returns:
        ``sum_p: [1 + C, B]`` float64 (sum of ``||y_n||^2``), ``sum_sr: [1 + C, B, K, K]``
        complex128 (``s^H R``) and ``sum_rr: [1 + C, B, K]`` float64 (``sum_n |R_nk|^2``), the
        start first.
    """
    (B, M, K), C = problem.H.shape, len(gains)
    gains = gains.to(torch.float64).cpu()
    if resolve_backend(backend) == "torch":
        return _statistics_torch(problem, gains, sweeps)
    sum_p, sum_rr = np.zeros((1 + C, B)), np.zeros((1 + C, B, K))
    sum_sr = np.zeros((1 + C, B, K, K, 2))
    lanes = min(max(_BLOCK_BYTES // (8 * M), 64), 1024)
    _candidate_stats(*_arrays(problem), gains.numpy(), sweeps, lanes, sum_p, sum_sr, sum_rr)
    device = problem.H.device
    return (torch.from_numpy(sum_p).to(device),
            torch.view_as_complex(torch.from_numpy(sum_sr)).to(device),
            torch.from_numpy(sum_rr).to(device))  # fmt: skip


def search_outputs(
    problem: SearchProblem, gain: torch.Tensor, sweeps: int, backend: str = "auto"
) -> torch.Tensor:
    """Per channel the search toward ``gain[b] a s``, or the start where ``gain[b] = 0``.

    Args:
        problem: the batch.
        gain: ``[B]`` real, non-negative.
        sweeps: passes over the antennas.
        backend: ``"numba"``, ``"torch"`` or ``"auto"``.

    Returns:
        ``y: [B, N_s, M]`` complex on the alphabets.
    """
    gain = gain.to(torch.float64).cpu()
    if resolve_backend(backend) == "torch":
        return _outputs_torch(problem, gain, sweeps)
    (B, M, _), N = problem.H.shape, problem.s.shape[1]
    y = np.empty((B, N, M), dtype=np.complex64 if problem.H.dtype == torch.complex64 else complex)
    _search_outputs(*_arrays(problem), gain.numpy(), sweeps, y.view(y.real.dtype))
    return torch.from_numpy(y).to(problem.H.device)


def _arrays(p: SearchProblem) -> list[np.ndarray | bool]:
    """The kernels' inputs: real arrays of the dtype of ``H``, complex ones as real pairs."""
    real = p.H.real.dtype

    def pairs(x: torch.Tensor) -> np.ndarray:  # [..., D] complex -> [..., 2D] real
        x = x.detach().cpu().resolve_conj().contiguous()
        return torch.view_as_real(x).reshape(*x.shape[:-1], -1).numpy()

    def plain(x: torch.Tensor) -> np.ndarray:
        return x.detach().to(real).cpu().contiguous().numpy()

    G = p.G
    dummy = np.zeros((0, 0, 0), dtype=plain(p.plain).dtype)
    return [plain(p.H.real), plain(p.H.imag), plain(G.real), plain(G.imag),
            pairs(p.start) if p.linear else dummy, dummy if p.linear else pairs(p.start),
            pairs(p.s), plain(p.levels), plain(p.thresholds), plain(p.plain), p.linear]  # fmt: skip


def _start_torch(p: SearchProblem) -> tuple[torch.Tensor, ...]:
    """The kernels' ``_start``: ``y0r, y0i: [B, N_s, M]``, ``r0r, r0i: [B, N_s, K]`` and the
    common gain ``a: [B]`` complex128."""
    sr, si = p.s.real, p.s.imag  # [B, N_s, K]
    lev = p.levels[:, None]  # [B, 1, M, L]
    if p.linear:
        Pr, Pi = p.start.real[:, None], p.start.imag[:, None]  # [B, 1, M, K]
        xr = Pr[..., 0] * sr[..., 0:1] - Pi[..., 0] * si[..., 0:1]  # [B, N_s, M]
        xi = Pr[..., 0] * si[..., 0:1] + Pi[..., 0] * sr[..., 0:1]
        for k in range(1, sr.shape[-1]):
            xr = xr + (Pr[..., k] * sr[..., k : k + 1] - Pi[..., k] * si[..., k : k + 1])
            xi = xi + (Pr[..., k] * si[..., k : k + 1] + Pi[..., k] * sr[..., k : k + 1])
        y0r = torch.where(xr > p.plain[0], lev[..., 1], lev[..., 0])
        y0i = torch.where(xi > p.plain[0], lev[..., 1], lev[..., 0])
        for j in range(2, lev.shape[-1]):
            y0r = torch.where(xr > p.plain[j - 1], lev[..., j], y0r)
            y0i = torch.where(xi > p.plain[j - 1], lev[..., j], y0i)
    else:
        y0r, y0i = p.start.real.contiguous(), p.start.imag.contiguous()
    Hr, Hi = p.H.real[:, None], p.H.imag[:, None]  # [B, 1, M, K]
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
    p: SearchProblem, start: tuple[torch.Tensor, ...], alpha: torch.Tensor, sweeps: int
) -> tuple[torch.Tensor, ...]:
    """The kernels' residual set-up and ``_sweeps`` for the target gains ``alpha: [C, B]``
    complex (rounded to the working dtype) over lanes ``[C, B, N_s]``: ``yr, yi: [C, B, N_s,
    M]`` and ``er, ei: [C, B, N_s, K]``."""
    y0r, y0i, r0r, r0i, _ = start
    sr, si = p.s.real, p.s.imag
    C = alpha.shape[0]
    ar, ai = alpha.real[:, :, None, None], alpha.imag[:, :, None, None]  # [C, B, 1, 1]
    er = (ar * sr - ai * si) - r0r  # [C, B, N_s, K]
    ei = (ar * si + ai * sr) - r0i
    yr = y0r.expand(C, -1, -1, -1).clone()  # [C, B, N_s, M]
    yi = y0i.expand(C, -1, -1, -1).clone()
    H, G, lev, thr = p.H, p.G, p.levels, p.thresholds
    M, K, L = H.shape[1], H.shape[2], lev.shape[2]

    def col(x: torch.Tensor, m: int, j: int) -> torch.Tensor:  # [B, M, J] -> [1, B, 1]
        return x[:, m, j][None, :, None]

    for _ in range(sweeps):
        for m in range(M):
            gr, gi = col(G.real, m, 0), col(G.imag, m, 0)
            acr = gr * er[..., 0] + gi * ei[..., 0]  # [C, B, N_s]
            aci = gr * ei[..., 0] - gi * er[..., 0]
            for k in range(1, K):
                gr, gi = col(G.real, m, k), col(G.imag, m, k)
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
                hr, hi = col(H.real, m, k), col(H.imag, m, k)
                er[..., k] = er[..., k] - (dr * hr - di * hi)
                ei[..., k] = ei[..., k] - (dr * hi + di * hr)
    return yr, yi, er, ei


def _sums(s: torch.Tensor, R: torch.Tensor, power: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``sum_p: [..., B]``, ``s^H R: [..., B, K, K]``, ``sum |R_k|^2: [..., B, K]`` in float64 from
    ``R: [..., B, N_s, K]`` complex128 and ``power: [..., B, N_s]``."""
    s64 = s.to(torch.complex128)
    return power.double().sum(-1), s64.mH @ R, (R.abs() ** 2).sum(-2)


def _statistics_torch(
    p: SearchProblem, gains: torch.Tensor, sweeps: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    start = _start_torch(p)
    y0r, y0i, r0r, r0i, a = start
    real = p.H.real.dtype
    alpha64 = gains[:, None].to(a.device) * a  # [C, B]
    alpha = torch.complex(alpha64.real.to(real), alpha64.imag.to(real))
    yr, yi, er, ei = _search_torch(p, start, alpha, sweeps)
    a_r, a_i = alpha.real.double()[..., None, None], alpha.imag.double()[..., None, None]
    sr, si = p.s.real.double(), p.s.imag.double()
    R = torch.complex((a_r * sr - a_i * si) - er.double(), (a_r * si + a_i * sr) - ei.double())
    R0 = torch.complex(r0r.double(), r0i.double())
    first, rest = _sums(p.s, R0, _power_torch(y0r, y0i)), _sums(p.s, R, _power_torch(yr, yi))
    return tuple(torch.cat([x[None], y]) for x, y in zip(first, rest, strict=True))  # type: ignore[return-value]


def _outputs_torch(p: SearchProblem, gain: torch.Tensor, sweeps: int) -> torch.Tensor:
    start = _start_torch(p)
    y0r, y0i, _, _, a = start
    real = p.H.real.dtype
    alpha64 = gain.to(a.device) * a  # [B]
    alpha = torch.complex(alpha64.real.to(real), alpha64.imag.to(real))[None]
    yr, yi, _, _ = _search_torch(p, start, alpha, sweeps)
    keep = (gain.to(a.device) <= 0)[:, None, None]
    return torch.complex(torch.where(keep, y0r, yr[0]), torch.where(keep, y0i, yi[0]))
