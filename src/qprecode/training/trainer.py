"""The training loop: self-supervised maximisation of the Bussgang sum rate with a
straight-through Gumbel-softmax (Sect. IV of Feys et al.), with validation-based model selection,
CSV/TensorBoard logs, atomic resumable checkpoints and optional DDP (``torchrun``).

Run layout (``out_dir``)::

    last.safetensors / last.json    resumable checkpoint (model, Adam state, generator state)
    best.safetensors / best.json    the model with the best validation sum rate so far
    metrics.csv                     one row per validation
    tb/                             TensorBoard events (when tensorboard is installed)
    MODEL_CARD.md                   config, data, seed, time, hardware, test metrics

Reproducibility: every random draw (initial weights, data order, symbols, Gumbel noise) comes from
generators derived from ``config.seed``; the global batch is drawn identically on every process
and each process takes its slice, so ``N`` DDP processes reproduce one process with the same
global batch.
"""

from __future__ import annotations

import csv
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from ..channels import complex_normal
from ..metrics import evaluate, noise_variance
from ..nn import GNNPrecoder, QuantizedGNN
from ..progress import progress_bar
from ..results import run_metadata
from ..seeds import EPOCH_ORDER_STRIDE, TRAIN_NOISE_OFFSET
from .checkpoint import (
    architecture_of,
    load_checkpoint_files,
    load_model,
    save_checkpoint_files,
)
from .config import TrainConfig
from .data import ChannelSets, make_channel_sets
from .estimators import level_weights, sample_gumbel
from .loss import negative_sum_rate
from .model_card import finish

__all__ = ["SampledPrecoder", "TrainResult", "build_model", "train"]


class SampledPrecoder(nn.Module):
    """The GNN with the training-time level choice (``level_weights``): ``forward(H, s, gumbel)
    -> y: [B, N_s, M]`` complex, differentiable through the chosen estimator."""

    def __init__(self, gnn: QuantizedGNN, estimator: str, tau: float) -> None:
        super().__init__()
        self.gnn = gnn
        self.estimator = estimator
        self.tau = tau

    def forward(self, H: torch.Tensor, s: torch.Tensor, gumbel: torch.Tensor) -> torch.Tensor:
        logits = self.gnn.logits(H, s)  # [B, N_s, M, 2, L]
        return self.gnn.levels_from_weights(level_weights(logits, self.estimator, self.tau, gumbel))


@dataclass
class TrainResult:
    """What a finished run reports: best validation and final test metrics."""

    out_dir: Path
    step: int
    best_val_sum_rate: float
    test: dict[str, float] = field(default_factory=dict)


def build_model(config: TrainConfig) -> QuantizedGNN:
    """The GNN of ``config`` with initial weights drawn from ``config.seed``."""
    with torch.random.fork_rng(devices=[]):  # seeded locally, global state restored
        torch.manual_seed(config.seed)
        return QuantizedGNN(
            config.bits, config.hidden_dim, config.hidden_layers, edge_features=config.edge_features
        )


