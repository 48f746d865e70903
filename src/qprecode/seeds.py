"""Seed streams: every random quantity a run needs is drawn from the run's seed plus a fixed
offset, so that channels, symbols, noise and the training draws are independent streams and the
same seed reproduces them all."""

from __future__ import annotations

__all__ = [
    "EPOCH_ORDER_STRIDE",
    "NOISE_OFFSET",
    "SYMBOL_OFFSET",
    "TRAIN_NOISE_OFFSET",
]

# Symbols of an evaluation: seed + SYMBOL_OFFSET (the channels use the seed itself).
SYMBOL_OFFSET = 1_000_003
# Receiver noise of the BER: symbol seed + NOISE_OFFSET.
NOISE_OFFSET = 7_777
# Training: the data order of epoch e uses seed * EPOCH_ORDER_STRIDE + e; symbols and Gumbel
# noise come from one generator seeded with seed + TRAIN_NOISE_OFFSET.
EPOCH_ORDER_STRIDE = 1_000_003
TRAIN_NOISE_OFFSET = 7_919
