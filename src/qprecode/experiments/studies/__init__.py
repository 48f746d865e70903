"""Studies beyond the papers: precoders under imperfect CSI (``csi``) and how close the local
search comes to the exhaustive optimum (``local_search``)."""

from .csi import ERRORS_DB, PILOT_SNRS_DB, csi_study, csi_sweep, pilot_sweep, plot_csi_sweep
from .local_search import OptimalityGap, gap_study, gap_table, optimality_gap

__all__ = [
    "ERRORS_DB",
    "PILOT_SNRS_DB",
    "OptimalityGap",
    "csi_study",
    "csi_sweep",
    "gap_study",
    "gap_table",
    "optimality_gap",
    "pilot_sweep",
    "plot_csi_sweep",
]
