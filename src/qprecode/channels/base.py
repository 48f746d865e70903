"""The channel-model protocol shared by every channel generator."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

__all__ = ["ChannelModel"]


@runtime_checkable
class ChannelModel(Protocol):
    """A seeded generator of downlink channel matrices.

    Calling ``model.sample(batch_size, generator)`` returns ``H: [batch_size, M, K] complex``, the
    channel from ``M`` base-station antennas to ``K`` single-antenna users, used as
    ``r = H^T y + v`` (eq. 6 of Feys et al.).
    """

    num_antennas: int
    num_users: int

    def sample(self, batch_size: int, generator: torch.Generator) -> torch.Tensor: ...
