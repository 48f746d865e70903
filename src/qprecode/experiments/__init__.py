"""Reproducible experiments: config -> results -> plots and a markdown report."""

from .compare import PRESETS, ComparisonConfig, run_comparison

__all__ = ["PRESETS", "ComparisonConfig", "run_comparison"]
