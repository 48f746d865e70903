"""SQUID: squared-infinity-norm relaxation with Douglas-Rachford splitting (Jacobsson, Durisi,
Coldrey, Goldstein and Studer, "Quantized precoding for massive MU-MIMO", IEEE TCOM 2017).

In the real-valued form (``A_R``: ``2K x 2M``, ``s_R``: ``2K``) SQUID solves the convex problem

    minimize_x  ||s_R - A_R x||^2 + lambda ||x||_inf^2,     lambda = 2 K M N_0 (units below)

by Douglas-Rachford splitting (``x = prox_tf(z)``, ``b = prox_tg(2x - z)``, ``z += b - x``),
then quantizes the solution. The infinity norm pushes the entries
to a common magnitude, which is what a 1-bit DAC can produce. ``N_0 = 1 / SNR`` for a transmit
vector of unit total power, as in the paper.

For 1-bit DACs the result is ``sign(x)``. For ``b > 1`` bits (a qprecode extension; the paper
treats 1 bit) the relaxed solution is scaled to unit power per antenna and quantized by the
``b``-bit DAC.
"""

from __future__ import annotations

import numpy as np
import torch

from .._validation import check_channel_and_symbols, check_finite_bits, real_dtype
from ..dac import DAC
from ..metrics import noise_variance
from ._kernel_threads import kernel_serves, resolve_backend, run_in_threads
from .objective import align_sign, one_bit, real_channel

__all__ = ["SQUID", "prox_squared_inf_norm"]

try:  # numba is a dependency; the torch form keeps machines without a working numba going
    from ._lane_products import lanes_for
    from ._squid_numba import KERNELS

    _NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    _NUMBA = False


def prox_squared_inf_norm(w: torch.Tensor, weight: float | torch.Tensor) -> torch.Tensor:
    """``argmin_x weight ||x||_inf^2 + 1/2 ||x - w||^2`` over the last axis.

    The solution clips ``w`` at ``t = max_k (sum of the k largest |w_i|) / (2 weight + k)``.

    ``w: [..., D]`` real -> ``[..., D]``.
    """
    magnitude = w.abs()
    top = torch.sort(magnitude, dim=-1, descending=True).values
    k = torch.arange(1, w.shape[-1] + 1, dtype=w.dtype, device=w.device)
    t = (top.cumsum(-1) / (2 * weight + k)).max(dim=-1, keepdim=True).values.clamp_min(0)
    return torch.sign(w) * torch.minimum(magnitude, t)


