"""Experiments of Kasalaee et al.: Pareto fronts of energy efficiency against sum rate from
sweep tables (Fig. 2), the DNN fronts against the reference precoders (Fig. 3: WMMSE over its
start and stopping tolerance, MRT/ZF/RZF in both power normalisations), and the compression table
(Table II: LSQ and PTQ at uniform widths, over seeds), and the energy model's figures against
Tables I and II (``qprecode energy``)."""

from .baselines import (
    LINEAR_REFERENCES,
    WMMSE_TOLERANCES,
    data_from_row,
    linear_references,
    per_user_snr_db,
    wmmse_margins,
    wmmse_references,
)
from .energy import energy_records, energy_section, paper_comparison
from .fronts import FrontPoint, architecture_label, pareto_fronts
from .pareto_report import ParetoReport, pareto_report, read_sweep_table
from .table2 import compression_table, wmmse_cost

__all__ = [
    "LINEAR_REFERENCES",
    "WMMSE_TOLERANCES",
    "FrontPoint",
    "ParetoReport",
    "architecture_label",
    "compression_table",
    "data_from_row",
    "energy_records",
    "energy_section",
    "linear_references",
    "paper_comparison",
    "pareto_fronts",
    "pareto_report",
    "per_user_snr_db",
    "read_sweep_table",
    "wmmse_cost",
    "wmmse_margins",
    "wmmse_references",
]
