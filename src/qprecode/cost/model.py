"""The interface of a cost model, and the operation count most of them return.

A cost model is a function of a ``ModelProfile`` (``profile.py``): the FLOPs of eqs. 31-38 of
Feys et al. (``FeysFlops``), and later DAC power or inference energy, all read the same per-layer
profile, so a new cost model needs no new hooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .profile import ModelProfile

__all__ = ["CostModel", "FlopCount"]


@dataclass(frozen=True)
class FlopCount:
    """Real floating-point multiplications and additions (counts, dimensionless).

    A division or a square root counts as a multiplication and a subtraction as an addition, as
    in Sect. V of Feys et al. Counts add (``a + b``) and scale by an integer (``n * a``).
    """

    multiplications: int
    additions: int

    @property
    def total(self) -> int:
        """FLOPs = multiplications + additions (as in Sect. VII-B of Feys et al.)."""
        return self.multiplications + self.additions

    def __add__(self, other: FlopCount) -> FlopCount:
        return FlopCount(
            self.multiplications + other.multiplications, self.additions + other.additions
        )

    def __mul__(self, times: int) -> FlopCount:
        return FlopCount(times * self.multiplications, times * self.additions)

    __rmul__ = __mul__

    def as_dict(self) -> dict[str, float]:
        """``{"multiplications", "additions", "flops"}``, the form a ``CostModel`` returns."""
        return {
            "multiplications": float(self.multiplications),
            "additions": float(self.additions),
            "flops": float(self.total),
        }


@runtime_checkable
class CostModel(Protocol):
    """A cost of a profiled model: ``cost_model(profile) -> {quantity: value}``.

    Attributes:
        name: short identifier (``"feys-flops"``), used as a column or key in reports.

    The call takes a ``ModelProfile`` and returns named quantities as floats, each key naming its
    unit where it has one (``"flops"`` counts, ``"energy_j"`` joules). The costs are of the
    forward call that was profiled; apply the model to ``profile.per_sample(n)`` for the cost of
    one of ``n`` samples.
    """

    name: str

    def __call__(self, profile: ModelProfile) -> dict[str, float]: ...
