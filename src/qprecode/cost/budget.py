"""Total power of a GNN precoder with few-bit DACs against a baseline with more bits
(Sect. VII of Feys et al.): DAC power, GNN processing power, crossover bandwidths and the
bandwidth at which the accelerator's speed runs out.

The GNN runs once per symbol vector, ``R_s = B / (1 + alpha_rol)`` times per second, so it needs
``R_s F`` FLOP/s for ``F`` FLOPs per vector (eqs. 37-38) and draws ``P_GNN = R_s F / eta`` from an
accelerator of efficiency ``eta`` [FLOP/s/W], up to its speed cap. ``F`` is the ``FeysFlops``
cost model applied to a profile of the actual ``QuantizedGNN`` (``profiled_gnn_flops``), which
equals the closed form of eqs. 31-38 (``gnn_flops``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .dac_power import DACPowerModel
from .feys import profiled_gnn_flops

__all__ = ["Accelerator", "PowerComparison", "compare_power"]


@dataclass(frozen=True)
class Accelerator:
    """A neural-network accelerator (defaults: the 646.6 TOPS/W processor cited in Sect. VII-B).

    Attributes:
        efficiency_flops_per_watt: ``eta`` [FLOP/s/W].
        max_flops: speed cap [FLOP/s].
    """

    efficiency_flops_per_watt: float = 646.6e12
    max_flops: float = 39.8e12

    def __post_init__(self) -> None:
        if not self.efficiency_flops_per_watt > 0 or not self.max_flops > 0:
            raise ValueError(
                "accelerator efficiency and speed must be positive, got "
                f"{self.efficiency_flops_per_watt}, {self.max_flops}"
            )


@dataclass(frozen=True)
class PowerComparison:
    """A GNN with ``gnn_bits`` DACs against a baseline with ``baseline_bits`` DACs.

    Powers are in W and bandwidths in Hz.
    """

    antennas: int
    users: int
    hidden_dim: int
    hidden_layers: int
    gnn_bits: int
    baseline_bits: int
    dac: str
    rolloff: float
    flops_per_vector: int
    dac_model: DACPowerModel
    accelerator: Accelerator

    def symbol_rate(self, bandwidth_hz: float) -> float:
        """``R_s = B / (1 + alpha_rol)``."""
        return bandwidth_hz / (1 + self.rolloff)

    def gnn_power(self, bandwidth_hz: float) -> float:
        """``P_GNN = R_s F / eta``."""
        rate = self.symbol_rate(bandwidth_hz) * self.flops_per_vector
        return rate / self.accelerator.efficiency_flops_per_watt

    def gnn_dac_power(self, bandwidth_hz: float) -> float:
        return self.dac_model.total(self.gnn_bits, self.antennas, self.dac, bandwidth_hz)

    def baseline_dac_power(self, bandwidth_hz: float) -> float:
        return self.dac_model.total(self.baseline_bits, self.antennas, self.dac, bandwidth_hz)

    def gnn_total_power(self, bandwidth_hz: float) -> float:
        return self.gnn_dac_power(bandwidth_hz) + self.gnn_power(bandwidth_hz)

    @property
    def max_bandwidth_hz(self) -> float:
        """The bandwidth at which the GNN needs the accelerator's full speed."""
        return self.accelerator.max_flops * (1 + self.rolloff) / self.flops_per_vector

    @property
    def crossover_bandwidth_hz(self) -> float | None:
        """The bandwidth above which the GNN's total power exceeds the baseline's DAC power;
        ``None`` when it never does. All powers are affine in ``B``, so it is the root of
        ``baseline(B) - gnn_total(B)``."""
        at_zero = self.baseline_dac_power(0.0) - self.gnn_total_power(0.0)
        slope = (self.baseline_dac_power(1.0) - self.gnn_total_power(1.0)) - at_zero
        if at_zero <= 0:
            return 0.0
        if slope >= 0:
            return None
        return at_zero / -slope

    def reduction(self, bandwidth_hz: float) -> dict[str, float]:
        """Baseline DAC power over the GNN's DAC power, and over the GNN's total power."""
        baseline = self.baseline_dac_power(bandwidth_hz)
        return {
            "dac_only": baseline / self.gnn_dac_power(bandwidth_hz),
            "total": baseline / self.gnn_total_power(bandwidth_hz),
        }


def compare_power(
    antennas: int = 32,
    users: int = 1,
    hidden_dim: int = 128,
    hidden_layers: int = 4,
    gnn_bits: int = 1,
    baseline_bits: int = 3,
    dac: str = "baseband",
    rolloff: float = 0.1,
    dac_model: DACPowerModel | None = None,
    accelerator: Accelerator | None = None,
    flops_per_vector: int | None = None,
) -> PowerComparison:
    """The comparison of Sect. VII (defaults: GNN with 1-bit DACs against MRT with 3-bit DACs,
    M=32, K=1, d_h=128, N_h=4, baseband DACs), with the FLOPs per symbol vector of the
    ``FeysFlops`` cost model on a profile of ``QuantizedGNN(gnn_bits, hidden_dim,
    hidden_layers)`` (eqs. 31-38); ``flops_per_vector`` replaces that count for another
    non-linear precoder (e.g. the local search, ``cost.classical``)."""
    if not 0 <= rolloff < math.inf:
        raise ValueError(f"rolloff must be >= 0, got {rolloff}")
    if flops_per_vector is not None and flops_per_vector < 1:
        raise ValueError(f"flops_per_vector must be >= 1, got {flops_per_vector}")
    flops = (
        profiled_gnn_flops(antennas, users, hidden_dim, hidden_layers, gnn_bits).total
        if flops_per_vector is None
        else flops_per_vector
    )
    return PowerComparison(
        antennas, users, hidden_dim, hidden_layers, gnn_bits, baseline_bits, dac, rolloff, flops,
        dac_model or DACPowerModel(), accelerator or Accelerator(),
    )  # fmt: skip
