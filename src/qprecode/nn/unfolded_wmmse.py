"""A deep-unfolded WMMSE network: a few WMMSE iterations as layers, each with a learned
regularisation and a learned step (the learned reference of the precoding literature: Hu et al.
2021, Pellaco et al. 2019, Schynol and Pesavento's GCN-WMMSE; the baseline "GCN-WMMSE" of Zhang
et al., Figs. 4-7 and Tables I-II).

With ``r = H^T y + v`` (``h_u = H[:, u]``; the papers' ``h_u^H`` is our ``h_u^T``),
``E = H^T V`` (``E_uj = h_u^T v_j``) and ``J_u = sum_j |E_uj|^2 + sigma^2``, layer ``t`` is one
WMMSE step (Shi et al. 2011; ``precoders.wmmse_step``) with the power multiplier's search
replaced by a closed form with a learned scale:

1. receivers ``g_u = E_uu / J_u`` and MSE weights ``omega_u = J_u / (J_u - |E_uu|^2) = 1 +
   SINR_u``; ``c_u = omega_u |g_u|^2``;
2. ``lambda_t = exp(theta_t) (sigma^2 / P) sum_u c_u`` (``theta_t = 0`` is the regularisation
   that makes the step the MMSE precoder of the weighted problem, the closed form of Christensen
   et al. 2008);
3. ``V~ = H^* (C G + lambda_t I)^{-1} diag(omega g)`` with ``C = diag(c)``, ``G = H^T H^*``
   (``[K, K]``: the matrix inversion lemma turns WMMSE's ``(H^* C H^T + lambda I)^{-1} H^*``,
   ``[M, M]``, into a ``K x K`` solve), scaled to ``||V~||_F^2 = P``;
4. ``V <- V + eta_t (V~ - V)``, scaled to ``||V||_F^2 = P`` (``eta_t = 1`` is plain WMMSE).

The start is MRT, ``V^(0) = sqrt(P) H^* / ||H||_F``. The learned parameters are ``theta_t`` and
``eta_t`` per layer (``2 L`` numbers); ``sigma^2 = P / SNR`` at the design SNR ``snr_db``. Every
operation is a sum over antennas or a matrix in the user space, so the network is permutation
equivariant in antennas and users (eq. 5 of Zhang et al.) and runs at any ``M`` and ``K``;
padded batches run through ``GraphMasks`` (padded users get ``g = 0`` and a zero column).

Operations per layer: ``O(M K^2 + K^3)`` complex multiply-adds.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from .._validation import complex_dtype
from .graph_batch import GraphMasks, check_graph_channel, mask_edges, target_power

__all__ = ["UnfoldedWMMSE", "unfolded_wmmse_step"]


def _scale_to(V: torch.Tensor, power: torch.Tensor) -> torch.Tensor:
    """``V: [B, M, K]`` scaled to ``||V_b||_F^2 = power_b``."""
    energy = (V.abs() ** 2).sum(dim=(-2, -1))
    return V * torch.sqrt(power / energy.clamp_min(torch.finfo(energy.dtype).tiny))[:, None, None]


def unfolded_wmmse_step(
    H: torch.Tensor,
    V: torch.Tensor,
    noise_var: torch.Tensor,
    power: torch.Tensor,
    reg_scale: torch.Tensor,
    gram: torch.Tensor | None = None,
) -> torch.Tensor:
    """Steps 1-3 of the module docstring: the WMMSE transmit update from ``V``.

    Args:
        H: ``[B, M, K]`` complex channel (zero where padded).
        V: ``[B, M, K]`` complex current precoder.
        noise_var: ``sigma_b^2: [B]`` real. power: ``P_b: [B]`` real.
        reg_scale: ``exp(theta)``, a real scalar tensor.
        gram: ``H^T H^*: [B, K, K]`` if already computed.

    Returns:
        ``V~: [B, M, K]`` complex with ``||V~_b||_F^2 = P_b``.
    """
    E = H.mT @ V  # [B, K, K], E[u, j] = h_u^T v_j
    e = torch.diagonal(E, dim1=-2, dim2=-1)  # [B, K]
    J = (E.abs() ** 2).sum(dim=-1) + noise_var[:, None]  # [B, K]
    g = e / J  # MMSE receivers
    omega = J / (J - e.abs() ** 2)  # 1 + SINR_u
    c = omega * g.abs() ** 2  # [B, K], zero for a padded user
    lam = reg_scale * noise_var / power * c.sum(dim=-1)  # [B]
    G = H.mT @ H.conj() if gram is None else gram  # [B, K, K]
    K = H.shape[-1]
    eye = torch.eye(K, dtype=H.dtype, device=H.device)
    system = c.to(H.dtype)[..., :, None] * G + lam.to(H.dtype)[:, None, None] * eye
    X = torch.linalg.solve(system, torch.diag_embed(omega.to(H.dtype) * g))  # [B, K, K]
    return _scale_to(H.conj() @ X, power)


class UnfoldedWMMSE(nn.Module):
    """Deep-unfolded WMMSE, ``H: [B, M, K]`` -> ``V: [B, M, K]`` with ``||V_b||_F^2 = P_b``.

    Args:
        layers: unfolded WMMSE iterations ``L``.
        snr_db: design SNR ``P / sigma^2`` in dB (the noise the receivers and weights assume).
        total_power: ``P``; ``None`` means ``P_b = M_b`` (unit power per antenna).

    Shapes:
        ``forward(H, masks=None)``: ``H: [B, M, K]`` complex, optional ``GraphMasks`` of a padded
        batch -> ``V: [B, M, K]`` complex in ``H``'s dtype (zero where padded).
    """

    def __init__(
        self, layers: int = 4, snr_db: float = 10.0, total_power: float | None = None
    ) -> None:
        super().__init__()
        if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
            raise ValueError(f"layers must be an integer >= 1, got {layers!r}")
        if not math.isfinite(snr_db):
            raise ValueError(f"snr_db must be finite, got {snr_db}")
        if total_power is not None and not (total_power > 0 and math.isfinite(total_power)):
            raise ValueError(f"total_power must be positive, got {total_power}")
        self.layers = layers
        self.snr_db = float(snr_db)
        self.total_power = total_power
        self.log_reg = nn.Parameter(torch.zeros(layers))  # theta_t
        self.step = nn.Parameter(torch.ones(layers))  # eta_t
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Plain WMMSE steps with the MMSE regularisation (``theta = 0``, ``eta = 1``)."""
        with torch.no_grad():
            self.log_reg.zero_()
            self.step.fill_(1.0)

    def forward(self, H: torch.Tensor, masks: GraphMasks | None = None) -> torch.Tensor:
        check_graph_channel(H)
        masks = GraphMasks.full(H) if masks is None else masks
        real = self.step.dtype
        Hc = mask_edges(H.to(complex_dtype(real)), masks)
        power = target_power(masks, self.total_power, real)  # [B]
        noise_var = power / 10.0 ** (self.snr_db / 10.0)
        gram = Hc.mT @ Hc.conj()
        V = _scale_to(Hc.conj(), power)  # MRT start
        for t in range(self.layers):
            update = unfolded_wmmse_step(Hc, V, noise_var, power, self.log_reg[t].exp(), gram)
            V = _scale_to(V + self.step[t] * (update - V), power)
        return mask_edges(V, masks).to(H.dtype)

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this model (``nn.serialization``)."""
        return {"layers": self.layers, "snr_db": self.snr_db, "total_power": self.total_power}

    def extra_repr(self) -> str:
        return f"layers={self.layers}, snr_db={self.snr_db:g}"
