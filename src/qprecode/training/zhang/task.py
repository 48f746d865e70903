"""The GNN precoders of Zhang et al. as a training task: unsupervised on the negative sum SE
(problem 3) or log-SE (problem 4) of the precoding matrix, on channel sets of one size or of
random sizes (the paper's "-exp" sets), validated and tested as a fraction of WMMSE (sum SE) or
WMMSE-PF (log-SE)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ...channels import make_channel
from ...evaluation import closed_form_utility
from ...metrics import noise_variance
from ...nn import (
    EdgeGNN,
    GradientGNN,
    GraphMasks,
    GraphPrecoder,
    HybridGNN,
    HybridGraphPrecoder,
    PinvGNN,
    UnfoldedWMMSE,
    UserGAT,
)
from ...precoders import MRT, OMP, RZF, WMMSE, WMMSEPF, ZF, MatrixPrecoder, MOAltMin, PhasedZF
from ..task import Task
from .config import ZhangConfig

__all__ = ["ZhangObjective", "ZhangTask", "draw_sizes", "utility"]

_EVAL_CHUNK = 1000


def utility(
    H: torch.Tensor, W: torch.Tensor, snr_db: float, objective: str, masks: GraphMasks | None = None
) -> torch.Tensor:
    """Sum SE ``sum_k log2(1 + SINR_k)`` or log-SE ``sum_k ln max(log2(1 + SINR_k), 1e-8)`` of
    every problem of a (padded) batch, with ``P_b = ||W_b||_F^2`` and ``sigma_b^2 = P_b / SNR``.

    Args:
        H, W: ``[B, M, K]`` complex (zero where padded).
        snr_db: ``P / sigma^2`` in dB.
        objective: ``se`` or ``log-se``.
        masks: the real users of a padded batch (padded users have zero rate and are left out
            of the log-SE).

    Returns:
        ``[B]`` real.
    """
    power = (W.abs() ** 2).sum(dim=(-2, -1))  # [B]
    noise = power * noise_variance(snr_db)
    users = None if masks is None else masks.users
    return closed_form_utility(H, W, noise[:, None], objective, users)


def draw_sizes(
    count: int,
    users: int,
    antennas: int,
    users_distribution: str,
    antennas_distribution: str,
    max_users: int,
    max_antennas: int,
    generator: torch.Generator,
) -> torch.Tensor:
    """``[count, 2]`` int64 ``(M_b, K_b)`` per sample: fixed sizes, or the truncated
    exponentials of ``ZhangData``."""
    if users_distribution == "exp":
        e = torch.empty(count, dtype=torch.float64).exponential_(1 / 2.0, generator=generator)
        K = e.ceil().clamp(1, max_users).long()
    else:
        K = torch.full((count,), users, dtype=torch.int64)
    if antennas_distribution == "exp":
        e = torch.empty(count, dtype=torch.float64).exponential_(1 / 10.0, generator=generator)
        M = torch.maximum((2 + e).round().long().clamp_max(max_antennas), K)
    else:
        M = torch.maximum(torch.full((count,), antennas, dtype=torch.int64), K)
    return torch.stack([M, K], dim=-1)


@dataclass(frozen=True)
class SizedChannels:
    """Channels of possibly different sizes, zero-padded: ``H: [N, max M, max K]`` complex64,
    ``sizes: [N, 2]`` int64 ``(M_b, K_b)``."""

    H: torch.Tensor
    sizes: torch.Tensor

    def batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(H [B, M, K], antenna mask [B, M], user mask [B, K])`` trimmed to the largest
        problem of the batch."""
        sizes = self.sizes[indices]
        M, K = (int(x) for x in sizes.amax(dim=0))
        antennas = torch.arange(M)[None, :] < sizes[:, :1]
        users = torch.arange(K)[None, :] < sizes[:, 1:]
        return self.H[indices, :M, :K], antennas, users


