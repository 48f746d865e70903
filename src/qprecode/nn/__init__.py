"""Learned precoders: the quantization-aware GNN of Feys et al., the compressed CNN+FC precoder of
Kasalaee et al. and its structure-aware variant (powers of the optimal beamforming structure),
the gradient-driven (digital and hybrid) and vanilla edge GNNs of Zhang et al.
(size-free, padded batches through ``GraphMasks``), their precoder wrappers, LSQ-quantized layers,
and model serialization through a registry of architectures."""

from .dnn import INPUT_NORMS, CompressedDNN
from .dnn_precoder import DNNPrecoder
from .edge_gnn import EdgeGNN
from .gat import UserGAT
from .gnn import EDGE_FEATURES, QuantizedGNN
from .gradient_gnn import GradientGNN
from .graph_batch import GraphMasks, pad_channels
from .graph_precoder import GraphPrecoder, HybridGraphPrecoder
from .hybrid_gnn import HybridGNN
from .kinds import LEARNED_KINDS, KindDescription, LearnedKind, kind_of
from .layers import BipartiteLayer
from .pinv_gnn import PinvGNN
from .precoder import GNNPrecoder
from .quantization import (
    FULL_PRECISION_BITS,
    LSQQuantizer,
    QuantConv2d,
    QuantLinear,
    check_weight_bits,
    fixed_point,
    initialize_steps,
    lsq_quantize,
    ptq_,
    quant_layers,
)
from .serialization import (
    ARCHITECTURES,
    FORMAT_VERSION,
    architecture_name,
    build_model,
    load_model,
    load_state_checked,
    model_from_tensors,
    model_header,
    read_files,
    save_model,
    write_files,
)
from .structured_dnn import (
    CLOSED_FORM_BITS,
    StructuredDNN,
    StructureLayer,
    UserSelection,
    gram_features,
)
from .unfolded_wmmse import UnfoldedWMMSE

__all__ = [
    "ARCHITECTURES",
    "LEARNED_KINDS",
    "KindDescription",
    "LearnedKind",
    "kind_of",
    "CLOSED_FORM_BITS",
    "StructureLayer",
    "UserSelection",
    "StructuredDNN",
    "gram_features",
    "EDGE_FEATURES",
    "FORMAT_VERSION",
    "FULL_PRECISION_BITS",
    "INPUT_NORMS",
    "BipartiteLayer",
    "CompressedDNN",
    "DNNPrecoder",
    "EdgeGNN",
    "GNNPrecoder",
    "GradientGNN",
    "GraphMasks",
    "GraphPrecoder",
    "HybridGNN",
    "HybridGraphPrecoder",
    "LSQQuantizer",
    "QuantConv2d",
    "QuantLinear",
    "PinvGNN",
    "QuantizedGNN",
    "UnfoldedWMMSE",
    "UserGAT",
    "architecture_name",
    "build_model",
    "check_weight_bits",
    "fixed_point",
    "initialize_steps",
    "load_model",
    "load_state_checked",
    "lsq_quantize",
    "model_from_tensors",
    "model_header",
    "pad_channels",
    "ptq_",
    "quant_layers",
    "read_files",
    "save_model",
    "write_files",
]
