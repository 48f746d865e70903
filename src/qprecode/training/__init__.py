"""Training learned precoders: one loop (``loop.train``) for every task (``tasks.TASKS``), nested
configs with sweeps, DDP, resume, logging, checkpoints and model cards; a home per paper: the
Feys GNN task with its ST-Gumbel estimators and sum-rate loss (``feys``), the Kasalaee CNN+FC
task with LSQ fine-tuning (``kasalaee``), the Zhang GNN task (``zhang``)."""

from .config import LoopConfig, OptimConfig, expand_sweep, presets, resolve_config
from .feys import (
    ESTIMATORS,
    ChannelSets,
    FeysConfig,
    FeysData,
    FeysLoss,
    FeysModel,
    FeysObjective,
    FeysTask,
    level_weights,
    make_channel_sets,
    negative_sum_rate,
    sample_gumbel,
)
from .kasalaee import (
    KasalaeeConfig,
    KasalaeeData,
    KasalaeeModel,
    KasalaeeObjective,
    KasalaeeOptim,
    KasalaeeQAT,
    KasalaeeTask,
    load_float_weights,
    negative_matrix_sum_rate,
)
from .loop import EXTENDABLE_KEYS, RESUMABLE_KEYS, TrainingStopped, TrainResult, train
from .model_card import retest
from .tasks import TASKS, Task, config_from_raw, list_trials, load_config, task_for
from .trial import run_trial

__all__ = [
    "ESTIMATORS",
    "EXTENDABLE_KEYS",
    "RESUMABLE_KEYS",
    "TASKS",
    "ChannelSets",
    "FeysConfig",
    "FeysData",
    "FeysLoss",
    "FeysModel",
    "FeysObjective",
    "FeysTask",
    "KasalaeeConfig",
    "KasalaeeData",
    "KasalaeeModel",
    "KasalaeeObjective",
    "KasalaeeOptim",
    "KasalaeeQAT",
    "KasalaeeTask",
    "LoopConfig",
    "OptimConfig",
    "presets",
    "resolve_config",
    "Task",
    "TrainingStopped",
    "TrainResult",
    "config_from_raw",
    "expand_sweep",
    "level_weights",
    "list_trials",
    "load_config",
    "load_float_weights",
    "make_channel_sets",
    "negative_matrix_sum_rate",
    "negative_sum_rate",
    "retest",
    "run_trial",
    "sample_gumbel",
    "task_for",
    "train",
]
