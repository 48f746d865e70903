"""Clustered Saleh-Valenzuela channels of a ULA, the usual mmWave model for hybrid precoding.

Each user's channel is a sum of ``N_cl`` clusters of ``N_ray`` rays,

    h_k = sqrt(1 / (N_cl N_ray)) sum_i sum_l alpha_{i,l} a(phi_{i,l}),

with path gains ``alpha ~ CN(0, 1)``, cluster mean angles uniform on ``[0, 180)`` degrees, ray
angles Laplacian around their cluster mean with the given angular spread, and ``a(phi)`` the
unit-modulus ULA response of eq. 10 of Feys et al. Each entry then has unit average power,
``E|h_{m,k}|^2 = 1``, as for the Rayleigh channel (El Ayach et al., IEEE TWC 2014).
"""

from __future__ import annotations

import math

import torch

from .._validation import check_positive_int
from .los import ula_steering
from .rayleigh import complex_normal

__all__ = ["SalehValenzuelaChannel"]


class SalehValenzuelaChannel:
    """Clustered mmWave ULA channel.

    Args:
        num_antennas: ``M``.
        num_users: ``K``.
        num_clusters: ``N_cl`` clusters per user.
        num_rays: ``N_ray`` rays per cluster.
        angular_spread_deg: standard deviation of the Laplacian ray angles around the cluster
            mean, in degrees.
        spacing: antenna spacing in wavelengths.

    ``sample(batch_size, generator) -> H: [batch_size, M, K]``.
    """

    def __init__(
        self,
        num_antennas: int,
        num_users: int,
        num_clusters: int = 5,
        num_rays: int = 10,
        angular_spread_deg: float = 7.5,
        spacing: float = 0.5,
        dtype: torch.dtype = torch.complex64,
        device: torch.device | str | None = None,
    ) -> None:
        for name, value in [
            ("num_antennas", num_antennas),
            ("num_users", num_users),
            ("num_clusters", num_clusters),
            ("num_rays", num_rays),
        ]:
            check_positive_int(value, name)
        if angular_spread_deg < 0 or not math.isfinite(angular_spread_deg):
            raise ValueError(f"angular_spread_deg must be >= 0, got {angular_spread_deg}")
        self.num_antennas = num_antennas
        self.num_users = num_users
        self.num_clusters = num_clusters
        self.num_rays = num_rays
        self.angular_spread_deg = angular_spread_deg
        self.spacing = spacing
        self.dtype = dtype
        self.device = device

    def sample_angles(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """Ray angles in degrees, ``[batch_size, K, N_cl * N_ray]`` float."""
        dev = generator.device
        K, C, R = self.num_users, self.num_clusters, self.num_rays
        means = 180.0 * torch.rand((batch_size, K, C, 1), generator=generator, device=dev)
        # Laplacian offsets by inverse CDF; scale b = spread / sqrt(2) gives the stated std.
        u = torch.rand((batch_size, K, C, R), generator=generator, device=dev)
        u = u.clamp(1e-7, 1 - 1e-7) - 0.5  # open interval: log1p(-1) would be -inf
        b = self.angular_spread_deg / math.sqrt(2.0)
        offsets = -b * torch.sign(u) * torch.log1p(-2.0 * u.abs())
        return (means + offsets).reshape(batch_size, K, C * R).to(self.device)

    def sample(self, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        check_positive_int(batch_size, "batch_size")
        angles = self.sample_angles(batch_size, generator)  # [B, K, P] with P = N_cl N_ray
        num_paths = angles.shape[-1]
        steering = ula_steering(angles, self.num_antennas, self.spacing, self.dtype)  # [B, K, M, P]
        gains = complex_normal(angles.shape, generator, self.dtype, self.device)  # [B, K, P]
        H = (steering @ gains[..., None]).squeeze(-1) / math.sqrt(num_paths)  # [B, K, M]
        return H.transpose(-1, -2).contiguous()  # [B, M, K]

    def __repr__(self) -> str:
        return (
            f"SalehValenzuelaChannel(M={self.num_antennas}, K={self.num_users}, "
            f"N_cl={self.num_clusters}, N_ray={self.num_rays}, "
            f"spread={self.angular_spread_deg} deg)"
        )
