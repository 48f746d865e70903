"""The configuration of the Feys et al. reproduction: Monte-Carlo sizes and the seed, passed
explicitly to every experiment; named presets build it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

__all__ = ["PRESETS", "PRESET_ALIASES", "ReproduceConfig"]


@dataclass(frozen=True)
class ReproduceConfig:
    """Sizes and seed of a reproduction run.

    Attributes:
        preset: the name of the preset it came from (a label; ``custom`` if built by hand).
        channels: channel realisations per rate curve (Figs. 7a, 7b, 11).
        symbols: ``N_s``, symbol vectors per channel realisation in every rate and NMSE figure.
        radiation_symbols: symbol vectors of a radiation pattern (Figs. 3, 4, 8, 9).
        table_channels: channel realisations of the NMSE numbers (Table I, Fig. 10).
        seed: base seed; every experiment draws its channels and symbols from ``seed`` plus a
            fixed offset of its own, so ``seed=0`` gives the channels of the reports made before
            the seed was an option.
    """

    preset: str
    channels: int
    symbols: int
    radiation_symbols: int
    table_channels: int
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("channels", "symbols", "radiation_symbols", "table_channels"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")

    @classmethod
    def from_preset(cls, name: str, seed: int = 0) -> ReproduceConfig:
        """The preset ``name`` (one of ``PRESETS``, or ``full`` for ``paper`` as ``compare``
        names its largest preset) with ``seed``."""
        name = PRESET_ALIASES.get(name, name)
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
        return replace(PRESETS[name], seed=seed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)

    def describe(self) -> str:
        """One line for reports: sizes and seed."""
        return (
            f"preset `{self.preset}`: {self.channels} channels x {self.symbols} symbols per rate "
            f"point, {self.table_channels} channels for NMSE, {self.radiation_symbols} symbols "
            f"per radiation pattern, seed {self.seed}"
        )


PRESETS: dict[str, ReproduceConfig] = {
    # seconds on 2 CPU cores: every experiment runs, Monte-Carlo error is visible (tests, smoke)
    "tiny": ReproduceConfig("tiny", channels=48, symbols=125, radiation_symbols=500,
                            table_channels=300),
    # a few minutes on 2 CPU cores
    "quick": ReproduceConfig("quick", channels=1000, symbols=125, radiation_symbols=4000,
                             table_channels=2000),
    # the paper's 10,000 test channels
    "paper": ReproduceConfig("paper", channels=10_000, symbols=125, radiation_symbols=20_000,
                             table_channels=10_000),
}  # fmt: skip
# Names shared with `qprecode compare`'s presets (quick, full).
PRESET_ALIASES = {"full": "paper"}
