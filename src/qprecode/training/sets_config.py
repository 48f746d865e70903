"""The part of a task's config that every learned precoder shares: the system size, the channel
model (or a channel file) and the three channel sets with their seeds, and the SNR."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..channels import CHANNEL_NAMES, make_channel
from ..datasets import LOS_SELECTIONS, FileChannel
from ..metrics.snr import MAX_SNR_DB

__all__ = ["FILE_PREFIX", "ChannelSetsConfig"]

FILE_PREFIX = "file:"  # channel = "file:PATH": groups of users drawn from an HDF5 channel file


@dataclass(frozen=True)
class ChannelSetsConfig:
    """The system and the channel sets (a task's ``data`` section extends it).

    Attributes:
        antennas, users: ``M``, ``K``.
        channel: channel model name (``rayleigh``, ``los``, ``sv``; ``qprecode.channels``), or
            ``file:PATH`` for an HDF5 channel file (``qprecode.datasets``): each set then draws
            groups of ``K`` users from its own positions (an 80/10/10 split by position), and
            ``antennas`` must be the file's ``M``.
        positions: with a channel file, the positions every set draws from: ``all``, ``los``
            (line of sight only) or ``nlos`` (``datasets.LOS_SELECTIONS``); ignored otherwise.
        split_positions: with a channel file, give each set its own positions (no user position
            in two sets); ``False`` lets every set draw its groups from all positions, so that
            the test users stand where training users stood (only the groups are new).
        train_channels, val_channels, test_channels: sizes of the three channel sets.
        train_seed, val_seed, test_seed: their seeds, pairwise distinct (no set shares a stream).
        snr_db: training and validation SNR ``P_T / sigma_v^2`` in dB.
        total_power: ``P_T``; ``None`` means ``M``.
    """

    antennas: int = 32
    users: int = 1
    channel: str = "rayleigh"
    positions: str = "all"
    split_positions: bool = True
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
        if self.channel not in CHANNEL_NAMES and not self.channel.startswith(FILE_PREFIX):
            raise ValueError(
                f"channel must be one of {CHANNEL_NAMES} or file:PATH, got {self.channel!r}"
            )
        if self.positions not in LOS_SELECTIONS:
            raise ValueError(
                f"positions must be one of {tuple(LOS_SELECTIONS)}, got {self.positions!r}"
            )
        if len({self.train_seed, self.val_seed, self.test_seed}) != 3:
            raise ValueError(
                "train_seed, val_seed and test_seed must differ (no set may share a stream), got "
                f"{self.train_seed}, {self.val_seed}, {self.test_seed}"
            )
        if not -MAX_SNR_DB <= self.snr_db <= MAX_SNR_DB:  # NaN too, before any run folder
            raise ValueError(f"snr_db must be within +-{MAX_SNR_DB:g} dB, got {self.snr_db}")
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

    def sample(self, split: str, count: int, seed: int) -> torch.Tensor:
        """``count`` channels ``[count, M, K]`` of a split (``train``, ``val``, ``test``) from
        ``seed``: from the channel model, or from the split's positions of the channel file."""
        if not self.channel.startswith(FILE_PREFIX):
            model = make_channel(self.channel, self.antennas, self.users)
            return model.sample(count, torch.Generator().manual_seed(seed))
        source = FileChannel(
            self.channel.removeprefix(FILE_PREFIX),
            self.users,
            split if self.split_positions else "all",
            los=LOS_SELECTIONS[self.positions],
        )
        if source.num_antennas != self.antennas:
            raise ValueError(
                f"{self.channel} has M={source.num_antennas} antennas, the config {self.antennas}"
            )
        return source.sample(count, torch.Generator().manual_seed(seed))
