"""C2PO: biconvex 1-bit precoding with simplified processing (Castañeda, Jacobsson, Durisi,
Coldrey, Goldstein and Studer, "1-bit massive MU-MIMO precoding in VLSI", IEEE JETCAS 2017,
Algorithm 2).

With ``A = H^T`` and the projector ``P_s = I - s s^H / ||s||^2`` (what of ``A x`` is not along
``s``, i.e. the error left after the best precoding factor), each iteration takes a gradient step
on ``||P_s A x||^2``, pushes the result outwards by ``rho > 1`` and clips real and imaginary parts
to ``[-1, 1]``:

    x <- clip(rho (x - tau A^H P_s A x)),   starting from x = A^H s,

and the 1-bit output is ``sign(x)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from .._validation import check_channel_and_symbols, real_dtype
from ..dac import DAC
from ._kernel_threads import kernel_serves, resolve_backend, run_in_threads
from .objective import align_sign, one_bit, real_channel

__all__ = ["C2PO"]

try:  # numba is a dependency; the torch form keeps machines without a working numba going
    from ._c2po_numba import KERNELS
    from ._lane_products import lanes_for

    _NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    _NUMBA = False


class C2PO:
    """The C2PO precoder for 1-bit DACs.

    Args:
        iterations: algorithm iterations (the paper uses about 25).
        tau: gradient step; by default ``1 / (sqrt(M) + sqrt(K))^2``, about the inverse of the
            largest eigenvalue of ``A^H A`` for i.i.d. ``CN(0, 1)`` channels (the reference
            simulator tunes ``2^-6`` to ``2^-8`` for 32 to 256 antennas and 16 users).
        rho: push factor ``> 1`` (the paper's ``1 / (1 - tau delta)``; 1.25 as in the reference
            simulator, whatever ``tau``).
        dac_kind: DAC level design (only the sign matters at 1 bit).
        backend: ``"numba"`` (the iterations fused in one compiled kernel over the symbol
            vectors, ``_c2po_numba``), ``"torch"`` (tensor operations over all vectors at once;
            the same iterates to float rounding), or ``"auto"``: Numba where it imports.

    Call: ``H: [..., M, K]``, ``s: [..., N_s, K]`` -> ``y: [..., N_s, M]`` on the 1-bit alphabet.
    """

    snr_dependent = False
    name = "c2po"
    bits = 1

    def __init__(
        self,
        iterations: int = 25,
        tau: float | None = None,
        rho: float = 1.25,
        dac_kind: str = "lloyd-max",
        backend: str = "auto",
    ) -> None:
        if iterations < 1:
            raise ValueError(f"iterations must be >= 1, got {iterations}")
        if tau is not None and not tau > 0:
            raise ValueError(f"tau must be positive, got {tau}")
        if not rho >= 1:
            raise ValueError(f"rho must be >= 1, got {rho}")
        self.iterations = iterations
        self.tau = tau
        self.rho = rho
        self.dac = DAC(1, dac_kind)
        self.backend = resolve_backend(backend, _NUMBA)

    def step_size(self, antennas: int, users: int) -> float:
        """``tau``, or its default ``1 / (sqrt(M) + sqrt(K))^2`` where none was given."""
        return self.tau if self.tau is not None else 1.0 / (antennas**0.5 + users**0.5) ** 2

    def iterates(self, H: torch.Tensor, s: torch.Tensor) -> list[torch.Tensor]:
        """The relaxed iterate after every iteration, each ``[..., N_s, M]`` complex (the torch
        form)."""
        return list(self._iterations(H, s))

    def relaxed(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """The last relaxed iterate, ``[..., N_s, M]`` complex of ``H``'s dtype, from the kernel
        where the backend is Numba, the tensors are on the CPU and no gradient is asked for."""
        if kernel_serves(self.backend, H, s):
            return self._fused(H, s, level=0.0)
        *_, last = self._iterations(H, s)  # iterations >= 1
        return last

    def _iterations(self, H: torch.Tensor, s: torch.Tensor) -> Iterator[torch.Tensor]:
        M, K = H.shape[-2:]
        tau = self.step_size(M, K)
        s = s.to(H.dtype)
        s_unit = s / (s.abs() ** 2).sum(-1, keepdim=True).clamp_min(1e-30).sqrt()
        x = s @ H.conj().mT  # [..., N_s, M], rows of A^H s
        for _ in range(self.iterations):
            r = x @ H  # [..., N_s, K], A x
            r = r - s_unit * (s_unit.conj() * r).sum(-1, keepdim=True)  # P_s A x
            x = self.rho * (x - tau * (r @ H.conj().mT))  # minus tau A^H P_s A x
            x = torch.complex(x.real.clamp(-1, 1), x.imag.clamp(-1, 1))
            yield x

    def _fused(self, H: torch.Tensor, s: torch.Tensor, level: float) -> torch.Tensor:
        """The Numba kernel's last iterate (``level = 0``), or its 1-bit output on ``+-level``
        aligned to ``s``: ``H: [..., M, K]``, ``s: [..., N_s, K]`` -> ``[..., N_s, M]`` complex."""
        M, K = H.shape[-2:]
        N = s.shape[-2]
        batch = torch.broadcast_shapes(H.shape[:-2], s.shape[:-2])
        dtype = real_dtype(H.dtype)
        AR = real_channel(H.detach()).to(dtype).expand(*batch, 2 * K, 2 * M)
        sR = torch.cat([s.real, s.imag], dim=-1).detach().to(dtype).expand(*batch, N, 2 * K)
        A = AR.reshape(-1, 2 * K, 2 * M).contiguous().numpy()
        symbols = sR.reshape(-1, N, 2 * K).contiguous().numpy()
        out = torch.empty((A.shape[0], N, M, 2), dtype=dtype)  # torch's strides, also when empty
        cast = A.dtype.type
        args = (symbols, A, cast(self.step_size(M, K)), cast(self.rho), self.iterations,
                cast(level), out.numpy())  # fmt: skip
        run_in_threads(KERNELS[lanes_for(N)], A.shape[0], args, sliced={0, 1, 6})
        return torch.view_as_complex(out).reshape(*batch, N, M)

    def quantize(self, H: torch.Tensor, s: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``sign(x)`` on the DAC alphabet, with the sign of each vector aligned to ``s``."""
        return align_sign(H, s, one_bit(x, self.dac))

    @torch.no_grad()
    def __call__(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        check_channel_and_symbols(H, s)
        level = self.dac.quantizer.one_bit_level if self.dac.quantizer is not None else None
        if level is not None and kernel_serves(self.backend, H, s):
            return self._fused(H, s, level)  # quantized and aligned in the kernel
        return self.quantize(H, s, self.relaxed(H, s))

    def __repr__(self) -> str:
        return f"C2PO(iterations={self.iterations}, tau={self.tau}, rho={self.rho})"
