"""Training learned precoders: one loop (``loop.train``) for every task (``tasks.TASKS``), nested
configs with sweeps, DDP, resume, logging, checkpoints and model cards; the Feys GNN task with
its ST-Gumbel estimators and sum-rate loss; the Kasalaee CNN+FC task with LSQ fine-tuning."""

from .config import LoopConfig, OptimConfig, expand_sweep, presets, resolve_config
from .data import ChannelSets, make_channel_sets
from .estimators import ESTIMATORS, level_weights, sample_gumbel
from .feys_config import FeysConfig, FeysData, FeysLoss, FeysModel
from .feys_task import FeysObjective, FeysTask
from .kasalaee_config import (
    KasalaeeConfig,
    KasalaeeData,
    KasalaeeModel,
    KasalaeeOptim,
    KasalaeeQAT,
)
from .kasalaee_task import (
    KasalaeeObjective,
    KasalaeeTask,
    load_float_weights,
    negative_matrix_sum_rate,
)
from .loop import EXTENDABLE_KEYS, RESUMABLE_KEYS, TrainResult, train
from .loss import negative_sum_rate
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
