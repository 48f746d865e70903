"""Channel models: i.i.d. Rayleigh, line-of-sight ULA and clustered Saleh-Valenzuela.

Every model samples ``H: [batch, M, K] complex`` from an explicit ``torch.Generator``.
"""

from __future__ import annotations

import torch

from .base import ChannelModel
from .los import LOSChannel, ula_steering
from .rayleigh import RayleighChannel, complex_normal
from .saleh_valenzuela import SalehValenzuelaChannel

__all__ = [
    "CHANNEL_NAMES",
    "ChannelModel",
    "LOSChannel",
    "RayleighChannel",
    "SalehValenzuelaChannel",
    "complex_normal",
    "make_channel",
    "ula_steering",
]

CHANNEL_NAMES = ("rayleigh", "los", "sv")


def make_channel(
    name: str,
    num_antennas: int,
    num_users: int,
    dtype: torch.dtype = torch.complex64,
    device: torch.device | str | None = None,
    **options: object,
) -> ChannelModel:
    """Build a channel model by name: ``rayleigh``, ``los`` or ``sv`` (Saleh-Valenzuela).

    Extra keyword ``options`` go to the model's constructor (e.g. ``angles_deg`` for ``los``).
    """
    models: dict[str, type] = {
        "rayleigh": RayleighChannel,
        "los": LOSChannel,
        "sv": SalehValenzuelaChannel,
    }
    if name not in models:
        raise ValueError(f"unknown channel {name!r}; choose one of {', '.join(CHANNEL_NAMES)}")
    model: ChannelModel = models[name](
        num_antennas, num_users, dtype=dtype, device=device, **options
    )
    return model
