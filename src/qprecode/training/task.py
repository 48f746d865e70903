"""``Task``: what the training loop, the sweeps and the model cards need from a task (Lightning's
``LightningModule`` split: *what* is trained; ``training.loop`` is *how*), with default hooks
that a task overrides where it has its own: its sweep-table columns (``test_record``), its
inference costs (``costs``) and its model card's test table (``card_test``)."""

from __future__ import annotations

import abc
from typing import Any, ClassVar

import torch
from torch import nn

__all__ = ["Task"]


class Task(abc.ABC):
    """One trainable task; ``FeysTask`` is the reference.

    Class attributes:
        name: the task's name in configs (``task: feys-gnn``).
        config_class: its config dataclass (with ``task``, ``seed``, ``data.snr_db``, ``optim``
            and ``loop`` sections).
        selection_metric: a key of ``validate``'s result; higher is better.
        noise_on_device: ``training_batch`` draws from a generator on the training device (a
            GPU draws its own training noise) rather than on the CPU.
        splits_batches: the loss is a mean over independent examples (no batch statistics),
            so a batch may be split into micro-batches whose gradients add up to the batch's.
    """

    name: ClassVar[str]
    config_class: ClassVar[type]
    selection_metric: ClassVar[str]
    noise_on_device: ClassVar[bool]
    splits_batches: ClassVar[bool]

    def __init__(self, config: Any) -> None:
        self.config = config
        self.last_test: dict[str, Any] | None = None  # what ``test`` returned last

    @property
    def num_train(self) -> int:
        """Training examples (channels) per epoch: ``data.train_channels``."""
        return int(self.config.data.train_channels)

    @abc.abstractmethod
    def build_model(self) -> nn.Module:
        """A fresh model (the loop seeds the global generator around this call)."""

    @abc.abstractmethod
    def training_batch(
        self, indices: torch.Tensor, generator: torch.Generator, step: int, total_steps: int
    ) -> tuple[torch.Tensor, ...]:
        """The inputs of ``objective(model)`` for the examples ``indices``."""

    @abc.abstractmethod
    def objective(self, model: nn.Module) -> nn.Module:
        """The module whose forward on a training batch returns the loss."""

    @abc.abstractmethod
    def validate(self, model: nn.Module) -> dict[str, float]:
        """Validation metrics, ``selection_metric`` among them."""

    @abc.abstractmethod
    def test(self, model: nn.Module) -> dict[str, Any]:
        """The test evaluation for the model card: ``{"snr_db": [...], "results": [row per
        precoder]}``, the model's own row first, every row with ``precoder``, ``bits`` and
        ``sum_rate`` per SNR (or the task's own shape, with ``test_record`` and ``card_test``
        overridden)."""

    @abc.abstractmethod
    def trained_on(self) -> dict[str, Any]:
        """The settings the model was trained at (M, K, channel, SNR), for the registry."""

    @abc.abstractmethod
    def card_summary(self) -> list[str]:
        """Markdown lines that open the model card."""

    @abc.abstractmethod
    def card_data(self) -> list[str]:
        """Markdown lines on the data and the test."""

    def test_record(self, test: dict[str, Any]) -> dict[str, float]:
        """A sweep's columns from ``test``: every row's sum rate at the training SNR,
        ``test_sum_rate[<precoder>-<bits>]``, the model's own (the first) as ``test_sum_rate``;
        nothing when the training SNR was not tested."""
        out: dict[str, float] = {}
        snrs = test.get("snr_db", [])
        snr_db = self.config.data.snr_db
        if snr_db not in snrs:
            return out
        i = snrs.index(snr_db)
        for n, row in enumerate(test.get("results", [])):
            key = "test_sum_rate" if n == 0 else f"test_sum_rate[{row['precoder']}-{row['bits']}]"
            out[key] = row["sum_rate"][i]
        return out

    def costs(self) -> dict[str, float]:
        """Inference costs of the trained model (e.g. ``energy_uj``) for a sweep's table."""
        return {}

    def card_test(self, test: dict[str, Any]) -> list[str]:
        """The model card's test table: sum rate per SNR and NMSE of every row."""
        snrs = test["snr_db"]
        results = test["results"]
        symbols = results[0].get("num_symbols")  # None: closed-form SINR of a matrix
        how = f"x {symbols} symbols, LS Bussgang gain" if symbols else "closed-form SINR"
        lines = [
            f"## Test metrics ({results[0]['num_channels']} channels {how})", "",
            "| precoder | bits | " + " | ".join(f"{s:g} dB" for s in snrs) + " | NMSE [dB] |",
            "|---|---|" + "---|" * (len(snrs) + 1),
        ]  # fmt: skip
        for row in results:
            rates = " | ".join(f"{r:.3f}" for r in row["sum_rate"])
            lines.append(
                f"| {row['precoder']} | {row['bits']} | {rates} | {row['nmse_db'][0]:.2f} |"
            )
        return [*lines, "", "Sum rates in bits per channel use; NMSE on noiseless channels.", ""]
