"""Notes that say how to read an evaluation's table: what its rates bound, which users got no
signal, why an NMSE lies above 0 dB, and what a learned model used outside its training gives
against a classical reference on the same channels. Pure functions of the result records (as
``records`` writes them) and of the channels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from ..metrics import MODULATIONS

__all__ = [
    "channel_conditioning",
    "expectation_notes",
    "nmse_note",
    "rate_bound_note",
    "zero_gain_notes",
]


def _resolution(bits: Any) -> str:
    return "unquantized" if bits in (None, "inf") else f"{bits}-bit"


def rate_bound_note(records: Sequence[dict[str, Any]], modulation: str, users: int) -> str | None:
    """With a constellation, the reported rates are still ``log2(1 + SNIDR)`` (eq. 9), the rate
    of Gaussian signalling at that SNIDR, which a constellation of ``b`` bits per symbol cannot
    exceed past ``K b``; say so, and how many points lie above that ceiling. ``None`` for
    Gaussian symbols."""
    bits = MODULATIONS.get(modulation, 0)
    if not bits:
        return None
    ceiling = users * bits
    above = [r for r in records if r["sum_rate"] > ceiling]
    text = (
        f"the sum rates are log2(1 + SNIDR) (eq. 9), the bound of Gaussian signalling at the "
        f"measured SNIDR, not a rate {modulation} reaches: {modulation} carries at most {bits} "
        f"bits per user, {ceiling} bits/c.u. for K={users}"
    )
    if above:
        worst = max(above, key=lambda r: r["sum_rate"])
        text += (
            f"; {len(above)} of {len(records)} points lie above that ceiling (up to "
            f"{worst['sum_rate']:.1f}, {worst['precoder']} at {worst['snr_db']:g} dB); the "
            "uncoded BER (--metric ber) is the constellation's own measure"
        )
    return text


def zero_gain_notes(records: Sequence[dict[str, Any]], channels: int, users: int) -> list[str]:
    """One line per precoder and resolution that left some user without signal (its Bussgang
    gain zero): that user's rate is 0 and the NMSE is infinite."""
    seen: dict[tuple[str, Any], int] = {}
    for r in records:
        count = int(r.get("zero_gain_users", 0))
        key = (r["precoder"], r["bits"])
        seen[key] = max(seen.get(key, 0), count)
    return [
        f"{name} {_resolution(bits)} gives {count} of {channels * users} (channel, user) pairs "
        "no signal (Bussgang gain 0): those users' rate is 0 and the NMSE is +inf"
        for (name, bits), count in seen.items()
        if count
    ]


def channel_conditioning(H: torch.Tensor) -> dict[str, float]:
    """Medians over channels ``H: [N, M, K]`` of the users' gain spread (strongest over weakest
    ``||h_k||^2``, dB) and of the condition number (largest over smallest singular value, dB)."""
    gains = (H.abs() ** 2).sum(dim=-2).double()  # [N, K]
    spread = 10 * torch.log10(gains.amax(dim=-1) / gains.amin(dim=-1))
    values = torch.linalg.svdvals(H.to(torch.complex128))  # [N, min(M, K)]
    condition = 20 * torch.log10(values[:, 0] / values[:, -1])
    return {
        "gain_spread_db": float(spread.median()),
        "condition_db": float(condition.median()),
    }


def nmse_note(
    records: Sequence[dict[str, Any]],
    conditioning: dict[str, float],
    reference: dict[str, float] | None = None,
) -> str | None:
    """Explain NMSE values above 0 dB (error energy above the symbols'): each user's estimate is
    scaled by its own gain, so on channels with a wide gain spread or ill-conditioned ones the
    interference and distortion reaching the weakest user dominate. ``reference``: the same
    statistics of i.i.d. Rayleigh channels of the same size, for scale. ``None`` when every
    finite NMSE is below 0 dB."""
    worst: dict[tuple[str, Any], tuple[float, float]] = {}  # (NMSE, the SNR it is at)
    for r in records:
        value = r["nmse_db"]
        if value is not None and math.isfinite(value) and value > 0:
            key = (r["precoder"], r["bits"])
            if key not in worst or value > worst[key][0]:
                worst[key] = (value, r["snr_db"])
    if not worst:
        return None
    listed = ", ".join(
        f"{name} {bits}-bit {value:+.1f} dB at {snr:g} dB SNR"
        for (name, bits), (value, snr) in worst.items()
    )
    return (
        f"NMSE above 0 dB ({listed}): the received error outweighs the symbols. On these "
        f"channels the users' gains differ by {conditioning['gain_spread_db']:.1f} dB and the "
        f"condition number is {conditioning['condition_db']:.1f} dB (medians over channels"
        + (
            ""
            if reference is None
            else f"; i.i.d. Rayleigh of the same size: {reference['gain_spread_db']:.1f} and "
            f"{reference['condition_db']:.1f} dB"
        )
        + "). Each user's estimate is divided by its own Bussgang gain, so the interference and "
        "DAC distortion reaching the weakest user dominate the pooled NMSE; compare precoders "
        "here by the sum rate"
    )


def expectation_notes(
    name: str,
    model: Sequence[dict[str, Any]],
    reference: Sequence[dict[str, Any]],
    reference_label: str,
) -> list[str]:
    """What a learned model ``name`` used outside its training gives here: its sum rate against
    a classical ``reference`` (records at the same SNR points, on the same channels and
    symbols), worded as the comparison a user can act on."""
    ref = {r["snr_db"]: r["sum_rate"] for r in reference}
    below = [(r["snr_db"], r["sum_rate"], ref[r["snr_db"]]) for r in model
             if r["snr_db"] in ref and r["sum_rate"] < ref[r["snr_db"]]]  # fmt: skip
    points = len([r for r in model if r["snr_db"] in ref])
    if not below:
        return [
            f"{name} stays at or above {reference_label} at every SNR point here, on the same "
            "channels"
        ]
    snr, rate, other = max(below, key=lambda b: b[2] - b[1])
    where = ", ".join(f"{x:g}" for x, _, _ in below)
    return [
        f"{name} is below {reference_label} here at {len(below)} of {points} SNR points "
        f"({where} dB; at {snr:g} dB {rate:.2f} against {other:.2f} bits/c.u. on the same "
        f"channels): expect {reference_label} to serve better in this setting"
    ]
