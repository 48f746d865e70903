"""Checks every size-free graph precoder (``model(H, masks) -> V``) must pass: antenna and user
permutations permute its output, and a padded batch gives each problem its own precoder, zero on
the padding, at unit power per antenna."""

from collections.abc import Callable

import torch

from qprecode.nn import pad_channels

Close = Callable[[torch.Tensor, torch.Tensor], None]


def random_channels(B: int, M: int, K: int, seed: int = 0) -> torch.Tensor:
    """``[B, M, K]`` complex128 with i.i.d. standard normal real and imaginary parts."""
    g = torch.Generator().manual_seed(seed)
    return torch.complex(torch.randn(B, M, K, generator=g, dtype=torch.float64),
                         torch.randn(B, M, K, generator=g, dtype=torch.float64))  # fmt: skip


def check_permutation_equivariance(model: torch.nn.Module, close: Close, M: int = 7) -> None:
    H = random_channels(3, M, 4)
    V = model(H)
    pa, pu = torch.randperm(M), torch.randperm(4)
    close(model(H[:, pa][:, :, pu]), V[:, pa][:, :, pu])


def check_padded_batch(model: torch.nn.Module, close: Close) -> None:
    sizes = [(12, 4, 1), (6, 1, 2), (9, 3, 3)]  # (M, K, seed)
    problems = [random_channels(1, M, K, seed)[0] for M, K, seed in sizes]
    H, masks = pad_channels(problems)
    V = model(H, masks)
    for b, h in enumerate(problems):
        m, k = h.shape
        close(V[b, :m, :k], model(h[None])[0])
        assert V[b, m:].abs().sum() == 0 and V[b, :, k:].abs().sum() == 0
        close((V[b].abs() ** 2).sum(), torch.tensor(float(m), dtype=torch.float64))
