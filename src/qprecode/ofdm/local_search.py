"""A non-linear wideband precoder: the local search (``precoders.local_search``) generalised to
OFDM, a coordinate descent over the time-domain DAC levels of every antenna with the in-band
error at the users' FFT outputs as objective.

Per channel, ``T`` OFDM symbols ``s[t]: [S, K]`` and time-domain DAC outputs ``y[t]: [N, M]``
on the antennas' alphabets give the users, on used subcarrier ``f``, the noiseless signals
``r[t, f] = H[f]^T Y[t, f]`` with ``Y[t] = FFT(y[t])`` (unitary). The search minimises the mean
squared error of a receiver that scales by a common gain ``beta``,

    ``J(y, beta) = sum_{t, f in used, k} |s[t, f, k] - beta r[t, f, k]|^2 + |beta|^2 nu``,

``nu = T S K sigma_v^2`` (the receiver noise the gain scales too; ``sigma_v^2`` from the design
SNR). The guard band is free: what the DACs put there costs nothing. For a fixed ``beta``, ``J``
is ``|beta|^2 ||alpha s - r||^2`` plus a constant, ``alpha = 1 / beta``; changing antenna ``m``'s
sample ``n`` by ``d`` changes ``r[t, f, k]`` by ``d g[f, k]``, ``g[f, k] = H[f, m, k]
phi_n[f]``, ``phi_n[f] = N^{-1/2} e^{-j 2 pi f n / N}``, so as in the narrowband search the
residual's norm is a parabola in the real and in the imaginary part of ``d``, centred at
``g^H e / ||g||^2`` (``||g||^2 = (1/N) sum_{f, k} |H[f, m, k]|^2``, the same for every ``n``), and
the best level of each part is the nearest one. One coordinate costs ``O(S K)`` per OFDM symbol
(one inner product and one update of the in-band residual), a sweep over the ``N M`` coordinates
``O(N M S K)``. After every sweep ``beta`` is set to its optimum for the new output,
``beta = r^H s / (||r||^2 + nu)``, where ``J = ||s||^2 - |r^H s|^2 / (||r||^2 + nu)``. Both steps
are exact minimisations, so ``J`` never increases. This is the objective of the non-linear
wideband 1-bit precoders of Jacobsson et al. (SQUID-OFDM, "Nonlinear precoding for phase-quantized
constant-envelope massive MU-MIMO-OFDM", and IEEE TWC 2019 for the linear chain), searched by
coordinate descent instead of a convex relaxation.

The start is the quantized ZF chain (``OFDMTransmitter``: ZF per subcarrier, IFFT, the DACs with
the per-antenna normalisation), and every antenna keeps its alphabet: ``sqrt(rho_m)`` times the
chain's output scale times the DAC's levels. At one bit every output has the chain's power; with
more bits the output is scaled per channel to the chain's nominal power ``S P_T / N`` per time
sample (a transmitter's fixed gain after the DACs, as the narrowband evaluator's eq. 15).

``backend="numba"`` runs the kernel of ``_local_search_numba`` (the OFDM symbols as lanes, on the
kernel threads of ``precoders._kernel_threads``); ``"torch"`` the same steps with torch ops (slow:
a handful of ops per coordinate; kept as the reference the kernel is tested against).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import torch

from .._validation import check_finite_bits, check_positive_int
from ..dac import DAC
from ..metrics import noise_variance
from ..precoders._kernel_threads import resolve_backend, run_in_threads
from ..precoders.linear import zf_matrix
from .grid import OFDMGrid
from .transmitter import OFDMTransmitter, antenna_powers

__all__ = ["OFDMLocalSearch", "SearchResult", "local_search_ofdm_flops"]

try:  # numba is a dependency; the torch form keeps machines without a working numba going
    from . import _local_search_numba as _nb

    _kernel = cast(Callable[..., None], _nb.local_search)
    NUMBA_AVAILABLE = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    NUMBA_AVAILABLE = False


def local_search_ofdm_flops(N: int, S: int, M: int, K: int, sweeps: int = 3) -> int:
    """Counted real FLOPs per time sample (symbol vector) of the search's sweeps: per coordinate
    and OFDM symbol the inner product ``g^H e`` (``8 S K``) and the residual update (``8 S K``,
    counted for every coordinate though an unchanged one skips it); ``M`` coordinates per time
    sample per sweep. The start (a ZF chain) and the gain updates are left out."""
    for value, name in ((N, "N"), (S, "S"), (M, "M"), (K, "K"), (sweeps, "sweeps")):
        check_positive_int(value, name)
    return sweeps * M * 16 * S * K


class SearchResult:
    """The output of one search.

    Attributes:
        y: ``[B, T, N, M]`` complex, the DAC outputs (before the power scaling of ``__call__``).
        objective: ``[B, sweeps + 1]`` float64, ``J`` of the start and after every sweep.
        beta: ``[B, sweeps + 1]`` complex128, the receiver gain at the same points.
    """

    def __init__(self, y: torch.Tensor, objective: torch.Tensor, beta: torch.Tensor) -> None:
        self.y, self.objective, self.beta = y, objective, beta


class OFDMLocalSearch:
    """Wideband local search over the time-domain DAC levels (module docstring).

    Args:
        bits: DAC resolution ``b`` (1..8).
        sweeps: passes over the ``N M`` coordinates of every OFDM symbol.
        snr_db: design SNR ``P_T / sigma_v^2`` per subcarrier (the objective's noise term;
            ``inf``: none).
        dac_kind: DAC level design.
        backend: ``"auto"`` (the Numba kernel where Numba imports), ``"numba"`` or ``"torch"``.

    Call: ``H: [B, S, M, K]`` complex, ``s: [B, T, S, K]`` complex, ``grid`` -> ``y: [B, T, N,
    M]`` complex, the time-domain DAC outputs (``grid.demodulate(y)`` gives their spectrum).
    """

    name = "ls-ofdm"
    total_power: float | None = None  # P_T = M, as the linear precoders
    snr_dependent = True

    def __init__(
        self,
        bits: int = 1,
        sweeps: int = 3,
        snr_db: float = 20.0,
        dac_kind: str = "lloyd-max",
        backend: str = "auto",
    ) -> None:
        self.bits = check_finite_bits(bits, "ls-ofdm")
        check_positive_int(sweeps, "sweeps")
        if math.isnan(snr_db):
            raise ValueError("snr_db must be a number or inf, got nan")
        self.sweeps, self.snr_db = sweeps, float(snr_db)
        self.backend = resolve_backend(backend, NUMBA_AVAILABLE)  # one of BACKENDS
        self.dac = DAC(bits, dac_kind)

    def with_snr(self, snr_db: float) -> OFDMLocalSearch:
        return OFDMLocalSearch(self.bits, self.sweeps, snr_db, self.dac.kind, self.backend)

    def start(self, H: torch.Tensor, s: torch.Tensor, grid: OFDMGrid) -> tuple[
        torch.Tensor, torch.Tensor
    ]:  # fmt: skip
        """The quantized ZF chain's output ``y0: [B, T, N, M]`` and every antenna's level scale
        ``[B, M]`` (``sqrt(rho_m)`` times the chain's output scale)."""
        power = float(H.shape[-2])
        W = zf_matrix(H, power)  # [B, S, M, K]
        transmitter = OFDMTransmitter(grid, self.dac)
        y0 = transmitter(W, s)
        scale = antenna_powers(W, grid).sqrt() * transmitter.output_scale
        return y0, scale

    def noise_term(self, power: float, num_symbols: int, used: int, users: int) -> float:
        """``nu = T S K sigma_v^2`` (0 for an infinite design SNR)."""
        if math.isinf(self.snr_db):
            return 0.0
        return num_symbols * used * users * noise_variance(self.snr_db, power)

    @torch.no_grad()
    def search(self, H: torch.Tensor, s: torch.Tensor, grid: OFDMGrid) -> SearchResult:
        """The search itself (outputs on the alphabets, unscaled), with the objective's history."""
        _check(H, s, grid)
        y0, scale = self.start(H, s, grid)
        levels = self.dac.levels(H.real.dtype, H.device)  # [L]
        lev = scale.unsqueeze(-1) * levels  # [B, M, L]
        thr = 0.5 * (lev[..., 1:] + lev[..., :-1])  # nearest level
        Y0 = grid.take_used(grid.demodulate(y0))  # [B, T, S, M]
        r0 = torch.einsum("bsmk,btsm->bskt", H, Y0)  # [B, S, K, T]
        T, S, K = s.shape[1], s.shape[2], s.shape[3]
        nu = self.noise_term(float(H.shape[-2]), T, S, K)
        n = torch.arange(grid.fft_size, dtype=torch.float64)
        f = grid.frequencies.to(torch.float64)
        phase = (
            torch.polar(
                torch.full((grid.fft_size, S), grid.fft_size**-0.5, dtype=torch.float64),
                -2.0 * math.pi * torch.outer(n, f) / grid.fft_size,
            )
            .to(H.dtype)
            .to(H.device)
        )  # [N, S]
        energy = (H.abs() ** 2).sum(dim=(1, 3)) / grid.fft_size  # [B, M]
        energy = energy.clamp_min(torch.finfo(energy.dtype).tiny)
        s_t = s.permute(0, 2, 3, 1)  # [B, S, K, T]
        y0_t = y0.permute(0, 3, 2, 1)  # [B, M, N, T]
        search = _search_numba if self.backend == "numba" else _search_torch
        y_t, history = search(H, energy, phase, s_t, r0, y0_t, lev, thr, nu, self.sweeps)
        beta = torch.complex(history[..., 1], history[..., 2])
        return SearchResult(y_t.permute(0, 3, 2, 1), history[..., 0], beta)

    def __call__(self, H: torch.Tensor, s: torch.Tensor, grid: OFDMGrid) -> torch.Tensor:
        y = self.search(H, s, grid).y
        if self.bits == 1:
            return y
        power = float(H.shape[-2]) * grid.used / grid.fft_size  # S P_T / N per time sample
        mean = (y.abs() ** 2).sum(dim=-1).mean(dim=(1, 2), keepdim=True)  # [B, 1, 1]
        return y * (power / mean.clamp_min(torch.finfo(mean.dtype).tiny)).sqrt().unsqueeze(-1)

    def __repr__(self) -> str:
        return (f"OFDMLocalSearch(bits={self.bits}, sweeps={self.sweeps}, snr_db={self.snr_db}, "
                f"backend={self.backend!r})")  # fmt: skip


def _check(H: torch.Tensor, s: torch.Tensor, grid: OFDMGrid) -> None:
    if not (H.is_complex() and s.is_complex()) or H.dim() != 4 or s.dim() != 4:
        raise ValueError(
            f"expected complex H [B, S, M, K] and s [B, T, S, K], got {H.dtype} "
            f"{tuple(H.shape)} and {s.dtype} {tuple(s.shape)}"
        )
    if H.shape[0] != s.shape[0] or H.shape[1] != grid.used or s.shape[2] != grid.used:
        raise ValueError(
            f"H [B, S, M, K] and s [B, T, S, K] need the same B and S = {grid.used} (the "
            f"grid's used subcarriers), got {tuple(H.shape)} and {tuple(s.shape)}"
        )
    if H.shape[3] != s.shape[3]:
        raise ValueError(f"H has K={H.shape[3]} users and s has {s.shape[3]}")


def _gain(r: torch.Tensor, s: torch.Tensor, nu: float) -> tuple[torch.Tensor, torch.Tensor]:
    """``beta = r^H s / (||r||^2 + nu)`` and ``J = ||s||^2 - |r^H s|^2 / (||r||^2 + nu)`` per
    channel (float64 sums): ``r, s: [B, S, K, T]`` -> ``[B]`` complex128, ``[B]`` float64."""
    r64, s64 = r.to(torch.complex128), s.to(torch.complex128)
    num = (r64.conj() * s64).sum(dim=(1, 2, 3))
    den = (r64.abs() ** 2).sum(dim=(1, 2, 3)) + nu
    ss = (s64.abs() ** 2).sum(dim=(1, 2, 3))
    return num / den, ss - num.abs() ** 2 / den


def _search_torch(
    H: torch.Tensor,
    energy: torch.Tensor,
    phase: torch.Tensor,
    s: torch.Tensor,
    r: torch.Tensor,
    y: torch.Tensor,
    lev: torch.Tensor,
    thr: torch.Tensor,
    nu: float,
    sweeps: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The reference form: ``s, r: [B, S, K, T]``, ``y: [B, M, N, T]`` -> the output ``[B, M, N,
    T]`` and the history ``[B, sweeps + 1, 3]`` (objective, Re beta, Im beta)."""
    y, r = y.clone(), r.clone()
    B, M, N = H.shape[0], H.shape[2], phase.shape[0]
    history = torch.empty(B, sweeps + 1, 3, dtype=torch.float64)

    def record(i: int, beta: torch.Tensor, objective: torch.Tensor) -> None:
        history[:, i, 0], history[:, i, 1], history[:, i, 2] = objective, beta.real, beta.imag

    def nearest(x: torch.Tensor, m: int) -> torch.Tensor:  # [B, T] real -> levels
        index = (x.unsqueeze(-1) > thr[:, m].unsqueeze(1)).sum(dim=-1)  # [B, T]
        return torch.gather(lev[:, m], 1, index)

    beta, objective = _gain(r, s, nu)
    record(0, beta, objective)
    for sweep in range(sweeps):
        alpha = (1.0 / beta).to(s.dtype)  # beta = 0 only for an all-zero output
        e = alpha[:, None, None, None] * s - r  # [B, S, K, T]
        for n in range(N):
            for m in range(M):
                g = H[:, :, m, :] * phase[n][None, :, None]  # [B, S, K]
                step = torch.einsum("bsk,bskt->bt", g.conj(), e) / energy[:, m, None]
                old = y[:, m, n]  # [B, T]
                x = old + step
                new = torch.complex(nearest(x.real, m), nearest(x.imag, m))
                d = new - old
                e = e - g.unsqueeze(-1) * d[:, None, None, :]
                y[:, m, n] = new
        r = alpha[:, None, None, None] * s - e
        beta, objective = _gain(r, s, nu)
        record(sweep + 1, beta, objective)
    return y, history


def _search_numba(
    H: torch.Tensor,
    energy: torch.Tensor,
    phase: torch.Tensor,
    s: torch.Tensor,
    r: torch.Tensor,
    y: torch.Tensor,
    lev: torch.Tensor,
    thr: torch.Tensor,
    nu: float,
    sweeps: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``_search_torch`` through the Numba kernel (CPU arrays; results back on ``H``'s device)."""
    device = H.device
    real = H.real.dtype

    def split(x: torch.Tensor) -> tuple[object, object]:
        x = x.detach().cpu().resolve_conj()
        return x.real.contiguous().numpy(), x.imag.contiguous().numpy()

    B = H.shape[0]
    Hr, Hi = split(H)
    phr, phi = split(phase)
    sr, si = split(s)
    rr, ri = split(r)
    yr, yi = split(y)
    inverse = (1.0 / energy).to(real).cpu().contiguous().numpy()
    lev_np = lev.to(real).cpu().contiguous().numpy()
    thr_np = thr.to(real).cpu().contiguous().numpy()
    nu_np = torch.full((B,), float(nu), dtype=torch.float64).numpy()
    history = torch.empty(B, sweeps + 1, 3, dtype=torch.float64)
    args = (Hr, Hi, inverse, phr, phi, sr, si, rr, ri, yr, yi, lev_np, thr_np, nu_np, sweeps,
            history.numpy())  # fmt: skip
    run_in_threads(_kernel, B, args, sliced={0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15})
    out = torch.complex(torch.from_numpy(yr), torch.from_numpy(yi)).to(device)
    return out, history
