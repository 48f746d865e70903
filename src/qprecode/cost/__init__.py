"""Cost of precoding: per-layer profiles of a model counted with forward hooks, cost models of a
profile (the FLOPs of eqs. 31-38 of Feys et al.), real-FLOP counts of the classical precoders,
the DAC power model (eq. 39) and the GNN-vs-baseline power budget of Sect. VII."""

from .budget import Accelerator, PowerComparison, compare_power
from .classical import CLASSICAL_PRECODERS, ClassicalCost, classical_flops, inverse_flops
from .dac_power import DACPowerModel
from .feys import (
    FeysFlops,
    bipartite_layer_flops,
    gnn_flops,
    gnn_matmul_macs,
    layer_flops,
    profiled_gnn_flops,
)
from .model import CostModel, FlopCount
from .profile import (
    DEFAULT_BITS,
    LAYER_COUNTERS,
    LayerCount,
    LayerCounter,
    LayerProfile,
    ModelProfile,
    profile_model,
)
from .report import power_curves, power_panels, power_records

__all__ = [
    "CLASSICAL_PRECODERS",
    "DEFAULT_BITS",
    "LAYER_COUNTERS",
    "Accelerator",
    "ClassicalCost",
    "CostModel",
    "DACPowerModel",
    "FeysFlops",
    "FlopCount",
    "LayerCount",
    "LayerCounter",
    "LayerProfile",
    "ModelProfile",
    "PowerComparison",
    "bipartite_layer_flops",
    "classical_flops",
    "compare_power",
    "gnn_flops",
    "gnn_matmul_macs",
    "inverse_flops",
    "layer_flops",
    "power_curves",
    "power_panels",
    "power_records",
    "profile_model",
    "profiled_gnn_flops",
]
