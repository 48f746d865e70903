"""The configuration of the Feys et al. GNN task; defaults follow Sect. VI-A of the paper."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..channels import CHANNEL_NAMES
from ..metrics import GAIN_ESTIMATES
from ..nn import EDGE_FEATURES
from .config import LoopConfig, OptimConfig
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
class FeysData:
    """The system and the channel sets.

    Attributes:
        antennas, users: ``M``, ``K``.
        channel: channel model name (``rayleigh``, ``los``, ``sv``).
        train_channels, val_channels, test_channels: sizes of the three channel sets.
        train_seed, val_seed, test_seed: their seeds (pairwise distinct); the validation and
            test symbols come from named streams of them (``training.data``).
        symbols: ``N_s`` symbol vectors per channel in the loss (fresh every step).
        eval_symbols: ``N_s`` per channel for validation and test.
        snr_db: training and validation SNR ``P_T / sigma_v^2``.
        total_power: ``P_T``; ``None`` means ``M``.
    """

    antennas: int = 32
    users: int = 1
    channel: str = "rayleigh"
    train_channels: int = 200_000
    val_channels: int = 1_000
    test_channels: int = 10_000
    train_seed: int = 1
    val_seed: int = 2
    test_seed: int = 3
    symbols: int = 125
    eval_symbols: int = 125
    snr_db: float = 20.0
    total_power: float | None = None

    def __post_init__(self) -> None:
        for name in ("antennas", "users", "train_channels", "val_channels", "test_channels",
                     "symbols", "eval_symbols"):  # fmt: skip
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.channel not in CHANNEL_NAMES:
            raise ValueError(f"channel must be one of {CHANNEL_NAMES}, got {self.channel!r}")
        if len({self.train_seed, self.val_seed, self.test_seed}) != 3:
            raise ValueError(
                "train_seed, val_seed and test_seed must differ (no set may share a stream), got "
                f"{self.train_seed}, {self.val_seed}, {self.test_seed}"
            )
        if self.total_power is not None and not self.total_power > 0:
            raise ValueError(f"total_power must be positive, got {self.total_power}")

    @property
    def power(self) -> float:
        """``P_T``: ``total_power`` or ``M``."""
        return float(self.antennas) if self.total_power is None else float(self.total_power)


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
    """

    estimator: str = "st-gumbel"
    tau: float = 1.0
    gumbel_scale_initial: float = 1.0
    gumbel_scale_final: float = 1.0
    gain_estimate: str = "identity"

    def __post_init__(self) -> None:
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
