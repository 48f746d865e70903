"""The trained CNN+FC network of Kasalaee et al., direct-output or structured, as a linear
precoder (``MatrixPrecoder``)."""

from __future__ import annotations

import torch

from .._validation import check_channel
from ..precoders import MatrixPrecoder, normalize_matrix_power
from .dnn import CompressedDNN
from .structured_dnn import StructuredDNN

__all__ = ["DNNPrecoder"]


class DNNPrecoder(MatrixPrecoder):
    """Wrap a ``CompressedDNN`` or ``StructuredDNN`` for evaluation: ``matrix(H) -> W`` in eval
    mode without gradients, in chunks of channels on the model's device, returned on the device
    and in the dtype of ``H``.

    Args:
        model: the trained network (put in eval mode).
        name: label in tables and plots.
        chunk_channels: channels per forward pass; by default 1024 on a CPU, 16384 on a GPU.
        total_power: ``P_T`` of ``W``; by default the model's own (``M`` unless it was trained
            for another).

    Shapes:
        ``matrix``: ``H: [..., M, K]`` complex -> ``W: [..., M, K]``, ``M`` and ``K`` those
        the model was built for.
        call: ``H: [..., M, K]``, ``s: [..., N_s, K]`` -> ``y = s W^T: [..., N_s, M]``.
    """

    def __init__(
        self,
        model: CompressedDNN | StructuredDNN,
        name: str = "dnn",
        chunk_channels: int | None = None,
        total_power: float | None = None,
    ) -> None:
        super().__init__(model.total_power if total_power is None else total_power)
        if chunk_channels is not None and chunk_channels < 1:
            raise ValueError(f"chunk_channels must be >= 1, got {chunk_channels}")
        self.model = model.eval()
        self.name = name
        self.bits = None  # unquantized transmit signal: no DACs in this model
        self.chunk_channels = chunk_channels

    @torch.no_grad()
    def matrix(self, H: torch.Tensor) -> torch.Tensor:
        check_channel(H)
        M, K = self.model.antennas, self.model.users
        if H.shape[-2:] != (M, K):
            raise ValueError(
                f"this DNN precodes M={M} antennas for K={K} users (the sizes it was trained "
                f"for), got H of shape {tuple(H.shape)}"
            )
        self.model.eval()
        device = self.model.input_scale.device
        flat = H.reshape(-1, M, K).to(device, torch.complex64)
        chunk = self.chunk_channels or (1024 if device.type == "cpu" else 16_384)
        outs = [self.model(flat[i : i + chunk]) for i in range(0, flat.shape[0], chunk)]
        W = torch.cat(outs) if outs else flat.clone()
        W = W.reshape(H.shape).to(H.device, H.dtype)
        return normalize_matrix_power(W, self.power_for(H))

    def __repr__(self) -> str:
        return f"DNNPrecoder({self.model.extra_repr()})"
