"""Symbol-level local search over the DAC alphabet: coordinate descent, antenna by antenna, on
the distance between the received noiseless signals and a scaled copy of the symbols.

For one symbol vector ``s`` (``K`` users) and a transmit vector ``y`` on the alphabet, the users
receive ``r = H^T y``. The search minimises ``||alpha s - H^T y||^2`` for a target gain
``alpha``: changing antenna ``m`` by ``d`` changes the residual ``e = alpha s - r`` to
``e - d h_m`` (``h_m`` the ``m``-th row of ``H``), whose norm is a parabola in the real and in the
imaginary part of ``d`` separately, centred at ``h_m^H e / ||h_m||^2``. The best level of each
part is therefore the level nearest to ``y_m + h_m^H e / ||h_m||^2``: one sweep over the
antennas costs ``O(M K)`` per symbol vector, whatever the number of levels.

``alpha = c a``, where ``a`` is the least-squares gain that the start point achieves at the users
over all symbols of the channel, ``a = <s, r_0> / ||s||^2``. ``c`` is fixed, or chosen per channel
and SNR (``c = "auto"``) among a grid of values as the one whose output has the highest sum rate
estimated at the base station, which knows ``H``, the SNR and the candidate outputs (the Bussgang
SNIDR of eq. 8 of Feys et al. over the channel's symbol vectors); the start point itself is one
of the candidates, so the automatic search never ends below its start by that estimate.

The start is quantized ZF or MRT, or the output of any other precoder (a learned GNN, SQUID, ...):
an output on the DAC's alphabet is kept; any other has each antenna scaled to unit power over
the channel's symbols and quantized. With ``scale_back`` (the default) every antenna keeps the
start's gain: like the quantized linear precoders (the per-antenna normalisation and scaling back
of Sect. II-B3 of Feys et al.), antenna ``m`` sends ``d_m`` times a DAC level, ``d_m`` the norm of
its row of the linear precoder, and the search picks levels of each antenna's scaled alphabet.
Without it every antenna sends the DAC levels themselves.

The search runs as one fused kernel over a batch of channels (``local_search_kernel``: Numba, or
the same arithmetic in torch). Per channel it computes the start (``P s`` quantized per antenna,
``P`` the linear precoder with unit-norm rows) and, with ``c = "auto"``, searches every candidate
jointly, keeping of each output only the sums its estimated rate needs
(``snidr_terms_from_sums``; ``y H = alpha s - e`` from the residual ``e``), then searches the
chosen ``c`` again (or keeps the start) to write the outputs. ``backend="reference"`` runs the
previous form instead (one ``coordinate_descent``, a torch loop over the antennas, and one rate
estimate from ``y`` per candidate); both give the same outputs up to the rounding of near-ties.
``local_search_flops`` counts the kernel's real FLOPs per symbol vector.

Related 1-bit precoders: symbol-level and constructive-interference precoding (Jedda, Mezghani,
Swindlehurst and Nossek 2018, "Quantized constructive interference precoding"), greedy/local
search refinements of quantized linear precoders (Landau and de Lamare 2017, "Branch-and-bound
precoding for multiuser MIMO systems with 1-bit quantization"; Chu, Liu and Sun 2019 on
sequential coordinate updates), and the biconvex C2PO and convex SQUID relaxations in this
package. The exhaustive search (``precoders.exhaustive``) minimises a related objective exactly on
small problems.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .._validation import check_channel_and_symbols, check_finite_bits, check_positive_int
from ..dac import DAC, antenna_power
from ..metrics import noise_variance, normalize_average_power, snidr, snidr_terms, sum_rate
from .base import Precoder, design_for_snr
from .linear import mrt_matrix, zf_matrix
from .local_search_kernel import BACKENDS as KERNEL_BACKENDS
from .local_search_kernel import (
    SearchProblem,
    local_search,
    resolve_backend,
    snidr_terms_from_sums,
)

__all__ = [
    "AUTO_GAINS",
    "BACKENDS",
    "LocalSearch",
    "LocalSearchFlops",
    "common_gain",
    "coordinate_descent",
    "local_search_flops",
    "snidr_terms_from_sums",
]

# The grid of c searched by c = "auto".
# Gains above 1 pay at low SNR, where noise outweighs distortion and interference.
AUTO_GAINS = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0)
STARTS = ("zf", "mrt")
# "reference": the previous per-candidate torch search, kept for comparison and benchmarks.
BACKENDS = (*KERNEL_BACKENDS, "reference")


def common_gain(s: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """The least-squares gain ``<s, r> / ||s||^2`` shared by all users and symbol vectors of a
    channel: ``s, r: [B, N_s, K]`` -> ``[B]`` complex."""
    return (s.conj() * r).sum(dim=(-2, -1)) / (s.abs() ** 2).sum(dim=(-2, -1))


@dataclass(frozen=True)
class LocalSearchFlops:
    """Real FLOPs per symbol vector of ``LocalSearch`` as its kernels run it (per-channel work
    left out: the ZF design, the row norms and the ``K x K`` algebra of the rate estimates).

    Attributes:
        start: the start (``P s``, its levels, ``r0 = y0 H`` and the sums of ``a``), once per pass
            of the kernels (twice with the automatic gain).
        search: the searches: every candidate's, and with the automatic gain the chosen one's
            once more (counted for every vector, though a channel that keeps its start skips it).
        estimate: the sums of the estimated rates of the start and the candidates.
    """

    start: int
    search: int
    estimate: int

    @property
    def total(self) -> int:
        return self.start + self.search + self.estimate


def local_search_flops(
    M: int, K: int, levels: int = 2, sweeps: int = 3, gains: int = len(AUTO_GAINS)
) -> LocalSearchFlops:
    """Counted real FLOPs per symbol vector of the local-search kernels (``local_search_kernel``);
    a comparison counts as one FLOP, a complex multiply-add as 8, a complex product as 6.

    The start: ``P s`` (``M (8K - 2)``), the level of each part among ``L`` (``2M (L - 1)``
    comparisons), ``r0 = y0 H`` (``K (8M - 2)``) and the sums of ``a`` (``12K``). A search:
    the residual ``alpha s - r0`` (``8K``), then per sweep and antenna the step
    ``conj(g_m)^T e`` (``8K - 2``), ``y_m + step`` (2), the levels (``2(L - 1)``), the change
    ``d`` (2) and the residual update ``e - d h_m`` (``8K``). With ``gains > 1`` (the automatic
    gain) the estimate of the start and of each candidate: ``||y||^2`` (``4M - 1``), for a
    candidate ``R = alpha s - e`` (``8K``), and the sums of ``||y||^2``, ``s^H R`` and ``|R_k|^2``
    (``1 + 8K^2 + 4K``); then the second pass (start and the chosen candidate's search).

    Args:
        M: antennas.
        K: users.
        levels: ``L``, DAC levels per real dimension (``2**b``).
        sweeps: passes over the antennas.
        gains: candidate gains searched (1: a fixed gain, one pass).

    Returns:
        ``LocalSearchFlops`` (``.total`` per symbol vector).
    """
    for value, name in ((M, "M"), (K, "K"), (levels - 1, "levels - 1"), (sweeps, "sweeps"),
                        (gains, "gains")):  # fmt: skip
        check_positive_int(value, name)
    start = M * (8 * K - 2) + 2 * M * (levels - 1) + K * (8 * M - 2) + 12 * K
    step = (8 * K - 2) + 2 + 2 * (levels - 1) + 2 + 8 * K  # one antenna in one sweep
    search = 8 * K + sweeps * M * step
    if gains == 1:
        return LocalSearchFlops(start, search, 0)
    sums = (4 * M - 1) + 1 + 8 * K * K + 4 * K
    estimate = sums + gains * (8 * K + sums)
    return LocalSearchFlops(2 * start, (gains + 1) * search, estimate)


def coordinate_descent(
    H: torch.Tensor,
    target: torch.Tensor,
    y: torch.Tensor,
    dac: DAC,
    sweeps: int,
    scale: torch.Tensor | None = None,
) -> torch.Tensor:
    """``sweeps`` passes of exact coordinate descent on ``||target - y H||^2`` over the antennas,
    every entry kept on its antenna's alphabet (``scale[:, m]`` times the DAC levels).

    Args:
        H: ``[B, M, K]`` complex.
        target: ``[B, N_s, K]`` complex, the wanted noiseless received signals.
        y: ``[B, N_s, M]`` complex start point on the alphabets.
        dac: the DAC whose nearest-level quantizer gives the best level.
        sweeps: passes over all antennas, in order ``0..M-1``.
        scale: ``[B, M]`` positive per-antenna gains; ``None``: all 1.

    Returns:
        ``[B, N_s, M]`` complex on the alphabets.
    """
    y = y.clone()
    residual = target - y @ H  # [B, N_s, K]
    rows = H.conj()  # rows[:, m] = conj(h_m), so residual @ rows[:, m] = h_m^H e
    energy = (H.abs() ** 2).sum(-1).clamp_min(torch.finfo(H.real.dtype).tiny)  # [B, M]
    for _ in range(sweeps):
        for m in range(H.shape[-2]):
            step = (residual @ rows[:, m].unsqueeze(-1)).squeeze(-1) / energy[
                :, m, None
            ]  # [B, N_s]
            if scale is None:
                new = dac(y[..., m] + step)
            else:
                gain = scale[:, m, None]
                new = gain * dac((y[..., m] + step) / gain)
            residual = residual - (new - y[..., m]).unsqueeze(-1) * H[:, m].unsqueeze(-2)
            y[..., m] = new
    return y


class LocalSearch:
    """Local-search precoder on a ``b``-bit alphabet.

    Args:
        bits: DAC resolution ``b`` (1..8; the Lloyd-Max levels).
        sweeps: passes over the antennas.
        start: the start point, ``zf`` or ``mrt``: the linear precoder's output with every
            antenna normalised and quantized (Sect. II-B3 of Feys et al.); or any precoder,
            whose output is kept if it lies on the alphabet, else normalised per antenna and
            quantized.
        gain: ``c`` of the target gain ``alpha = c a``, or ``"auto"`` to choose it per channel
            among ``AUTO_GAINS`` for the design SNR.
        snr_db: design SNR ``P_T / sigma^2`` (used by ``gain="auto"``).
        dac_kind: DAC level design.
        gains: the grid of ``c`` searched by ``gain="auto"``.
        scale_back: keep the start's per-antenna gains (module docstring).
        backend: ``"auto"`` (the Numba kernel where Numba imports, else its torch form),
            ``"numba"``, ``"torch"``, or ``"reference"`` (the previous per-candidate search).

    Call: ``H: [..., M, K]``, ``s: [..., N_s, K]`` -> ``y: [..., N_s, M]``, every antenna on its
    (scaled) alphabet.
    Not antenna-permutation equivariant: the antennas are visited in order.
    """

    def __init__(
        self,
        bits: int = 1,
        sweeps: int = 3,
        start: str | Precoder = "zf",
        gain: float | str = "auto",
        snr_db: float = 20.0,
        dac_kind: str = "lloyd-max",
        gains: Sequence[float] = AUTO_GAINS,
        scale_back: bool = True,
        backend: str = "auto",
    ) -> None:
        self.bits = check_finite_bits(bits, "local search")
        check_positive_int(sweeps, "sweeps")
        if isinstance(start, str) and start not in STARTS:
            raise ValueError(f"start must be one of {STARTS} or a precoder, got {start!r}")
        if gain != "auto" and (isinstance(gain, str) or not 0 < gain < math.inf):
            raise ValueError(f"gain must be 'auto' or a positive number, got {gain!r}")
        self.sweeps, self.start, self.gain = sweeps, start, gain
        self.snr_db, self.gains, self.scale_back = snr_db, tuple(gains), scale_back
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        if backend != "reference":
            resolve_backend(backend)
        self.backend = backend
        self.dac = DAC(bits, dac_kind)

    @property
    def name(self) -> str:
        return "local-search" if isinstance(self.start, str) else f"{self.start.name}+ls"

    @property
    def snr_dependent(self) -> bool:
        return self.gain == "auto" or getattr(self.start, "snr_dependent", False)

    def with_snr(self, snr_db: float) -> LocalSearch:
        start = self.start if isinstance(self.start, str) else design_for_snr(self.start, snr_db)
        return LocalSearch(self.bits, self.sweeps, start, self.gain, snr_db,
                           self.dac.kind, self.gains, self.scale_back, self.backend)  # fmt: skip

    def start_point(self, H: torch.Tensor, s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The quantized start ``y0: [B, N_s, M]`` and the per-antenna gains ``[B, M]`` of the
        alphabets searched (all 1 without ``scale_back`` or for a start on the alphabet)."""
        tiny = torch.finfo(H.real.dtype).tiny
        if isinstance(self.start, str):
            W = (zf_matrix if self.start == "zf" else mrt_matrix)(H, float(H.shape[-2]))
            scale = antenna_power(W).sqrt().clamp_min(tiny)  # [B, M]
            x = s @ W.mT
        else:
            x = self.start(H, s)
            levels = self.dac.levels(x.real.dtype, x.device)
            if torch.isin(x.real, levels).all() and torch.isin(x.imag, levels).all():
                return x, torch.ones(x.shape[::2], dtype=x.real.dtype, device=x.device)
            scale = (x.abs() ** 2).mean(dim=-2).sqrt().clamp_min(tiny)  # [B, M]
        quantized = self.dac(x / scale.unsqueeze(-2))
        if not self.scale_back:
            return quantized, torch.ones_like(scale)
        return scale.unsqueeze(-2) * quantized, scale

    def start_and_gain(
        self, H: torch.Tensor, s: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``start_point``'s ``y0`` and gains, and the least-squares gain ``a: [B]`` that ``y0``
        achieves at the users over the channel's symbols (shared by every candidate ``c``)."""
        y0, scale = self.start_point(H, s)
        return y0, scale, common_gain(s, y0 @ H)

    def search(self, H: torch.Tensor, s: torch.Tensor, c: float) -> torch.Tensor:
        """The local-search output for a fixed ``c``, ``H: [B, M, K]``, ``s: [B, N_s, K]`` ->
        ``[B, N_s, M]``."""
        if self.backend == "reference":
            y0, scale, a = self.start_and_gain(H, s)
            target = c * a[:, None, None] * s
            return coordinate_descent(H, target, y0, self.dac, self.sweeps, scale)
        return self._kernel(H, s, (float(c),), auto=False)[0]

    @torch.no_grad()
    def __call__(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        check_channel_and_symbols(H, s)
        batch = torch.broadcast_shapes(H.shape[:-2], s.shape[:-2])
        M, (N_s, K) = H.shape[-2], s.shape[-2:]
        H_flat = H.expand(*batch, M, K).reshape(-1, M, K)
        s_flat = s.expand(*batch, N_s, K).reshape(-1, N_s, K)
        if self.gain != "auto":
            y = self.search(H_flat, s_flat, float(self.gain))
        elif self.backend == "reference":
            y = self._best_gain_reference(H_flat, s_flat)
        else:
            y = self._best_gain(H_flat, s_flat)
        return y.reshape(*batch, N_s, M)

    def problem(self, H: torch.Tensor, s: torch.Tensor) -> SearchProblem:
        """The kernel's description of the search: each antenna's alphabet (``scale_back``: its
        start's gain times the DAC's levels) and the start, ``P s`` quantized for a linear start
        (``P`` the precoding matrix with unit-norm rows, the per-antenna normalisation of
        Sect. II-B3 of Feys et al.), else ``start_point``'s output."""
        real = H.real.dtype
        assert self.dac.quantizer is not None  # finite bits
        levels = self.dac.levels(real, H.device)
        plain = torch.as_tensor(self.dac.quantizer.thresholds, dtype=real, device=H.device)
        if isinstance(self.start, str):
            W = (zf_matrix if self.start == "zf" else mrt_matrix)(H, float(H.shape[-2]))
            norms = antenna_power(W).sqrt().clamp_min(torch.finfo(real).tiny)  # [B, M]
            start, linear = W / norms[..., None], True
            scale = norms if self.scale_back else torch.ones_like(norms)
        else:
            (start, scale), linear = self.start_point(H, s), False
        return SearchProblem(H, s, scale, levels, plain, start, linear)

    def _kernel(
        self, H: torch.Tensor, s: torch.Tensor, gains: Sequence[float], auto: bool
    ) -> tuple[torch.Tensor, torch.Tensor]:
        power = float(H.shape[-2])
        return local_search(self.problem(H, s), torch.tensor(gains, dtype=torch.float64),
                            self.sweeps, auto, power, noise_variance(self.snr_db, power),
                            self.backend)  # fmt: skip

    def _best_gain(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """Per channel, the start or the output of the ``c`` in ``gains``, whichever has the
        highest estimated rate (the first of equal ones, the start first): every candidate
        searched in one pass of the kernel and rated from its sums
        (``snidr_terms_from_sums``), then the chosen one searched again to write its output."""
        return self._kernel(H, s, self.gains, auto=True)[0]

    def _best_gain_reference(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """``_best_gain`` in its previous form: one ``coordinate_descent`` and one rate estimate
        from the output per candidate (kept to compare with, and as the benchmark's baseline)."""
        power = float(H.shape[-2])
        noise = noise_variance(self.snr_db, power)
        y0, scale, a = self.start_and_gain(H, s)

        def estimated_rate(y: torch.Tensor) -> torch.Tensor:  # [B]
            return sum_rate(snidr(snidr_terms(H, normalize_average_power(y, power), s), noise))

        best_y, best_rate = y0, estimated_rate(y0)
        for c in self.gains:
            y = coordinate_descent(H, c * a[:, None, None] * s, y0, self.dac, self.sweeps, scale)
            rate = estimated_rate(y)
            better = rate > best_rate
            best_y = torch.where(better[:, None, None], y, best_y)
            best_rate = torch.maximum(rate, best_rate)
        return best_y

    def __repr__(self) -> str:
        start = self.start if isinstance(self.start, str) else self.start.name
        return (f"LocalSearch(bits={self.bits}, sweeps={self.sweeps}, start={start!r}, "
                f"gain={self.gain!r}, snr_db={self.snr_db}, "
                f"scale_back={self.scale_back})")  # fmt: skip
