"""Experiments of Kasalaee et al.: Pareto fronts of energy efficiency against sum rate from a
sweep's table (Fig. 2), the DNN fronts against WMMSE over its stopping tolerance (Fig. 3), and
the compression table (Table II: LSQ and PTQ at uniform widths, over seeds)."""

from .fronts import FrontPoint, pareto_fronts, wmmse_tradeoff
from .table2 import compression_table

__all__ = ["FrontPoint", "compression_table", "pareto_fronts", "wmmse_tradeoff"]
