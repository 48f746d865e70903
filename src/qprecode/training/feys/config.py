"""The configuration of the Feys et al. GNN task; defaults follow Sect. VI-A of the paper."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ...channels import CHANNEL_NAMES
from ...evaluation.csi import DB_LIMIT
from ...metrics import GAIN_ESTIMATES
from ...nn import EDGE_FEATURES
from ..config import LoopConfig, OptimConfig
from ..sets_config import ChannelSetsConfig
from .estimators import ESTIMATORS

__all__ = ["FeysConfig", "FeysData", "FeysLoss", "FeysModel"]


@dataclass(frozen=True)
class FeysModel:
    """The GNN (``nn.QuantizedGNN``): DAC resolution ``b``, width ``d_h``, depth ``N_h`` and the
    edge inputs (``channel``, eq. 27, or ``channel+mrt``)."""

    bits: int = 1
    hidden_dim: int = 128
    hidden_layers: int = 4
    edge_features: str = "channel"

    def __post_init__(self) -> None:
        if isinstance(self.bits, bool) or not 1 <= self.bits <= 8:
            raise ValueError(f"bits must be in 1..8, got {self.bits}")
        if self.hidden_dim < 1 or self.hidden_layers < 0:
            raise ValueError(
                f"hidden_dim must be >= 1 and hidden_layers >= 0, got {self.hidden_dim}, "
                f"{self.hidden_layers}"
            )
        if self.edge_features not in EDGE_FEATURES:
            raise ValueError(
                f"edge_features must be one of {sorted(EDGE_FEATURES)}, got {self.edge_features!r}"
            )


@dataclass(frozen=True)
class FeysData(ChannelSetsConfig):
    """The system and the channel sets (``ChannelSetsConfig``, defaults of Sect. VI-A), plus:

    Attributes:
        symbols: ``N_s`` symbol vectors per channel in the loss (fresh every step).
        eval_symbols: ``N_s`` per channel for validation and test (their symbols come from
            named streams of ``val_seed`` and ``test_seed``, ``training.feys.data``).
        csi_error_db: robust training: the GNN sees ``H_hat = H + E`` with this estimation NMSE
            in dB (``evaluation.noisy_channel_estimate``, a fresh error every step) while the
            loss, validation and test use the true ``H``; ``None``: perfect CSI.
        mix_antennas, mix_users: training on a mixture of sizes: every step draws ``M`` from
            ``mix_antennas`` and ``K`` from ``mix_users`` (uniformly; ``None``: the fixed
            ``antennas``/``users``) and fresh channels of that size from the channel model, at
            ``P_T = M`` of the batch; validation and test stay at ``antennas`` x ``users``.
    """

    symbols: int = 125
    eval_symbols: int = 125
    csi_error_db: float | None = None
    mix_antennas: tuple[int, ...] | None = None
    mix_users: tuple[int, ...] | None = None

    @property
    def mixed_sizes(self) -> bool:
        """Whether training draws its sizes from ``mix_antennas``/``mix_users``."""
        return self.mix_antennas is not None or self.mix_users is not None

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("symbols", "eval_symbols"):
            self._check_positive(name)
        if self.csi_error_db is not None and not (
            math.isfinite(self.csi_error_db) and self.csi_error_db <= DB_LIMIT
        ):
            raise ValueError(
                f"csi_error_db must be a finite number of dB up to {DB_LIMIT:g} or None, got "
                f"{self.csi_error_db}"
            )
        for name in ("mix_antennas", "mix_users"):
            sizes = getattr(self, name)
            if sizes is not None and (not sizes or min(sizes) < 1):
                raise ValueError(f"{name} must be a non-empty list of sizes >= 1, got {sizes}")
        if self.mixed_sizes and self.channel not in CHANNEL_NAMES:
            raise ValueError(
                "training on mixed sizes draws fresh channels of each size from a channel "
                f"model ({', '.join(CHANNEL_NAMES)}), not from {self.channel}"
            )
        if self.mixed_sizes and self.total_power is not None:
            raise ValueError("mixed sizes train at P_T = M of each batch: leave total_power unset")


@dataclass(frozen=True)
class FeysLoss:
    """The training objective (Sect. IV-B).

    Attributes:
        estimator: ``st-gumbel`` (paper), ``st-softmax`` or ``gumbel-softmax`` (ablations).
        tau: Gumbel-softmax temperature.
        gumbel_scale_initial, gumbel_scale_final: the Gumbel noise is multiplied by a factor
            that goes linearly from the initial value at the first step to the final one at the
            last; 1 and 1 keep the paper's constant noise, a final 0 anneals it away so that the
            sampled training outputs become the argmax outputs used at inference (eq. 18).
        gain_estimate: Bussgang gain in the loss, ``identity`` or ``ls``.
        distill_steps: the first ``distill_steps`` steps minimise instead the received error
            against the local-search precoder (``precoders.LocalSearch`` on the same alphabet,
            automatic gain at the training SNR) as a teacher: ``||H^T y - alpha_T s||^2``
            relative to ``||alpha_T s||^2``, ``alpha_T s`` what the teacher delivers
            (``loss.teacher_target``); the sum rate takes over after them. 0: no teacher.
    """

    estimator: str = "st-gumbel"
    tau: float = 1.0
    gumbel_scale_initial: float = 1.0
    gumbel_scale_final: float = 1.0
    gain_estimate: str = "identity"
    distill_steps: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.distill_steps, bool) or self.distill_steps < 0:
            raise ValueError(f"distill_steps must be >= 0, got {self.distill_steps}")
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {ESTIMATORS}, got {self.estimator!r}")
        if self.gain_estimate not in GAIN_ESTIMATES:
            raise ValueError(
                f"gain_estimate must be one of {GAIN_ESTIMATES}, got {self.gain_estimate!r}"
            )
        for name in ("gumbel_scale_initial", "gumbel_scale_final"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if not self.tau > 0:
            raise ValueError(f"tau must be positive, got {self.tau}")


@dataclass(frozen=True)
class FeysConfig:
    """A training run of the Feys et al. GNN: the task's sections plus optimiser and loop."""

    task: str = "feys-gnn"
    seed: int = 0
    model: FeysModel = field(default_factory=FeysModel)
    data: FeysData = field(default_factory=FeysData)
    loss: FeysLoss = field(default_factory=FeysLoss)
    optim: OptimConfig = field(default_factory=OptimConfig)
    loop: LoopConfig = field(default_factory=LoopConfig)
