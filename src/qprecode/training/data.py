"""Training, validation and test channel sets, each drawn from its own seed.

The validation symbols are drawn from the validation seed too, so their stream starts where the
validation channels' does: only channel 0's symbols repeat its channel entries (a 1-in-1000
overlap). It is kept as is because it decides which checkpoint the shipped models selected; the
test evaluation (``model_card.finish``) draws its symbols from a separate stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..channels import make_channel
from ..metrics import gaussian_symbols
from .config import TrainConfig

__all__ = ["ChannelSets", "make_channel_sets"]


@dataclass(frozen=True)
class ChannelSets:
    """``train: [N_train, M, K]``, ``val: [N_val, M, K]``, ``test: [N_test, M, K]`` complex64,
    and the fixed symbols of the validation set ``val_symbols: [N_val, N_s, K]``."""

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    val_symbols: torch.Tensor


def _sample(config: TrainConfig, count: int, seed: int) -> torch.Tensor:
    model = make_channel(config.channel, config.antennas, config.users)
    return model.sample(count, torch.Generator().manual_seed(seed))


def make_channel_sets(config: TrainConfig) -> ChannelSets:
    """Draw the three sets (on the CPU; the trainer moves batches to the device)."""
    val = _sample(config, config.val_channels, config.val_seed)
    return ChannelSets(
        train=_sample(config, config.train_channels, config.train_seed),
        val=val,
        test=_sample(config, config.test_channels, config.test_seed),
        val_symbols=gaussian_symbols(
            config.val_channels, config.eval_symbols, config.users, config.val_seed, val.dtype
        ),
    )
