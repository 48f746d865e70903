"""The CNN+FC precoder of Kasalaee et al. (the paper's direct output of ``W``, or the structured
network that outputs the powers of the optimal beamforming structure) as a training task:
self-supervised on the closed-form sum rate of its precoding matrix (eq. 6), validated on the mean
sum rate, tested against MRT, ZF and RZF in both power normalisations and WMMSE (the strongest,
several starts, and the paper's MRT-started one); with quantization-aware training (LSQ) from an
FP32 model (Sect. III of the paper)."""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ...cost import KasalaeeEnergy, kasalaee_layer_profile, structured_profile
from ...evaluation import closed_form_rates, closed_form_utility
from ...metrics import noise_variance
from ...nn import CompressedDNN, DNNPrecoder, StructuredDNN, initialize_steps
from ...precoders import MRT, RZF, WMMSE, ZF
from ..task import Task
from .config import KasalaeeConfig
from .weights import KasalaeeNetwork, load_float_weights

__all__ = [
    "TEST_SNRS_DB",
    "KasalaeeObjective",
    "KasalaeeTask",
    "negative_matrix_sum_rate",
]

TEST_SNRS_DB = [-10.0, -4.0, 0.0, 10.0, 15.0, 20.0, 30.0]  # and the training SNR
_WMMSE_CHUNK = 4096  # channels per WMMSE solve on the test set


def negative_matrix_sum_rate(H: torch.Tensor, W: torch.Tensor, noise_var: float) -> torch.Tensor:
    """The loss of eq. 6 of Kasalaee et al., ``-mean_b sum_k log2(1 + SINR_k)`` with the
    closed-form SINR of the precoding matrix (eq. 2).

    Args:
        H: ``[B, M, K]`` complex channels.
        W: ``[B, M, K]`` complex precoding matrices at their transmit power.
        noise_var: ``sigma_v^2``.

    Returns:
        Scalar tensor, differentiable in ``W``.
    """
    return -closed_form_utility(H, W, noise_var).mean()


class KasalaeeObjective(nn.Module):
    """The training loss as a module (what DDP wraps): the network, then the negative sum rate.

    Dropout draws from the global generator; it is seeded from the batch's ``seeds`` inside a
    forked generator state, so that the draws are part of the run's checkpointed noise stream
    and a resumed run repeats them (bit for bit on the CPU).

    Call: ``H: [B, M, K]`` complex, ``seeds: [B]`` int64 (the first one seeds the dropout of
    this process's part of the batch) -> scalar loss.
    """

    def __init__(self, dnn: KasalaeeNetwork, noise_var: float) -> None:
        super().__init__()
        self.dnn = dnn
        self.noise_var = noise_var

    def forward(self, H: torch.Tensor, seeds: torch.Tensor) -> torch.Tensor:
        devices = [H.device] if H.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(int(seeds[0]))
            W = self.dnn(H)
        return negative_matrix_sum_rate(H, W, self.noise_var)


@dataclass(frozen=True)
class KasalaeeChannels:
    """``train: [N_train, M, K]``, ``val: [N_val, M, K]``, ``test: [N_test, M, K]`` complex64."""

    train: torch.Tensor
    val: torch.Tensor
    test: torch.Tensor


# (test channels, SNRs, start, P_T) -> WMMSE's rates and iterations, within one process
_WMMSE_RESULTS: dict[tuple[Any, ...], tuple[torch.Tensor, list[float]]] = {}


def _fingerprint(H: torch.Tensor) -> str:
    """A digest of a channel set's values (its identity across trials of a sweep)."""
    digest = hashlib.sha256(H.detach().cpu().contiguous().numpy().tobytes()).hexdigest()
    return f"{tuple(H.shape)}-{H.dtype}-{digest}"


def _bits_label(bits: tuple[int | None, ...]) -> str:
    if all(b is None for b in bits):
        return "fp32"
    return "/".join("fp32" if b is None else str(b) for b in bits)


