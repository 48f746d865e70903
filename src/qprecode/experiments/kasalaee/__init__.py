"""Experiments of Kasalaee et al.: Pareto fronts of energy efficiency against sum rate from a
sweep's table (Fig. 2), and the DNN fronts against WMMSE over its stopping tolerance (Fig. 3)."""

from .fronts import FrontPoint, pareto_fronts, wmmse_tradeoff

__all__ = ["FrontPoint", "pareto_fronts", "wmmse_tradeoff"]
