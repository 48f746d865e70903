"""Channel datasets: HDF5 channel files with metadata (``h5``), a channel model that draws
groups of users from a file's positions with splits by position (``groups``), SNRs of channel
sets (``snr``) and site-specific ray-traced channels with Sionna RT (``sionna_sites``; Sionna
itself is imported only when a site is traced)."""

from .groups import LOS_SELECTIONS, SPLITS, FileChannel, split_positions
from .h5 import FORMAT_VERSION, ChannelFile, read_channel_file, write_channel_file
from .sionna_sites import generate_site, sionna_unavailable_reason
from .site_config import SiteConfig
from .snr import (
    calibrated_snr_db,
    mean_snr_db,
    snr_summary,
    split_snr_db,
    thermal_noise_dbm,
    user_snr_db,
)

__all__ = [
    "FORMAT_VERSION",
    "LOS_SELECTIONS",
    "SPLITS",
    "ChannelFile",
    "FileChannel",
    "SiteConfig",
    "calibrated_snr_db",
    "generate_site",
    "mean_snr_db",
    "read_channel_file",
    "sionna_unavailable_reason",
    "snr_summary",
    "split_positions",
    "split_snr_db",
    "thermal_noise_dbm",
    "user_snr_db",
    "write_channel_file",
]