class ZhangObjective(nn.Module):
    """The training loss as a module: the GNN, then ``-mean_b utility``.

    Call: ``H: [B, M, K]`` complex, antenna mask ``[B, M]``, user mask ``[B, K]`` -> scalar.
    """

    def __init__(self, gnn: nn.Module, snr_db: float, objective: str) -> None:
        super().__init__()
        self.gnn = gnn
        self.snr_db = snr_db
        self.kind = objective

    def forward(self, H: torch.Tensor, antennas: torch.Tensor, users: torch.Tensor) -> torch.Tensor:
        masks = GraphMasks(antennas, users)
        if isinstance(self.gnn, HybridGNN):  # fixed sizes only: no padding
            F, W_D = self.gnn(H)
            W = F @ W_D
        else:
            W = self.gnn(H, masks)
        return -utility(H, W, self.snr_db, self.kind, masks).mean()


class ZhangTask(Task):
    """Train a Zhang et al. GNN (gradient-driven or vanilla edge GNN) on one setting.

    Args:
        config: the run's configuration.
    """

    name = "zhang-gnn"
    config_class = ZhangConfig
    selection_metric = "val_fraction"  # of WMMSE (se) or WMMSE-PF (log-se); higher is better
    noise_on_device = False  # the training noise comes from a CPU generator
    splits_batches = True  # the loss is a mean over channels

    @functools.cached_property
    def train_set(self) -> SizedChannels:
        """The training channels, of the configured sizes (drawn on first use)."""
        d = self.config.data
        if d.users_distribution == "fixed" and d.antennas_distribution == "fixed":
            H = d.sample("train", d.train_channels, d.train_seed)
            sizes = torch.tensor([[d.antennas, d.users]]).expand(H.shape[0], 2).contiguous()
            return SizedChannels(H, sizes)
        generator = torch.Generator().manual_seed(d.train_seed)
        sizes = draw_sizes(
            d.train_channels, d.users, d.antennas, d.users_distribution,
            d.antennas_distribution, d.max_users, d.max_antennas, generator,
        )  # fmt: skip
        M, K = (int(x) for x in sizes.amax(dim=0))
        H = torch.zeros((d.train_channels, M, K), dtype=torch.complex64)
        for m, k in torch.unique(sizes, dim=0).tolist():
            rows = ((sizes[:, 0] == m) & (sizes[:, 1] == k)).nonzero().squeeze(-1)
            H[rows, :m, :k] = make_channel(d.channel, m, k).sample(rows.numel(), generator)
        return SizedChannels(H, sizes)

    @functools.cached_property
    def val(self) -> torch.Tensor:
        d = self.config.data
        return d.sample("val", d.val_channels, d.val_seed)

    @functools.cached_property
    def test_channels(self) -> torch.Tensor:
        d = self.config.data
        return d.sample("test", d.test_channels, d.test_seed)

    def build_model(self) -> nn.Module:
        """A fresh network (the loop seeds the global generator around this call)."""
        m, d = self.config.model, self.config.data
        if m.architecture == "edge":
            return EdgeGNN(m.hidden_dim, m.hidden_layers, d.total_power)
        if m.architecture == "gat":
            return UserGAT(d.antennas, m.hidden_dim, m.hidden_layers, d.total_power)
        if m.architecture == "pinv":
            return PinvGNN(m.hidden_dim, m.hidden_layers, d.total_power)
        if m.architecture == "unfolded-wmmse":
            return UnfoldedWMMSE(m.hidden_layers, d.snr_db, d.total_power)
        if m.architecture == "hybrid":
            return HybridGNN(d.rf_chains, m.hidden_dim, m.hidden_layers, 0, d.total_power)
        return GradientGNN(m.hidden_dim, m.hidden_layers, m.channel_skip, m.aggregation,
                           d.total_power)  # fmt: skip

    def training_batch(
        self, indices: torch.Tensor, generator: torch.Generator, step: int, total_steps: int
    ) -> tuple[torch.Tensor, ...]:
        """``(H [B, M, K], antenna mask, user mask)`` of the batch's channels."""
        return self.train_set.batch(indices)

    def objective(self, model: nn.Module) -> nn.Module:
        d = self.config.data
        return ZhangObjective(model, d.snr_db, d.objective)

    @property
    def hybrid(self) -> bool:
        return self.config.model.architecture == "hybrid"

    def baseline(self) -> tuple[str, MatrixPrecoder]:
        """``(name, precoder)`` the GNN is measured against, at the training SNR: WMMSE (sum
        SE), WMMSE-PF (log-SE), or for a hybrid GNN MO-AltMin towards WMMSE with as many RF
        chains."""
        d = self.config.data
        if self.hybrid:
            return "mo-altmin", MOAltMin(d.rf_chains, snr_db=d.snr_db, total_power=d.total_power)
        if d.objective == "se":
            return "wmmse", WMMSE(d.snr_db, tolerance=1e-4, total_power=d.total_power)
        return "wmmse-pf", WMMSEPF(d.snr_db, total_power=d.total_power)

    def precoder(self, model: nn.Module) -> MatrixPrecoder:
        """The trained network as a precoder."""
        if isinstance(model, HybridGNN):
            return HybridGraphPrecoder(model)
        return GraphPrecoder(model)

    @torch.no_grad()
    def mean_utility(self, precoder: MatrixPrecoder, H: torch.Tensor) -> torch.Tensor:
        """``[N]`` utility of ``precoder`` on ``H: [N, M, K]`` at the training SNR."""
        d = self.config.data
        out = [
            utility(chunk, precoder.matrix(chunk), d.snr_db, d.objective)
            for chunk in H.split(_EVAL_CHUNK)
        ]
        return torch.cat(out)

    @functools.cached_property
    def _val_baseline(self) -> float:
        return float(self.mean_utility(self.baseline()[1], self.val).mean())

    def validate(self, model: nn.Module) -> dict[str, float]:
        """Mean utility on the validation set and its fraction of the baseline's."""
        value = float(self.mean_utility(self.precoder(model), self.val).mean())
        return {"val_utility": value, "val_fraction": value / self._val_baseline}

    def test(self, model: nn.Module) -> dict[str, Any]:
        """The GNN and the baselines on the test set at the training size and SNR (digital:
        WMMSE or WMMSE-PF, ZF, RZF, MRT; hybrid: MO-AltMin, the fully digital WMMSE, OMP, phased
        ZF): ``{"objective", "results": [row per precoder], ...}`` with the mean utility, its
        standard deviation over channels and its fraction of the baseline's (``baseline``)."""
        d = self.config.data
        H = self.test_channels
        name, reference_precoder = self.baseline()
        precoders: dict[str, MatrixPrecoder] = {"gnn": self.precoder(model),
                                                name: reference_precoder}  # fmt: skip
        if self.hybrid:
            precoders["wmmse (digital)"] = WMMSE(d.snr_db, 1e-4, total_power=d.total_power)
            precoders["omp"] = OMP(d.rf_chains, snr_db=d.snr_db, total_power=d.total_power)
            if d.rf_chains == d.users:
                precoders["pzf"] = PhasedZF(d.total_power)
        else:
            precoders.update({"zf": ZF(d.total_power), "rzf": RZF(d.snr_db, d.total_power),
                              "mrt": MRT(d.total_power)})  # fmt: skip
        values = {key: self.mean_utility(p, H).double() for key, p in precoders.items()}
        reference = float(values[name].mean())
        rows = [
            {
                "precoder": name,
                "utility": float(v.mean()),
                "utility_std": float(v.std()),
                "fraction_of_baseline": float(v.mean()) / reference,
            }
            for name, v in values.items()
        ]
        self.last_test = {
            "objective": d.objective,
            "baseline": name,
            "antennas": d.antennas,
            "users": d.users,
            "snr_db": d.snr_db,
            "num_channels": H.shape[0],
            "results": rows,
        }
        return self.last_test

    def trained_on(self) -> dict[str, Any]:
        d = self.config.data
        return {
            "antennas": d.antennas if d.antennas_distribution == "fixed" else "exp",
            "users": d.users if d.users_distribution == "fixed" else "exp",
            "channel": d.channel,
            "snr_db": d.snr_db,
            "objective": d.objective,
        }

    def card_summary(self) -> list[str]:
        c = self.config
        m, d = c.model, c.data
        kinds = {"gradient": "gradient-driven GNN", "edge": "vanilla edge GNN", "gat": "user GAT",
                 "hybrid": f"gradient-driven hybrid GNN (N_RF={d.rf_chains})",
                 "unfolded-wmmse": "deep-unfolded WMMSE", "pinv": "Pinv-GNN"}  # fmt: skip
        kind = kinds[m.architecture]
        what, where = (
            "Digital precoder",
            "permutation equivariant, runs at any number of antennas and users",
        )
        if m.architecture == "hybrid":
            what = f"Hybrid precoder (unit-modulus analog F, {d.rf_chains} RF chains, digital D)"
            where = (f"equivariant to users and antennas up to its start phases (a fixed seed), "
                     f"runs at any number of antennas and up to {d.rf_chains} users")  # fmt: skip
        elif m.architecture == "gat":
            where = f"permutation equivariant, runs at M={d.antennas} only, any number of users"
        size = f"{m.hidden_layers} x {m.hidden_dim}"
        if m.architecture == "unfolded-wmmse":
            size = f"{m.hidden_layers} layers, designed at {d.snr_db:g} dB"
        return [
            f"# Zhang et al. {kind}: {size}, objective {d.objective}",
            "",
            f"{what}, trained unsupervised on the negative {d.objective} at {d.snr_db:g} dB; "
            f"{where}.",
            "",
        ]

    def test_record(self, test: dict[str, Any]) -> dict[str, float]:
        """A sweep's columns from ``test``: the GNN's utility and fraction of the baseline
        (``test_utility``, ``test_fraction``) and every baseline's utility
        (``test_utility[NAME]``)."""
        rows = test["results"]
        record = {
            "test_utility": rows[0]["utility"],
            "test_fraction": rows[0]["fraction_of_baseline"],
        }
        record.update({f"test_utility[{r['precoder']}]": r["utility"] for r in rows[1:]})
        return record

    def card_test(self, test: dict[str, Any]) -> list[str]:
        """The model card's test table (``test``: what ``test`` returned)."""
        lines = [
            f"## Test metrics ({test['num_channels']} channels, M={test['antennas']}, "
            f"K={test['users']}, {test['snr_db']:g} dB, closed-form SINR)", "",
            f"| precoder | {test['objective']} | std | fraction of {test['baseline']} |",
            "|---|---|---|---|",
        ]  # fmt: skip
        for row in test["results"]:
            lines.append(
                f"| {row['precoder']} | {row['utility']:.3f} | {row['utility_std']:.3f} | "
                f"{row['fraction_of_baseline']:.1%} |"
            )
        return [*lines, ""]

    def card_data(self) -> list[str]:
        d = self.config.data
        sizes = (
            f"M={d.antennas}, K={d.users}"
            if d.users_distribution == d.antennas_distribution == "fixed"
            else f"sizes K: {d.users_distribution}, M: {d.antennas_distribution} "
            f"(validation and test at M={d.antennas}, K={d.users})"
        )
        lines = [
            f"- Data: {d.train_channels} training, {d.val_channels} validation and "
            f"{d.test_channels} test channels ({d.channel}, {sizes}), seeds "
            f"{d.train_seed}/{d.val_seed}/{d.test_seed}; SNR {d.snr_db:g} dB.",
        ]
        if self.last_test is not None:
            gnn = self.last_test["results"][0]
            lines.append(
                f"- Test: {gnn['utility']:.3f} ({d.objective}), "
                f"{gnn['fraction_of_baseline']:.1%} of {self.last_test['baseline']}."
            )
        return lines