class SQUID:
    """The SQUID precoder.

    Args:
        bits: DAC resolution (1 as in the paper; more bits quantize the relaxed solution, which
            gains nothing past 2 bits, so the registry and the CLI take 1 only).
        snr_db: design SNR in dB (``N_0 = 10^(-SNR/10)``).
        iterations: Douglas-Rachford iterations.
        step: Douglas-Rachford step ``t`` (proximal maps of ``t f`` and ``t g``); it changes
            the speed, not the solution. 1 (the reference code's ``gain = 1``) converged fastest
            of 0.01..1 for M x K from 8 x 2 to 128 x 16 at 0..30 dB.
        dac_kind: DAC level design.
        backend: ``"numba"`` (the iterations fused in one compiled kernel over the symbol
            vectors, ``_squid_numba``), ``"torch"`` (tensor operations over all vectors at once;
            the same iterates to float rounding), or ``"auto"``: Numba where it imports.

    Call: ``H: [..., M, K]``, ``s: [..., N_s, K]`` -> ``y: [..., N_s, M]`` on the alphabet.
    """

    snr_dependent = True
    name = "squid"

    def __init__(
        self,
        bits: int = 1,
        snr_db: float = 20.0,
        iterations: int = 50,
        step: float = 1.0,
        dac_kind: str = "lloyd-max",
        backend: str = "auto",
    ) -> None:
        bits = check_finite_bits(bits, "SQUID")
        if iterations < 1 or not step > 0:
            raise ValueError(f"need iterations >= 1 and step > 0, got {iterations}, {step}")
        self.bits = bits
        self.snr_db = snr_db
        self.iterations = iterations
        self.step = step
        self.dac = DAC(bits, dac_kind)
        self.backend = resolve_backend(backend, _NUMBA)

    def with_snr(self, snr_db: float) -> SQUID:
        return SQUID(self.bits, snr_db, self.iterations, self.step, self.dac.kind, self.backend)

    def relaxed(self, H: torch.Tensor, s: torch.Tensor, trace: bool = False):
        """Douglas-Rachford iterates of the relaxed problem.

        Returns ``x_R: [..., N_s, 2M]`` real (``[Re x, Im x]``), and with ``trace=True`` also
        the relaxed objective after every iteration, ``[iterations, ..., N_s]``.
        """
        AR = real_channel(H).to(real_dtype(H.dtype))
        sR = torch.cat([s.real, s.imag], dim=-1).to(AR.dtype)  # [..., N_s, 2K]
        K2, M2 = AR.shape[-2:]
        weight = K2 * M2 / 2 * noise_variance(self.snr_db)  # lambda = 2 K M N_0
        step = self.step
        c = 0.5 / step
        if not trace and kernel_serves(self.backend, H, s):
            return _fused(sR, AR, c, step * weight, self.iterations)
        eye = torch.eye(K2, dtype=AR.dtype, device=AR.device)
        # Q = A_R^T (c I + A_R A_R^T)^{-1}: the prox of ||s - A x||^2 by the push-through identity
        Q = torch.linalg.solve(c * eye + AR @ AR.mT, AR).mT  # [..., 2M, 2K]
        sMF = sR @ AR  # [..., N_s, 2M], A_R^T s_R as rows

        def prox_f(v: torch.Tensor) -> torch.Tensor:  # (A^T A + c I)^{-1} (A^T s + c v), rows
            return (sMF + c * v - ((sMF + c * v) @ AR.mT) @ Q.mT) / c

        z = torch.zeros_like(sMF)
        history = []
        for _ in range(self.iterations):  # Douglas-Rachford splitting
            a = prox_f(z)
            b = prox_squared_inf_norm(2 * a - z, step * weight)
            z = z + b - a
            if trace:
                residual = ((sR - b @ AR.mT) ** 2).sum(-1)
                history.append(residual + weight * b.abs().amax(-1) ** 2)
        return (b, torch.stack(history)) if trace else b

    @torch.no_grad()
    def __call__(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        check_channel_and_symbols(H, s)
        M = H.shape[-2]
        xR = self.relaxed(H, s)
        x = torch.complex(xR[..., :M], xR[..., M:]).to(H.dtype)
        if self.bits == 1:
            y = one_bit(x, self.dac)
        else:  # scale each vector to unit power per antenna, the DAC's design input
            power = (x.abs() ** 2).mean(-1, keepdim=True).clamp_min(1e-30)
            y = self.dac(x / power.sqrt())
        return align_sign(H, s, y)

    def __repr__(self) -> str:
        return f"SQUID(bits={self.bits}, snr_db={self.snr_db}, iterations={self.iterations})"


def _fused(
    sR: torch.Tensor, AR: torch.Tensor, c: float, weight: float, iterations: int
) -> torch.Tensor:
    """The last ``b`` iterate of the Numba kernel (which forms ``Q`` and ``A_R^T s_R`` itself):
    ``sR: [..., N_s, 2K]``, ``AR: [..., 2K, 2M]`` -> ``[..., N_s, 2M]``."""
    batch = torch.broadcast_shapes(sR.shape[:-2], AR.shape[:-2])
    N, K2 = sR.shape[-2:]
    D = AR.shape[-1]
    s = sR.detach().expand(*batch, N, K2).reshape(-1, N, K2).contiguous().numpy()
    A = AR.detach().expand(*batch, K2, D).reshape(-1, K2, D).contiguous().numpy()
    out = np.empty((s.shape[0], N, D), dtype=s.dtype)
    dtype = s.dtype.type
    args = (s, A, dtype(c), dtype(weight), iterations, out)
    run_in_threads(KERNELS[lanes_for(N)], s.shape[0], args, sliced={0, 1, 5})
    return torch.from_numpy(out).reshape(*batch, N, D)
