"""Batches of antenna/user graphs of different sizes, for GNNs that run at any ``M`` and ``K``.

A batch of problems with ``M_b`` antennas and ``K_b`` users is stored zero-padded to the largest
sizes, ``H: [B, M, K]``, with masks of the antennas and users that exist. The GNNs keep every
padded edge at zero (``mask_edges``) so that a padded batch gives, on its real entries, exactly
what each problem gives alone.
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "GraphMasks",
    "check_graph_channel",
    "mask_edges",
    "matched_filter_edges",
    "normalize_edge_power",
    "pad_channels",
    "precoder_from_edges",
    "target_power",
]


class GraphMasks:
    """Which antennas and users of a padded batch exist.

    Args:
        antennas: ``[B, M]`` bool.
        users: ``[B, K]`` bool.
    """

    def __init__(self, antennas: torch.Tensor, users: torch.Tensor) -> None:
        if antennas.dim() != 2 or users.dim() != 2 or antennas.shape[0] != users.shape[0]:
            raise ValueError(
                f"masks must be [B, M] and [B, K], got {tuple(antennas.shape)} and "
                f"{tuple(users.shape)}"
            )
        self.antennas = antennas.bool()
        self.users = users.bool()

    @classmethod
    def full(cls, H: torch.Tensor) -> GraphMasks:
        """Every antenna and user of ``H: [B, M, K]`` exists."""
        B, M, K = H.shape
        ones = torch.ones((B, M), dtype=torch.bool, device=H.device)
        return cls(ones, torch.ones((B, K), dtype=torch.bool, device=H.device))

    @property
    def edges(self) -> torch.Tensor:
        """``[B, M, K]`` bool, the edges (antenna, user) that exist."""
        return self.antennas[:, :, None] & self.users[:, None, :]

    @property
    def num_antennas(self) -> torch.Tensor:
        """``[B]`` int64, ``M_b``."""
        return self.antennas.sum(dim=-1)


def check_graph_channel(H: torch.Tensor) -> None:
    """Raise ``ValueError`` unless ``H`` is a complex ``[B, M, K]`` batch."""
    if H.dim() != 3 or not H.is_complex():
        raise ValueError(f"H must be complex of shape [B, M, K], got {tuple(H.shape)} {H.dtype}")


def check_complex_network_sizes(
    hidden_dim: int, hidden_layers: int, total_power: float | None
) -> None:
    """Raise ``ValueError`` unless a network of complex hidden channels has an even
    ``hidden_dim >= 2``, an integer ``hidden_layers >= 0`` and a positive finite
    ``total_power`` (or ``None``)."""
    if isinstance(hidden_dim, bool) or not isinstance(hidden_dim, int) or hidden_dim < 2:
        raise ValueError(f"hidden_dim must be an integer >= 2, got {hidden_dim!r}")
    if hidden_dim % 2:
        raise ValueError(f"hidden_dim must be even (complex channels), got {hidden_dim}")
    if isinstance(hidden_layers, bool) or not isinstance(hidden_layers, int):
        raise ValueError(f"hidden_layers must be an integer >= 0, got {hidden_layers!r}")
    if hidden_layers < 0:
        raise ValueError(f"hidden_layers must be an integer >= 0, got {hidden_layers}")
    if total_power is not None and not (total_power > 0 and math.isfinite(total_power)):
        raise ValueError(f"total_power must be positive, got {total_power}")


def mask_edges(edges: torch.Tensor, masks: GraphMasks) -> torch.Tensor:
    """Zero the padded edges of ``edges: [B, M, K, ...]``."""
    m = masks.edges
    return edges * m.reshape(m.shape + (1,) * (edges.dim() - 3)).to(edges.dtype)


def normalize_edge_power(V: torch.Tensor, power: torch.Tensor) -> torch.Tensor:
    """Scale ``V: [B, M, K]`` complex (zero on padded edges) to ``||V_b||_F^2 = power_b``
    (``power: [B]``)."""
    energy = (V.abs() ** 2).sum(dim=(-2, -1))  # [B]
    tiny = torch.finfo(energy.dtype).tiny
    return V * torch.sqrt(power / energy.clamp_min(tiny))[:, None, None]


def target_power(masks: GraphMasks, total_power: float | None, dtype: torch.dtype) -> torch.Tensor:
    """``P_b: [B]``: ``total_power`` for every problem, or ``M_b`` (unit power per antenna, the
    project's convention) when it is ``None``."""
    if total_power is None:
        return masks.num_antennas.to(dtype)
    shape, device = masks.num_antennas.shape, masks.antennas.device
    return torch.full(shape, total_power, dtype=dtype, device=device)


def matched_filter_edges(H: torch.Tensor, masks: GraphMasks, dtype: torch.dtype) -> torch.Tensor:
    """The input edge features of the antenna/user GNNs, ``[Re H^*, Im H^*]``: ``[B, M, K, 2]``
    of ``dtype`` (the MRT direction; zero on padded edges)."""
    h = H.conj()
    return mask_edges(torch.stack([h.real, h.imag], dim=-1).to(dtype), masks)


def precoder_from_edges(
    D: torch.Tensor, masks: GraphMasks, total_power: float | None, dtype: torch.dtype
) -> torch.Tensor:
    """``V: [B, M, K]`` complex (``dtype``) from 2-channel output edges ``D: [B, M, K, 2]``
    (real, imaginary), zero on padded edges and at power ``P_b`` (``target_power``)."""
    V = mask_edges(torch.complex(D[..., 0], D[..., 1]), masks)
    return normalize_edge_power(V, target_power(masks, total_power, D.dtype)).to(dtype)


def pad_channels(channels: list[torch.Tensor]) -> tuple[torch.Tensor, GraphMasks]:
    """Stack channels of different sizes ``[M_b, K_b]`` into ``H: [B, max M, max K]`` (zeros
    where padded) and their ``GraphMasks``."""
    if not channels:
        raise ValueError("no channels to pad")
    M = max(h.shape[0] for h in channels)
    K = max(h.shape[1] for h in channels)
    B = len(channels)
    H = torch.zeros((B, M, K), dtype=channels[0].dtype, device=channels[0].device)
    antennas = torch.zeros((B, M), dtype=torch.bool, device=H.device)
    users = torch.zeros((B, K), dtype=torch.bool, device=H.device)
    for b, h in enumerate(channels):
        H[b, : h.shape[0], : h.shape[1]] = h
        antennas[b, : h.shape[0]] = True
        users[b, : h.shape[1]] = True
    return H, GraphMasks(antennas, users)
