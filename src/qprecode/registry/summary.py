"""What one saved model is, how it was trained and what it reached, in one line, from the JSON
beside its weights (``config``, ``trained_on``, ``training``, ``test``: what its model card is
written from). The architecture's row of ``nn.LEARNED_KINDS`` says what kind of model it is;
this line tells one model of a kind from another (``gnn:k1-b1`` from ``gnn:k1-b1-cpu``).

Every part is optional: a saved model without a test, a recipe or a card gets an empty line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["model_summary", "reached", "recipe", "setting"]


def _number(x: float) -> str:
    """``1e-4``, ``0.005``, ``128``: a short form of a hyperparameter."""
    return f"{x:g}"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _percent(fraction: float) -> str:
    """``99.6 %``; two decimals where one would round a fraction below 1 up to ``100.0 %``."""
    text = f"{100 * fraction:.1f}"
    if fraction < 1 and text == "100.0":
        text = f"{100 * fraction:.2f}"
    return f"{text} %"


def _hardware(training: Mapping[str, Any]) -> str:
    """``one NVIDIA H200 GPU`` or ``2 CPUs``: the part of the card's hardware that ran the steps."""
    hardware = str(training.get("hardware") or "")
    if not hardware:
        return str(training.get("device") or "")
    if training.get("device") == "cuda" or "GPU" in hardware.split(";")[0]:
        gpu = hardware.split(";")[0].strip()
        processes = int(training.get("processes") or 1)
        return f"{'one' if processes == 1 else processes} {gpu}"
    return hardware.split(",")[-1].strip()  # "AMD EPYC, 2 CPUs" -> "2 CPUs"


def setting(info: Mapping[str, Any], sizes: bool = True) -> str:
    """The problem it was trained on: DAC bits (a model that picks DAC levels), ``M``, ``K``
    (unless ``sizes`` is false), channel, SNR and CSI error, e.g. ``1-bit DACs, M=32, K=1,
    rayleigh at 20 dB``."""
    hyper = info.get("hyperparameters", {})
    trained = info.get("trained_on", {})
    data = info.get("config", {}).get("data", {})
    words = []
    if isinstance(hyper.get("bits"), int):
        words.append(f"{hyper['bits']}-bit DACs")
    if sizes and "antennas" in trained and "users" in trained:
        words.append(f"M={trained['antennas']}, K={trained['users']}")
    if "channel" in trained:
        channel = str(trained["channel"]).removeprefix("file:")
        snr = trained.get("snr_db")
        words.append(channel + (f" at {_number(float(snr))} dB" if snr is not None else ""))
    if data.get("csi_error_db") is not None:
        words.append(f"on channel estimates with error NMSE {_number(data['csi_error_db'])} dB")
    return ", ".join(words)


def recipe(info: Mapping[str, Any]) -> str:
    """How it was trained: steps and batch, learning rate, what the loss did (distillation,
    Gumbel noise, Bussgang gain estimate), its start, the hardware and the time."""
    config = info.get("config", {})
    optim, loss, loop = config.get("optim", {}), config.get("loss") or {}, config.get("loop", {})
    training = info.get("training", {})
    words = []
    if loop.get("init_from"):
        words.append(f"fine-tuned from {Path(str(loop['init_from'])).name}")
    steps = training.get("steps")
    if training.get("stopped_at"):
        done, _, planned = str(training["stopped_at"]).partition(" of ")
        if done.isdigit() and planned.isdigit():
            words.append(f"stopped at step {int(done):,} of {int(planned):,}")
        else:
            words.append(f"stopped at {training['stopped_at']}")
    elif steps:
        words.append(f"{int(steps):,} steps")
    if optim.get("batch_size"):
        batch = f"batch {optim['batch_size']}"
        if optim.get("micro_batch"):
            batch += f" in micro-batches of {optim['micro_batch']}"
        words.append(batch)
    if optim.get("lr") is not None:
        schedule = optim.get("lr_schedule") or "constant"
        words.append(f"lr {_number(float(optim['lr']))}" + (f" {schedule}" if schedule != "constant"
                                                              else ""))  # fmt: skip
    if loss.get("distill_steps"):
        words.append(f"distilled from the local search for {int(loss['distill_steps']):,} steps")
    if loss.get("gumbel_scale_initial") == 0 and loss.get("gumbel_scale_final") == 0:
        words.append("straight-through argmax (no Gumbel noise)")
    if loss.get("gain_estimate") == "ls":
        words.append("LS Bussgang gain in the loss")
    where = [f"{earlier['hardware'].split(';')[0]} (steps {earlier['steps']})"
             for earlier in training.get("earlier_hardware", [])
             if isinstance(earlier, Mapping) and "hardware" in earlier]  # fmt: skip
    here = _hardware(training)
    if here:
        took = training.get("seconds")
        where.append(here + (f", {_duration(float(took))}" if took else ""))
    if where:
        words.append("on " + ", then ".join(where))
    return ", ".join(words)


