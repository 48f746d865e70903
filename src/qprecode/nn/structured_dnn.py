"""A structure-aware compressed DNN precoder: the CNN+FC trunk of Kasalaee et al. predicts only
the ``2K`` powers ``(p, q)`` of the optimal beamforming structure, and a closed-form layer
(``precoders.structure``) turns them into the precoding matrix (Björnson et al.'s structure;
Xia et al., IEEE TCOM 2020, learn the same powers with a CNN).

Why: a network that outputs the ``2 M K`` entries of ``W`` directly must learn matrix inversion
from data and stays far below WMMSE on correlated site channels. The optimum has the form
``w_k = sqrt(p_k) v_k / ||v_k||``, ``V = H^* (G + diag(sigma^2 / q))^{-1}``, so what is left to
learn is a power allocation; at ``p = q = P_T / K`` the layer is RZF with equal power per user,
a strong start.

Layers (``C = conv_channels``, ``D = fc_dim``)::

    G = H^T H^*                                                           [B, K, K]
    X = [gain_ij, Re rho_ij, Im rho_ij]                                    [B, 3, K, K]
        gain_ij = (g_i + g_j) / 2, g_k = (10 log10(G_kk P_T / (K sigma^2)) - shift) * scale
        (per-user SNR in dB, standardised on the training set); rho_ij = G_ij / sqrt(G_ii G_jj)
    CONV: Conv2d(3 -> C, 3x3, pad 1) -> BN -> ReLU -> Dropout              [B, C, K, K]
    FCL1: Flatten -> Linear(K K C -> D) -> BN1d -> ReLU -> Dropout         [B, D]
    FCL2: Linear(D -> D) -> BN1d -> ReLU -> Dropout                        [B, D]
    FCL3: Linear(D -> 2 K)                                                 [B, 2 K]
    p = P_T softmax(first K), q = P_T softmax(last K)                      [B, K] each
        (every share floored at 1e-6)
    W = StructureLayer(H, p, q)                                            [B, M, K]
    or, with user_selection, W = UserSelection(H, p, q): the best of K + 1 candidates [B, M, K]

The features depend on ``H`` only through ``G``, so the powers are invariant to any unitary
transform of the antenna space (a rotated array sees the same powers). Every weight layer is
LSQ-quantizable (``nn.quantization``); the closed-form layer is costed at ``CLOSED_FORM_BITS``
(a cost-model annotation; its arithmetic here is floating point).

User selection: on correlated site channels the sum-rate optimum sometimes serves only ``K - 1``
of the ``K`` users (WMMSE finds it by iterating; a softmax rarely puts a user at zero). With
``user_selection`` the network's powers and the ``K`` allocations that leave one user out are
all turned into beams, and the one with the largest closed-form sum rate at the design SNR is
kept (the base station knows ``H``, so it can score its candidates). ``K + 1`` closed-form
solves instead of one; the cost model counts them (``cost.profile``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..metrics import noise_variance, sinr_from_matrix, sum_rate
from ..precoders import structured_matrix
from .dnn import check_trunk
from .quantization import QuantConv2d, QuantLinear

__all__ = [
    "CLOSED_FORM_BITS",
    "StructureLayer",
    "StructuredDNN",
    "UserSelection",
    "gram_features",
    "leave_one_out_powers",
]

CLOSED_FORM_BITS = 16  # the arithmetic of the closed-form layer, as the paper's baselines
_FEATURE_CHANNELS = 3
_POWER_FLOOR = 1e-6  # the least share of P_T a user's p_k or q_k gets


def gram_features(H: torch.Tensor, noise_var: float, power: float) -> tuple[torch.Tensor, ...]:
    """``(G, snr_db, rho)`` of channels ``H: [B, M, K]``: the Gram matrix ``G = H^T H^*``
    ``[B, K, K]`` complex, every user's SNR at equal power ``10 log10(G_kk P_T / (K sigma^2))``
    ``[B, K]`` real, and the normalised correlations ``rho = G_ij / sqrt(G_ii G_jj)``
    ``[B, K, K]`` complex."""
    G = H.mT @ H.conj()
    gains = torch.diagonal(G, dim1=-2, dim2=-1).real.clamp_min(torch.finfo(H.real.dtype).tiny)
    snr_db = 10 * torch.log10(gains * (power / (H.shape[-1] * noise_var)))
    root = torch.sqrt(gains)
    rho = G / (root[..., :, None] * root[..., None, :])
    return G, snr_db, rho


class StructureLayer(nn.Module):
    """The closed-form layer ``(H, p, q) -> W`` (``precoders.structured_matrix``), a module so
    that the cost model counts its arithmetic (``cost.profile``) at ``weight_bits`` bits.

    Args:
        noise_var: ``sigma_v^2`` of the design SNR.

    Shapes: ``H: [B, M, K]`` complex, ``p, q: [B, K]`` real -> ``W: [B, M, K]`` complex.
    """

    def __init__(self, noise_var: float) -> None:
        super().__init__()
        self.noise_var = noise_var
        self.weight_bits = CLOSED_FORM_BITS
        self.activation_bits = CLOSED_FORM_BITS

    def forward(self, H: torch.Tensor, p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        return structured_matrix(H, p, q, self.noise_var)

    def extra_repr(self) -> str:
        return f"noise_var={self.noise_var:.4g}, bits={self.weight_bits}"


def leave_one_out_powers(p: torch.Tensor, floor: float) -> torch.Tensor:
    """The ``K`` allocations of ``p: [B, K]`` (summing to ``P_T``) that leave one user out:
    ``[B, K, K]``, row ``k`` with ``p_k`` at ``floor`` and the others scaled to sum to
    ``P_T - floor`` (``floor > 0``: a power of exactly zero gives ``sqrt`` an infinite
    gradient)."""
    K = p.shape[-1]
    eye = torch.eye(K, dtype=torch.bool, device=p.device)
    others = p[..., None, :].masked_fill(eye, 0.0)  # [B, K(left out), K]
    # sum_{j != k} p_j summed directly: P_T - p_k cancels in float32 when p_k is nearly P_T
    rest = others.sum(dim=-1, keepdim=True)  # [B, K, 1]
    total = p.sum(dim=-1, keepdim=True)[..., None]  # [B, 1, 1]
    scaled = others * ((total - floor) / rest.clamp_min(torch.finfo(p.dtype).tiny))
    return torch.where(eye, torch.full_like(scaled, floor), scaled)


class UserSelection(nn.Module):
    """The closed-form layer over ``K + 1`` candidate allocations, keeping per channel the one
    with the largest sum rate at ``noise_var``: the powers ``(p, q)`` as given, and for every
    user ``k`` the same with ``p_k`` and ``q_k`` at ``floor`` (user ``k`` not served; the others
    ignore it and share its power). Gradients flow through the kept candidate.

    Args:
        noise_var: ``sigma_v^2`` of the design SNR.
        floor: the power of a left-out user (``> 0``).

    Shapes: ``H: [B, M, K]`` complex, ``p, q: [B, K]`` real -> ``W: [B, M, K]`` complex.
    """

    def __init__(self, noise_var: float, floor: float) -> None:
        super().__init__()
        self.noise_var = noise_var
        self.floor = floor
        self.weight_bits = CLOSED_FORM_BITS
        self.activation_bits = CLOSED_FORM_BITS

    def forward(self, H: torch.Tensor, p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        ps = torch.cat([p[:, None], leave_one_out_powers(p, self.floor)], dim=1)  # [B, K+1, K]
        qs = torch.cat([q[:, None], leave_one_out_powers(q, self.floor)], dim=1)
        H1 = H[:, None]  # [B, 1, M, K]: broadcast over the candidates, one Gram matrix each
        Ws = structured_matrix(H1, ps, qs, self.noise_var)  # [B, K+1, M, K]
        with torch.no_grad():
            rates = sum_rate(sinr_from_matrix(H1, Ws, self.noise_var))  # [B, K+1]
        best = rates.argmax(dim=1)  # [B]
        return Ws[torch.arange(H.shape[0], device=H.device), best]

    def extra_repr(self) -> str:
        return f"noise_var={self.noise_var:.4g}, bits={self.weight_bits}"


class StructuredDNN(nn.Module):
    """CNN+FC trunk over the Gram features, a ``2K`` power head and the closed-form layer:
    ``H: [B, M, K]`` -> ``W: [B, M, K]`` with ``||W||_F^2 = P_T``.

    Args:
        antennas: ``M`` (``P_T = M`` by default).
        users: ``K``.
        snr_db: the design SNR ``P_T / sigma_v^2`` in dB (the closed-form layer's ``sigma_v^2``).
        conv_channels: ``C`` (the paper's grid 8, 16, 32, 64).
        fc_dim: ``D`` (the paper's grid 512, 1024; smaller ones work here).
        weight_bits: ``[CONV, FCL1, FCL2, FCL3]``, each 2..16 or ``None`` (float).
        dropout: after the three hidden layers.
        total_power: ``P_T``; ``None`` means ``M``.
        user_selection: keep the best of the network's powers and the ``K`` allocations that
            leave one user out (``UserSelection``); ``False``: the network's powers as they are.

    Buffers:
        snr_shift, snr_scale: the standardisation of the per-user SNR feature (0 and 1/10 until
            ``set_input_scale`` sets them from training channels).
        input_scale: 1 (kept so that wrappers find the model's device as for ``CompressedDNN``).
    """

    snr_shift: torch.Tensor
    snr_scale: torch.Tensor
    input_scale: torch.Tensor

    def __init__(
        self,
        antennas: int,
        users: int,
        snr_db: float,
        conv_channels: int = 16,
        fc_dim: int = 256,
        weight_bits: Sequence[int | None] | None = None,
        dropout: float = 0.0,
        total_power: float | None = None,
        user_selection: bool = False,
    ) -> None:
        super().__init__()
        bits = check_trunk(antennas, users, conv_channels, fc_dim, weight_bits, dropout,
                           total_power)  # fmt: skip
        if not math.isfinite(snr_db):
            raise ValueError(f"snr_db must be finite, got {snr_db}")
        self.antennas, self.users, self.snr_db = antennas, users, float(snr_db)
        self.conv_channels, self.fc_dim = conv_channels, fc_dim
        self.weight_bits: tuple[int | None, ...] = bits
        self.dropout_p = dropout
        self.total_power = total_power
        self.user_selection = bool(user_selection)
        if self.user_selection and users < 2:
            raise ValueError(f"user_selection needs at least 2 users, got {users}")
        K, C, D = users, conv_channels, fc_dim
        self.conv = QuantConv2d(_FEATURE_CHANNELS, C, 3, padding=1, weight_bits=bits[0])
        self.conv_bn = nn.BatchNorm2d(C)
        self.fc1 = QuantLinear(K * K * C, D, weight_bits=bits[1])
        self.fc1_bn = nn.BatchNorm1d(D)
        self.fc2 = QuantLinear(D, D, weight_bits=bits[2])
        self.fc2_bn = nn.BatchNorm1d(D)
        self.fc3 = QuantLinear(D, 2 * K, weight_bits=bits[3])
        with torch.no_grad():  # near-equal powers at the start: the layer starts as RZF-eq
            self.fc3.weight.mul_(0.01)
            self.fc3.bias.zero_()
        self.dropout = nn.Dropout(dropout)
        self.structure = StructureLayer(noise_variance(snr_db, self.power))
        self.selection = UserSelection(self.structure.noise_var, _POWER_FLOOR * self.power)
        self.register_buffer("snr_shift", torch.zeros(()))
        self.register_buffer("snr_scale", torch.full((), 0.1))
        self.register_buffer("input_scale", torch.ones(()))

    @property
    def power(self) -> float:
        """``P_T``: ``total_power`` or ``M``."""
        return float(self.antennas) if self.total_power is None else float(self.total_power)

    @torch.no_grad()
    def set_input_scale(self, H: torch.Tensor) -> float:
        """Standardise the per-user SNR feature on training channels ``H: [N, M, K]``; returns
        the scale (1 / standard deviation in dB)."""
        _, snr_db, _ = gram_features(H.to(torch.complex128), self.structure.noise_var, self.power)
        std = float(snr_db.std())
        if not std > 0 or not math.isfinite(std):
            std = 1.0  # every user at one SNR (e.g. equal gains): nothing to standardise
        self.snr_shift.fill_(float(snr_db.mean()))
        self.snr_scale.fill_(1.0 / std)
        return 1.0 / std

    def powers(self, H: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(p, q)``, each ``[B, K]`` real summing to ``P_T``, for ``H: [B, M, K]``."""
        if H.dim() != 3 or H.shape[1:] != (self.antennas, self.users) or not H.is_complex():
            raise ValueError(
                f"H must be complex of shape [B, M={self.antennas}, K={self.users}], got "
                f"{tuple(H.shape)} {H.dtype}"
            )
        real = self.snr_scale.dtype
        _, snr_db, rho = gram_features(H, self.structure.noise_var, self.power)
        g = (snr_db.to(real) - self.snr_shift) * self.snr_scale  # [B, K]
        gain = 0.5 * (g[..., :, None] + g[..., None, :])  # [B, K, K]
        x = torch.stack([gain, rho.real.to(real), rho.imag.to(real)], dim=1)  # [B, 3, K, K]
        x = self.dropout(torch.relu(self.conv_bn(self.conv(x))))  # [B, C, K, K]
        x = self.dropout(torch.relu(self.fc1_bn(self.fc1(x.flatten(1)))))  # [B, D]
        x = self.dropout(torch.relu(self.fc2_bn(self.fc2(x))))  # [B, D]
        logits = self.fc3(x)  # [B, 2K]
        return self._simplex(logits[:, : self.users]), self._simplex(logits[:, self.users :])

    def _simplex(self, logits: torch.Tensor) -> torch.Tensor:
        """``P_T`` times a softmax floored at ``_POWER_FLOOR`` per user: a power that underflows
        to zero would give ``sqrt(p)`` an infinite gradient (and ``sigma^2 / q`` an infinite
        regulariser)."""
        share = torch.softmax(logits, dim=-1)
        return self.power * (_POWER_FLOOR + (1 - self.users * _POWER_FLOOR) * share)

    def forward(self, H: torch.Tensor) -> torch.Tensor:
        """``H: [B, M, K]`` complex -> ``W: [B, M, K]`` complex, ``||W_b||_F^2 = P_T``."""
        p, q = self.powers(H)
        layer = self.selection if self.user_selection else self.structure
        return layer(H, p.to(H.real.dtype), q.to(H.real.dtype))

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model (``nn.serialization``)."""
        return {
            "antennas": self.antennas,
            "users": self.users,
            "snr_db": self.snr_db,
            "conv_channels": self.conv_channels,
            "fc_dim": self.fc_dim,
            "weight_bits": list(self.weight_bits),
            "dropout": self.dropout_p,
            "total_power": self.total_power,
            "user_selection": self.user_selection,
        }

    def extra_repr(self) -> str:
        bits = "/".join("fp" if b is None else str(b) for b in self.weight_bits)
        return (
            f"K={self.users}, C={self.conv_channels}, D={self.fc_dim}, weight_bits={bits}, "
            f"snr_db={self.snr_db:g}, user_selection={self.user_selection}"
        )
