"""WMMSE precoding for the MISO broadcast channel (Shi et al., IEEE TSP 2011), batched over
channel realisations (Sect. III-E and Table I of Kasalaee et al.): the steps of ``wmmse_step``
from one or several starts until each channel's weighted sum rate settles. Arithmetic is in
complex128; outputs come back in the input's dtype.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .._validation import check_channel, check_finite, real_dtype
from ..metrics import noise_variance
from ._kernel_threads import resolve_backend, run_in_threads
from .base import MatrixPrecoder
from .linear import mrt_matrix, normalize_matrix_power, normalize_power, rzf_matrix
from .wmmse_step import (
    check_iteration_settings,
    power_multiplier,
    weighted_rate_from_cross,
    weighted_sum_rate,
    wmmse_update,
)

__all__ = [
    "WMMSE",
    "WMMSE_INITS",
    "WMMSE_STARTS",
    "WMMSEResult",
    "check_iteration_settings",
    "power_multiplier",
    "weighted_sum_rate",
    "wmmse_update",
]

try:  # numba is a dependency; the torch form keeps machines without a working numba going
    from ._wmmse_numba import wmmse_runs as _wmmse_runs

    _NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    _NUMBA = False

# single starts, then "multi": every start of WMMSE_STARTS run, the best end kept per sample
WMMSE_STARTS = ("rzf-eq", "zf-eq", "zf", "mrt")
WMMSE_INITS = (*WMMSE_STARTS, "multi")
Weights = Sequence[float] | torch.Tensor | None


@dataclass(frozen=True)
class WMMSEResult:
    """What ``WMMSE.solve`` returns (leading dims ``[...]`` those of ``H``).

    Attributes:
        W: ``[..., M, K]`` complex, ``||W||_F^2 = P_T``.
        iterations: ``[...]`` int64, WMMSE steps of the kept run (``max_iterations`` if it did
            not converge).
        objective: ``[...]`` real, the final weighted sum rate [bit/s/Hz].
        converged: ``[...]`` bool, the stopping rule fired before ``max_iterations`` (for the
            kept start under ``init="multi"``).
        history: ``[..., T + 1]`` real weighted sum rate at the initial point and after every
            step (``T``: the most steps any sample took; a sample's last value is repeated after
            it stopped); ``None`` unless asked for (under ``init="multi"``: of the kept start's
            run, up to the longest run).
        start: ``[...]`` int64, the index in ``WMMSE_STARTS`` of the start that was kept (the
            one start of a single-start ``init``; ``-1`` for a given ``initial``).
        total_iterations: ``[...]`` int64, WMMSE steps over all starts (what the sample cost;
            equal to ``iterations`` for one start).
    """

    W: torch.Tensor
    iterations: torch.Tensor
    objective: torch.Tensor
    converged: torch.Tensor
    history: torch.Tensor | None = None
    start: torch.Tensor | None = None
    total_iterations: torch.Tensor | None = None


@dataclass(frozen=True)
class _Run:
    """One start's end: ``W [B, M, K]``, ``objective``, ``iterations``, ``converged``,
    ``start [B]``, ``history [B, T + 1]`` or ``None``."""

    W: torch.Tensor
    objective: torch.Tensor
    iterations: torch.Tensor
    converged: torch.Tensor
    history: torch.Tensor | None
    start: torch.Tensor

    def better_of(self, other: _Run) -> _Run:
        """Per sample, the run with the higher objective (``self`` on ties)."""
        take = other.objective > self.objective  # [B]

        def pick(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return torch.where(take.reshape(-1, *([1] * (a.dim() - 1))), b, a)

        history = None
        if self.history is not None and other.history is not None:
            length = max(self.history.shape[-1], other.history.shape[-1])
            history = pick(_pad(self.history, length), _pad(other.history, length))
        return _Run(
            pick(self.W, other.W), pick(self.objective, other.objective),
            pick(self.iterations, other.iterations), pick(self.converged, other.converged),
            history, pick(self.start, other.start),
        )  # fmt: skip


def _pad(trace: torch.Tensor, length: int) -> torch.Tensor:
    """``[B, T]`` -> ``[B, length]``, the last value repeated."""
    extra = length - trace.shape[-1]
    return torch.cat([trace, trace[:, -1:].expand(-1, extra)], dim=-1) if extra else trace


class WMMSE(MatrixPrecoder):
    """WMMSE (Shi et al. 2011) designed for ``SNR = P_T / sigma_v^2`` in dB.

    Args:
        snr_db: design SNR in dB.
        tolerance: ``epsilon``; a sample stops when the relative change of its weighted sum
            rate, ``|R_t - R_{t-1}| / R_{t-1}``, is at most ``epsilon`` (1e-5 as in Kasalaee et
            al.); converged samples are frozen while the others go on.
        max_iterations: cap on the WMMSE steps per sample.
        weights: user weights ``mu: [K]`` or ``[..., K]`` (broadcast against ``H``'s leading
            dims), ``>= 0``; ``None`` gives the sum rate.
        init: where every sample starts. ``"multi"`` (default): from each of ``rzf-eq``,
            ``zf-eq``, ``zf`` (these two when ``K <= M``) and ``mrt``, keeping the best end per
            sample; WMMSE never lowers the weighted rate of its start, so the result is at
            least ZF's, RZF's with equal power and MRT's on every channel (a channel where
            ``H^T H^*`` is singular starts its ZF runs from MRT instead), and several starts
            escape the poor local optima that one start stops in on correlated site channels. Or one
            start: ``"rzf-eq"`` (RZF with equal power per user, the cheapest strong start),
            ``"zf-eq"``, ``"zf"`` (matrix-scaled) or ``"mrt"`` (``sqrt(P_T) H^* / ||H||_F``,
            Kasalaee et al.'s). The starts run as one batch (their steps' fixed costs paid once),
            so ``"multi"`` holds up to four copies of the channels and iterates in memory.
        total_power: ``P_T``; ``M`` by default.
        backend: ``"numba"`` (each run's steps in one compiled loop in the ``K``-dimensional
            user space, ``_wmmse_numba``; on the CPU and without ``history``, else the torch
            form), ``"torch"`` (every step as tensor operations over the runs still going; the
            same steps to float64 rounding), or ``"auto"``: Numba where it imports.

    Shapes:
        ``matrix``: ``H: [..., M, K]`` -> ``W: [..., M, K]`` complex; ``solve`` gives a
        ``WMMSEResult`` with the iteration counts and objective as well.
    """

    name = "wmmse"
    snr_dependent = True

    def __init__(
        self,
        snr_db: float = 20.0,
        tolerance: float = 1e-5,
        max_iterations: int = 1000,
        weights: Weights = None,
        init: str = "multi",
        total_power: float | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__(total_power)
        check_iteration_settings(snr_db, tolerance, max_iterations)
        if init not in WMMSE_INITS:
            raise ValueError(f"init must be one of {', '.join(WMMSE_INITS)}, got {init!r}")
        if weights is not None:
            mu = torch.as_tensor(weights, dtype=torch.float64)
            if mu.dim() < 1 or mu.numel() < 1:
                raise ValueError(f"weights must have shape [K] or [..., K], got {tuple(mu.shape)}")
            check_finite(mu, "weights")
            if bool((mu < 0).any()):
                raise ValueError("weights must be >= 0")
            weights = mu
        self.snr_db = snr_db
        self.tolerance = tolerance
        self.max_iterations = max_iterations
        self.weights: torch.Tensor | None = weights
        self.init = init
        self.backend = resolve_backend(backend, _NUMBA)

    def with_snr(self, snr_db: float) -> WMMSE:
        return WMMSE(snr_db, self.tolerance, self.max_iterations, self.weights, self.init,
                     self.total_power, self.backend)  # fmt: skip

    def _weights(self, H: torch.Tensor) -> torch.Tensor:
        """``mu: [..., K]`` float64 on ``H``'s device."""
        K = H.shape[-1]
        if self.weights is None:
            return torch.ones(H.shape[:-2] + (K,), dtype=torch.float64, device=H.device)
        mu = self.weights.to(H.device)
        if mu.shape[-1] != K:
            raise ValueError(
                f"weights have {mu.shape[-1]} users in their last dimension, H has K={K}"
            )
        try:
            return torch.broadcast_to(mu, H.shape[:-2] + (K,))
        except RuntimeError:
            raise ValueError(
                f"weights of shape {tuple(mu.shape)} do not broadcast against H's batch "
                f"dimensions {tuple(H.shape[:-2])}"
            ) from None

    def _start(self, H64: torch.Tensor, start: str, power: float, noise_var: float) -> torch.Tensor:
        """The starting matrix ``[B, M, K]`` of one start in ``WMMSE_STARTS``; a sample whose
        ``H^T H^*`` is singular (two users on one line-of-sight ray, say) gets MRT for the ZF
        starts, so that one such channel does not stop the batch."""
        if start == "rzf-eq":
            return rzf_matrix(H64, power, noise_var, "per-user")
        if start == "mrt":
            return mrt_matrix(H64, power)
        inverse, info = torch.linalg.inv_ex(H64.mT @ H64.conj())  # [B, K, K]
        W = H64.conj() @ inverse
        singular = (info != 0) | ~torch.isfinite(torch.view_as_real(W)).flatten(1).all(dim=1)
        W = torch.where(singular[:, None, None], H64.conj(), W)
        return normalize_power(W, power, "per-user" if start == "zf-eq" else "matrix")

    def solve(
        self, H: torch.Tensor, history: bool = False, initial: torch.Tensor | None = None
    ) -> WMMSEResult:
        """Run WMMSE on every channel realisation.

        Args:
            H: ``[..., M, K]`` complex channel.
            history: also return the per-iteration weighted sum rate.
            initial: ``[..., M, K]`` complex starting point (scaled to ``P_T``), instead of
                ``init``.

        Returns:
            A ``WMMSEResult``; tensors in ``H``'s (real) dtype, on its device.
        """
        check_channel(H)
        M, K = H.shape[-2:]
        batch = H.shape[:-2]
        P = self.power_for(H)
        noise_var = noise_variance(self.snr_db, P)
        H64 = H.to(torch.complex128).reshape(-1, M, K)  # [B, M, K]
        mu = self._weights(H).reshape(-1, K)  # [B, K]
        if initial is not None:
            if initial.shape != H.shape or not initial.is_complex():
                raise ValueError(f"initial must be complex of H's shape {tuple(H.shape)}")
            check_finite(initial, "initial")
            starts = [(-1, initial.to(H64).reshape(-1, M, K))]
        else:
            names: tuple[str, ...] = WMMSE_STARTS if self.init == "multi" else (self.init,)
            if K > M:
                if self.init in ("zf", "zf-eq"):
                    raise ValueError(f"init={self.init!r} needs K <= M, got K={K}, M={M}")
                names = tuple(n for n in names if n not in ("zf", "zf-eq"))
            starts = [(WMMSE_STARTS.index(n), self._start(H64, n, P, noise_var)) for n in names]
        # every start in one batch: the steps' fixed costs are paid once for all of them
        count = len(starts)
        V, objective, iterations, converged, trace = self._run(
            H64.repeat(count, 1, 1), torch.cat([V0 for _, V0 in starts]), noise_var,
            mu.repeat(count, 1), P, history,
        )  # fmt: skip
        best: _Run | None = None
        B = H64.shape[0]
        for slot, (index, _) in enumerate(starts):
            part = slice(slot * B, (slot + 1) * B)
            run = _Run(V[part], objective[part], iterations[part], converged[part],
                       None if trace is None else trace[part],
                       torch.full_like(iterations[part], index))  # fmt: skip
            best = run if best is None else best.better_of(run)
        total_iterations = iterations.reshape(count, B).sum(dim=0)
        assert best is not None
        rdt = real_dtype(H.dtype)
        return WMMSEResult(
            W=best.W.to(H.dtype).reshape(H.shape),
            iterations=best.iterations.reshape(batch),
            objective=best.objective.to(rdt).reshape(batch),
            converged=best.converged.reshape(batch),
            history=best.history.to(rdt).reshape(*batch, -1) if best.history is not None else None,
            start=best.start.reshape(batch),
            total_iterations=total_iterations.reshape(batch),
        )

    def _run(
        self,
        H64: torch.Tensor,
        V0: torch.Tensor,
        noise_var: float,
        mu: torch.Tensor,
        P: float,
        history: bool,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """WMMSE from ``V0: [B, M, K]`` until every sample stops (per-sample convergence):
        ``(W, objective, iterations, converged, history [B, T + 1] or None)``. The Gram matrix
        ``H^T H^*`` is computed once, and ``H^T W`` once per step (the rates and the next step
        share it)."""
        G = H64.mT @ H64.conj()  # [B, K, K]
        V = normalize_matrix_power(V0, P)
        E = H64.mT @ V  # [B, K, K]
        if self.backend == "numba" and not history and H64.device.type == "cpu":
            return _fused(H64, E, G, noise_var, mu, P, self.tolerance, self.max_iterations)
        objective = weighted_rate_from_cross(E, noise_var, mu)  # [B]
        multiplier = torch.zeros_like(objective)
        iterations = torch.zeros_like(objective, dtype=torch.int64)
        converged = torch.zeros_like(objective, dtype=torch.bool)
        trace = [objective.clone()] if history else []
        active = torch.arange(objective.numel(), device=H64.device)
        for step in range(1, self.max_iterations + 1):
            if active.numel() == 0:
                break
            Ha, mua = H64[active], mu[active]
            Va, lam = wmmse_update(Ha, V[active], noise_var, mua, P, G[active], E[active],
                                   multiplier[active])  # fmt: skip
            Ea = Ha.mT @ Va
            new = weighted_rate_from_cross(Ea, noise_var, mua)
            done = (new - objective[active]).abs() <= self.tolerance * objective[active].abs()
            V[active], E[active], objective[active], iterations[active] = Va, Ea, new, step
            multiplier[active] = lam
            converged[active[done]] = True
            active = active[~done]
            if history:
                trace.append(objective.clone())
        _use_power(V, objective, H64, noise_var, mu, P)
        return V, objective, iterations, converged, torch.stack(trace, -1) if history else None

    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        return self.solve(H).W

    def __repr__(self) -> str:
        return (
            f"WMMSE(snr_db={self.snr_db}, tolerance={self.tolerance}, "
            f"max_iterations={self.max_iterations}, init={self.init!r})"
        )


def _fused(
    H64: torch.Tensor,
    E: torch.Tensor,
    G: torch.Tensor,
    noise_var: float,
    mu: torch.Tensor,
    P: float,
    tolerance: float,
    max_iterations: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, None]:
    """``WMMSE._run`` by the Numba kernel: ``H64: [B, M, K]``, the starts' ``E = H^T W_0`` and
    ``G = H^T H^*: [B, K, K]``, ``mu: [B, K]`` -> ``(W, objective, iterations, converged,
    None)``."""
    H = H64.contiguous().numpy()
    B = H.shape[0]
    W = np.empty_like(H)
    objective = np.empty(B)
    iterations = np.empty(B, dtype=np.int64)
    converged = np.empty(B, dtype=np.bool_)
    args = (H, E.contiguous().numpy(), G.contiguous().numpy(),
            mu.to(torch.float64).contiguous().numpy(), float(noise_var), float(P),
            float(tolerance), max_iterations, W, objective, iterations, converged)  # fmt: skip
    run_in_threads(_wmmse_runs, B, args, sliced={0, 1, 2, 3, 8, 9, 10, 11})
    V, rate = torch.from_numpy(W), torch.from_numpy(objective)
    _use_power(V, rate, H64, noise_var, mu, P)
    return V, rate, torch.from_numpy(iterations), torch.from_numpy(converged), None


def _use_power(
    V: torch.Tensor,
    objective: torch.Tensor,
    H64: torch.Tensor,
    noise_var: float,
    mu: torch.Tensor,
    P: float,
) -> None:
    """Where the last step's ``lambda = 0`` left power unused, ``V`` scaled up to ``P_T`` (at a
    fixed direction every SINR rises) and its ``objective`` recomputed, in place."""
    short = (V.abs() ** 2).sum(dim=(-2, -1)) < P
    if bool(short.any()):
        V[short] = normalize_matrix_power(V[short], P)
        objective[short] = weighted_sum_rate(H64[short], V[short], noise_var, mu[short])
