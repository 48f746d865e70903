"""How close the local search comes to the optimum of its own objective: on problems small enough
to enumerate every transmit vector, the exact minimiser of ``||alpha s - H^T y||^2`` over the DAC
alphabet against the local search's coordinate descent for the same target ``alpha s``."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from ...channels import RayleighChannel, complex_normal
from ...precoders import ExhaustiveSearch, LocalSearch, coordinate_descent
from ..common import Section

__all__ = ["OptimalityGap", "gap_study", "gap_table", "optimality_gap"]


@dataclass(frozen=True)
class OptimalityGap:
    """Objective ``J(y) = ||alpha s - H^T y||^2`` of the start, the local search and the exact
    minimiser, averaged over the symbol vectors, and how often the search found the minimiser.

    Attributes:
        antennas, users, bits, sweeps, gain: the problem and the search (``gain`` is ``c``).
        start, search, optimum: mean ``J`` relative to the mean ``||alpha s||^2``.
        found: fraction of the symbol vectors where the search's ``J`` equals the minimum.
    """

    antennas: int
    users: int
    bits: int
    sweeps: int
    gain: float
    start: float
    search: float
    optimum: float
    found: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@torch.no_grad()
def optimality_gap(
    antennas: int,
    users: int,
    bits: int = 1,
    sweeps: int = 3,
    gain: float = 1.0,
    channels: int = 50,
    symbols: int = 32,
    seed: int = 0,
) -> OptimalityGap:
    """The local search (quantized ZF start, target ``c a s``, every antenna on the plain DAC
    alphabet) against enumeration of every transmit vector (``L^(2M)`` of them, so ``M <= 8`` at
    1 bit) on i.i.d. Rayleigh channels."""
    generator = torch.Generator().manual_seed(seed)
    H = RayleighChannel(antennas, users, dtype=torch.complex128).sample(channels, generator)
    s = complex_normal((channels, symbols, users), generator, dtype=torch.complex128)
    search = LocalSearch(bits, sweeps, gain=gain, scale_back=False)  # the enumerated alphabet
    y0, _, a = search.start_and_gain(H, s)
    target = gain * a[:, None, None] * s  # [B, N_s, K]
    y = coordinate_descent(H, target, y0, search.dac, sweeps)
    X = ExhaustiveSearch(bits).candidates(antennas, torch.complex128)  # [C, M]

    def cost(v: torch.Tensor) -> torch.Tensor:  # [B, N_s]
        return ((target - v @ H).abs() ** 2).sum(-1)

    optimum = torch.stack([((t.unsqueeze(-2) - (X @ h).unsqueeze(0)).abs() ** 2).sum(-1).amin(-1)
                           for h, t in zip(H, target, strict=True)])  # fmt: skip
    scale = (target.abs() ** 2).sum(-1).mean()
    searched = cost(y)
    found = (searched <= optimum * (1 + 1e-9) + 1e-12).double().mean()
    return OptimalityGap(
        antennas, users, bits, sweeps, gain,
        start=float(cost(y0).mean() / scale), search=float(searched.mean() / scale),
        optimum=float(optimum.mean() / scale), found=float(found),
    )  # fmt: skip


def gap_table(gaps: list[OptimalityGap]) -> str:
    """A markdown table of optimality gaps (objective relative to ``||alpha s||^2``, in dB)."""
    lines = ["| M | K | b | sweeps | c | start [dB] | search [dB] | optimum [dB] | "
             "search - optimum [dB] | optimum found |",
             "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for g in gaps:
        start, search, optimum = (10 * math.log10(v) for v in (g.start, g.search, g.optimum))
        lines.append(
            f"| {g.antennas} | {g.users} | {g.bits} | {g.sweeps} | {g.gain:g} | {start:.2f} | "
            f"{search:.2f} | {optimum:.2f} | {search - optimum:.2f} | {g.found:.1%} |"
        )
    return "\n".join(lines)


def gap_study(channels: int, seed: int) -> Section:
    """The optimality-gap table of the local search report: M = 8, K = 1 and 2, 1-bit DACs,
    1, 3 and 5 sweeps, against enumeration."""
    gaps = [optimality_gap(m, k, sweeps=n, channels=channels, seed=seed)
            for m, k in ((8, 1), (8, 2)) for n in (1, 3, 5)]  # fmt: skip
    markdown = "## Local search against exhaustive search\n\n" + gap_table(gaps) + "\n"
    data = {"gaps": [g.to_dict() for g in gaps]}
    return Section("local_search_gap", "Local search optimality gap", markdown, [], data)
