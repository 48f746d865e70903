"""Shared fixtures and settings of the test suite."""

from __future__ import annotations

import torch
from hypothesis import settings

settings.register_profile("default", deadline=None, max_examples=40)
settings.load_profile("default")
torch.set_num_threads(2)


def generator(seed: int = 0) -> torch.Generator:
    """A seeded CPU generator."""
    return torch.Generator().manual_seed(seed)
