"""The configuration of the Kasalaee et al. CNN+FC precoder task; defaults follow the paper
(architecture (64, 1024), a fixed lr 1e-3, batch 1000; Adam, as the paper names no optimiser) and
its QAT, which fine-tunes an FP32 model of the same architecture and seed."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...nn import INPUT_NORMS, check_weight_bits
from ..config import LoopConfig, OptimConfig
from ..sets_config import ChannelSetsConfig

__all__ = [
    "HEADS",
    "KasalaeeConfig",
    "KasalaeeData",
    "KasalaeeModel",
    "KasalaeeOptim",
    "KasalaeeQAT",
]

# "matrix": the paper's network outputs W itself (nn.CompressedDNN); "structured": the powers of
# the optimal beamforming structure, closed form after them (nn.StructuredDNN)
HEADS = ("matrix", "structured")


@dataclass(frozen=True)
class KasalaeeModel:
    """The network: ``nn.CompressedDNN`` (``head="matrix"``) or ``nn.StructuredDNN``
    (``head="structured"``).

    Attributes:
        head: ``matrix`` (the paper's direct output of ``W``) or ``structured`` (a ``2K`` power
            head and the closed-form layer of the optimal structure, over Gram features).
        conv_channels: ``C_out`` (paper's grid 8, 16, 32, 64).
        fc_dim: ``D_FCL`` (paper's grid 512, 1024).
        conv_bits, fc1_bits, fc2_bits, fc3_bits: weight bits of CONV, FCL1, FCL2, FCL3, each in
            2..16 or ``None`` (float); 16 is float weights counted at 16 bits. Four scalar keys
            rather than one list, so that a sweep grid over them is the mixed-precision search
            space (``{2, 4, 8, 16}^4``, 256 points) and every trial names its bits.
        dropout: dropout probability (0.05 in the paper).
        input_norm: ``global`` or ``channel`` (``nn.CompressedDNN``; the paper does not say how
            it scales its input); the structured network standardises its own features and
            ignores it.
        user_selection: the structured network keeps the best of its powers and the ``K``
            allocations that leave one user out (``nn.UserSelection``); structured head only.
    """

    head: str = "matrix"
    conv_channels: int = 64
    fc_dim: int = 1024
    conv_bits: int | None = None
    fc1_bits: int | None = None
    fc2_bits: int | None = None
    fc3_bits: int | None = None
    dropout: float = 0.05
    input_norm: str = "global"
    user_selection: bool = False

    def __post_init__(self) -> None:
        if self.head not in HEADS:
            raise ValueError(f"head must be one of {HEADS}, got {self.head!r}")
        if self.input_norm not in INPUT_NORMS:
            raise ValueError(f"input_norm must be one of {INPUT_NORMS}, got {self.input_norm!r}")
        for name in ("conv_channels", "fc_dim"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("conv_bits", "fc1_bits", "fc2_bits", "fc3_bits"):
            check_weight_bits(getattr(self, name), name)
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not isinstance(self.user_selection, bool):
            raise ValueError(f"user_selection must be true or false, got {self.user_selection!r}")
        if self.user_selection and self.head != "structured":
            raise ValueError("user_selection needs head: structured")

    @property
    def weight_bits(self) -> tuple[int | None, ...]:
        """``(b_CONV, b_FCL1, b_FCL2, b_FCL3)``."""
        return (self.conv_bits, self.fc1_bits, self.fc2_bits, self.fc3_bits)

    @property
    def architecture(self) -> str:
        """The saved model's architecture name (``nn.serialization``)."""
        return "kasalaee-dnn" if self.head == "matrix" else "kasalaee-structured"

    @property
    def quantized(self) -> bool:
        """Some layer has LSQ-quantized weights (fewer than 16 bits)."""
        return any(b is not None and b < 16 for b in self.weight_bits)


@dataclass(frozen=True)
class KasalaeeData(ChannelSetsConfig):
    """The system and the channel sets (``ChannelSetsConfig``) with the paper's sizes: ``N_T``
    = 64 antennas, ``N_U`` = 4 users, 15 dB (UdeM-NLOS); ``users <= antennas`` (the ZF
    baseline)."""

    antennas: int = 64
    users: int = 4
    train_channels: int = 100_000
    val_channels: int = 2_000
    snr_db: float = 15.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.users > self.antennas:
            raise ValueError(f"users must be <= antennas (ZF baseline), got {self.users}")


@dataclass(frozen=True)
class KasalaeeOptim(OptimConfig):
    """Adam with the paper's fixed learning rate 1e-3 and batch 1000."""

    lr: float = 1e-3
    batch_size: int = 1000
    epochs: int = 200


@dataclass(frozen=True)
class KasalaeeQAT:
    """Quantization-aware training from an FP32 model.

    Attributes:
        init_from: a ``kasalaee-dnn`` or ``kasalaee-structured`` model file (``X.safetensors``
            + ``X.json``, or a run folder, whose ``best.*`` is taken) of the same architecture,
            any weight bits: its weights, batch-norm statistics and input scale start the run,
            and every LSQ step is initialised from the loaded weights. ``{seed}`` is replaced by
            the run's seed, so one sweep over seeds fine-tunes the FP32 model of each seed.
            ``None``: start from fresh weights (``loop.init_from`` resumes from a model with
            identical bits).
    """

    init_from: str | None = None


@dataclass(frozen=True)
class KasalaeeConfig:
    """A training run of the Kasalaee et al. precoder: model, data, optimiser, loop, QAT."""

    task: str = "kasalaee-dnn"
    seed: int = 0
    model: KasalaeeModel = field(default_factory=KasalaeeModel)
    data: KasalaeeData = field(default_factory=KasalaeeData)
    optim: KasalaeeOptim = field(default_factory=KasalaeeOptim)
    loop: LoopConfig = field(default_factory=LoopConfig)
    qat: KasalaeeQAT = field(default_factory=KasalaeeQAT)
