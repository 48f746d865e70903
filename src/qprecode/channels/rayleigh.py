"""I.i.d. Rayleigh fading: every entry of ``H`` is an independent ``CN(0, 1)`` draw."""

from __future__ import annotations

import torch

from .._validation import check_positive_int, real_dtype

__all__ = ["RayleighChannel", "complex_normal"]


def complex_normal(
    shape: tuple[int, ...],
    generator: torch.Generator,
    dtype: torch.dtype = torch.complex64,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Draw i.i.d. ``CN(0, 1)`` samples (real and imaginary parts each of variance 1/2).

    Returns a complex tensor of the given shape, dtype and device.
    """
    # Draw on the generator's device so that a CPU generator also seeds GPU samples.
    xy = torch.randn(
        (*shape, 2), generator=generator, dtype=real_dtype(dtype), device=generator.device
    )
    return torch.view_as_complex(xy * (0.5**0.5)).to(device=device, dtype=dtype)


class RayleighChannel:
    """I.i.d. Rayleigh block fading, ``[H]_{m,k} ~ CN(0, 1)`` (Sect. VI-A of Feys et al.).

    Args:
        num_antennas: ``M``, base-station antennas.
        num_users: ``K``, single-antenna users.
        dtype: complex dtype of the samples.
        device: device of the samples.

    ``sample(batch_size, generator) -> H: [batch_size, M, K]``.
    """

    def __init__(
        self,
        num_antennas: int,
        num_users: int,
        dtype: torch.dtype = torch.complex64,
        device: torch.device | str | None = None,
    ) -> None:
        check_positive_int(num_antennas, "num_antennas")
        check_positive_int(num_users, "num_users")
        self.num_antennas = num_antennas
        self.num_users = num_users
        self.dtype = dtype
        self.device = device

    def sample(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        check_positive_int(batch_size, "batch_size")
        shape = (batch_size, self.num_antennas, self.num_users)
        return complex_normal(shape, generator, self.dtype, self.device)

    def __repr__(self) -> str:
        return f"RayleighChannel(M={self.num_antennas}, K={self.num_users})"
