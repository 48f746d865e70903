"""qprecode: learned, quantization-aware, energy-efficient precoding for massive MIMO."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qprecode")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
