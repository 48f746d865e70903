"""Exhaustive search over the DAC alphabet: the exact minimiser of the MSE objective with the
optimal precoding factor (``precoders.objective``), for small problems only."""

from __future__ import annotations

import itertools

import torch

from .._validation import check_channel_and_symbols, check_finite_bits
from ..dac import DAC
from .objective import align_sign, alphabet_noise_variance

__all__ = ["ExhaustiveSearch"]


class ExhaustiveSearch:
    """Try every transmit vector in ``C^M`` (``L^(2M)`` of them) and keep the one with the lowest
    ``J(x)`` for each symbol vector.

    Args:
        bits: DAC resolution ``b``.
        snr_db: design SNR ``P_T / sigma^2`` in dB (the objective's noise term).
        max_candidates: refuse problems with more candidate vectors than this.
        dac_kind: DAC level design.

    Call: ``H: [..., M, K]``, ``s: [..., N_s, K]`` -> ``y: [..., N_s, M]`` on the alphabet.
    """

    snr_dependent = True
    name = "exhaustive"

    def __init__(
        self,
        bits: int = 1,
        snr_db: float = 20.0,
        max_candidates: int = 2**20,
        dac_kind: str = "lloyd-max",
    ) -> None:
        bits = check_finite_bits(bits, "exhaustive search")
        self.bits = bits
        self.snr_db = snr_db
        self.max_candidates = max_candidates
        self.dac_kind = dac_kind

    def with_snr(self, snr_db: float) -> ExhaustiveSearch:
        return ExhaustiveSearch(self.bits, snr_db, self.max_candidates, self.dac_kind)

    def candidates(self, M: int, dtype: torch.dtype = torch.complex64) -> torch.Tensor:
        """All ``L^(2M)`` transmit vectors, ``[C, M]`` complex."""
        levels = DAC(self.bits, self.dac_kind).levels(torch.float64).tolist()
        count = len(levels) ** (2 * M)
        if count > self.max_candidates:
            raise ValueError(
                f"exhaustive search over {len(levels)}^(2M) = {count:,} candidates for M={M}, "
                f"b={self.bits} exceeds max_candidates={self.max_candidates:,}; use a smaller "
                "problem (e.g. M <= 8 at 1 bit) or raise max_candidates"
            )
        values = torch.tensor(list(itertools.product(levels, repeat=2 * M)), dtype=torch.float64)
        return torch.complex(values[:, :M], values[:, M:]).to(dtype)

    @torch.no_grad()
    def __call__(self, H: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        check_channel_and_symbols(H, s)
        M, K = H.shape[-2:]
        X = self.candidates(M, H.dtype).to(H.device)  # [C, M]
        levels = DAC(self.bits, self.dac_kind).levels()
        noise_var = alphabet_noise_variance(levels, M, self.snr_db)
        batch = torch.broadcast_shapes(H.shape[:-2], s.shape[:-2])
        H_flat = H.expand(*batch, M, K).reshape(-1, M, K)
        s_flat = s.expand(*batch, *s.shape[-2:]).reshape(-1, *s.shape[-2:])
        # bound the [channels, N_s, C] score tensor to about 2^24 entries
        step = max(1, 2**24 // (s.shape[-2] * X.shape[0]))
        out = []
        for i in range(0, H_flat.shape[0], step):
            Hc, sc = H_flat[i : i + step], s_flat[i : i + step]
            R = X @ Hc  # [B, C, K] received noiseless signals of every candidate
            corr = (sc.conj() @ R.mT).real  # [B, N_s, C], Re(s^H A x)
            energy = (R.abs() ** 2).sum(-1)  # [B, C]
            gain = corr**2 / (energy + K * noise_var).unsqueeze(-2)
            out.append(X[gain.argmax(dim=-1)])  # [B, N_s, M]; max gain = min J
        y = torch.cat(out).reshape(*batch, s.shape[-2], M)
        return align_sign(H, s, y)

    def __repr__(self) -> str:
        return f"ExhaustiveSearch(bits={self.bits}, snr_db={self.snr_db})"
