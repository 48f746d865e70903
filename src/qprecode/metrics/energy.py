"""Energy efficiency of a precoder: rate per unit of processing energy (Kasalaee et al.)."""

from __future__ import annotations

import torch

__all__ = ["energy_efficiency"]


def energy_efficiency(rate: torch.Tensor | float, energy_uj: torch.Tensor | float) -> torch.Tensor:
    """``EE = R / E`` in bits/s/Hz per microjoule.

    Args:
        rate: sum rate ``R`` in bits/s/Hz (bits per channel use), any shape.
        energy_uj: energy of one precoder evaluation ``E`` in µJ, positive, broadcasting
            against ``rate``.

    Returns:
        ``EE`` with the broadcast shape.
    """
    energy = torch.as_tensor(energy_uj, dtype=torch.float64)
    if not bool((energy > 0).all()):
        raise ValueError(f"energy must be positive, got {energy_uj}")
    return torch.as_tensor(rate, dtype=torch.float64) / energy
