"""The gradient-driven GNNs of Zhang et al. (digital and hybrid): config and training task over
varying numbers of users and antennas."""

from .config import (
    SIZE_DISTRIBUTIONS,
    ZHANG_ARCHITECTURES,
    ZHANG_OBJECTIVES,
    ZhangConfig,
    ZhangData,
    ZhangModel,
    ZhangOptim,
)
from .task import ZhangObjective, ZhangTask, draw_sizes, utility

__all__ = [
    "SIZE_DISTRIBUTIONS",
    "ZHANG_ARCHITECTURES",
    "ZHANG_OBJECTIVES",
    "ZhangConfig",
    "ZhangData",
    "ZhangModel",
    "ZhangObjective",
    "ZhangOptim",
    "ZhangTask",
    "draw_sizes",
    "utility",
]
