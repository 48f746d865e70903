"""The compute-energy model of Kasalaee et al. (eqs. 7-14): a DNN's inference energy from a
per-layer profile, and the multiplication counts and energies of the WMMSE and ZF baselines.

Per layer ``l`` with ``N_c`` MACs, ``N_w`` weights and ``N_a`` output activations (eq. 7 sums
the layers, each at its own bit width ``Q``):

- (9) ``E_MAC(Q) = alpha (Q/16)^beta`` pJ, ``alpha = 0.86``, ``beta = 1.9``; ``E_M = 2 E_L =
  2 E_MAC`` (so ``E_L = E_MAC``); ``p = 64 Q/16`` parallel units;
- (8) ``E_C = E_MAC (N_c + 3 N_a)``;
- (10) ``E_W = E_M N_w + E_L N_c / sqrt(p)``; (11) ``E_A = 2 E_M N_a + E_L N_c / sqrt(p)``.

Which ``Q`` enters each term when only the weights are quantized is not stated in the paper.
Two readings: **I1** evaluates every term at the layer's
weight bits; **I2** (default) evaluates ``E_C`` and ``E_W`` at the weight bits and ``E_A``
(eq. 11, both of its terms) at the activation bits, 16. At 16 bits both give 51.72 uJ for the
default network (64, 1024); uniform 8/4/2 bits give 14.30/4.00/1.14 uJ (I1) and
15.60/5.78/3.10 uJ (I2), against 17.5/7.4/4.6 uJ in Table II of the paper.

``N_w`` of a linear or convolution layer is its weight matrix (biases, batch norm, quantizer
steps left out, as in the paper's counts); other layer kinds use the profile's ``weights``.

Baselines (eqs. 12-14) count real multiplications only, with local-buffer operand accesses,
at ``Q = 16``: ``E_B = (E_MAC + E_L / sqrt(p)) N_c = 0.9675 N_c`` pJ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from .._validation import check_positive_int
from ..nn import StructuredDNN
from .profile import LayerProfile, ModelProfile, profile_model

__all__ = [
    "ALPHA_PJ",
    "BETA",
    "INTERPRETATIONS",
    "PAPER_TABLE_I",
    "PAPER_TABLE_II",
    "PAPER_TABLE_II_RATES",
    "EnergyReport",
    "KasalaeeEnergy",
    "LayerEnergy",
    "baseline_energy_uj",
    "iterations_for_energy",
    "kasalaee_layer_profile",
    "structured_profile",
    "layer_energy_pj",
    "mac_energy_pj",
    "parallel_units",
    "wmmse_multiplications",
    "zf_multiplications",
]

ALPHA_PJ = 0.86  # eq. 9, pJ (the unit that reproduces ZF = 0.008 uJ)
BETA = 1.9
REFERENCE_BITS = 16
INTERPRETATIONS = ("I1", "I2")
# Table I (UdeM-NLOS, N_T = 64, N_U = 4, 15 dB): energy [uJ], sum rate [bit/s/Hz]
PAPER_TABLE_I: dict[str, dict[str, float]] = {
    "wmmse": {"energy_uj": 296.0, "sum_rate": 19.2, "iterations": 92.8},
    "dnn": {"energy_uj": 54.5, "sum_rate": 18.9},
    "zf": {"energy_uj": 0.008, "sum_rate": 15.3},
}
# Table II: the default DNN (64, 1024) with uniform weight bits -> energy [uJ]
PAPER_TABLE_II: dict[int, float] = {16: 54.5, 8: 17.5, 4: 7.4, 2: 4.6}
# ... and its sum rate [bit/s/Hz]: (mean, std over seeds)
PAPER_TABLE_II_RATES: dict[int, tuple[float, float]] = {
    16: (18.9, 0.007), 8: (18.6, 0.012), 4: (17.8, 0.014), 2: (17.1, 0.032),
}  # fmt: skip


def _check_bits(bits: float) -> None:
    if isinstance(bits, bool) or not (isinstance(bits, int | float) and math.isfinite(bits)
                                      and bits > 0):  # fmt: skip
        raise ValueError(f"bit width must be a positive number, got {bits!r}")


def mac_energy_pj(bits: float) -> float:
    """``E_MAC(Q) = alpha (Q/16)^beta`` [pJ] (eq. 9); ``E_MAC(16) = 0.86`` pJ."""
    _check_bits(bits)
    return ALPHA_PJ * (bits / REFERENCE_BITS) ** BETA


def parallel_units(bits: float) -> float:
    """``p = 64 Q/16`` parallel execution units (below eq. 10)."""
    _check_bits(bits)
    return 64.0 * bits / REFERENCE_BITS


def layer_energy_pj(
    macs: float, weights: float, activations: float, weight_bits: float, activation_bits: float
) -> tuple[float, float, float]:
    """``(E_C, E_W, E_A)`` [pJ] of one layer (eqs. 8, 10, 11): ``E_C`` and ``E_W`` at
    ``weight_bits``, ``E_A`` at ``activation_bits`` (pass the same value twice for I1).

    Args:
        macs: ``N_c``. weights: ``N_w``. activations: ``N_a`` (counts, ``>= 0``).
    """
    if min(macs, weights, activations) < 0:
        raise ValueError(f"counts must be >= 0, got N_c={macs}, N_w={weights}, N_a={activations}")
    e_w = mac_energy_pj(weight_bits)  # E_MAC = E_L = E_M / 2 at the weight bits
    e_a = mac_energy_pj(activation_bits)
    compute = e_w * (macs + 3 * activations)  # eq. 8
    weight = 2 * e_w * weights + e_w * macs / math.sqrt(parallel_units(weight_bits))  # eq. 10
    activation = 4 * e_a * activations + e_a * macs / math.sqrt(parallel_units(activation_bits))
    return compute, weight, activation  # the last is eq. 11 (2 E_M N_a = 4 E_MAC N_a)


def _weight_count(layer: LayerProfile) -> int:
    """``N_w``: the weight matrix of a linear or convolution layer, else all parameters."""
    s = layer.sizes
    if layer.kind == "linear":
        return s["in_features"] * s["out_features"]
    if layer.kind == "conv":
        return s["out_channels"] * (s["in_channels"] // s["groups"]) * s["kernel"]
    return layer.weights


@dataclass(frozen=True)
class LayerEnergy:
    """The energy of one profiled layer [pJ], with the counts and bit widths it used."""

    name: str
    kind: str
    macs: int
    weights: int
    activations: int
    weight_bits: int
    activation_bits: int
    compute_pj: float
    weight_pj: float
    activation_pj: float

    @property
    def total_pj(self) -> float:
        return self.compute_pj + self.weight_pj + self.activation_pj

    def as_dict(self) -> dict[str, Any]:
        """Counts, bits and energies in uJ (``compute_uj``, ``weights_uj``, ...)."""
        return {
            "name": self.name, "kind": self.kind, "macs": self.macs, "weights": self.weights,
            "activations": self.activations, "weight_bits": self.weight_bits,
            "activation_bits": self.activation_bits, "compute_uj": self.compute_pj * 1e-6,
            "weights_uj": self.weight_pj * 1e-6, "activations_uj": self.activation_pj * 1e-6,
            "energy_uj": self.total_pj * 1e-6,
        }  # fmt: skip


@dataclass(frozen=True)
class EnergyReport:
    """Per-layer energies of a profile and their sums (eq. 7), in uJ."""

    interpretation: str
    layers: tuple[LayerEnergy, ...]

    @property
    def total_uj(self) -> float:
        """``E_DNN = E_C + E_W + E_A`` (eq. 7) [uJ]."""
        return sum(layer.total_pj for layer in self.layers) * 1e-6

    def totals(self) -> dict[str, float]:
        """Sums over the layers: ``energy_uj`` (eq. 7), ``compute_uj`` (``E_C``, eq. 8),
        ``weights_uj`` (``E_W``, eq. 10), ``activations_uj`` (``E_A``, eq. 11) and the counts
        ``macs``, ``weights``, ``activations``."""

        def total(part: str, scale: float = 1.0) -> float:
            return float(sum(getattr(layer, part) for layer in self.layers)) * scale

        return {
            "energy_uj": self.total_uj, "compute_uj": total("compute_pj", 1e-6),
            "weights_uj": total("weight_pj", 1e-6), "activations_uj": total("activation_pj", 1e-6),
            "macs": total("macs"), "weights": total("weights"), "activations": total("activations"),
        }  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        layers = [layer.as_dict() for layer in self.layers]
        return {"interpretation": self.interpretation, **self.totals(), "layers": layers}


class KasalaeeEnergy:
    """The energy model of Kasalaee et al. (eqs. 7-11) as a cost model of a ``ModelProfile``.

    Args:
        interpretation: ``"I2"`` (default: ``E_C``, ``E_W`` at each layer's weight bits, ``E_A``
            at ``activation_bits``) or ``"I1"`` (every term at the layer's weight bits).
        activation_bits: the activation precision of I2; 16 by default; ``None`` reads each
            layer's ``activation_bits`` from the profile (32 unless a module sets it).

    ``KasalaeeEnergy()(profile)`` returns ``{"energy_uj", "compute_uj", "weights_uj",
    "activations_uj", ...}`` for the profiled call (use ``profile.per_sample(n)`` for one of
    ``n`` inputs); ``report(profile)`` keeps the per-layer breakdown. An unannotated float layer
    has ``weight_bits = 32`` and is costed at 32 bits.
    """

    name: str = "kasalaee-energy"

    def __init__(self, interpretation: str = "I2", activation_bits: int | None = 16) -> None:
        if interpretation not in INTERPRETATIONS:
            raise ValueError(f"interpretation must be I1 or I2, got {interpretation!r}")
        if activation_bits is not None:
            _check_bits(activation_bits)
        self.interpretation = interpretation
        self.activation_bits = activation_bits

    def layer(self, layer: LayerProfile) -> LayerEnergy:
        """The energy of one profiled layer."""
        q_w = layer.weight_bits
        if self.interpretation == "I1":
            q_a = q_w
        else:
            q_a = layer.activation_bits if self.activation_bits is None else self.activation_bits
        n_w = _weight_count(layer)
        parts = layer_energy_pj(layer.macs, n_w, layer.activations, q_w, q_a)
        return LayerEnergy(layer.name, layer.kind, layer.macs, n_w, layer.activations, q_w, q_a,
                           *parts)  # fmt: skip

    def report(self, profile: ModelProfile) -> EnergyReport:
        """Per-layer energies of the profiled call."""
        return EnergyReport(self.interpretation, tuple(self.layer(x) for x in profile.layers))

    def __call__(self, profile: ModelProfile) -> dict[str, float]:
        return self.report(profile).totals()

    def __repr__(self) -> str:
        return f"KasalaeeEnergy({self.interpretation!r}, activation_bits={self.activation_bits})"


def _layer_bits(bits: int | Sequence[int]) -> tuple[int, int, int, int]:
    values = (bits,) * 4 if isinstance(bits, int) else tuple(bits)
    if len(values) != 4:
        raise ValueError(f"bits must be one value or four ([CONV, FCL1, FCL2, FCL3]), got {bits}")
    for value in values:
        check_positive_int(value, "layer bit width")
    return values  # type: ignore[return-value]


def kasalaee_layer_profile(
    antennas: int = 64,
    users: int = 4,
    conv_channels: int = 64,
    fc_dim: int = 1024,
    bits: int | Sequence[int] = 16,
    activation_bits: int = 16,
) -> ModelProfile:
    """The profile of one forward pass of the Kasalaee template (Fig. 1) for one
    sample, built in closed form; equal to ``profile_model`` on ``Conv2d(2, C_out, 3,
    padding=1)`` (layer ``conv``), a flatten and ``Linear`` layers ``fc1`` (``4 N_T C_out ->
    D``), ``fc2`` (``D -> D``), ``fc3`` (``D -> 2 N_T N_U``), all with biases, run on an input
    ``[1, 2, N_U, N_T]`` (batch norm, ReLU and dropout carry no MACs in the model).

    Args:
        antennas: ``N_T``. users: ``N_U``. conv_channels: ``C_out``. fc_dim: ``D_FCL``.
        bits: weight bits ``[CONV, FCL1, FCL2, FCL3]`` or one value for all.
        activation_bits: recorded as every layer's ``activation_bits``.
    """
    for name, value in [("antennas", antennas), ("users", users),
                        ("conv_channels", conv_channels), ("fc_dim", fc_dim)]:  # fmt: skip
        check_positive_int(value, name)
    b = _layer_bits(bits)
    positions, C, D, out = antennas * users, conv_channels, fc_dim, 2 * antennas * users
    conv_sizes = {"batch": 1, "in_channels": 2, "out_channels": C, "groups": 1, "kernel": 9,
                  "positions": positions, "bias": 1}  # fmt: skip
    layers = [LayerProfile("conv", "conv", positions * C * 18, 18 * C + C, positions * C,
                           b[0], activation_bits, conv_sizes)]  # fmt: skip
    dims = [(positions * C, D), (D, D), (D, out)]
    for i, (d_in, d_out) in enumerate(dims, start=1):
        sizes = {"batch": 1, "in_features": d_in, "out_features": d_out, "bias": 1}
        layers.append(LayerProfile(f"fc{i}", "linear", d_in * d_out, d_in * d_out + d_out,
                                   d_out, b[i], activation_bits, sizes))  # fmt: skip
    return ModelProfile(tuple(layers))


def structured_profile(
    antennas: int = 64,
    users: int = 4,
    snr_db: float = 15.0,
    conv_channels: int = 16,
    fc_dim: int = 256,
    bits: int | Sequence[int] = 16,
    user_selection: bool = False,
) -> ModelProfile:
    """The profile of one forward pass of the structured DNN (``nn.StructuredDNN``) for one
    channel, counted from the module itself (``profile_model``): the convolution and three
    linear layers at their weight bits, and the closed-form layer (kind ``closed-form``, no
    weights) at ``nn.CLOSED_FORM_BITS``.

    Args:
        antennas: ``N_T``.
        users: ``N_U``.
        snr_db: design SNR.
        conv_channels: channels of the convolution (trunk size).
        fc_dim: width of the fully connected layers (trunk size).
        bits: weight bits ``[CONV, FCL1, FCL2, FCL3]`` or one value for all.
        user_selection: the closed-form layer over ``K + 1`` candidates (``nn.UserSelection``).
    """
    b = _layer_bits(bits)
    model = StructuredDNN(antennas, users, snr_db, conv_channels, fc_dim, list(b),
                          user_selection=user_selection).eval()  # fmt: skip
    generator = torch.Generator().manual_seed(0)  # the counts do not depend on the values
    H = torch.randn(1, antennas, users, dtype=torch.complex64, generator=generator)
    return profile_model(model, H)


def zf_multiplications(antennas: int, users: int) -> float:
    """``N_c^ZF = 8 N_U^2 N_T + (8/3) N_U^3`` real multiplications (eq. 13)."""
    return 8.0 * users**2 * antennas + 8.0 / 3.0 * users**3


def wmmse_multiplications(antennas: int, users: int, iterations: float) -> float:
    """``N_c^WMMSE = I [(8/3) N_T^3 N_U + 4 N_T^2 N_U + 4 N_T (4 N_U^2 + 2 N_U) + 4 N_U^2 +
    (56/3) N_U]`` real multiplications for ``I`` iterations (eq. 12; ``I`` may be a mean)."""
    if not (math.isfinite(iterations) and iterations >= 0):
        raise ValueError(f"iterations must be finite and >= 0, got {iterations}")
    T, U = antennas, users
    per_iteration = (8.0 / 3.0 * T**3 * U + 4.0 * T**2 * U + 4.0 * T * (4 * U**2 + 2 * U)
                     + 4.0 * U**2 + 56.0 / 3.0 * U)  # fmt: skip
    return iterations * per_iteration


def baseline_energy_uj(multiplications: float, bits: int = REFERENCE_BITS) -> float:
    """``E_B = E_MAC N_c + E_L N_c / sqrt(p)`` [uJ] (eq. 14); ``0.9675 N_c`` pJ at 16 bits."""
    if not multiplications >= 0:
        raise ValueError(f"multiplications must be >= 0, got {multiplications}")
    e = mac_energy_pj(bits)
    return (e + e / math.sqrt(parallel_units(bits))) * multiplications * 1e-6


def iterations_for_energy(
    energy_uj: float, antennas: int = 64, users: int = 4, bits: int = REFERENCE_BITS
) -> float:
    """The WMMSE iteration count ``I`` whose energy under eqs. 12 and 14 is ``energy_uj``
    (296 uJ at ``N_T = 64``, ``N_U = 4`` gives ``I = 106.2``)."""
    return energy_uj / baseline_energy_uj(wmmse_multiplications(antennas, users, 1.0), bits)
