"""Pure line-of-sight channels of a uniform linear array (eq. 10 of Feys et al.)."""

from __future__ import annotations

import math

import torch

from .._validation import check_positive_int, real_dtype

__all__ = ["LOSChannel", "ula_steering"]


def ula_steering(
    angles_deg: torch.Tensor,
    num_antennas: int,
    spacing: float = 0.5,
    dtype: torch.dtype = torch.complex64,
) -> torch.Tensor:
    """Line-of-sight ULA channel coefficients ``h_m(phi) = exp(-j 2 pi m d cos(phi))``, eq. 10.

    Args:
        angles_deg: ``[..., K]`` real, user angles ``phi`` in degrees (90 is broadside).
        num_antennas: ``M``.
        spacing: antenna spacing ``d / lambda_c`` (half a wavelength by default).
        dtype: complex output dtype.

    Returns:
        ``H: [..., M, K]`` complex, unit-modulus entries.
    """
    check_positive_int(num_antennas, "num_antennas")
    real = real_dtype(dtype)
    phi = torch.deg2rad(angles_deg.to(real))
    m = torch.arange(num_antennas, dtype=real, device=angles_deg.device)
    phase = -2.0 * math.pi * spacing * m[:, None] * torch.cos(phi)[..., None, :]  # [..., M, K]
    return torch.polar(torch.ones_like(phase), phase).to(dtype)


class LOSChannel:
    """Pure LOS ULA channel with user angles drawn from the discrete uniform ``U{0, ..., 180}``
    degrees (Sect. VI-A of Feys et al.), or fixed angles when ``angles_deg`` is given.

    Args:
        num_antennas: ``M``.
        num_users: ``K``.
        angles_deg: optional fixed user angles (``K`` values, degrees); then every sample is the
            same channel.
        spacing: antenna spacing in wavelengths.

    ``sample(batch_size, generator) -> H: [batch_size, M, K]``.
    """

    def __init__(
        self,
        num_antennas: int,
        num_users: int,
        angles_deg: list[float] | None = None,
        spacing: float = 0.5,
        dtype: torch.dtype = torch.complex64,
        device: torch.device | str | None = None,
    ) -> None:
        check_positive_int(num_antennas, "num_antennas")
        check_positive_int(num_users, "num_users")
        if angles_deg is not None and len(angles_deg) != num_users:
            raise ValueError(
                f"angles_deg must hold one angle per user (K={num_users}), got {len(angles_deg)}"
            )
        if spacing <= 0 or not math.isfinite(spacing):
            raise ValueError(f"spacing must be a positive number of wavelengths, got {spacing}")
        self.num_antennas = num_antennas
        self.num_users = num_users
        self.angles_deg = None if angles_deg is None else [float(a) for a in angles_deg]
        self.spacing = spacing
        self.dtype = dtype
        self.device = device

    def sample_angles(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """User angles in degrees, ``[batch_size, K]`` float."""
        check_positive_int(batch_size, "batch_size")
        if self.angles_deg is not None:
            fixed = torch.tensor(self.angles_deg, device=self.device)
            return fixed.expand(batch_size, self.num_users).clone()
        shape = (batch_size, self.num_users)
        draws = torch.randint(0, 181, shape, generator=generator, device=generator.device)
        return draws.to(device=self.device, dtype=torch.float32)

    def sample(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        angles = self.sample_angles(batch_size, generator)
        return ula_steering(angles, self.num_antennas, self.spacing, self.dtype)

    def __repr__(self) -> str:
        angles = "U{0..180}" if self.angles_deg is None else self.angles_deg
        return f"LOSChannel(M={self.num_antennas}, K={self.num_users}, angles={angles})"