class KasalaeeTask(Task):
    """Train the CNN+FC precoder of Kasalaee et al. on one (M, K, channel, SNR) setting, in FP32
    or (with ``qat.init_from``) as LSQ quantization-aware fine-tuning of an FP32 model.

    Args:
        config: the run's configuration.
    """

    name = "kasalaee-dnn"
    config_class = KasalaeeConfig
    selection_metric = "val_sum_rate"  # higher is better
    noise_on_device = False  # the training noise comes from a CPU generator
    splits_batches = False  # batch normalisation: a micro-batch has other statistics

    @functools.cached_property
    def data(self) -> KasalaeeChannels:
        """The channel sets, drawn on first use (on the CPU), each from its own seed."""
        d = self.config.data
        return KasalaeeChannels(
            train=d.sample("train", d.train_channels, d.train_seed),
            val=d.sample("val", d.val_channels, d.val_seed),
            test=d.sample("test", d.test_channels, d.test_seed),
        )

    @property
    def noise_var(self) -> float:
        """``sigma_v^2`` of the training SNR."""
        return noise_variance(self.config.data.snr_db, self.config.data.power)

    @property
    def init_from(self) -> str | None:
        """``qat.init_from`` with ``{seed}`` replaced by the run's seed."""
        path = self.config.qat.init_from
        return None if path is None else path.replace("{seed}", str(self.config.seed))

    def build_model(self) -> KasalaeeNetwork:
        """A fresh network with its input scale set from the training channels and its LSQ
        steps initialised from its weights; or, with ``qat.init_from``, the FP32 model's
        weights and steps initialised from them (the loop seeds the global generator around
        this call)."""
        m, d = self.config.model, self.config.data
        model: KasalaeeNetwork
        if m.head == "structured":
            model = StructuredDNN(
                d.antennas, d.users, d.snr_db, m.conv_channels, m.fc_dim, m.weight_bits,
                m.dropout, d.total_power, m.user_selection,
            )  # fmt: skip
        else:
            model = CompressedDNN(
                d.antennas, d.users, m.conv_channels, m.fc_dim, m.weight_bits, m.dropout,
                d.total_power, m.input_norm,
            )  # fmt: skip
        model.set_input_scale(self.data.train)
        initialize_steps(model)
        if self.init_from is not None:
            load_float_weights(model, self.init_from)
        return model

    def training_batch(
        self, indices: torch.Tensor, generator: torch.Generator, step: int, total_steps: int
    ) -> tuple[torch.Tensor, ...]:
        """``(H [B, M, K], seeds [B])``: the batch's channels and dropout seeds drawn from
        ``generator``."""
        seeds = torch.randint(0, 2**62, (indices.numel(),), generator=generator)
        return self.data.train[indices], seeds

    def objective(self, model: nn.Module) -> nn.Module:
        """The module whose forward on a training batch returns the loss."""
        assert isinstance(model, (CompressedDNN, StructuredDNN))
        return KasalaeeObjective(model, self.noise_var)

    @functools.cached_property
    def _val_zf_rate(self) -> float:
        zf = ZF(self.config.data.total_power)
        return float(closed_form_rates(zf, self.data.val, [self.noise_var]).mean())

    def validate(self, model: nn.Module) -> dict[str, float]:
        """Mean closed-form sum rate of the network (eval mode) on the validation set at the
        training SNR, and its fraction of ZF's; computed on the model's device."""
        assert isinstance(model, (CompressedDNN, StructuredDNN))
        val = self.data.val.to(model.input_scale.device)
        rate = float(closed_form_rates(DNNPrecoder(model), val, [self.noise_var]).mean())
        return {"val_sum_rate": rate, "val_fraction_of_zf": rate / self._val_zf_rate}

    def test(self, model: nn.Module) -> dict[str, Any]:
        """The network, MRT, ZF and RZF in both power normalisations (``zf``: the whole matrix
        to ``P_T``; ``zf-eq``, ``rzf-eq``: equal power per user) and WMMSE (tolerance 1e-5,
        designed per SNR) on the test set: ``wmmse`` the strongest (four starts, best end per
        channel: ``precoders.WMMSE``), ``wmmse-mrt`` the paper's MRT start, kept for comparison
        with earlier tables. SNRs: the training SNR, and for channel models the paper's sweep
        ``TEST_SNRS_DB`` (a channel file's SNR is calibrated to its site). Returns ``{"snr_db":
        [...], "results": [row per precoder]}``, every row with the mean sum rate and its
        standard deviation over channels per SNR; the network's row also has its fraction of
        ZF's, RZF-eq's and the strongest WMMSE's sum rate, the WMMSE rows their mean iteration
        count. Computed on the model's device."""
        assert isinstance(model, (CompressedDNN, StructuredDNN))
        d = self.config.data
        H = self.data.test.to(model.input_scale.device)
        on_file = d.channel.startswith("file:")
        snrs = [d.snr_db] if on_file else sorted({*TEST_SNRS_DB, d.snr_db})
        noise = [noise_variance(snr, d.power) for snr in snrs]
        P = d.total_power
        rates = {
            "dnn": closed_form_rates(DNNPrecoder(model), H, noise),
            "mrt": closed_form_rates(MRT(P), H, noise),
            "zf": closed_form_rates(ZF(P), H, noise),
            "zf-eq": closed_form_rates(ZF(P, "per-user"), H, noise),
        }
        rates["rzf-eq"] = torch.stack([
            closed_form_rates(RZF(snr, P, "per-user"), H, [n])[0]
            for snr, n in zip(snrs, noise, strict=True)
        ])  # fmt: skip
        iterations: dict[str, list[float]] = {}
        for name, init in (("wmmse", "multi"), ("wmmse-mrt", "mrt")):
            rates[name], iterations[name] = self._wmmse(H, snrs, noise, init)
        means = {name: r.double().mean(dim=1) for name, r in rates.items()}
        rows = []
        for name, r in rates.items():
            row: dict[str, Any] = {
                "precoder": name,
                "bits": _bits_label(model.weight_bits) if name == "dnn" else "-",
                "sum_rate": means[name].tolist(),
                "sum_rate_std": r.double().std(dim=1).tolist(),
                "nmse_db": [math.nan] * len(snrs),  # no DACs: no distortion to measure
                "num_channels": H.shape[0],
                "num_symbols": None,  # closed-form SINR of the matrix, no symbols
            }
            if name == "dnn":
                row["fraction_of_zf"] = (means["dnn"] / means["zf"]).tolist()
                row["fraction_of_rzf_eq"] = (means["dnn"] / means["rzf-eq"]).tolist()
                row["fraction_of_wmmse"] = (means["dnn"] / means["wmmse"]).tolist()
            if name in iterations:
                row["iterations"] = iterations[name]
            rows.append(row)
        self.last_test = {"snr_db": snrs, "results": rows}
        return self.last_test

    def _wmmse(
        self, H: torch.Tensor, snrs: list[float], noise: list[float], init: str
    ) -> tuple[torch.Tensor, list[float]]:
        """WMMSE's sum rates ``[len(snrs), N]`` and mean iterations per SNR (per channel: the
        sum over its starts); computed once per process for the same test channels, SNRs and
        start (the trials of a local sweep share their test set, and WMMSE on a site's test set
        costs minutes)."""
        key = (_fingerprint(self.data.test), tuple(snrs), init, self.config.data.total_power)
        if key not in _WMMSE_RESULTS:
            _WMMSE_RESULTS[key] = self._solve_wmmse(snrs, noise, init)
        rates, iterations = _WMMSE_RESULTS[key]
        return rates.to(H.device), iterations

    def _solve_wmmse(
        self, snrs: list[float], noise: list[float], init: str
    ) -> tuple[torch.Tensor, list[float]]:
        H = self.data.test
        rates, iterations = [], []
        # on the CPU: batched eigh on a GPU fails to converge on some ill-conditioned sites
        chunks = self.data.test.split(_WMMSE_CHUNK)  # drawn on the CPU
        for snr, n in zip(snrs, noise, strict=True):
            wmmse = WMMSE(snr, total_power=self.config.data.total_power, init=init)
            solved = [wmmse.solve(c) for c in chunks]
            W = torch.cat([r.W for r in solved])
            rates.append(closed_form_utility(H, W, n))
            spent = torch.cat(
                [r.total_iterations for r in solved if r.total_iterations is not None]
            )
            iterations.append(float(spent.double().mean()))
        return torch.stack(rates), iterations

    def trained_on(self) -> dict[str, Any]:
        """The setting a trained model knows: sizes, channel model and SNR."""
        d = self.config.data
        return {"antennas": d.antennas, "users": d.users, "channel": d.channel,
                "snr_db": d.snr_db}  # fmt: skip

    def costs(self) -> dict[str, float]:
        """Inference energy of one precoder evaluation under the energy model of Kasalaee et al.
        (eqs. 7-11; ``energy_uj`` with interpretation I2, ``energy_uj_i1`` with I1), float
        layers counted at 16 bits as the paper counts its default model. The structured
        network is profiled from the module itself: its layers and the closed-form layer (its
        arithmetic at ``nn.CLOSED_FORM_BITS``)."""
        m, d = self.config.model, self.config.data
        bits = [16 if b is None else b for b in m.weight_bits]
        if m.head == "structured":
            profile = structured_profile(d.antennas, d.users, d.snr_db, m.conv_channels,
                                         m.fc_dim, bits, m.user_selection)  # fmt: skip
        else:
            profile = kasalaee_layer_profile(d.antennas, d.users, m.conv_channels, m.fc_dim, bits)
        return {"energy_uj": KasalaeeEnergy("I2")(profile)["energy_uj"],
                "energy_uj_i1": KasalaeeEnergy("I1")(profile)["energy_uj"]}  # fmt: skip

    def card_summary(self) -> list[str]:
        """Markdown lines that open the model card."""
        c = self.config
        m = c.model
        if self.init_from is None:
            how = "trained from scratch"
        elif all(b is None for b in m.weight_bits):
            how = f"fine-tuned from {self.init_from}"
        else:
            how = f"LSQ quantization-aware fine-tuning of {self.init_from}"
        if m.head == "structured":
            kind, what = (
                "Structured CNN+FC precoder",
                (
                    "The trunk of Kasalaee et al. (3x3 convolution and three fully connected "
                    "layers) over the Gram features of the channel outputs the 2K powers (p, q) "
                    "of the optimal beamforming structure; a closed-form layer (one K x K solve) "
                    "makes W"
                    + (
                        "; with user selection, the same layer for the network's powers and for "
                        "the K allocations that leave one user out, keeping the largest "
                        "closed-form sum rate (K + 1 solves)"
                        if m.user_selection
                        else ""
                    )
                    + ". Self-supervised on the closed-form sum rate (eq. 6)"
                ),
            )
        else:
            kind, what = (
                "CNN+FC precoder",
                (
                    "Compressed site-specific DNN precoder of Kasalaee et al. (3x3 convolution "
                    "and three fully connected layers, self-supervised on the closed-form sum "
                    "rate, eq. 6)"
                ),
            )
        return [
            f"# {kind}: M={c.data.antennas}, K={c.data.users}, "
            f"C={m.conv_channels}, D={m.fc_dim}, weight bits {_bits_label(m.weight_bits)}", "",
            f"{what}; {how}.", "",
        ]  # fmt: skip

    def card_data(self) -> list[str]:
        """Markdown lines that say what the model was trained and tested on (and, once tested,
        its sum rate as a fraction of ZF's and WMMSE's)."""
        d = self.config.data
        lines = [
            f"- Data: {d.train_channels} training, {d.val_channels} validation and "
            f"{d.test_channels} test channels ({d.channel}), seeds "
            f"{d.train_seed}/{d.val_seed}/{d.test_seed}; training SNR {d.snr_db:g} dB.",
        ]
        if self.last_test is not None:
            snrs = self.last_test["snr_db"]
            dnn = next(r for r in self.last_test["results"] if r["precoder"] == "dnn")
            at = snrs.index(d.snr_db)
            lines.append(
                f"- At the training SNR the network reaches {dnn['fraction_of_zf'][at]:.1%} of "
                f"ZF's, {dnn['fraction_of_rzf_eq'][at]:.1%} of RZF's with equal power per user "
                f"and {dnn['fraction_of_wmmse'][at]:.1%} of the strongest WMMSE's sum rate "
                "(four starts, best end per channel)."
            )
        return lines
