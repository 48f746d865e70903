"""The Feys et al. GNN as a training task: its model, its training batches and loss (the
negative Bussgang sum rate through a straight-through Gumbel-softmax), its validation metric and
its test evaluation against the linear baselines."""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch import nn

from ...channels import complex_normal, make_channel
from ...dac import DAC
from ...evaluation import evaluate, noisy_channel_estimate
from ...metrics import noise_variance
from ...nn import GNNPrecoder, QuantizedGNN
from ...precoders import MRT, ZF, LocalSearch, QuantizedLinearPrecoder
from ...seeds import stream_seed
from ..task import Task
from .config import FeysConfig, FeysLoss
from .data import ChannelSets, make_channel_sets
from .estimators import level_weights, sample_gumbel
from .loss import negative_sum_rate, received_error, teacher_target

__all__ = ["TEST_SNRS_DB", "FeysObjective", "FeysTask"]

TEST_SNRS_DB = [-10.0, 0.0, 10.0, 20.0, 30.0]
BASELINE_BITS = (1, 2, 3)


class FeysObjective(nn.Module):
    """The training loss as a module (what DDP wraps): the GNN with the training-time level
    choice (``level_weights``), then ``negative_sum_rate``.

    Call: ``H: [B, M, K]``, ``s: [B, N_s, K]`` complex, ``gumbel: [B, N_s, M, 2, L]`` real,
    then (``FeysTask.training_batch``) while distilling a teacher's ``target: [B, N_s, K]``
    (``received_error`` is then the loss) and, with ``imperfect_csi``, the estimate the GNN sees
    ``H_seen: [B, M, K]`` last -> scalar loss, differentiable through the chosen estimator. The
    loss always uses the true ``H``, at ``total_power`` (``None``: ``P_T = M`` of the batch, so
    that batches of several sizes each get their own) and the noise of ``snr_db`` at that power.
    """

    def __init__(
        self,
        gnn: QuantizedGNN,
        loss: FeysLoss,
        snr_db: float,
        total_power: float | None = None,
        imperfect_csi: bool = False,
    ):
        super().__init__()
        self.gnn = gnn
        self.loss = loss
        self.snr_db = snr_db
        self.total_power = total_power
        self.imperfect_csi = imperfect_csi

    def forward(
        self, H: torch.Tensor, s: torch.Tensor, gumbel: torch.Tensor, *rest: torch.Tensor
    ) -> torch.Tensor:
        H_seen = rest[-1] if self.imperfect_csi else H
        target = rest[0] if len(rest) > int(self.imperfect_csi) else None
        logits = self.gnn.logits(H_seen, s)  # [B, N_s, M, 2, L]
        weights = level_weights(logits, self.loss.estimator, self.loss.tau, gumbel)
        y = self.gnn.levels_from_weights(weights)
        power = float(H.shape[-2]) if self.total_power is None else self.total_power
        if target is not None:
            return received_error(H, y, target, power)
        noise_var = noise_variance(self.snr_db, power)
        return negative_sum_rate(H, y, s, noise_var, power, self.loss.gain_estimate)


