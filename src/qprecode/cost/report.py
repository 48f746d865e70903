"""Records and curves of the GNN-vs-baseline power budget (Sect. VII of Feys et al.), as
``qprecode power`` saves them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..precoders import local_search_flops
from .budget import PowerComparison, compare_power
from .classical import classical_flops

__all__ = ["power_curves", "power_panels", "power_records"]


# A precoder of the power analysis: a GNN architecture ``(d_h, N_h)`` or ``"local-search"``.
Design = tuple[int, int] | str
LOCAL_SEARCH = "local-search"
SYMBOLS_PER_CHANNEL = 125  # vectors over which a channel's design cost is spread


def _comparison(design: Design, dac: str, antennas: int, users: int, gnn_bits: int,
                baseline_bits: int, **options: Any) -> tuple[str, PowerComparison]:  # fmt: skip
    """``(label, comparison)`` of a GNN architecture or the local search (3 sweeps, automatic
    gain, on the GNN's DAC alphabet: the FLOPs its kernel counts per vector,
    ``precoders.local_search_flops``, and its per-channel design spread over
    ``SYMBOLS_PER_CHANNEL`` vectors)."""
    if design == LOCAL_SEARCH:  # the FLOPs its kernel counts, plus the ZF design spread out
        kernel = local_search_flops(antennas, users, levels=2**gnn_bits)
        design_flops = classical_flops(LOCAL_SEARCH, antennas, users).per_channel.total
        flops = max(1, round(kernel.total + design_flops / SYMBOLS_PER_CHANNEL))
        c = compare_power(antennas, users, 0, 0, gnn_bits, baseline_bits, dac,
                          flops_per_vector=flops, **options)  # fmt: skip
        return "local search", c
    if not isinstance(design, tuple):
        raise ValueError(f"unknown precoder design {design!r}: (d_h, N_h) or {LOCAL_SEARCH!r}")
    d_h, n_h = design
    c = compare_power(antennas, users, d_h, n_h, gnn_bits, baseline_bits, dac, **options)
    return f"GNN d_h={d_h}, N_h={n_h}", c


def power_records(
    architectures: Sequence[Design],
    antennas: int = 32,
    users: int = 1,
    gnn_bits: int = 1,
    baseline_bits: int = 3,
    reduction_bandwidth_hz: float = 1e6,
    **options: Any,
) -> list[dict[str, Any]]:
    """One record per (precoder: an architecture ``(d_h, N_h)`` or ``"local-search"``, DAC type):
    ``precoder``, ``hidden_dim``, ``hidden_layers`` (0 for the local search), ``dac``, ..., FLOPs
    per vector, crossover and accelerator-limited bandwidths [Hz], and the power reductions at
    ``reduction_bandwidth_hz`` and at the accelerator limit. ``options`` go to
    ``compare_power``."""
    records = []
    for design in architectures:
        for dac in ("baseband", "rf"):
            label, c = _comparison(design, dac, antennas, users, gnn_bits, baseline_bits,
                                   **options)  # fmt: skip
            records.append({
                "precoder": label, "hidden_dim": c.hidden_dim, "hidden_layers": c.hidden_layers,
                "dac": dac, "antennas": antennas,
                "users": users, "gnn_bits": gnn_bits, "baseline_bits": baseline_bits,
                "flops_per_vector": c.flops_per_vector,
                "crossover_bandwidth_hz": c.crossover_bandwidth_hz,
                "max_bandwidth_hz": c.max_bandwidth_hz,
                "power_reduction": {
                    "bandwidth_hz": reduction_bandwidth_hz,
                    **c.reduction(reduction_bandwidth_hz),
                    "at_max_bandwidth": c.reduction(c.max_bandwidth_hz),
                },
            })  # fmt: skip
    return records


def power_curves(comparison: PowerComparison, bandwidths_hz: np.ndarray) -> dict[str, list]:
    """Baseline DACs, GNN DACs, GNN processing and GNN total power [W] over ``bandwidths_hz``."""
    return {
        "bandwidth_hz": bandwidths_hz.tolist(),
        "baseline_dacs_w": [comparison.baseline_dac_power(b) for b in bandwidths_hz],
        "gnn_dacs_w": [comparison.gnn_dac_power(b) for b in bandwidths_hz],
        "gnn_processing_w": [comparison.gnn_power(b) for b in bandwidths_hz],
        "gnn_total_w": [comparison.gnn_total_power(b) for b in bandwidths_hz],
    }


def power_panels(
    architectures: Sequence[Design],
    dac_types: tuple[str, ...] = ("baseband", "rf"),
    antennas: int = 32,
    users: int = 1,
    gnn_bits: int = 1,
    baseline_bits: int = 3,
    baseline: str = "baseline",
    bandwidths_hz: np.ndarray | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """The curves of every (DAC type, precoder) with their labels, as ``plot_power`` takes
    them (bandwidths from 10 kHz to 1 GHz by default)."""
    bandwidths = np.logspace(4, 9, 200) if bandwidths_hz is None else bandwidths_hz
    panels = []
    for dac in dac_types:
        for design in architectures:
            label, c = _comparison(design, dac, antennas, users, gnn_bits, baseline_bits,
                                   **options)  # fmt: skip
            panels.append({
                **power_curves(c, bandwidths), "dac": dac, "label": label,
                "baseline_label": f"{baseline} DACs ({baseline_bits} bits)",
                "gnn_dac_label": f"few-bit DACs ({gnn_bits} bit)",
                "max_bandwidth_hz": c.max_bandwidth_hz,
            })  # fmt: skip
    return panels
