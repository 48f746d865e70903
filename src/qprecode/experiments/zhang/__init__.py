"""Experiments of Zhang et al.: size generalisation of trained GNN precoders (Figs. 6, 7, 11, 12)
learning curves over the number of training samples (Figs. 4, 5, 10), both as fractions of the
WMMSE (sum SE) or WMMSE-PF (log-SE) baseline, the complexity tables (Tables I-IV), and Figs. 10
and 15 beside the paper's text."""

from .complexity import (
    classical_timings,
    count_parameters,
    hybrid_complexity,
    inference_ms,
    learned_complexity,
    model_complexity,
    model_flops,
)
from .curves import learning_curves
from .figures import PAPER, figure10, figure15
from .sizes import load_zhang_models, plot_sizes, size_generalisation, sizes_report

__all__ = [
    "PAPER",
    "figure10",
    "figure15",
    "classical_timings",
    "count_parameters",
    "hybrid_complexity",
    "inference_ms",
    "learned_complexity",
    "learning_curves",
    "model_complexity",
    "model_flops",
    "load_zhang_models",
    "plot_sizes",
    "size_generalisation",
    "sizes_report",
]
