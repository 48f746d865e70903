"""Reproduction of Feys et al., "Learning to quantize and precode in massive MIMO systems for
energy reduction: a graph neural network approach": one module per group of figures (rates and
NMSE, radiation patterns, received symbols, power), each experiment a function
``(ReproduceConfig, out_dir) -> Section``; ``reproduce`` runs one or all of them."""

from .config import PRESET_ALIASES, PRESETS, ReproduceConfig
from .power_figs import fig12, fig13
from .radiation_figs import fig3, fig4, fig8, fig9
from .rate_figs import PAPER_TABLE_I, fig7a, fig7b, fig11, table1
from .reproduce import EXPERIMENTS, Experiment, reproduce
from .symbols_fig import PAPER_FIG10_M2, fig10

__all__ = [
    "EXPERIMENTS",
    "PAPER_FIG10_M2",
    "PAPER_TABLE_I",
    "PRESETS",
    "PRESET_ALIASES",
    "Experiment",
    "ReproduceConfig",
    "fig3",
    "fig4",
    "fig7a",
    "fig7b",
    "fig8",
    "fig9",
    "fig10",
    "fig11",
    "fig12",
    "fig13",
    "reproduce",
    "table1",
]
