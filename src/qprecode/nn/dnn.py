"""The compressed CNN+FC precoder of Kasalaee et al. (Fig. 1 and Sect. III of Kasalaee et al.):
a 3x3 convolution over the users x antennas grid of ``[Re H^T; Im H^T]`` and three fully
connected layers that output the precoding matrix ``W``, every weight layer quantizable per
layer (``nn.quantization``).

Layers (``C = conv_channels``, ``D = fc_dim``)::

    X = input_scale [Re H^T; Im H^T]                                   [B, 2, K, M]
        (``input_norm="channel"``: ``H`` is first divided by ``||H||_F / sqrt(M K)``)
    CONV: Conv2d(2 -> C, 3x3, pad 1) -> BN -> ReLU -> Dropout           [B, C, K, M]
    FCL1: Flatten -> Linear(K M C -> D) -> BN1d -> ReLU -> Dropout      [B, D]
    FCL2: Linear(D -> D) -> BN1d -> ReLU -> Dropout                     [B, D]
    FCL3: Linear(D -> 2 M K)                                            [B, 2 M K]
    W = sqrt(P_T) W' / ||W'||_F, W' = reshape to [B, M, K] complex

MACs per channel (bias and batch norm excluded): ``9 * 2 C K M + K M C D + D^2 + 2 M K D``;
18,644,992 for the default ``M = 64, K = 4, C = 64, D = 1024``.

The network is neither equivariant nor invariant to permutations of the users or antennas (the
convolution's kernel and the dense layers see positions), and it runs only at the ``M``, ``K``
it was built for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from .quantization import QuantConv2d, QuantLinear, check_weight_bits

__all__ = ["INPUT_NORMS", "CompressedDNN", "check_trunk"]

INPUT_NORMS = ("global", "channel")


def check_trunk(
    antennas: int,
    users: int,
    conv_channels: int,
    fc_dim: int,
    weight_bits: Sequence[int | None] | None,
    dropout: float,
    total_power: float | None,
) -> tuple[int | None, ...]:
    """Check the arguments of a CNN+FC trunk (``CompressedDNN``, ``StructuredDNN``) and return
    its four weight bit widths (``None``: float); raises ``ValueError`` naming the argument."""
    for name, value in [("antennas", antennas), ("users", users),
                        ("conv_channels", conv_channels), ("fc_dim", fc_dim)]:  # fmt: skip
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    bits = (None,) * 4 if weight_bits is None else tuple(weight_bits)
    if len(bits) != 4:
        raise ValueError(
            f"weight_bits needs 4 entries (CONV, FCL1, FCL2, FCL3), got {weight_bits!r}"
        )
    for index, b in enumerate(bits):
        check_weight_bits(b, f"weight_bits[{index}]")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if total_power is not None and not (total_power > 0 and math.isfinite(total_power)):
        raise ValueError(f"total_power must be positive, got {total_power}")
    return bits


class CompressedDNN(nn.Module):
    """CNN+FC precoder, ``H: [B, M, K]`` -> ``W: [B, M, K]`` with ``||W||_F^2 = P_T``.

    Args:
        antennas: ``M`` (``N_T``).
        users: ``K`` (``N_U``).
        conv_channels: ``C_out`` of the convolution (paper's grid: 8, 16, 32, 64).
        fc_dim: ``D_FCL`` (paper's grid: 512, 1024).
        weight_bits: weight bit widths of ``[CONV, FCL1, FCL2, FCL3]``, each in 2..16 or
            ``None`` (float); ``None`` for all float. 16 is float weights counted at 16 bits
            (``nn.quantization``).
        dropout: dropout probability after the three hidden layers (0.05 in the paper).
        total_power: ``P_T``; ``None`` means ``M``.
        input_norm: ``global`` (one input scale for all channels, set from the training set) or
            ``channel`` (every channel scaled to unit mean power per entry first, then the
            global scale: site channels span tens of dB of path loss, which a fixed scale
            passes on to the network; the output is normalised to ``P_T`` either way).

    Buffers:
        input_scale: the constant the channel is multiplied by before the convolution; 1 until
            ``set_input_scale`` sets it from training channels.

    Shapes:
        ``H: [B, M, K]`` complex -> ``W: [B, M, K]`` complex (dtype of the weights' complex
        counterpart, ``complex64`` by default).
    """

    input_scale: torch.Tensor  # [] float buffer

    def __init__(
        self,
        antennas: int,
        users: int,
        conv_channels: int = 64,
        fc_dim: int = 1024,
        weight_bits: Sequence[int | None] | None = None,
        dropout: float = 0.05,
        total_power: float | None = None,
        input_norm: str = "global",
    ) -> None:
        super().__init__()
        if input_norm not in INPUT_NORMS:
            raise ValueError(f"input_norm must be one of {INPUT_NORMS}, got {input_norm!r}")
        bits = check_trunk(antennas, users, conv_channels, fc_dim, weight_bits, dropout,
                           total_power)  # fmt: skip
        self.antennas, self.users = antennas, users
        self.conv_channels, self.fc_dim = conv_channels, fc_dim
        self.weight_bits: tuple[int | None, ...] = bits
        self.dropout_p = dropout
        self.total_power = total_power
        self.input_norm = input_norm
        M, K, C, D = antennas, users, conv_channels, fc_dim
        self.conv = QuantConv2d(2, C, 3, padding=1, weight_bits=bits[0])
        self.conv_bn = nn.BatchNorm2d(C)
        self.fc1 = QuantLinear(K * M * C, D, weight_bits=bits[1])
        self.fc1_bn = nn.BatchNorm1d(D)
        self.fc2 = QuantLinear(D, D, weight_bits=bits[2])
        self.fc2_bn = nn.BatchNorm1d(D)
        self.fc3 = QuantLinear(D, 2 * M * K, weight_bits=bits[3])
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("input_scale", torch.ones(()))

    @property
    def power(self) -> float:
        """``P_T``: ``total_power`` or ``M``."""
        return float(self.antennas) if self.total_power is None else float(self.total_power)

    @torch.no_grad()
    def set_input_scale(self, H: torch.Tensor) -> float:
        """Set ``input_scale = 1 / std`` of the real and imaginary parts of training channels
        ``H: [N, M, K]`` complex (``sqrt(2)`` for unit-power Rayleigh entries); returns it."""
        std = math.sqrt(float((self._normalized(H).abs() ** 2).mean()) / 2.0)
        if not std > 0 or not math.isfinite(std):
            raise ValueError(f"the channels must have a positive finite power, got std {std}")
        self.input_scale.fill_(1.0 / std)
        return 1.0 / std

    def _normalized(self, H: torch.Tensor) -> torch.Tensor:
        """``H`` itself, or (``input_norm="channel"``) every channel at unit mean entry power."""
        if self.input_norm == "global":
            return H
        power = (H.abs() ** 2).mean(dim=(-2, -1), keepdim=True)
        return H / torch.sqrt(power.clamp_min(torch.finfo(power.dtype).tiny))

    def forward(self, H: torch.Tensor) -> torch.Tensor:
        """``H: [B, M, K]`` complex -> ``W: [B, M, K]`` complex, ``||W_b||_F^2 = P_T``."""
        if H.dim() != 3 or H.shape[1:] != (self.antennas, self.users) or not H.is_complex():
            raise ValueError(
                f"H must be complex of shape [B, M={self.antennas}, K={self.users}], got "
                f"{tuple(H.shape)} {H.dtype}"
            )
        B = H.shape[0]
        real = self.input_scale.dtype
        Ht = self._normalized(H).transpose(-1, -2)  # [B, K, M]
        x = torch.stack([Ht.real, Ht.imag], dim=1).to(real) * self.input_scale  # [B, 2, K, M]
        x = self.dropout(torch.relu(self.conv_bn(self.conv(x))))  # [B, C, K, M]
        x = self.dropout(torch.relu(self.fc1_bn(self.fc1(x.flatten(1)))))  # [B, D]
        x = self.dropout(torch.relu(self.fc2_bn(self.fc2(x))))  # [B, D]
        x = self.fc3(x)  # [B, 2 M K]
        W = torch.view_as_complex(x.reshape(B, self.antennas, self.users, 2))  # [B, M, K]
        energy = (W.abs() ** 2).sum(dim=(-2, -1), keepdim=True)  # [B, 1, 1]
        return W * torch.sqrt(self.power / energy.clamp_min(torch.finfo(real).tiny))

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model (``nn.serialization``)."""
        return {
            "antennas": self.antennas,
            "users": self.users,
            "conv_channels": self.conv_channels,
            "fc_dim": self.fc_dim,
            "weight_bits": list(self.weight_bits),
            "dropout": self.dropout_p,
            "total_power": self.total_power,
            "input_norm": self.input_norm,
        }

    def extra_repr(self) -> str:
        bits = "/".join("fp" if b is None else str(b) for b in self.weight_bits)
        return (
            f"M={self.antennas}, K={self.users}, C={self.conv_channels}, D={self.fc_dim}, "
            f"weight_bits={bits}"
        )
