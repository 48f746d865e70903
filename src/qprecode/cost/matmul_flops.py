"""Real FLOPs of the matrix products and linear solves a model runs, counted while it runs.

``matmul_flops(fn, *args)`` calls ``fn`` under a ``TorchDispatchMode`` that sees every ATen
operator and counts, in the conventions of ``cost.classical`` (a complex multiply-add is 4 real
multiplications and 4 additions):

- ``mm``, ``bmm`` (and so ``einsum``, ``matmul`` and ``nn.Linear``): ``[a, b] @ [b, c]`` is
  ``abc`` multiplications and ``(b - 1) ac`` additions in real arithmetic, ``4abc`` and
  ``(4b - 2) ac`` in complex (``_cmatmul``), per matrix of a batch;
- ``addmm``, ``baddbmm``: the product and ``ac`` additions (``2ac`` complex) for the bias;
- ``linalg.solve`` of ``[n, n]`` against ``[n, r]``: an ``n x n`` inverse (``inverse_flops``:
  Gauss-Jordan without pivoting) and the product, per matrix of a batch; ``linalg.inv`` the
  inverse alone.

Elementwise operations (activations, normalisations, the receivers of a WMMSE step) are not
counted: for the networks of Zhang et al. they are ``O(M K C)`` against the ``O(M K C^2)`` or
``O(M K^2)`` of the products. The count is exact for what runs, so it follows the network's own
code (no formula to keep in step with it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from .classical import inverse_flops
from .model import FlopCount

__all__ = ["matmul_flops"]

_aten = torch.ops.aten


def _product(a: torch.Tensor, b: torch.Tensor, bias: bool) -> FlopCount:
    """``a: [..., r, n] @ b: [..., n, c]`` (+ a bias) over the batch dimensions."""
    rows, inner, cols = a.shape[-2], a.shape[-1], b.shape[-1]
    batch = math.prod(torch.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    if a.is_complex() or b.is_complex():
        count = FlopCount(4 * rows * inner * cols, (4 * inner - 2) * rows * cols)
        extra = FlopCount(0, 2 * rows * cols)
    else:
        count = FlopCount(rows * inner * cols, (inner - 1) * rows * cols)
        extra = FlopCount(0, rows * cols)
    return batch * (count + extra if bias else count)


def _solve(A: torch.Tensor, B: torch.Tensor | None) -> FlopCount:
    n = A.shape[-1]
    count = inverse_flops(n, A.is_complex()) * math.prod(A.shape[:-2])
    if B is not None:
        right = B if B.dim() == A.dim() else B[..., None]
        count = count + _product(A, right, bias=False)
    return count


class _Counter(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.count = FlopCount(0, 0)

    def __torch_dispatch__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        packet = func.overloadpacket
        if packet in (_aten.mm, _aten.bmm):
            self.count = self.count + _product(args[0], args[1], bias=False)
        elif packet in (_aten.addmm, _aten.baddbmm):
            self.count = self.count + _product(args[1], args[2], bias=True)
        elif packet in (_aten._linalg_solve_ex, _aten.linalg_solve_ex, _aten.linalg_solve):
            self.count = self.count + _solve(args[0], args[1])
        elif packet in (_aten.linalg_inv_ex, _aten.linalg_inv):
            self.count = self.count + _solve(args[0], None)
        return func(*args, **kwargs)


def matmul_flops(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> FlopCount:
    """Real FLOPs of the matrix products and solves of ``fn(*args, **kwargs)`` (run once, without
    gradients): the count of one call over the batch it is given; call it on one channel
    (``H: [1, M, K]``) for the count per channel."""
    counter = _Counter()
    with torch.no_grad(), counter:
        fn(*args, **kwargs)
    return counter.count
