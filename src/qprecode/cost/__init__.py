"""Cost of precoding: per-layer profiles of a model counted with forward hooks, cost models of a
profile (the FLOPs of eqs. 31-38 of Feys et al.), real-FLOP counts of the classical precoders,
the DAC power model (eq. 39), the GNN-vs-baseline power budget of Sect. VII, and the inference
energy model of Kasalaee et al. (eqs. 7-14) with its WMMSE and ZF baselines."""

from .budget import Accelerator, PowerComparison, compare_power
from .classical import (
    CLASSICAL_PRECODERS,
    ClassicalCost,
    classical_flops,
    inverse_flops,
    wmmse_step_flops,
)
from .dac_power import DACPowerModel
from .feys import (
    FeysFlops,
    bipartite_layer_flops,
    gnn_flops,
    gnn_matmul_macs,
    layer_flops,
    profiled_gnn_flops,
)
from .kasalaee import (
    INTERPRETATIONS,
    PAPER_TABLE_I,
    PAPER_TABLE_II,
    PAPER_TABLE_II_RATES,
    EnergyReport,
    KasalaeeEnergy,
    LayerEnergy,
    baseline_energy_uj,
    iterations_for_energy,
    kasalaee_layer_profile,
    layer_energy_pj,
    mac_energy_pj,
    parallel_units,
    structured_profile,
    wmmse_multiplications,
    zf_multiplications,
)
from .matmul_flops import matmul_flops
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
    "matmul_flops",
    "CLASSICAL_PRECODERS",
    "DEFAULT_BITS",
    "INTERPRETATIONS",
    "LAYER_COUNTERS",
    "PAPER_TABLE_I",
    "PAPER_TABLE_II",
    "PAPER_TABLE_II_RATES",
    "Accelerator",
    "ClassicalCost",
    "CostModel",
    "DACPowerModel",
    "EnergyReport",
    "FeysFlops",
    "FlopCount",
    "KasalaeeEnergy",
    "LayerCount",
    "LayerCounter",
    "LayerEnergy",
    "LayerProfile",
    "ModelProfile",
    "PowerComparison",
    "baseline_energy_uj",
    "bipartite_layer_flops",
    "classical_flops",
    "compare_power",
    "gnn_flops",
    "gnn_matmul_macs",
    "inverse_flops",
    "iterations_for_energy",
    "kasalaee_layer_profile",
    "structured_profile",
    "layer_energy_pj",
    "layer_flops",
    "mac_energy_pj",
    "parallel_units",
    "power_curves",
    "power_panels",
    "power_records",
    "profile_model",
    "profiled_gnn_flops",
    "wmmse_multiplications",
    "wmmse_step_flops",
    "zf_multiplications",
]