def _epoch_order(config: TrainConfig, epoch: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(config.seed * EPOCH_ORDER_STRIDE + epoch)
    return torch.randperm(config.train_channels, generator=generator)


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    out = {}
    for index, state in optimizer.state_dict()["state"].items():
        for key, value in state.items():
            out[f"optim.{index}.{key}"] = torch.as_tensor(value)
    return out


def _restore_optimizer(
    optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], groups: list[dict]
) -> None:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for name, value in tensors.items():
        if name.startswith("optim."):
            _, index, key = name.split(".", 2)
            state.setdefault(int(index), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": groups})


class _Logger:
    """metrics.csv (appended, header once) and TensorBoard, on the main process only."""

    def __init__(self, out_dir: Path, enabled: bool) -> None:
        self.path = out_dir / "metrics.csv"
        self.enabled = enabled
        self.writer: Any = None
        if enabled:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.writer = SummaryWriter(str(out_dir / "tb"))
            except ImportError:  # tensorboard is optional
                self.writer = None

    def drop_after(self, step: int) -> None:
        """Remove the rows of steps after ``step`` (logged after the last checkpoint)."""
        if not self.path.exists():
            return
        with self.path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        kept = [r for r in rows if int(r["step"]) <= step]
        if len(kept) < len(rows):
            with self.path.open("w", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(kept)

    def log(self, row: dict[str, float]) -> None:
        if not self.enabled:
            return
        new = not self.path.exists()
        with self.path.open("a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)
        if self.writer is not None:
            for key, value in row.items():
                if key != "step":
                    self.writer.add_scalar(key, value, int(row["step"]))
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _validate(model: QuantizedGNN, config: TrainConfig, data: ChannelSets) -> tuple[float, float]:
    model.eval()
    result = evaluate(
        GNNPrecoder(model),
        data.val.to(next(model.parameters()).device),
        [config.snr_db],
        symbols=data.val_symbols,
        total_power=config.power,
        batch_size=max(1, 8192 // config.eval_symbols),
    )
    model.train()
    return result.sum_rate[0], result.nmse_db[0]


def train(
    config: TrainConfig,
    out_dir: str | Path,
    resume: bool = False,
    progress: bool = True,
    max_steps: int | None = None,
    echo: Callable[[str], None] = print,
    command: str | None = None,
) -> TrainResult:
    """Train the GNN of ``config``, writing checkpoints and logs under ``out_dir``.

    Args:
        config: the run's configuration.
        out_dir: run folder.
        resume: continue from ``out_dir/last.*`` (must exist and hold the same config).
        progress: show a progress bar with the loss and the validation rate.
        max_steps: stop after this global step (for tests and for splitting long runs); the
            final test evaluation only happens when all epochs are done.
        echo: where status lines go.
        command: the command line that reproduces the run, for the model card.
    """
    out = Path(out_dir)
    distributed = dist.is_available() and int(os.environ.get("WORLD_SIZE", "1")) > 1
    rank, world = 0, 1
    device = torch.device(config.device)
    if distributed:
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
    if config.batch_size % world:
        raise ValueError(f"batch_size {config.batch_size} must divide by the {world} processes")
    main_process = rank == 0
    if main_process:
        out.mkdir(parents=True, exist_ok=True)

    data = make_channel_sets(config)
    model = build_model(config).to(device)
    if config.init_from is not None and not resume:
        source, _ = load_model(config.init_from)
        if architecture_of(source) != architecture_of(model):
            raise ValueError(
                f"init_from {config.init_from} has architecture {architecture_of(source)}, "
                f"but the config asks for {architecture_of(model)}"
            )
        model.load_state_dict(source.state_dict())
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    noise = torch.Generator().manual_seed(config.seed + TRAIN_NOISE_OFFSET)
    step, best, history_seconds = 0, -math.inf, 0.0
    if resume:
        tensors, info = load_checkpoint_files(out / "last")
        if info["config"] != config.to_dict():
            raise ValueError(f"cannot resume {out}: its config differs from the given config")
        model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        _restore_optimizer(optimizer, tensors, info["optimizer_param_groups"])
        noise.set_state(tensors["rng.noise"])
        step, history_seconds = info["step"], info["seconds"]
        best = -math.inf if info["best_val_sum_rate"] is None else info["best_val_sum_rate"]
        echo(f"resumed {out} at step {step} (best validation sum rate {best:.3f})")
    trainer = SampledPrecoder(model, config.estimator, config.tau)
    wrapped: nn.Module = nn.parallel.DistributedDataParallel(trainer) if distributed else trainer

    steps_per_epoch = config.train_channels // config.batch_size
    if steps_per_epoch < 1:
        raise ValueError("train_channels must be at least batch_size")
    total_steps = steps_per_epoch * config.epochs
    last_step = total_steps if max_steps is None else min(total_steps, max_steps)
    noise_var = noise_variance(config.snr_db, config.power)
    local = config.batch_size // world
    logger = _Logger(out, main_process)
    if resume and main_process:
        logger.drop_after(step)  # rows logged after the checkpoint are logged again
    started = time.perf_counter()
    loss_sum, loss_count, val_rate, improved = 0.0, 0, float("nan"), False
    order = _epoch_order(config, step // steps_per_epoch)

    def checkpoint() -> None:
        info = {
            "model": architecture_of(model), "config": config.to_dict(), "step": step,
            "epoch": step / steps_per_epoch, "best_val_sum_rate": best,
            "seconds": history_seconds + time.perf_counter() - started,
            "optimizer_param_groups": optimizer.state_dict()["param_groups"],
            "meta": run_metadata(),
        }  # fmt: skip
        tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
        tensors.update(_optimizer_tensors(optimizer))
        tensors["rng.noise"] = noise.get_state()
        save_checkpoint_files(out / "last", tensors, info)

    shown = {"loss": float("nan")}

    def status() -> str:
        return f"loss {shown['loss']:.3f}  val sum rate {val_rate:.3f}  best {best:.3f}"

    bar = progress_bar(
        range(step, last_step), "train", enabled=progress and main_process, status=status
    )
    for step_index in bar:
        improved = False
        epoch, within = divmod(step_index, steps_per_epoch)
        if within == 0:
            order = _epoch_order(config, epoch)
        idx = order[within * config.batch_size : (within + 1) * config.batch_size]
        H = data.train[idx]
        s = complex_normal((config.batch_size, config.symbols, config.users), noise)
        gumbel = sample_gumbel(
            (config.batch_size, config.symbols, config.antennas, 2, 2**config.bits), noise, None
        )
        start_scale, end_scale = config.gumbel_scale_initial, config.gumbel_scale_final
        gumbel *= start_scale + (end_scale - start_scale) * step_index / total_steps
        part = slice(rank * local, (rank + 1) * local)
        H, s, gumbel = H[part].to(device), s[part].to(device), gumbel[part].to(device)
        y = wrapped(H, s, gumbel)
        loss = negative_sum_rate(H, y, s, noise_var, config.power, config.gain_estimate)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step = step_index + 1
        shown["loss"] = loss.item()
        loss_sum, loss_count = loss_sum + shown["loss"], loss_count + 1

        end_of_epoch = step % steps_per_epoch == 0
        if main_process and (step % config.eval_every == 0 or end_of_epoch or step == last_step):
            val_rate, val_nmse = _validate(model, config, data)
            improved = val_rate > best
            if improved:
                best = val_rate
                _save_model(out / "best", model, config, step, {"val_sum_rate": val_rate,
                            "val_nmse_db": val_nmse})  # fmt: skip
            elapsed = history_seconds + time.perf_counter() - started
            logger.log({
                "step": step, "epoch": step / steps_per_epoch,
                "train_loss": loss_sum / max(loss_count, 1), "val_sum_rate": val_rate,
                "val_nmse_db": val_nmse, "seconds": elapsed,
            })  # fmt: skip
            echo(
                f"step {step}/{total_steps}  epoch {step / steps_per_epoch:.2f}  loss "
                f"{loss_sum / max(loss_count, 1):.3f}  val sum rate {val_rate:.3f} "
                f"(best {best:.3f})  val NMSE {val_nmse:.2f} dB  {elapsed:.0f} s"
            )
            loss_sum, loss_count = 0.0, 0
        # a new best model is always followed by a checkpoint, so a resumed run never compares
        # against an older best than best.* holds
        if main_process and (step % config.checkpoint_every == 0 or step == last_step or improved):
            checkpoint()

    result = TrainResult(out, step, best)
    logger.close()
    if distributed:
        dist.barrier()  # before the test evaluation, which only the main process runs
    if main_process and step == total_steps:
        training = {
            "command": command, "steps": step, "processes": world, "device": str(device),
            "seconds": history_seconds + time.perf_counter() - started,
        }  # fmt: skip
        result.test = finish(out, config, data, echo, training)
    return result


def _save_model(
    path: Path, model: QuantizedGNN, config: TrainConfig, step: int, metrics: dict[str, float]
) -> None:
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    info = {
        "model": architecture_of(model), "config": config.to_dict(), "step": step,
        "metrics": metrics, "meta": run_metadata(),
    }  # fmt: skip
    save_checkpoint_files(path, tensors, info)
