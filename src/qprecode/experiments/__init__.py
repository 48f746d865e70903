"""Reproducible experiments: config -> results -> plots and a markdown report.

``compare`` puts classical and learned precoders side by side on the same channels (across
papers); each paper's reproduction is a subpackage (``feys``) whose experiments take an explicit,
frozen config and an output folder.
"""

from .common import Section
from .compare import PRESET_ALIASES as COMPARE_PRESET_ALIASES
from .compare import PRESETS as COMPARE_PRESETS
from .compare import ComparisonConfig, run_comparison
from .feys import EXPERIMENTS, ReproduceConfig, reproduce
from .feys import PRESET_ALIASES as REPRODUCE_PRESET_ALIASES
from .feys import PRESETS as REPRODUCE_PRESETS

__all__ = [
    "COMPARE_PRESETS",
    "COMPARE_PRESET_ALIASES",
    "EXPERIMENTS",
    "REPRODUCE_PRESETS",
    "REPRODUCE_PRESET_ALIASES",
    "ComparisonConfig",
    "ReproduceConfig",
    "Section",
    "reproduce",
    "run_comparison",
]
