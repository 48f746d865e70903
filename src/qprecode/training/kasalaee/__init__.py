"""The CNN+FC precoders of Kasalaee et al. (direct output and structured): config, training
task with LSQ fine-tuning, and starting from a saved FP32 model."""

from .config import KasalaeeConfig, KasalaeeData, KasalaeeModel, KasalaeeOptim, KasalaeeQAT
from .task import TEST_SNRS_DB, KasalaeeObjective, KasalaeeTask, negative_matrix_sum_rate
from .weights import KasalaeeNetwork, load_float_weights

__all__ = [
    "TEST_SNRS_DB",
    "KasalaeeConfig",
    "KasalaeeData",
    "KasalaeeModel",
    "KasalaeeNetwork",
    "KasalaeeObjective",
    "KasalaeeOptim",
    "KasalaeeQAT",
    "KasalaeeTask",
    "load_float_weights",
    "negative_matrix_sum_rate",
]
