"""Channels measured or generated elsewhere, as plain arrays: NumPy ``.npy`` and MATLAB ``.mat``
(v5/v7; a v7.3 file is HDF5 and must be re-saved with ``-v7`` or converted to ``.npy``).

The array is ``[N, M, K]`` (grouped samples) or ``[P, M]`` (one channel per user position), in
the convention ``r = H^T y + v`` (``H[n, m, k]`` from antenna ``m`` to user ``k``); a real array
is taken as a real channel. In a ``.mat`` file the variable is ``H`` or ``channels``, or the only
array in it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .channel_file import ChannelFile, check_channel_file

__all__ = ["ARRAY_SUFFIXES", "read_array_file"]

ARRAY_SUFFIXES = (".npy", ".mat")
MAT_NAMES = ("H", "channels")


def _mat_array(path: Path) -> np.ndarray:
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    if path.is_file() and path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes): no .mat variables in it")
    try:
        variables = loadmat(path)
    except NotImplementedError:  # scipy's answer to a v7.3 (HDF5) file
        raise ValueError(f"{path} is a MATLAB v7.3 file: save it with -v7, or as .npy") from None
    except (OSError, ValueError, MatReadError) as err:
        raise ValueError(f"{path} is not a readable .mat file: {err}") from None
    arrays = {k: v for k, v in variables.items() if not k.startswith("__")}
    for name in MAT_NAMES:
        if name in arrays:
            return np.asarray(arrays[name])
    if len(arrays) == 1:
        return np.asarray(next(iter(arrays.values())))
    raise ValueError(f"{path} holds {sorted(arrays)}: name the channel variable H or channels")


def read_array_file(path: str | Path) -> ChannelFile:
    """A ``ChannelFile`` of the array in ``path`` (``.npy`` or ``.mat``), checked like an HDF5
    channel file (shape, finite values, no all-zero user)."""
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in ARRAY_SUFFIXES:
        raise ValueError(f"{source}: an array file ends in {' or '.join(ARRAY_SUFFIXES)}")
    if suffix == ".mat":
        array = _mat_array(source)
    else:
        if source.is_file() and source.stat().st_size == 0:
            raise ValueError(f"{source} is empty (0 bytes): no .npy array in it")
        try:
            array = np.load(source, allow_pickle=False)
        except (OSError, ValueError, EOFError) as err:  # EOFError: a truncated file
            raise ValueError(f"{source} is not a readable .npy file: {err}") from None
    if array.dtype.kind not in "fciu":
        raise ValueError(f"{source}: the channels must be numbers, got dtype {array.dtype}")
    if array.ndim not in (2, 3):
        raise ValueError(f"{source}: the channels must be [N, M, K] or [P, M], "
                         f"got shape {array.shape}")  # fmt: skip
    if array.shape[0] == 0:
        raise ValueError(f"{source} holds no channels: its array has shape {array.shape}")
    metadata = {"generator": f"array file ({suffix})", "source": str(source)}
    largest = float(np.abs(array).max()) if array.dtype.kind in "fc" and array.size else 0.0
    if np.isfinite(largest) and largest > float(np.finfo(np.float32).max):
        raise ValueError(f"{source}: entries up to {largest:.3g} overflow complex64 channels")
    file = ChannelFile(torch.from_numpy(array.astype(np.complex64)), metadata)
    try:
        check_channel_file(file)
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None
    return file
