"""Quantized weights: learned step size quantization (LSQ, Esser et al., ICLR 2020) for
quantization-aware training, and symmetric per-tensor fixed point for post-training quantization
(Sect. III-A/B of Kasalaee et al.; Esser et al. 2020).

A tensor ``v`` quantized to ``b`` bits with step ``s > 0`` (signed: ``Q_N = 2^(b-1)``,
``Q_P = 2^(b-1) - 1``; unsigned: ``Q_N = 0``, ``Q_P = 2^b - 1``)::

    v_hat = s * round(clip(v / s, -Q_N, Q_P))

LSQ learns ``s`` with the straight-through estimator (STE) for the rounding, which gives

    d v_hat / d v = 1 if -Q_N < v/s < Q_P else 0,
    d v_hat / d s = round(v/s) - v/s inside, -Q_N below, Q_P above,

and scales the gradient of ``s`` by ``g = 1 / sqrt(N_W Q_P)`` (``N_W`` elements in ``v``).

Why our own module: ``torch.ao.quantization`` is deprecated (DESIGN.md), and Brevitas, though it
has learned scales, is a heavy dependency for what is here one small module with LSQ's exact
gradient, whose traps (a positive step, the gradient scale) this module's tests pin down.

The step is stored as ``log s`` (``LSQQuantizer.log_step``), so it is positive whatever an
optimiser does, and Adam's scale-free updates change it by relative amounts; the gradient of the
loss with respect to ``s`` is LSQ's, that with respect to ``log s`` is ``s`` times it.

Layers: ``QuantLinear`` and ``QuantConv2d`` are ``nn.Linear`` and ``nn.Conv2d`` whose weight goes
through an ``LSQQuantizer`` of ``weight_bits`` bits (the attribute the cost profile reads).
``weight_bits = 16`` (``FULL_PRECISION_BITS``) is the paper's unquantized default: the layer
computes with float weights and is counted at 16 bits by the energy model (Kasalaee et al.
train the default model in FP32 and count it at 16 bits; a 16-bit grid would move a weight by at
most ``2^-16`` of the layer's range); ``ptq_`` rounds such a layer to 16-bit fixed point when
asked. ``weight_bits = None`` is float, profiled as float32.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional

__all__ = [
    "FULL_PRECISION_BITS",
    "LSQQuantizer",
    "QuantConv2d",
    "QuantLinear",
    "check_weight_bits",
    "fixed_point",
    "initialize_steps",
    "lsq_quantize",
    "ptq_",
    "quant_layers",
]

FULL_PRECISION_BITS = 16  # weights at this width stay float in training (counted at 16 bits)
_MIN_STEP = 1e-12  # the initial step of an all-zero tensor


def check_weight_bits(bits: int | None, what: str = "weight_bits") -> int | None:
    """A weight bit width: an integer in ``2..16`` or ``None`` (float)."""
    if bits is None:
        return None
    if isinstance(bits, bool) or not isinstance(bits, int) or not 2 <= bits <= 16:
        raise ValueError(f"{what} must be an integer in 2..16 or None (float), got {bits!r}")
    return bits


def _levels(bits: int, signed: bool) -> tuple[int, int]:
    """``(Q_N, Q_P)`` of a ``bits``-bit grid."""
    return (2 ** (bits - 1), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)


def _scale_gradient(x: torch.Tensor, g: float) -> torch.Tensor:
    """``x`` in the forward pass (exactly: the added term is zero), ``g`` times its gradient in
    the backward pass."""
    return x.detach() + (x - x.detach()) * g


def lsq_quantize(
    v: torch.Tensor, step: torch.Tensor, q_n: int, q_p: int, grad_scale: float = 1.0
) -> torch.Tensor:
    """``v_hat = s round(clip(v/s, -Q_N, Q_P))`` with LSQ's gradients (module docstring).

    Args:
        v: any shape, real.
        step: ``s > 0``, a scalar tensor (differentiable).
        q_n: ``Q_N >= 0``, the number of negative levels.
        q_p: ``Q_P >= 1``, the number of positive levels.
        grad_scale: ``g``, the factor on the gradient of ``s`` (1: none).

    Returns:
        ``v_hat``, the shape of ``v``, every entry in ``{-Q_N, ..., Q_P} * s``.
    """
    s = _scale_gradient(step, grad_scale)
    x = torch.clamp(v / s, -q_n, q_p)
    rounded = x + (x.round() - x).detach()  # straight-through rounding (exact in value)
    return rounded * s


def fixed_point(v: torch.Tensor, bits: int) -> tuple[torch.Tensor, float]:
    """Symmetric per-tensor fixed point (PTQ): ``s = max|v| / (2^(b-1) - 1)``,
    ``v_hat = s clip(round(v/s), -2^(b-1), 2^(b-1) - 1)``.

    Returns ``(v_hat, s)``; an all-zero ``v`` stays zero (with ``s = 0``).
    """
    check_weight_bits(bits, "bits")
    q_n, q_p = _levels(bits, signed=True)
    peak = float(v.detach().abs().max())
    if peak == 0.0:
        return torch.zeros_like(v), 0.0
    s = peak / q_p
    return torch.clamp(torch.round(v / s), -q_n, q_p) * s, s


class LSQQuantizer(nn.Module):
    """A learned-step quantizer of one tensor.

    Args:
        bits: ``b``; 2..16 signed, 1..16 unsigned.
        signed: signed grid (weights) or unsigned (activations after a ReLU).

    The step starts at ``s_0 = 2 mean|v| / sqrt(Q_P)`` of the first tensor it sees (or of
    ``initialize(v)``); ``initialized`` records that, and both travel with the state dict.

    Call: ``v`` (any shape, real) -> ``v_hat`` (same shape) on ``{-Q_N, ..., Q_P} * s``, with
    the gradient scale ``g = 1/sqrt(v.numel() Q_P)`` on the step.
    """

    initialized: torch.Tensor  # [] bool buffer

    def __init__(self, bits: int, signed: bool = True) -> None:
        super().__init__()
        lowest = 2 if signed else 1
        if isinstance(bits, bool) or not isinstance(bits, int) or not lowest <= bits <= 16:
            kind = "signed" if signed else "unsigned"
            raise ValueError(f"a {kind} LSQ quantizer takes bits in {lowest}..16, got {bits!r}")
        self.bits = bits
        self.signed = signed
        self.q_n, self.q_p = _levels(bits, signed)
        self.log_step = nn.Parameter(torch.zeros(()))
        self.register_buffer("initialized", torch.zeros((), dtype=torch.bool))

    @property
    def step(self) -> torch.Tensor:
        """``s = exp(log_step) > 0``, a scalar tensor (differentiable)."""
        return self.log_step.exp()

    @torch.no_grad()
    def initialize(self, v: torch.Tensor) -> None:
        """Set ``s = 2 mean|v| / sqrt(Q_P)`` (LSQ's initialisation)."""
        s0 = max(2.0 * float(v.detach().abs().mean()) / math.sqrt(self.q_p), _MIN_STEP)
        self.set_step(s0)

    @torch.no_grad()
    def set_step(self, step: float) -> None:
        """Set ``s`` (positive) and mark the quantizer initialised."""
        if not step > 0 or not math.isfinite(step):
            raise ValueError(f"the step must be positive and finite, got {step}")
        self.log_step.fill_(math.log(step))
        self.initialized.fill_(True)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        if not bool(self.initialized):
            self.initialize(v)
        g = 1.0 / math.sqrt(v.numel() * self.q_p)
        return lsq_quantize(v, self.step.to(v.dtype), self.q_n, self.q_p, g)

    def extra_repr(self) -> str:
        return f"bits={self.bits}, signed={self.signed}"


def _quantizer_for(bits: int | None) -> LSQQuantizer | None:
    bits = check_weight_bits(bits)
    return None if bits is None or bits >= FULL_PRECISION_BITS else LSQQuantizer(bits)


class QuantLinear(nn.Linear):
    """``nn.Linear`` whose weight goes through an ``LSQQuantizer`` of ``weight_bits`` bits
    (``None`` or 16: float weights, see the module docstring).

    Shapes: ``[..., in_features]`` -> ``[..., out_features]``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        weight_bits: int | None = None,
    ) -> None:
        super().__init__(in_features, out_features, bias=bias)
        self.quantizer = _quantizer_for(weight_bits)
        self.weight_bits = weight_bits

    def quantized_weight(self) -> torch.Tensor:
        """The weight the layer computes with: ``[out_features, in_features]``."""
        return self.weight if self.quantizer is None else self.quantizer(self.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return functional.linear(x, self.quantized_weight(), self.bias)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, weight_bits={self.weight_bits}"


class QuantConv2d(nn.Conv2d):
    """``nn.Conv2d`` whose weight goes through an ``LSQQuantizer`` of ``weight_bits`` bits
    (``None`` or 16: float weights). Takes ``nn.Conv2d``'s arguments and ``weight_bits``.

    Shapes: ``[N, C_in, H, W]`` -> ``[N, C_out, H', W']``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int = 1,
        padding: int = 0,
        bias: bool = True,
        weight_bits: int | None = None,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, bias=bias)
        self.quantizer = _quantizer_for(weight_bits)
        self.weight_bits = weight_bits

    def quantized_weight(self) -> torch.Tensor:
        """The kernel the layer computes with: ``[C_out, C_in, k, k]``."""
        return self.weight if self.quantizer is None else self.quantizer(self.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.quantized_weight(), self.bias)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, weight_bits={self.weight_bits}"


