"""Gradient estimators through the choice of DAC levels (Sect. IV-B of Feys et al.).

Each turns logits ``a: [..., L]`` into weights ``[..., L]`` over the levels; the DAC output is
``weights @ levels``:

* ``"st-gumbel"`` (the paper's choice): straight-through Gumbel-softmax. Forward: the one-hot
  Gumbel-max sample ``argmax(a + g)`` (eq. 20), a discrete level. Backward: the gradient of the
  Gumbel-softmax ``softmax((a + g) / tau)`` (eq. 21).
* ``"st-softmax"``: straight-through softmax without noise. Forward ``argmax(a)``, backward
  ``softmax(a / tau)``. The paper reports it gets stuck in greedy solutions.
* ``"gumbel-softmax"``: the soft Gumbel-softmax sample itself, with no straight-through. The
  outputs are then not on the DAC alphabet during training, which undoes the quantization.
"""

from __future__ import annotations

import torch

__all__ = ["ESTIMATORS", "level_weights", "sample_gumbel"]

ESTIMATORS = ("st-gumbel", "st-softmax", "gumbel-softmax")


def sample_gumbel(
    shape: torch.Size | tuple[int, ...], generator: torch.Generator, device: torch.device | None
) -> torch.Tensor:
    """Standard Gumbel samples ``g = -log(-log u)``, ``u ~ U(0, 1)``; drawn on the generator's
    device and moved to ``device``."""
    u = torch.rand(shape, generator=generator, device=generator.device)
    tiny = torch.finfo(u.dtype).tiny
    return (-torch.log(-torch.log(u.clamp(tiny, 1.0 - 1e-7)))).to(device)


def _straight_through(soft: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    hard = torch.zeros_like(soft).scatter_(-1, index.unsqueeze(-1), 1.0)
    return hard - soft.detach() + soft  # value: hard, gradient: d soft


def level_weights(
    logits: torch.Tensor,
    estimator: str = "st-gumbel",
    tau: float = 1.0,
    gumbel: torch.Tensor | None = None,
) -> torch.Tensor:
    """Weights over the levels for training.

    Args:
        logits: ``[..., L]`` real.
        estimator: one of ``ESTIMATORS``.
        tau: softmax temperature (> 0).
        gumbel: ``[..., L]`` standard Gumbel noise (needed by the Gumbel estimators); drawn by
            the caller so that the randomness is explicit and reproducible.

    Returns:
        ``[..., L]``: one-hot in the forward pass for the straight-through estimators, soft for
        ``"gumbel-softmax"``.
    """
    if not tau > 0:
        raise ValueError(f"tau must be positive, got {tau}")
    if estimator == "st-softmax":
        return _straight_through(torch.softmax(logits / tau, dim=-1), logits.argmax(dim=-1))
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}")
    if gumbel is None or gumbel.shape != logits.shape:
        raise ValueError(f"estimator {estimator!r} needs Gumbel noise of the logits' shape")
    perturbed = logits + gumbel
    soft = torch.softmax(perturbed / tau, dim=-1)
    if estimator == "gumbel-softmax":
        return soft
    return _straight_through(soft, perturbed.argmax(dim=-1))