class FeysTask(Task):
    """Train the quantization-aware GNN of Feys et al. on one (M, K, b, SNR) setting.

    Args:
        config: the run's configuration.
    """

    name = "feys-gnn"
    config_class = FeysConfig
    selection_metric = "val_sum_rate"  # higher is better
    # the Gumbel noise of a GPU step (B x N_s x M x 2 x L values) is drawn on the GPU: on one CPU
    # core it takes about 10 ms at the paper's batch, half of a whole training step on an H200
    noise_on_device = True
    splits_batches = True  # the loss is a mean over channels

    @functools.cached_property
    def data(self) -> ChannelSets:
        """The channel sets, drawn on first use."""
        return make_channel_sets(self.config.data)

    def build_model(self) -> QuantizedGNN:
        """A freshly initialised GNN (the loop seeds the global generator around this call)."""
        m = self.config.model
        return QuantizedGNN(m.bits, m.hidden_dim, m.hidden_layers, edge_features=m.edge_features)

    def training_batch(
        self, indices: torch.Tensor, generator: torch.Generator, step: int, total_steps: int
    ) -> tuple[torch.Tensor, ...]:
        """``(H [B, M, K], s [B, N_s, K], gumbel [B, N_s, M, 2, L])`` of the global batch, then
        the teacher's ``target [B, N_s, K]`` during the first ``distill_steps`` steps (the
        teacher sees the true ``H``) and, with ``data.csi_error_db``, the estimate the GNN sees
        ``H_hat [B, M, K]``.

        ``s``, the Gumbel noise and the CSI error are drawn from ``generator``, the noise scaled
        by the linear schedule of ``gumbel_scale_initial`` -> ``gumbel_scale_final``. Every
        tensor is on the generator's device (the teacher runs there too).
        """
        d, loss = self.config.data, self.config.loss
        B = indices.numel()
        if d.mixed_sizes:
            H = self._mixed_size_channels(B, generator)
        else:
            H = self.data.train[indices].to(generator.device)
        M, K = H.shape[-2:]
        s = complex_normal((B, d.symbols, K), generator)
        shape = (B, d.symbols, M, 2, 2**self.config.model.bits)
        gumbel = sample_gumbel(shape, generator, None)
        start, end = loss.gumbel_scale_initial, loss.gumbel_scale_final
        gumbel *= start + (end - start) * step / total_steps
        batch: tuple[torch.Tensor, ...] = (H, s, gumbel)
        if step < loss.distill_steps:
            power = float(M) if d.total_power is None else d.total_power
            batch += (teacher_target(H, self.teacher(H, s), s, power),)
        if d.csi_error_db is not None:
            batch += (noisy_channel_estimate(H, d.csi_error_db, generator),)
        return batch

    def _mixed_size_channels(self, count: int, generator: torch.Generator) -> torch.Tensor:
        """``[count, M, K]`` fresh channels of one size drawn from ``mix_antennas`` x
        ``mix_users``."""
        d = self.config.data
        antennas, users = d.mix_antennas or (d.antennas,), d.mix_users or (d.users,)
        M = antennas[int(torch.randint(len(antennas), (), generator=generator))]
        K = users[int(torch.randint(len(users), (), generator=generator))]
        return make_channel(d.channel, M, K).sample(count, generator).to(generator.device)

    @functools.cached_property
    def teacher(self) -> LocalSearch:
        """The distillation teacher: local search on the model's alphabet at the training SNR."""
        # the GNN sends plain DAC levels, so the teacher searches them too (no scaling back)
        return LocalSearch(self.config.model.bits, snr_db=self.config.data.snr_db, scale_back=False)

    def objective(self, model: nn.Module) -> nn.Module:
        """The module whose forward on a training batch returns the loss."""
        assert isinstance(model, QuantizedGNN)
        d = self.config.data
        return FeysObjective(model, self.config.loss, d.snr_db, d.total_power,
                             imperfect_csi=d.csi_error_db is not None)  # fmt: skip

    def validate(self, model: nn.Module) -> dict[str, float]:
        """Sum rate and NMSE of the argmax GNN on the validation set at the training SNR (and
        CSI error)."""
        assert isinstance(model, QuantizedGNN)
        d = self.config.data
        device = next(model.parameters()).device
        result = evaluate(
            GNNPrecoder(model), self.data.val.to(device), [d.snr_db],
            symbols=self.data.val_symbols, total_power=d.power,
            batch_size=max(1, 8192 // d.eval_symbols), csi_error_nmse_db=d.csi_error_db,
        )  # fmt: skip
        return {"val_sum_rate": result.sum_rate[0], "val_nmse_db": result.nmse_db[0]}

    def test(self, model: nn.Module) -> dict[str, Any]:
        """The GNN and the paper's linear baseline (MRT for K=1, else ZF) with 1..3-bit DACs on
        the test set (all with the training's CSI error), on the model's device:
        ``{"snr_db": [...], "results": [row per precoder and bits]}``."""
        assert isinstance(model, QuantizedGNN)
        d = self.config.data
        snrs = sorted({*TEST_SNRS_DB, d.snr_db})
        device = next(model.parameters()).device
        common = functools.partial(
            evaluate, channels=self.data.test.to(device), snr_db=snrs, num_symbols=d.eval_symbols,
            seed=stream_seed(d.test_seed, "test-symbols"), total_power=d.power,
            csi_error_nmse_db=d.csi_error_db,
        )  # fmt: skip
        rows = [{"precoder": "gnn", "bits": model.bits,
                 **common(GNNPrecoder(model), batch_size=256).to_dict()}]  # fmt: skip
        baseline = MRT() if d.users == 1 else ZF()
        for bits in BASELINE_BITS:
            result = common(QuantizedLinearPrecoder(baseline, DAC(bits)))
            rows.append({"precoder": baseline.name, "bits": bits, **result.to_dict()})
        return {"snr_db": snrs, "results": rows}

    def trained_on(self) -> dict[str, Any]:
        """The setting a trained model knows: sizes, channel model and SNR."""
        d = self.config.data
        known = {"antennas": d.antennas, "users": d.users, "channel": d.channel,
                 "snr_db": d.snr_db}  # fmt: skip
        if d.csi_error_db is not None:
            known["csi_error_db"] = d.csi_error_db
        return known

    def card_summary(self) -> list[str]:
        """Markdown lines that open the model card."""
        c = self.config
        distill, total = c.loss.distill_steps, c.optim.steps
        if distill == 0:
            objective = "self-supervised on the Bussgang sum rate"
        elif total is not None and distill >= total:
            objective = "trained on the received error against the local-search teacher"
        else:
            objective = (f"trained on the received error against the local-search teacher for "
                         f"{distill} steps, then on the Bussgang sum rate")  # fmt: skip
        return [
            f"# GNN precoder: M={c.data.antennas}, K={c.data.users}, b={c.model.bits}", "",
            "Quantization-aware GNN precoder of Feys et al. (bipartite antenna/user GNN, "
            f"straight-through Gumbel-softmax, {objective}).", "",
        ]  # fmt: skip

    def card_data(self) -> list[str]:
        """Markdown lines that say what the model was trained and tested on."""
        d = self.config.data
        return [
            f"- Data: {d.train_channels} training, {d.val_channels} validation and "
            f"{d.test_channels} test channels ({d.channel}), seeds "
            f"{d.train_seed}/{d.val_seed}/{d.test_seed}; fresh CN(0,1) symbols every step, "
            f"{d.symbols} per channel."
            + ("" if d.csi_error_db is None else
               f" Robust training: the GNN saw channel estimates with an error NMSE of "
               f"{d.csi_error_db:g} dB (fresh every step); loss and metrics use the true channel."),
        ]  # fmt: skip