def _at(values: Sequence[Any], snrs: Sequence[float], snr: float) -> Any:
    return values[list(snrs).index(snr)] if snr in snrs else values[-1]


def reached(info: Mapping[str, Any]) -> str:
    """What its test gave (the card's test table): the model's sum rate at its training SNR next
    to the references tested with it, and its NMSE; or its fraction of the reference."""
    test = info.get("test")
    if not isinstance(test, Mapping) or not test.get("results"):
        return ""
    results = [r for r in test["results"] if isinstance(r, Mapping)]
    if not results:
        return ""
    own, others = results[0], results[1:]
    if "fraction_of_baseline" in own:  # a closed-form test against one reference
        baseline = str(test.get("baseline", "the reference")).upper()
        return f"test: {_percent(float(own['fraction_of_baseline']))} of {baseline}"
    snr_points = own.get("snr_db", test.get("snr_db"))
    if "sum_rate" not in own or not isinstance(snr_points, list):
        return ""
    snrs = [float(x) for x in snr_points]
    trained = info.get("trained_on", {}).get("snr_db")
    snr = float(trained) if trained is not None and float(trained) in snrs else snrs[-1]
    text = f"test at {_number(snr)} dB: {float(_at(own['sum_rate'], snrs, snr)):.2f} bit/c.u."
    quantized = [r for r in others if isinstance(r.get("bits"), int) and "sum_rate" in r]
    if quantized:
        names = {str(r["precoder"]).upper() for r in quantized}
        rates = "/".join(f"{float(_at(r['sum_rate'], snrs, snr)):.2f}" for r in quantized)
        bits = "/".join(str(r["bits"]) for r in quantized)
        text += f" against {rates} for {bits}-bit {'/'.join(sorted(names))}"
    fractions = [key for key in own if key.startswith("fraction_of_")]
    if fractions:
        key = "fraction_of_wmmse" if "fraction_of_wmmse" in fractions else fractions[0]
        reference = key.removeprefix("fraction_of_").replace("_", "-").upper()
        text += f", {_percent(float(_at(own[key], snrs, snr)))} of {reference}"
    nmse = own.get("nmse_db")
    if isinstance(nmse, list) and nmse and _at(nmse, snrs, snr) is not None:
        text += f", NMSE {float(_at(nmse, snrs, snr)):.1f} dB"
    return text


def model_summary(info: Mapping[str, Any], said: str = "") -> str:
    """``setting; recipe; reached`` of a saved model's JSON, the parts it has; the sizes are left
    out when ``said`` (what the architecture's row says of it) names them already."""
    users = info.get("trained_on", {}).get("users")
    sizes = users is None or f"K={users}" not in said
    parts = (setting(info, sizes), recipe(info), reached(info))
    return "; ".join(part for part in parts if part)
