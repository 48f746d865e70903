"""Reproducible experiments: config -> results -> plots and a markdown report.

``compare`` puts classical and learned precoders side by side on the same channels (across
papers); each paper's reproduction is a subpackage (``feys``, ``kasalaee``, ``zhang``) and the
studies beyond the papers another (``studies``); ``catalogue`` names every item ``PAPER:ITEM``
for ``qprecode reproduce``.
"""

from .catalogue import CATALOGUE, PRESETS, Reproduction, reproduce_items, resolve_items
from .common import Section
from .compare import PRESET_ALIASES as COMPARE_PRESET_ALIASES
from .compare import PRESETS as COMPARE_PRESETS
from .compare import ComparisonConfig, run_comparison
from .feys import EXPERIMENTS, ReproduceConfig, reproduce
from .feys import PRESET_ALIASES as REPRODUCE_PRESET_ALIASES
from .feys import PRESETS as REPRODUCE_PRESETS

__all__ = [
    "CATALOGUE",
    "COMPARE_PRESETS",
    "COMPARE_PRESET_ALIASES",
    "EXPERIMENTS",
    "PRESETS",
    "REPRODUCE_PRESETS",
    "REPRODUCE_PRESET_ALIASES",
    "ComparisonConfig",
    "ReproduceConfig",
    "Reproduction",
    "Section",
    "reproduce",
    "reproduce_items",
    "resolve_items",
    "run_comparison",
]
