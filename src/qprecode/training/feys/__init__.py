"""The GNN of Feys et al.: its config, channel sets, ST-Gumbel estimators, sum-rate loss and
training task."""

from .config import FeysConfig, FeysData, FeysLoss, FeysModel
from .data import ChannelSets, make_channel_sets
from .estimators import ESTIMATORS, level_weights, sample_gumbel
from .loss import negative_sum_rate
from .task import FeysObjective, FeysTask

__all__ = [
    "ESTIMATORS",
    "ChannelSets",
    "FeysConfig",
    "FeysData",
    "FeysLoss",
    "FeysModel",
    "FeysObjective",
    "FeysTask",
    "level_weights",
    "make_channel_sets",
    "negative_sum_rate",
    "sample_gumbel",
]
