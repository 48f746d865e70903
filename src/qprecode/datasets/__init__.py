"""Channel datasets: HDF5 channel files with metadata (``h5``) and a channel model that draws
groups of users from a file's positions with splits by position (``groups``)."""

from .groups import SPLITS, FileChannel, split_positions
from .h5 import FORMAT_VERSION, ChannelFile, read_channel_file, write_channel_file

__all__ = [
    "FORMAT_VERSION",
    "SPLITS",
    "ChannelFile",
    "FileChannel",
    "read_channel_file",
    "split_positions",
    "write_channel_file",
]