def quant_layers(model: nn.Module) -> list[nn.Linear | nn.Conv2d]:
    """The ``nn.Linear`` and ``nn.Conv2d`` layers of ``model`` (quantized or not), in module
    order: the layers ``ptq_`` and the bit-width lists refer to."""
    return [m for m in model.modules() if isinstance(m, nn.Linear | nn.Conv2d)]


@torch.no_grad()
def initialize_steps(model: nn.Module) -> None:
    """Reset every LSQ step of ``model`` to LSQ's initialisation from the layer's weight."""
    for layer in quant_layers(model):
        quantizer = getattr(layer, "quantizer", None)
        if isinstance(quantizer, LSQQuantizer):
            quantizer.initialize(layer.weight)


@torch.no_grad()
def ptq_(model: nn.Module, bits_per_layer: Sequence[int | None] | None = None) -> list[float]:
    """Post-training quantization in place: round the weight of every ``nn.Linear`` /
    ``nn.Conv2d`` layer (module order, ``quant_layers``) to symmetric per-tensor fixed point
    (``fixed_point``); biases and batch-norm stay float.

    A layer with an LSQ quantizer gets ``s`` as its step, so that it reproduces the rounded
    weights exactly (LSQ's grid is the same); its bits must match.

    Args:
        model: changed in place.
        bits_per_layer: ``b`` per layer, ``None`` to leave a layer as it is; by default each
            layer's own ``weight_bits``.

    Returns:
        The step ``s`` per layer (``nan`` where left alone).
    """
    layers = quant_layers(model)
    if bits_per_layer is None:
        bits_per_layer = [getattr(layer, "weight_bits", None) for layer in layers]
    if len(bits_per_layer) != len(layers):
        raise ValueError(
            f"bits_per_layer has {len(bits_per_layer)} entries, but the model has {len(layers)} "
            "linear/conv layers"
        )
    steps = []
    for index, (layer, bits) in enumerate(zip(layers, bits_per_layer, strict=True)):
        bits = check_weight_bits(bits, f"bits_per_layer[{index}]")
        if bits is None:
            steps.append(math.nan)
            continue
        quantizer = getattr(layer, "quantizer", None)
        weight, s = fixed_point(layer.weight, bits)
        if isinstance(quantizer, LSQQuantizer):
            if quantizer.bits != bits:
                raise ValueError(
                    f"layer {index} has a {quantizer.bits}-bit LSQ quantizer, asked for {bits}"
                )
            if s > 0:
                quantizer.set_step(s)
                s = float(quantizer.step)  # exp(log s): round on the grid the layer uses
                q_n, q_p = quantizer.q_n, quantizer.q_p
                weight = torch.clamp(torch.round(layer.weight / s), -q_n, q_p) * s
        layer.weight.copy_(weight)
        steps.append(s)
    return steps
