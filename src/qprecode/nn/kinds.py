"""The one table of learned kinds: for every architecture a saved model can have, its model class,
the registry prefix that names it, the training task that trains it, how it becomes a precoder,
and how its registry entry describes it. Serialization (``ARCHITECTURES``), the registry
(prefixes, entries, ``build_precoder``) and the commands read this table; a new architecture is
its own modules plus one row here (and, if no existing task trains it, a task: the tasks build
their own models from their configs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from torch import nn

from ..precoders import MatrixPrecoder
from .dnn import CompressedDNN
from .dnn_precoder import DNNPrecoder
from .edge_gnn import EdgeGNN
from .gat import UserGAT
from .gnn import QuantizedGNN
from .gradient_gnn import GradientGNN
from .graph_precoder import GraphPrecoder, HybridGraphPrecoder
from .hybrid_gnn import HybridGNN
from .pinv_gnn import PinvGNN
from .precoder import GNNPrecoder
from .structured_dnn import StructuredDNN
from .unfolded_wmmse import UnfoldedWMMSE

__all__ = ["ARCHITECTURES", "LEARNED_KINDS", "KindDescription", "LearnedKind", "kind_of"]

_ANY_BITS: tuple[int | None, ...] = (1, 2, 3, 4, 5, 6, 7, 8, None)

# the precoder objects a learned model becomes
LearnedPrecoder = GNNPrecoder | MatrixPrecoder


class KindDescription(NamedTuple):
    """What the registry says of a saved model (``registry.PrecoderEntry`` without its name).

    Attributes:
        kind: ``learned`` or ``hybrid``.
        description: one line.
        bits: the DAC resolutions it takes (one, its own, for a model that picks DAC levels).
        needs: conditions on the problem, in words.
        equivariant: claims antenna-permutation equivariance and user-permutation invariance.
    """

    kind: str
    description: str
    bits: tuple[int | None, ...]
    needs: tuple[str, ...]
    equivariant: bool


@dataclass(frozen=True)
class LearnedKind:
    """One learned architecture.

    Attributes:
        architecture: the name in a saved model's JSON (``feys-gnn``).
        model_class: the ``nn.Module``; its constructor takes ``hyperparameters()`` as keywords.
        prefix: the registry prefix of its models (``gnn:`` as in ``gnn:k1-b1``).
        task: the training task that trains it (``training.TASKS``).
        precoder: ``(model, name) -> precoder`` for evaluation.
        describe: ``(hyperparameters, trained_on) -> KindDescription``.
        dacs_after: a linear precoder without DACs of its own: the registry puts DACs of the
            requested resolution after it.
    """

    architecture: str
    model_class: type[nn.Module]
    prefix: str
    task: str
    precoder: Callable[[Any, str], LearnedPrecoder]
    describe: Callable[[Mapping[str, Any], Mapping[str, Any]], KindDescription]
    dacs_after: bool = False


def _feys(hyper: Mapping[str, Any], trained_on: Mapping[str, Any]) -> KindDescription:
    sizes = f"trained at M={trained_on.get('antennas', '?')}, K={trained_on.get('users', '?')}"
    return KindDescription(
        "learned", f"quantization-aware GNN of Feys et al. (feys-gnn), {sizes}",
        (int(hyper["bits"]),), (f"runs at any M, K; {sizes}",), True,
    )  # fmt: skip


def _kasalaee(what: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], KindDescription]:
    def describe(hyper: Mapping[str, Any], trained_on: Mapping[str, Any]) -> KindDescription:
        sizes = f"M={hyper['antennas']}, K={hyper['users']}"
        weights = "/".join("fp32" if b is None else str(b) for b in hyper["weight_bits"])
        text = what.format(**hyper)
        if hyper.get("user_selection"):
            text += ", with user selection"
        return KindDescription(
            "learned", f"{text} (weight bits {weights}), {sizes}", _ANY_BITS,
            (f"runs only at {sizes}; DACs after it with --bits",), False,
        )  # fmt: skip

    return describe


def _zhang(
    architecture: str, what: str = "of Zhang et al."
) -> Callable[[Mapping[str, Any], Mapping[str, Any]], KindDescription]:
    hybrid = architecture == "zhang-hybrid-gnn"

    def describe(hyper: Mapping[str, Any], trained_on: Mapping[str, Any]) -> KindDescription:
        where = (f"runs only at M={hyper['antennas']}" if "antennas" in hyper
                 else "runs at any M, K" + (" <= N_RF" if hybrid else ""))  # fmt: skip
        return KindDescription(
            "hybrid" if hybrid else "learned",
            f"{architecture} {what}, unquantized", (None,), (where,), False,
        )  # fmt: skip

    return describe


LEARNED_KINDS: tuple[LearnedKind, ...] = (
    LearnedKind("feys-gnn", QuantizedGNN, "gnn:", "feys-gnn", GNNPrecoder, _feys),
    LearnedKind(
        "kasalaee-dnn",
        CompressedDNN,
        "dnn:",
        "kasalaee-dnn",
        DNNPrecoder,
        _kasalaee("CNN+FC precoder of Kasalaee et al."),
        dacs_after=True,
    ),  # fmt: skip
    LearnedKind(
        "kasalaee-structured",
        StructuredDNN,
        "dnn:",
        "kasalaee-dnn",
        DNNPrecoder,
        _kasalaee(
            "structured CNN+FC precoder (powers of the optimal structure, closed form "
            "after it; designed at {snr_db:g} dB)"
        ),
        dacs_after=True,
    ),  # fmt: skip
    *(
        LearnedKind(name, cls, "zhang:", "zhang-gnn", GraphPrecoder, _zhang(name))
        for name, cls in (
            ("zhang-gradient-gnn", GradientGNN),
            ("zhang-edge-gnn", EdgeGNN),
            ("zhang-gat", UserGAT),
        )  # fmt: skip
    ),
    LearnedKind(
        "zhang-pinv-gnn",
        PinvGNN,
        "zhang:",
        "zhang-gnn",
        GraphPrecoder,
        _zhang("zhang-pinv-gnn", "(learned baseline of Zhang et al.)"),
    ),  # fmt: skip
    LearnedKind(
        "zhang-unfolded-wmmse",
        UnfoldedWMMSE,
        "zhang:",
        "zhang-gnn",
        GraphPrecoder,
        _zhang("zhang-unfolded-wmmse", "(learned baseline of Zhang et al.)"),
    ),  # fmt: skip
    LearnedKind(
        "zhang-hybrid-gnn",
        HybridGNN,
        "zhang:",
        "zhang-gnn",
        HybridGraphPrecoder,
        _zhang("zhang-hybrid-gnn"),
    ),  # fmt: skip
)

# architecture name -> model class (``nn.serialization``)
ARCHITECTURES: dict[str, type[nn.Module]] = {k.architecture: k.model_class for k in LEARNED_KINDS}


def kind_of(architecture: str | nn.Module) -> LearnedKind:
    """The row of an architecture name or of a model (its exact class)."""
    for kind in LEARNED_KINDS:
        if isinstance(architecture, str):
            if kind.architecture == architecture:
                return kind
        elif type(architecture) is kind.model_class:
            return kind
    known = ", ".join(k.architecture for k in LEARNED_KINDS)
    if isinstance(architecture, str):
        raise ValueError(f"unknown architecture {architecture!r}; known: {known}")
    raise ValueError(f"{type(architecture).__name__} is not a registered architecture ({known})")
