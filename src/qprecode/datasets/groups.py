"""Samples of ``K`` users drawn from the user positions of a channel file, with train, validation
and test splits by position (no position serves two splits)."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from .._validation import check_positive_int
from .h5 import ChannelFile, read_channel_file

__all__ = ["LOS_SELECTIONS", "SPLITS", "FileChannel", "split_positions"]

SPLITS = ("train", "val", "test", "all")
# The positions a set draws from, by name: all, LOS only, NLOS only (FileChannel's ``los``).
LOS_SELECTIONS: dict[str, bool | None] = {"all": None, "los": True, "nlos": False}


def split_positions(
    count: int, fractions: tuple[float, float, float], seed: int
) -> dict[str, torch.Tensor]:
    """Disjoint index sets ``{"train", "val", "test"}`` over ``count`` positions, in the given
    fractions, from a seeded permutation (``"all"``: every position)."""
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"split fractions must be three non-negative numbers summing to 1, "
                         f"got {fractions}")  # fmt: skip
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    n_train = round(fractions[0] * count)
    n_val = round(fractions[1] * count)
    return {
        "train": order[:n_train],
        "val": order[n_train : n_train + n_val],
        "test": order[n_train + n_val :],
        "all": torch.arange(count),
    }


def _distinct(n: int, rows: int, k: int, generator: torch.Generator) -> torch.Tensor:
    """``[rows, k]`` indices in ``0..n-1``, distinct within each row, uniformly drawn."""
    if n <= 4 * k:  # few candidates: the first k of a random permutation, [rows, n] memory
        return torch.rand(rows, n, generator=generator).argsort(dim=-1)[:, :k]
    index = torch.randint(0, n, (rows, k), generator=generator)
    while True:  # redraw the rows with a repeated index (rare when n >> k)
        ordered = index.sort(dim=-1).values
        repeated = (ordered[:, 1:] == ordered[:, :-1]).any(dim=-1)
        if not repeated.any():
            return index
        index[repeated] = torch.randint(0, n, (int(repeated.sum()), k), generator=generator)


class FileChannel:
    """A channel model over a channel file: ``sample(batch, generator) -> H: [batch, M, K]``, the
    same protocol as the generated channel models.

    A per-position file gives samples of ``K`` distinct positions drawn uniformly from the split
    (optionally only LOS or only NLOS positions); a file of grouped samples ``[N, M, K]`` gives
    its samples of the split, drawn uniformly with replacement.

    With ``distinct`` (an evaluation, whose standard error assumes independent channels), a
    file of samples, or of positions with ``K = 1``, gives distinct samples within each call
    (drawn without replacement), and a call for more than ``distinct_channels`` is refused
    rather than served by reusing samples.

    Args:
        path: the HDF5 channel file (``datasets.h5``), or an already read ``ChannelFile``.
        num_users: ``K``.
        split: ``train``, ``val``, ``test`` or ``all``.
        fractions: train/val/test fractions of the positions (or samples).
        split_seed: seed of the split (the same for every split of one dataset).
        los: ``None`` (all positions), ``True`` (LOS only) or ``False`` (NLOS only).
        scale: multiply every channel by this factor (e.g. to express path loss against a noise
            level).
        distinct: draw without replacement, and refuse more channels than the split holds.
    """

    def __init__(
        self,
        path: str | Path | ChannelFile,
        num_users: int,
        split: str = "all",
        fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
        split_seed: int = 0,
        los: bool | None = None,
        scale: float = 1.0,
        distinct: bool = False,
    ) -> None:
        check_positive_int(num_users, "num_users")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        self.file = path if isinstance(path, ChannelFile) else read_channel_file(path)
        self.name = (
            str(self.file.metadata.get("source", "the channel file"))
            if isinstance(path, ChannelFile)
            else str(path)
        )
        self.num_users = num_users
        self.num_antennas = self.file.num_antennas
        pool = split_positions(self.file.channels.shape[0], fractions, split_seed)[split]
        if los is not None:
            if self.file.los is None:
                raise ValueError("this channel file has no LOS flags; use los=None")
            pool = pool[self.file.los[pool] == los]
        if self.file.layout == "samples":
            if self.file.channels.shape[-1] != num_users:
                raise ValueError(
                    f"the file holds samples of K={self.file.channels.shape[-1]} users, not "
                    f"{num_users}"
                )
        elif pool.numel() < num_users:
            raise ValueError(
                f"the {split} split has {pool.numel()} positions, fewer than K={num_users}"
            )
        if pool.numel() == 0:
            raise ValueError(f"the {split} split of this channel file is empty")
        self.pool = pool
        self.scale = scale
        self.distinct = distinct
        self.split = split

    @property
    def distinct_channels(self) -> int:
        """How many different channels ``[M, K]`` the selection holds: its samples, or its
        groups of ``K`` distinct positions (``C(P, K)``)."""
        if self.file.layout == "samples":
            return self.pool.numel()
        return math.comb(self.pool.numel(), self.num_users)

    def check_count(self, count: int) -> None:
        """Refuse to draw ``count`` channels when the selection holds fewer different ones:
        repeated channels would pass for independent ones and shrink the standard error."""
        held = self.distinct_channels
        if count > held:
            what = (
                "samples" if self.file.layout == "samples"
                else f"groups of K={self.num_users} of {self.pool.numel()} positions"
            )  # fmt: skip
            raise ValueError(
                f"{self.name} holds {held} different "
                f"channels ({what}, split {self.split!r}); {count} would reuse them and "
                f"understate the standard error: ask for at most {held}"
            )

    def sample(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """``H: [batch_size, M, K]`` complex64."""
        check_positive_int(batch_size, "batch_size")
        channels = self.file.channels
        one_each = self.file.layout == "samples" or self.num_users == 1
        if self.distinct:
            self.check_count(batch_size)
        if self.distinct and one_each:  # without replacement
            pick = torch.randperm(self.pool.numel(), generator=generator)[:batch_size]
            chosen = self.pool[pick]
            if self.file.layout == "samples":
                return channels[chosen] * self.scale
            return channels[chosen[:, None]].transpose(-2, -1) * self.scale
        if self.file.layout == "samples":
            pick = torch.randint(0, self.pool.numel(), (batch_size,), generator=generator)
            return channels[self.pool[pick]] * self.scale
        chosen = self.pool[_distinct(self.pool.numel(), batch_size, self.num_users, generator)]
        return channels[chosen].transpose(-2, -1) * self.scale  # [batch, P->K, M] -> [batch, M, K]

    def __repr__(self) -> str:
        return (f"FileChannel(M={self.num_antennas}, K={self.num_users}, "
                f"{self.pool.numel()} {self.file.layout})")  # fmt: skip
