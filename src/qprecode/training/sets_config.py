"""The part of a task's config that every learned precoder shares: the system size, the channel
model and the three channel sets with their seeds, and the SNR."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..channels import CHANNEL_NAMES

__all__ = ["ChannelSetsConfig"]


@dataclass(frozen=True)
class ChannelSetsConfig:
    """The system and the channel sets (a task's ``data`` section extends it).

    Attributes:
        antennas, users: ``M``, ``K``.
        channel: channel model name (``rayleigh``, ``los``, ``sv``; ``qprecode.channels``).
        train_channels, val_channels, test_channels: sizes of the three channel sets.
        train_seed, val_seed, test_seed: their seeds, pairwise distinct (no set shares a stream).
        snr_db: training and validation SNR ``P_T / sigma_v^2`` in dB.
        total_power: ``P_T``; ``None`` means ``M``.
    """

    antennas: int = 32
    users: int = 1
    channel: str = "rayleigh"
    train_channels: int = 200_000
    val_channels: int = 1_000
    test_channels: int = 10_000
    train_seed: int = 1
    val_seed: int = 2
    test_seed: int = 3
    snr_db: float = 20.0
    total_power: float | None = None

    def __post_init__(self) -> None:
        for name in ("antennas", "users", "train_channels", "val_channels", "test_channels"):
            self._check_positive(name)
        if self.channel not in CHANNEL_NAMES:
            raise ValueError(f"channel must be one of {CHANNEL_NAMES}, got {self.channel!r}")
        if len({self.train_seed, self.val_seed, self.test_seed}) != 3:
            raise ValueError(
                "train_seed, val_seed and test_seed must differ (no set may share a stream), got "
                f"{self.train_seed}, {self.val_seed}, {self.test_seed}"
            )
        if not math.isfinite(self.snr_db):
            raise ValueError(f"snr_db must be finite, got {self.snr_db}")
        if self.total_power is not None and not self.total_power > 0:
            raise ValueError(f"total_power must be positive, got {self.total_power}")

    def _check_positive(self, name: str) -> None:
        value = getattr(self, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")

    @property
    def power(self) -> float:
        """``P_T``: ``total_power`` or ``M``."""
        return float(self.antennas) if self.total_power is None else float(self.total_power)
