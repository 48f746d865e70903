"""Training configuration: one frozen dataclass, loaded from a small YAML file, with typed
``key=value`` overrides from the command line."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from .._validation import check_device
from ..channels import CHANNEL_NAMES
from ..metrics import GAIN_ESTIMATES
from ..nn import EDGE_FEATURES
from .estimators import ESTIMATORS

__all__ = ["TrainConfig", "load_config"]


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run. Defaults follow Sect. VI-A of Feys et al.

    Attributes:
        antennas: ``M``.
        users: ``K``.
        bits: DAC resolution ``b``.
        hidden_dim: ``d_h``.
        hidden_layers: ``N_h``.
        edge_features: GNN edge inputs, ``channel`` (eq. 27) or ``channel+mrt`` (see
            ``nn.gnn.EDGE_FEATURES``).
        channel: channel model name (``rayleigh``, ``los``, ``sv``).
        train_channels, val_channels, test_channels: sizes of the three channel sets.
        train_seed, val_seed, test_seed: their seeds (separate streams).
        seed: seed of the initial weights, the data order, the symbols and the Gumbel noise.
        symbols: ``N_s`` symbol vectors per channel in the loss.
        eval_symbols: ``N_s`` per channel for validation and test.
        snr_db: training SNR ``P_T / sigma_v^2``.
        total_power: ``P_T``; ``None`` means ``M``.
        lr: Adam learning rate.
        batch_size: channels per step (global over all processes).
        epochs: passes over the training channels.
        tau: Gumbel-softmax temperature.
        gumbel_scale_initial, gumbel_scale_final: the Gumbel noise is multiplied by a factor
            that goes linearly from the initial value at the first step to the final one at the
            last; 1 and 1 keep the paper's constant noise, a final 0 anneals it away so that the
            sampled training outputs become the argmax outputs used at inference (eq. 18).
        estimator: ``st-gumbel`` (paper), ``st-softmax`` or ``gumbel-softmax`` (ablations).
        gain_estimate: Bussgang gain in the loss, ``identity`` or ``ls``.
        eval_every: validate every this many steps (and at the end of every epoch).
        checkpoint_every: write a resumable checkpoint every this many steps.
        device: ``cpu`` or ``cuda``.
        init_from: start from the weights of this model (``X.safetensors`` + ``X.json`` of the
            same architecture, e.g. another run's ``best``) instead of a fresh initialisation.
    """

    antennas: int = 32
    users: int = 1
    bits: int = 1
    hidden_dim: int = 128
    hidden_layers: int = 4
    edge_features: str = "channel"
    channel: str = "rayleigh"
    train_channels: int = 200_000
    val_channels: int = 1_000
    test_channels: int = 10_000
    train_seed: int = 1
    val_seed: int = 2
    test_seed: int = 3
    seed: int = 0
    symbols: int = 125
    eval_symbols: int = 125
    snr_db: float = 20.0
    total_power: float | None = None
    lr: float = 5e-3
    batch_size: int = 128
    epochs: int = 20
    tau: float = 1.0
    gumbel_scale_initial: float = 1.0
    gumbel_scale_final: float = 1.0
    estimator: str = "st-gumbel"
    gain_estimate: str = "identity"
    eval_every: int = 500
    checkpoint_every: int = 100
    device: str = "cpu"
    init_from: str | None = None

    def __post_init__(self) -> None:
        positive = [
            "antennas", "users", "bits", "hidden_dim", "train_channels", "val_channels",
            "test_channels", "symbols", "eval_symbols", "batch_size", "epochs", "eval_every",
            "checkpoint_every",
        ]  # fmt: skip
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not 1 <= self.bits <= 8:
            raise ValueError(f"bits must be in 1..8, got {self.bits}")
        if self.hidden_layers < 0:
            raise ValueError(f"hidden_layers must be >= 0, got {self.hidden_layers}")
        if self.edge_features not in EDGE_FEATURES:
            raise ValueError(
                f"edge_features must be one of {sorted(EDGE_FEATURES)}, got {self.edge_features!r}"
            )
        if self.channel not in CHANNEL_NAMES:
            raise ValueError(f"channel must be one of {CHANNEL_NAMES}, got {self.channel!r}")
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {ESTIMATORS}, got {self.estimator!r}")
        if self.gain_estimate not in GAIN_ESTIMATES:
            raise ValueError(
                f"gain_estimate must be one of {GAIN_ESTIMATES}, got {self.gain_estimate!r}"
            )
        for name in ("gumbel_scale_initial", "gumbel_scale_final"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if not self.lr > 0 or not self.tau > 0:
            raise ValueError(f"lr and tau must be positive, got lr={self.lr}, tau={self.tau}")
        check_device(self.device)
        if self.total_power is not None and not self.total_power > 0:
            raise ValueError(f"total_power must be positive, got {self.total_power}")

    @property
    def power(self) -> float:
        """``P_T``: ``total_power`` or ``M``."""
        return float(self.antennas) if self.total_power is None else float(self.total_power)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown config keys {unknown}; known keys: {sorted(known)}")
        return cls(**{k: _coerce(cls, k, v) for k, v in data.items()})

    def override(self, assignments: list[str]) -> TrainConfig:
        """Apply ``key=value`` overrides, each value parsed as YAML and checked by type."""
        updates: dict[str, Any] = {}
        for item in assignments:
            key, sep, text = item.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"override {item!r} must look like key=value")
            updates[key.strip()] = yaml.safe_load(text) if text.strip() else None
        return TrainConfig.from_dict({**self.to_dict(), **updates})


def _coerce(cls: type, key: str, value: Any) -> Any:
    """Accept ints for float fields and check the basic type of every value."""
    field_type = {f.name: f.type for f in fields(cls)}[key]
    if value is None and "None" in str(field_type):
        return None
    if "float" in str(field_type) and not isinstance(value, bool | float):
        # ints, and strings such as "1e-3" that YAML 1.1 does not read as floats
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"config key {key!r} must be float, got {value!r}") from None
    expected = {"int": int, "float": float, "str": str}.get(str(field_type).split(" ")[0])
    if expected is not None and (not isinstance(value, expected) or isinstance(value, bool)):
        raise ValueError(f"config key {key!r} must be {expected.__name__}, got {value!r}")
    return value


def load_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    """Read a YAML config (a flat mapping of ``TrainConfig`` keys) and apply overrides."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise ValueError(f"config file {path} does not exist") from None
    except yaml.YAMLError as err:
        raise ValueError(f"config file {path} is not valid YAML: {err}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(f"config file {path} must hold a mapping of keys to values")
    return TrainConfig.from_dict(data).override(overrides or [])
