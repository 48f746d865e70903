"""Seed streams: every random quantity a run needs is drawn from the run's seed plus a fixed
offset, so that channels, symbols, noise and the training draws are independent streams and the
same seed reproduces them all."""

from __future__ import annotations

import hashlib

__all__ = [
    "CSI_ERROR_OFFSET",
    "EPOCH_ORDER_STRIDE",
    "NOISE_OFFSET",
    "SYMBOL_OFFSET",
    "TRAIN_NOISE_OFFSET",
    "stream_seed",
]

# Symbols of an evaluation: seed + SYMBOL_OFFSET (the channels use the seed itself).
SYMBOL_OFFSET = 1_000_003
# Receiver noise of the BER: symbol seed + NOISE_OFFSET.
NOISE_OFFSET = 7_777
# Channel-estimation error of an evaluation with imperfect CSI: symbol seed + CSI_ERROR_OFFSET.
CSI_ERROR_OFFSET = 15_485_863
# Training: the data order of epoch e uses seed * EPOCH_ORDER_STRIDE + e; symbols and Gumbel
# noise come from one generator seeded with seed + TRAIN_NOISE_OFFSET.
EPOCH_ORDER_STRIDE = 1_000_003
TRAIN_NOISE_OFFSET = 7_919


def stream_seed(seed: int, stream: str) -> int:
    """The seed of a named stream of ``seed``: 63 bits of SHA-256 of ``"seed/stream"``.

    Held-out data of a training run (validation and test symbols) come from such streams, so
    they share no seed with the run's integer-offset training streams (channels, data order,
    noise) whatever ``seed`` and the number of epochs are (a hash below ``2**40`` has a chance
    of about ``1e-7``).
    """
    digest = hashlib.sha256(f"{seed}/{stream}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1
