"""The configuration of the Zhang et al. GNN precoder task: defaults follow the paper's digital
precoding setup (i.i.d. Rayleigh, ``N = 12`` antennas, 10 dB, Adam at lr 1e-3, batch 200, a
4 x 128 gradient-driven GNN) and its "-exp" training sets of random sizes."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...evaluation import OBJECTIVES
from ..config import LoopConfig, OptimConfig
from ..sets_config import ChannelSetsConfig

__all__ = [
    "ZHANG_ARCHITECTURES",
    "ZHANG_OBJECTIVES",
    "SIZE_DISTRIBUTIONS",
    "ZhangConfig",
    "ZhangData",
    "ZhangModel",
    "ZhangOptim",
]

# nn.GradientGNN, EdgeGNN, HybridGNN, UserGAT, UnfoldedWMMSE, PinvGNN
ZHANG_ARCHITECTURES = ("gradient", "edge", "hybrid", "gat", "unfolded-wmmse", "pinv")
ZHANG_OBJECTIVES = OBJECTIVES  # sum SE (problem 3), proportional fairness (problem 4)
SIZE_DISTRIBUTIONS = ("fixed", "exp")


@dataclass(frozen=True)
class ZhangModel:
    """The network.

    Attributes:
        architecture: ``gradient`` (the gradient-driven GNN), ``edge`` (the vanilla edge GNN) or
            ``hybrid`` (the gradient-driven hybrid GNN, ``data.rf_chains`` RF chains), ``gat``
            (attention over the users, fixed ``M``) or ``unfolded-wmmse`` (deep-unfolded WMMSE,
            ``hidden_layers`` iterations with a learned regularisation and step each, designed
            at ``data.snr_db``; ``hidden_dim`` unused) or ``pinv`` (Pinv-GNN, the
            pseudo-inverse expansion GNN).
        hidden_dim: real features per edge (128 in the paper, 64 for hybrid; even for
            ``gradient`` and ``hybrid``).
        hidden_layers: hidden layers (4 in the paper), then an output layer.
        channel_skip: ``gradient`` only: messages carry the channel entry.
        aggregation: ``gradient`` only: ``sum`` (the gradient's form) or ``mean`` over users.
    """

    architecture: str = "gradient"
    hidden_dim: int = 128
    hidden_layers: int = 4
    channel_skip: bool = False
    aggregation: str = "sum"

    def __post_init__(self) -> None:
        if self.architecture not in ZHANG_ARCHITECTURES:
            raise ValueError(
                f"architecture must be one of {ZHANG_ARCHITECTURES}, got {self.architecture!r}"
            )


@dataclass(frozen=True)
class ZhangData(ChannelSetsConfig):
    """The system and channel sets (``ChannelSetsConfig``), with random sizes for "-exp" sets.

    Attributes:
        objective: ``se`` or ``log-se``; the loss and the baseline (WMMSE or WMMSE-PF).
        users_distribution: ``fixed`` (every sample has ``users``) or ``exp`` (training samples
            draw ``K = min(max_users, max(1, ceil(Exp(mean 2))))``, the paper's exponential of
            mean and standard deviation 2, truncated).
        antennas_distribution: ``fixed`` or ``exp`` (``N = min(max_antennas, max(K, round(2 +
            Exp(mean 10))))``: mean 12, standard deviation 10).
        max_users, max_antennas: truncation of the ``exp`` draws.
        rf_chains: ``N_RF`` of a hybrid GNN (``users <= rf_chains <= antennas``).

    Validation and test sets always have ``antennas`` x ``users``.
    """

    antennas: int = 12
    users: int = 4
    train_channels: int = 100_000
    val_channels: int = 1_000
    test_channels: int = 1_000
    snr_db: float = 10.0
    objective: str = "se"
    users_distribution: str = "fixed"
    antennas_distribution: str = "fixed"
    max_users: int = 8
    max_antennas: int = 40
    rf_chains: int = 4

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.objective not in ZHANG_OBJECTIVES:
            raise ValueError(f"objective must be one of {ZHANG_OBJECTIVES}, got {self.objective!r}")
        for name in ("users_distribution", "antennas_distribution"):
            if getattr(self, name) not in SIZE_DISTRIBUTIONS:
                raise ValueError(
                    f"{name} must be one of {SIZE_DISTRIBUTIONS}, got {getattr(self, name)!r}"
                )
        for name in ("max_users", "max_antennas", "rf_chains"):
            self._check_positive(name)
        if self.max_users > self.max_antennas:
            raise ValueError(
                f"max_users must be <= max_antennas, got {self.max_users} > {self.max_antennas}"
            )
        if self.users > self.antennas:
            raise ValueError(f"users must be <= antennas, got {self.users} > {self.antennas}")
        if self.channel.startswith("file:") and "exp" in (
            self.users_distribution,
            self.antennas_distribution,
        ):
            raise ValueError("random sizes (exp) need a channel model, not a channel file")


@dataclass(frozen=True)
class ZhangOptim(OptimConfig):
    """Adam at lr 1e-3, batch 200 (the paper)."""

    lr: float = 1e-3
    batch_size: int = 200
    epochs: int = 50


@dataclass(frozen=True)
class ZhangConfig:
    """A training run of a Zhang et al. GNN precoder: model, data, optimiser, loop."""

    task: str = "zhang-gnn"
    seed: int = 0
    model: ZhangModel = field(default_factory=ZhangModel)
    data: ZhangData = field(default_factory=ZhangData)
    optim: ZhangOptim = field(default_factory=ZhangOptim)
    loop: LoopConfig = field(default_factory=LoopConfig)

    def __post_init__(self) -> None:
        d = self.data
        if self.model.architecture == "gat" and d.antennas_distribution != "fixed":
            raise ValueError(
                "the GAT runs at one number of antennas (antennas_distribution: fixed)"
            )
        if self.model.architecture == "hybrid":
            if "exp" in (d.users_distribution, d.antennas_distribution):
                raise ValueError(
                    "the hybrid GNN trains at fixed sizes (users/antennas_distribution: fixed)"
                )
            if not d.users <= d.rf_chains <= d.antennas:
                raise ValueError(
                    f"a hybrid GNN needs users <= rf_chains <= antennas, got {d.users}, "
                    f"{d.rf_chains}, {d.antennas}"
                )
