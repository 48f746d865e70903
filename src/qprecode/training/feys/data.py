"""Training, validation and test channel sets of the Feys GNN task, each from its own seed.

The channels of each set come from its seed (``train_seed``, ``val_seed``, ``test_seed``, which
must differ); the fixed validation and test symbols from the named streams
``stream_seed(val_seed, "val-symbols")`` and ``stream_seed(test_seed, "test-symbols")``, which
share no seed with the training streams. The training symbols are fresh every step, from the
run's noise stream (``training.loop``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ...evaluation import gaussian_symbols
from ...seeds import stream_seed
from .config import FeysData

__all__ = ["ChannelSets", "make_channel_sets"]


@dataclass(frozen=True)
class ChannelSets:
    """``train: [N_train, M, K]``, ``val: [N_val, M, K]``, ``test: [N_test, M, K]`` complex64,
    and the fixed symbols of the validation set ``val_symbols: [N_val, N_s, K]``.

    ``train`` is empty (``N_train = 0``) when training draws fresh channels of mixed sizes."""

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor
    val_symbols: torch.Tensor


def make_channel_sets(data: FeysData) -> ChannelSets:
    """Draw the three sets (on the CPU; the loop moves batches to the device)."""
    val = data.sample("val", data.val_channels, data.val_seed)
    if data.mixed_sizes:  # training draws fresh channels every step: a fixed set would go unused
        train = val.new_empty((0, data.antennas, data.users))
    else:
        train = data.sample("train", data.train_channels, data.train_seed)
    return ChannelSets(
        train=train,
        val=val,
        test=data.sample("test", data.test_channels, data.test_seed),
        val_symbols=gaussian_symbols(
            data.val_channels, data.eval_symbols, data.users,
            stream_seed(data.val_seed, "val-symbols"), val.dtype,
        ),
    )  # fmt: skip
