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

import torch

from .._validation import check_channel_and_symbols
from ..dac import DAC
from .objective import align_sign, one_bit

__all__ = ["C2PO"]


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

    def iterates(self, H: torch.Tensor, s: torch.Tensor) -> list[torch.Tensor]:
        """The relaxed iterate after every iteration, each ``[..., N_s, M]`` complex."""
        M, K = H.shape[-2:]
        tau = self.tau if self.tau is not None else 1.0 / (M**0.5 + K**0.5) ** 2
        s_unit = s / (s.abs() ** 2).sum(-1, keepdim=True).clamp_min(1e-30).sqrt()
        x = s @ H.conj().mT  # [..., N_s, M], rows of A^H s
        out = []
        for _ in range(self.iterations):
            r = x @ H  # [..., N_s, K], A x
            r = r - s_unit * (s_unit.conj() * r).sum(-1, keepdim=True)  # P_s A x
            x = self.rho * (x - tau * (r @ H.conj().mT))  # minus tau A^H P_s A x
            x = torch.complex(x.real.clamp(-1, 1), x.imag.clamp(-1, 1))
            out.append(x)
        return out

    def quantize(self, H: torch.Tensor, s: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``sign(x)`` on the DAC alphabet, with the sign of each vector aligned to ``s``."""
        return align_sign(H, s, one_bit(x, self.dac))

    @torch.no_grad()
    def __call__(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        check_channel_and_symbols(H, s)
        return self.quantize(H, s, self.iterates(H, s)[-1])

    def __repr__(self) -> str:
        return f"C2PO(iterations={self.iterations}, tau={self.tau}, rho={self.rho})"
