"""NMSE of the received symbols on noiseless channels (Table I of Feys et al.).

Receiver scaling: user ``k`` knows its effective Bussgang gain ``a_kk = h_k^T g_k`` (LS estimate
over the ``N_s`` symbol vectors of the channel) and estimates ``s_hat_k = r_k / a_kk`` from the
noiseless ``r = H^T y``. The NMSE is pooled: the error energy summed over all channels, symbols
and users over the symbol energy summed the same way, ``sum |s - s_hat|^2 / sum |s|^2``.
With this scaling, ``s_hat_k - s_k`` is interference plus distortion over ``a_kk``, so for one
user the NMSE is the inverse signal-to-distortion ratio.
"""

from __future__ import annotations

import torch

from .snidr import SNIDRTerms, snidr_terms

__all__ = ["nmse", "nmse_terms", "received_estimates"]


def received_estimates(
    H: torch.Tensor, y: torch.Tensor, s: torch.Tensor, terms: SNIDRTerms | None = None
) -> torch.Tensor:
    """``s_hat = (H^T y)_k / a_kk`` for every symbol vector.

    H: ``[..., M, K]``, y: ``[..., N_s, M]`` (power-normalised), s: ``[..., N_s, K]`` ->
    ``s_hat: [..., N_s, K]`` complex. ``terms`` may pass ``snidr_terms(H, y, s)`` if already
    computed.
    """
    if terms is None:
        terms = snidr_terms(H, y, s)
    a = torch.diagonal(terms.gain, dim1=-2, dim2=-1)  # [..., K]
    return (y @ H) / a.unsqueeze(-2)


def nmse_terms(
    H: torch.Tensor, y: torch.Tensor, s: torch.Tensor, terms: SNIDRTerms | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel error energy ``sum |s - s_hat|^2`` and symbol energy ``sum |s|^2``, both
    ``[...]`` real, to be pooled over channels by the caller."""
    err = (s - received_estimates(H, y, s, terms)).abs() ** 2
    return err.sum(dim=(-2, -1)), (s.abs() ** 2).sum(dim=(-2, -1))


def nmse(H: torch.Tensor, y: torch.Tensor, s: torch.Tensor) -> float:
    """Pooled NMSE (linear scale) over every channel, symbol vector and user."""
    err, energy = nmse_terms(H, y, s)
    return float(err.sum() / energy.sum())
