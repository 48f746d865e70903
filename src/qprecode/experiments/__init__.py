"""Reproducible experiments: config -> results -> plots and a markdown report."""

from .compare import PRESETS, ComparisonConfig, run_comparison
from .reproduce import EXPERIMENTS, reproduce

__all__ = ["EXPERIMENTS", "PRESETS", "ComparisonConfig", "reproduce", "run_comparison"]
