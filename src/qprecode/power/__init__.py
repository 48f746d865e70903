"""Power and complexity: the DAC power model (eq. 39), analytic GNN operation counts
(eqs. 31-38) and the GNN-vs-baseline power budget of Sect. VII of Feys et al."""

from .budget import Accelerator, PowerComparison, compare_power
from .dac_power import DACPowerModel
from .flops import GNNFlops, gnn_flops, gnn_matmul_macs
from .report import power_curves, power_panels, power_records

__all__ = [
    "Accelerator",
    "DACPowerModel",
    "GNNFlops",
    "PowerComparison",
    "compare_power",
    "gnn_flops",
    "gnn_matmul_macs",
    "power_curves",
    "power_panels",
    "power_records",
]
