"""``PrecoderEntry``: what the registry knows of one precoder (its name, kind, the DAC resolutions
it takes, what it needs of the problem)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._validation import check_bits
from ..results import bits_json

__all__ = ["PrecoderEntry"]


@dataclass(frozen=True)
class PrecoderEntry:
    """One precoder the registry can build.

    Attributes:
        name: the name it is built by.
        kind: ``linear``, ``hybrid``, ``non-linear`` or ``learned``.
        description: one line.
        bits: the DAC resolutions it takes, e.g. ``(1, ..., 8, None)`` (``None``: unquantized);
            a learned model has exactly one, its own.
        needs: conditions on the problem, in words (``K <= M``, ...).
        snr_dependent: designed per SNR point.
        equivariant: claims antenna-permutation equivariance and user-permutation invariance.
        aliases: other names.
        trained_on: for a learned model, the settings it was trained with (M, K, channel, SNR).
    """

    name: str
    kind: str
    description: str
    bits: tuple[int | None, ...]
    needs: tuple[str, ...] = ()
    snr_dependent: bool = False
    equivariant: bool = True
    aliases: tuple[str, ...] = ()
    trained_on: dict[str, Any] = field(default_factory=dict)

    def check_bits(self, bits: int | None) -> None:
        """Raise ``ValueError`` unless ``bits`` is one this precoder takes."""
        check_bits(bits)
        if bits not in self.bits:
            allowed = ", ".join(str(bits_json(b)) for b in self.bits)
            raise ValueError(f"{self.name} takes bits in {{{allowed}}}, got {bits_json(bits)}")

    def outside_training(
        self, antennas: int, users: int, snrs_db: Sequence[float], channel: str | None = None
    ) -> list[str]:
        """What of ``(M, K, SNR points, channel)`` differs from the settings a learned model was
        trained at (``trained_on``), in words; empty for a classical precoder or a match.
        ``channel`` is a channel model's name or a channel file's path."""
        known = self.trained_on
        notes = [
            f"{what}={value} (trained at {known[key]})"
            for key, what, value in (("antennas", "M", antennas), ("users", "K", users))
            if isinstance(known.get(key), int) and known[key] != value
        ]
        trained_snr = known.get("snr_db")
        if isinstance(trained_snr, (int, float)):
            other = [x for x in snrs_db if x != trained_snr]
            if other:
                notes.append(
                    f"SNR {', '.join(f'{x:g}' for x in other)} dB (trained at {trained_snr:g} dB)"
                )
        trained_channel = known.get("channel")
        if (
            channel is not None
            and isinstance(trained_channel, str)
            and not _same_channel(trained_channel, channel)
        ):
            notes.append(f"channel {channel} (trained on {trained_channel})")
        return notes

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (bits as integers or ``"inf"``)."""
        return {
            "name": self.name, "kind": self.kind, "description": self.description,
            "bits": [bits_json(b) for b in self.bits], "needs": list(self.needs),
            "snr_dependent": self.snr_dependent, "equivariant": self.equivariant,
            "aliases": list(self.aliases), "trained_on": self.trained_on,
        }  # fmt: skip


def _same_channel(trained: str, used: str) -> bool:
    """A channel model by name, or a file (``file:PATH`` in ``trained_on``) by its file name."""
    if trained.startswith("file:"):
        return Path(trained.removeprefix("file:")).name == Path(used).name
    return trained == used
