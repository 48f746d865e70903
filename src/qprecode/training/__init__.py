"""Self-supervised training of the quantized GNN precoder: gradient estimators, the sum-rate
loss, configs, channel sets, checkpoints and the training loop."""

from .checkpoint import load_checkpoint_files, load_model, model_from_tensors
from .config import TrainConfig, load_config
from .data import ChannelSets, make_channel_sets
from .estimators import ESTIMATORS, level_weights, sample_gumbel
from .loss import negative_sum_rate
from .model_card import retest
from .trainer import SampledPrecoder, TrainResult, build_model, train

__all__ = [
    "ESTIMATORS",
    "ChannelSets",
    "SampledPrecoder",
    "TrainConfig",
    "TrainResult",
    "build_model",
    "level_weights",
    "load_checkpoint_files",
    "load_config",
    "load_model",
    "make_channel_sets",
    "model_from_tensors",
    "negative_sum_rate",
    "retest",
    "sample_gumbel",
    "train",
]
