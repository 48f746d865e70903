"""Checks at the public boundary: every public entry point validates its tensors here and raises
``ValueError`` with a message that says what was wrong and what is allowed."""

from __future__ import annotations

import torch

__all__ = [
    "check_bits",
    "check_device",
    "check_finite_bits",
    "check_channel",
    "check_channel_and_symbols",
    "check_finite",
    "check_positive_int",
    "complex_dtype",
    "real_dtype",
]

MAX_BITS = 8


def check_finite(x: torch.Tensor, name: str) -> None:
    """Raise ``ValueError`` when ``x`` holds NaN or infinity."""
    if not bool(torch.isfinite(x).all()):  # complex: finite when both parts are
        raise ValueError(f"{name} must be finite, but it holds NaN or infinite entries")


def check_channel(H: torch.Tensor) -> None:
    """Validate a channel ``H: [..., M, K]`` (complex, finite, at least one antenna and user)."""
    if not isinstance(H, torch.Tensor):
        raise ValueError(f"H must be a torch.Tensor of shape [..., M, K], got {type(H).__name__}")
    if not H.is_complex():
        raise ValueError(f"H must be complex, got dtype {H.dtype}")
    if H.dim() < 2 or H.shape[-1] < 1 or H.shape[-2] < 1:
        raise ValueError(f"H must have shape [..., M, K] with M, K >= 1, got {tuple(H.shape)}")
    check_finite(H, "H")
    silent = (H.flatten(-2).abs().amax(dim=-1) == 0).flatten().nonzero().flatten()
    if silent.numel():
        raise ValueError(
            f"H is all zero in {silent.numel()} realisation(s) (e.g. flat index "
            f"{silent[:5].tolist()}): no precoder is defined for a channel that reaches no user"
        )


def silent_channels(H: torch.Tensor) -> torch.Tensor:
    """Indices ``[n]`` of the realisations of ``H: [N, M, K]`` in which some user has an all-zero
    channel (no rate or NMSE is defined for it)."""
    return (H.abs().amax(dim=-2) == 0).any(dim=-1).nonzero().flatten()


def check_channel_and_symbols(H: torch.Tensor, s: torch.Tensor) -> None:
    """Validate ``H: [..., M, K]`` and ``s: [..., N_s, K]`` together (batch dims broadcast)."""
    check_channel(H)
    if not isinstance(s, torch.Tensor) or not s.is_complex():
        raise ValueError("s must be a complex torch.Tensor of shape [..., N_s, K]")
    if s.dim() < 2 or s.shape[-2] < 1:
        raise ValueError(f"s must have shape [..., N_s, K] with N_s >= 1, got {tuple(s.shape)}")
    if s.shape[-1] != H.shape[-1]:
        raise ValueError(
            f"s has {s.shape[-1]} users in its last dimension but H has K={H.shape[-1]} "
            f"(H: {tuple(H.shape)}, s: {tuple(s.shape)})"
        )
    try:
        torch.broadcast_shapes(H.shape[:-2], s.shape[:-2])
    except RuntimeError as err:
        raise ValueError(
            f"batch dimensions of H {tuple(H.shape[:-2])} and s {tuple(s.shape[:-2])} "
            "do not broadcast"
        ) from err
    check_finite(s, "s")


def check_bits(bits: int | None) -> None:
    """Validate a DAC resolution: an integer in 1..8, or ``None`` for infinite resolution."""
    if bits is None:
        return
    if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= MAX_BITS:
        raise ValueError(
            f"bits must be an integer in 1..{MAX_BITS} or None (infinite resolution), got {bits!r}"
        )


def check_positive_int(value: int, name: str) -> None:
    """Raise ``ValueError`` unless ``value`` is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_finite_bits(bits: int | None, who: str) -> int:
    """A resolution in 1..8 for a precoder that needs a finite alphabet; ``None`` is refused."""
    check_bits(bits)
    if bits is None:
        raise ValueError(f"{who} precodes onto a finite DAC alphabet; give bits in 1..8")
    return bits


def real_dtype(dtype: torch.dtype) -> torch.dtype:
    """The real dtype matching a complex one (``complex128`` -> ``float64``, else ``float32``)."""
    return torch.float64 if dtype in (torch.complex128, torch.float64) else torch.float32


def complex_dtype(dtype: torch.dtype) -> torch.dtype:
    """The complex dtype whose parts are ``dtype`` (float32 -> complex64, float64 -> complex128)."""
    return (torch.zeros((), dtype=dtype) * 1j).dtype


def check_device(device: str) -> torch.device:
    """Parse a device string; ``cuda`` must be available."""
    try:
        parsed = torch.device(device)
    except RuntimeError:
        raise ValueError(f"unknown device {device!r}; use cpu, cuda or cuda:N") from None
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but no CUDA GPU is available")
    return parsed
