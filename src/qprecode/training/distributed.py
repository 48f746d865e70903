"""The distributed (DDP) context of a run, read once from the environment ``torchrun`` sets."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

__all__ = ["DistributedContext"]


@dataclass(frozen=True)
class DistributedContext:
    """Rank and world size of this process (``world == 1``: a single process, no DDP).

    Build it with ``DistributedContext.start(device)``, which reads ``WORLD_SIZE`` and
    ``LOCAL_RANK``, joins the process group (NCCL on CUDA, gloo on the CPU) and picks this
    process's GPU.
    """

    rank: int = 0
    world: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        """The process that validates, logs and writes files."""
        return self.rank == 0

    @classmethod
    def start(cls, device: torch.device) -> DistributedContext:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if not dist.is_available() or world <= 1:
            return cls(0, 1, device)
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
        return cls(dist.get_rank(), dist.get_world_size(), device)

    def any(self, flag: bool) -> bool:
        """Whether ``flag`` holds in any process (every process gets the same answer)."""
        if not self.enabled:
            return flag
        value = torch.tensor(int(flag), device=self.device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item())

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()
