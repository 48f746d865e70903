"""Records and curves of the GNN-vs-baseline power budget (Sect. VII of Feys et al.), as
``qprecode power`` saves them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .budget import PowerComparison, compare_power

__all__ = ["power_curves", "power_panels", "power_records"]


def power_records(
    architectures: list[tuple[int, int]],
    antennas: int = 32,
    users: int = 1,
    gnn_bits: int = 1,
    baseline_bits: int = 3,
    reduction_bandwidth_hz: float = 1e6,
    **options: Any,
) -> list[dict[str, Any]]:
    """One record per (architecture ``(d_h, N_h)``, DAC type): ``hidden_dim``,
    ``hidden_layers``, ``dac``, ..., FLOPs per vector, crossover and accelerator-limited
    bandwidths [Hz], and the power reductions at ``reduction_bandwidth_hz`` and at the
    accelerator limit. ``options`` go to ``compare_power``."""
    records = []
    for d_h, n_h in architectures:
        for dac in ("baseband", "rf"):
            c = compare_power(antennas, users, d_h, n_h, gnn_bits, baseline_bits, dac, **options)
            records.append({
                "hidden_dim": d_h, "hidden_layers": n_h, "dac": dac, "antennas": antennas,
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
    architectures: list[tuple[int, int]],
    dac_types: tuple[str, ...] = ("baseband", "rf"),
    antennas: int = 32,
    users: int = 1,
    gnn_bits: int = 1,
    baseline_bits: int = 3,
    baseline: str = "baseline",
    bandwidths_hz: np.ndarray | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """The curves of every (DAC type, architecture) with their labels, as ``plot_power`` takes
    them (bandwidths from 10 kHz to 1 GHz by default)."""
    bandwidths = np.logspace(4, 9, 200) if bandwidths_hz is None else bandwidths_hz
    panels = []
    for dac in dac_types:
        for d_h, n_h in architectures:
            c = compare_power(antennas, users, d_h, n_h, gnn_bits, baseline_bits, dac, **options)
            panels.append({
                **power_curves(c, bandwidths), "dac": dac, "label": f"GNN d_h={d_h}, N_h={n_h}",
                "baseline_label": f"{baseline} DACs ({baseline_bits} bits)",
                "gnn_dac_label": f"GNN DACs ({gnn_bits} bit)",
                "max_bandwidth_hz": c.max_bandwidth_hz,
            })  # fmt: skip
    return panels
