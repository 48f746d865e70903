"""Per-layer profiles of an ``nn.Module``, counted with forward hooks during one forward pass.

``profile_model(model, *inputs)`` hooks the outermost modules whose type has a counter
(``LAYER_COUNTERS``: ``nn.Linear``, ``nn.Conv1d``, ``nn.Conv2d``, the GNN layer
``qprecode.nn.layers.BipartiteLayer`` and the closed-form layer of the structured DNN,
``qprecode.nn.StructureLayer``, and ``qprecode.nn.UserSelection``, the same over ``K + 1``
candidates; subclasses match through their MRO, so a quantized
``Linear`` is counted as a linear layer), runs the model once under ``torch.no_grad()`` and
records a ``LayerProfile`` per call of a hooked module. The children of a hooked module are not
hooked, so nothing is counted twice. Hooks are removed afterwards, also when the forward fails.

Everything in a profile is *per forward call over the given inputs*: a GNN run on ``B`` channels
with ``N_s`` symbol vectors each processes ``B N_s`` graphs, and its MACs are ``B N_s`` times
those of one vector. ``ModelProfile.per_sample(n)`` divides by the number of samples ``n``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from ..nn.layers import BipartiteLayer
from ..nn.structured_dnn import StructureLayer, UserSelection
from ..precoders import structure_flops

__all__ = [
    "DEFAULT_BITS",
    "LAYER_COUNTERS",
    "LayerCount",
    "LayerCounter",
    "LayerProfile",
    "ModelProfile",
    "profile_model",
]

DEFAULT_BITS = 32  # float32 weights and activations, unless a module says otherwise


class LayerCount(NamedTuple):
    """What a counter reads from one call of a module (see ``LayerProfile``)."""

    kind: str
    macs: int
    activations: int
    sizes: dict[str, int]


# counter(module, args, kwargs, output) -> LayerCount
LayerCounter = Callable[[nn.Module, tuple[Any, ...], dict[str, Any], Any], LayerCount]


@dataclass(frozen=True)
class LayerProfile:
    """One call of one profiled module.

    Attributes:
        name: module path in the model (``"layers.0"``; ``""`` for the model itself).
        kind: ``"linear"``, ``"conv"`` or ``"bipartite"`` (what a cost model dispatches on).
        macs: multiply-accumulates of the matrix products as executed (biases, activations and
            means excluded), over all inputs of the call.
        weights: parameters of the module and its children.
        activations: elements of the module's output(s).
        weight_bits: storage bits per weight: the module's ``weight_bits`` attribute, else the
            largest of its children's, else ``DEFAULT_BITS``.
        activation_bits: likewise from ``activation_bits``.
        sizes: the dimensions a cost model needs. Always ``"batch"``: independent inputs of the
            call (rows of a linear layer = product of the leading dims, ``N`` of a convolution,
            graphs of a bipartite layer). Linear: ``in_features``, ``out_features``, ``bias``
            (0/1). Conv: ``in_channels``, ``out_channels``, ``groups``, ``kernel`` (kernel
            elements), ``positions`` (output positions per channel), ``bias``. Bipartite:
            ``M``, ``K``, ``in_dim``, ``out_dim``, ``update_users`` (0/1).
    """

    name: str
    kind: str
    macs: int
    weights: int
    activations: int
    weight_bits: int = DEFAULT_BITS
    activation_bits: int = DEFAULT_BITS
    sizes: dict[str, int] = field(default_factory=dict)

    def per_sample(self, samples: int) -> LayerProfile:
        """This call divided by ``samples``: ``macs``, ``activations`` and ``sizes["batch"]``
        (``weights`` and bits do not scale). Raises ``ValueError`` unless all divide evenly."""
        batch = self.sizes.get("batch", 1)
        if self.macs % samples or self.activations % samples or batch % samples:
            raise ValueError(
                f"layer {self.name!r}: macs={self.macs}, activations={self.activations} and "
                f"batch={batch} must all be divisible by samples={samples}"
            )
        return replace(
            self,
            macs=self.macs // samples,
            activations=self.activations // samples,
            sizes={**self.sizes, "batch": batch // samples},
        )


@dataclass(frozen=True)
class ModelProfile:
    """The profiled calls of a model, in the order they finished, and their totals.

    Attributes:
        layers: one ``LayerProfile`` per call (a module called twice appears twice).
        unprofiled: paths of modules that own parameters but have no counter and sit under no
            profiled module; their work is missing from the totals (empty for the GNN).
    """

    layers: tuple[LayerProfile, ...]
    unprofiled: tuple[str, ...] = ()

    @property
    def macs(self) -> int:
        """Multiply-accumulates of all calls."""
        return sum(layer.macs for layer in self.layers)

    @property
    def activations(self) -> int:
        """Output elements of all calls."""
        return sum(layer.activations for layer in self.layers)

    @property
    def weights(self) -> int:
        """Parameters of the profiled modules, each module counted once however often called."""
        return sum({layer.name: layer.weights for layer in self.layers}.values())

    def per_sample(self, samples: int) -> ModelProfile:
        """The profile of one of ``samples`` samples (e.g. ``B N_s`` symbol vectors of a GNN
        run on ``B`` channels with ``N_s`` vectors each); see ``LayerProfile.per_sample``."""
        if samples < 1:
            raise ValueError(f"samples must be >= 1, got {samples}")
        return replace(self, layers=tuple(layer.per_sample(samples) for layer in self.layers))


def _tensor_arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs[name]


def _count_linear(module: nn.Module, args: Any, kwargs: Any, output: Any) -> LayerCount:
    assert isinstance(module, nn.Linear)
    x = _tensor_arg(args, kwargs, 0, "input")  # [..., in_features]
    rows = math.prod(x.shape[:-1])
    sizes = {
        "batch": rows,
        "in_features": module.in_features,
        "out_features": module.out_features,
        "bias": int(module.bias is not None),
    }
    macs = rows * module.in_features * module.out_features
    return LayerCount("linear", macs, output.numel(), sizes)


def _count_conv(module: nn.Module, args: Any, kwargs: Any, output: Any) -> LayerCount:
    assert isinstance(module, nn.Conv1d | nn.Conv2d)
    x = _tensor_arg(args, kwargs, 0, "input")  # [N, C_in, *spatial] or [C_in, *spatial]
    spatial = len(module.kernel_size)
    batch = x.shape[0] if x.dim() == spatial + 2 else 1
    sizes = {
        "batch": batch,
        "in_channels": module.in_channels,
        "out_channels": module.out_channels,
        "groups": module.groups,
        "kernel": math.prod(module.kernel_size),
        "positions": math.prod(output.shape[-spatial:]),
        "bias": int(module.bias is not None),
    }
    per_output = module.in_channels // module.groups * sizes["kernel"]
    macs = batch * sizes["positions"] * module.out_channels * per_output
    return LayerCount("conv", macs, output.numel(), sizes)


def _count_bipartite(module: nn.Module, args: Any, kwargs: Any, output: Any) -> LayerCount:
    """Eqs. 22-26 as ``BipartiteLayer`` executes them: ``W_bs z_bs`` and ``W_ue z_ue`` once per
    node (``M + K`` products), ``W_edge z_e`` per edge (``M K``)."""
    assert isinstance(module, BipartiteLayer)
    edges = _tensor_arg(args, kwargs, 0, "edges")  # [..., M, K, in_dim]
    M, K, d_in = edges.shape[-3:]
    d_out = module.out_dim
    graphs = math.prod(edges.shape[:-3])
    per_graph = (M * K + M + K) * d_in * d_out + M * (d_in * d_out + d_out * d_out)
    if module.update_users:
        per_graph += K * (d_in * d_out + d_out * d_out)  # eq. 26
    outputs = [t for t in output if isinstance(t, torch.Tensor)]  # edges, antennas, (users)
    sizes = {
        "batch": graphs,
        "M": M,
        "K": K,
        "in_dim": d_in,
        "out_dim": d_out,
        "update_users": int(module.update_users),
    }
    return LayerCount("bipartite", graphs * per_graph, sum(t.numel() for t in outputs), sizes)


def _count_structure(module: nn.Module, args: Any, kwargs: Any, output: Any) -> LayerCount:
    """The closed-form layer ``(H, p, q) -> W``: ``precoders.structure_flops`` per channel
    (real MACs: the Gram matrix, the ``K x K`` Cholesky inverse, ``V = H^* X``, the column norms
    and scaling), plus the ``K^2`` normalised correlations and ``K`` logarithms of the features
    the trunk reads from the same Gram matrix (8 operations each, a generous count)."""
    H = _tensor_arg(args, kwargs, 0, "H")  # [..., M, K]
    M, K = H.shape[-2:]
    channels = math.prod(H.shape[:-2])
    per_channel = structure_flops(M, K)["total"] + 8 * (K * K + K)
    return LayerCount("closed-form", channels * per_channel, output.numel(),
                      {"batch": channels, "M": M, "K": K})  # fmt: skip


def _count_selection(module: nn.Module, args: Any, kwargs: Any, output: Any) -> LayerCount:
    """The closed-form layer over ``K + 1`` candidate allocations (``nn.UserSelection``): the
    Gram matrix and the features once, the solve, beams and norms per candidate, and per
    candidate its sum rate (``H^T W``: ``4 M K^2`` real MACs; the ``K^2`` powers, ``K`` SINRs
    and ``K`` logarithms at 8 operations each), plus the ``K`` comparisons."""
    H = _tensor_arg(args, kwargs, 0, "H")  # [B, M, K]
    M, K = H.shape[-2:]
    channels = math.prod(H.shape[:-2])
    steps = structure_flops(M, K)
    per_candidate = steps["total"] - steps["gram"] + 4 * M * K * K + 8 * (K * K + 2 * K)
    per_channel = steps["gram"] + 8 * (K * K + K) + (K + 1) * per_candidate + K
    return LayerCount("closed-form", channels * per_channel, output.numel(),
                      {"batch": channels, "M": M, "K": K, "candidates": K + 1})  # fmt: skip


LAYER_COUNTERS: Mapping[type[nn.Module], LayerCounter] = {
    nn.Linear: _count_linear,
    nn.Conv1d: _count_conv,
    nn.Conv2d: _count_conv,
    BipartiteLayer: _count_bipartite,
    StructureLayer: _count_structure,
    UserSelection: _count_selection,
}


def _bits(module: nn.Module, attribute: str) -> int:
    value = getattr(module, attribute, None)
    if value is None:
        found = [getattr(m, attribute, None) for m in module.modules()]
        values = [int(v) for v in found if v is not None]
        return max(values) if values else DEFAULT_BITS
    return int(value)


def _counter(
    module: nn.Module, counters: Mapping[type[nn.Module], LayerCounter]
) -> LayerCounter | None:
    for cls in type(module).__mro__:
        if cls in counters:
            return counters[cls]
    return None


def _targets(
    model: nn.Module, counters: Mapping[type[nn.Module], LayerCounter]
) -> tuple[list[tuple[str, nn.Module, LayerCounter]], list[str]]:
    """The outermost modules with a counter, and the parameterised ones outside them."""
    targets: list[tuple[str, nn.Module, LayerCounter]] = []
    unprofiled: list[str] = []
    seen: set[int] = set()

    def visit(path: str, module: nn.Module) -> None:
        if id(module) in seen:  # a module shared between two paths is hooked once
            return
        seen.add(id(module))
        counter = _counter(module, counters)
        if counter is not None:
            targets.append((path, module, counter))
            return
        if next(module.parameters(recurse=False), None) is not None:
            unprofiled.append(path)
        for name, child in module.named_children():
            visit(f"{path}.{name}" if path else name, child)

    visit("", model)
    return targets, unprofiled


def profile_model(
    model: nn.Module,
    *inputs: Any,
    counters: Mapping[type[nn.Module], LayerCounter] | None = None,
) -> ModelProfile:
    """Profile one forward pass ``model(*inputs)`` under ``torch.no_grad()``.

    Args:
        model: any ``nn.Module``; its training mode is left as it is.
        *inputs: the positional inputs of its forward, e.g. ``H: [B, M, K]`` complex and
            ``s: [B, N_s, K]`` complex for a ``QuantizedGNN``. Meta tensors work (on a model
            built under ``torch.device("meta")``) and cost no compute.
        counters: the dispatch table, module type -> counter; ``LAYER_COUNTERS`` by default.

    Returns:
        The ``ModelProfile`` of the call, with counts over all of ``inputs`` (divide with
        ``per_sample``).
    """
    table = LAYER_COUNTERS if counters is None else counters
    targets, unprofiled = _targets(model, table)
    layers: list[LayerProfile] = []

    def hook_for(path: str, counter: LayerCounter) -> Callable[..., None]:
        def hook(module: nn.Module, args: Any, kwargs: Any, output: Any) -> None:
            kind, macs, activations, sizes = counter(module, args, kwargs, output)
            weights = sum(p.numel() for p in module.parameters())
            bits = _bits(module, "weight_bits"), _bits(module, "activation_bits")
            layers.append(LayerProfile(path, kind, macs, weights, activations, *bits, sizes))

        return hook

    handles: list[RemovableHandle] = []
    try:
        for path, module, counter in targets:
            handle = module.register_forward_hook(hook_for(path, counter), with_kwargs=True)
            handles.append(handle)
        with torch.no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return ModelProfile(tuple(layers), tuple(unprofiled))
