"""3GPP TR 38.901 channels (CDL-A..E, UMi, UMa) from Sionna PHY, as a narrowband snapshot at the
base station array, saved as a channel file of grouped samples ``[N, M, K]``.

Geometry: the BS array is a ULA (``1 x M``) or a UPA (``rows x M/rows``) of single-polarised
(V) elements with the 38.901 sector pattern, half-wavelength spacing; every user has one omni
antenna; downlink at ``carrier_hz``. The channel of sample ``n``, antenna ``m`` and user ``k``
(the file convention ``r = H^T y + v``) is the channel frequency response at the carrier, the sum
of Sionna's path coefficients ``a`` (which carry the paths' random phases) over paths:
``h[n, m, k] = c_{n,k} sum_l a[n, k, m, l]``.

Users: CDL is a link-level model whose cluster angles are fixed tables, so K users drawn from
one CDL would share every angle. Each user link is therefore seen from a BS array turned by its
own azimuth, uniform in ``+-sector_deg/2`` (the angular translation of TR 38.901 Sect. 7.7.5.1):
users differ in direction as in a cell. UMi and UMa drop the K users in a 120-degree sector
(Sionna's ``gen_single_sector_topology``: distances, indoor share, LOS/NLOS, path loss and
shadowing by the scenario).

Normalisation ``c_{n,k}``, so that transmit SNR means what it means on i.i.d. Rayleigh channels
(``E ||h_k||^2 = M``):

* ``"user"`` (default): every user channel to ``||h_k||^2 = M``. Path loss and shadowing are
  removed, as with ideal power control; the spatial structure (correlation, LOS, angles) stays.
* ``"sample"``: every sample to ``||H||_F^2 = M K``: the users of a sample keep their relative
  path loss (the near-far effect of UMi/UMa).

Sionna is imported inside the functions that need it: the module imports without it.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import torch

from .._validation import check_positive_int, silent_channels
from ..progress import progress_bar
from .h5 import ChannelFile

__all__ = [
    "ARRAYS",
    "MODELS",
    "NORMALIZATIONS",
    "ThreeGPPConfig",
    "condition_number_db",
    "generate_3gpp",
    "normalize_channels",
    "sionna_phy_unavailable_reason",
]

MODELS = ("cdl-a", "cdl-b", "cdl-c", "cdl-d", "cdl-e", "umi", "uma")
ARRAYS = ("ula", "upa")
NORMALIZATIONS = ("user", "sample")
INSTALL_HINT = "install it with `pip install 'qprecode[sionna]'` (sionna-no-rt 2.2.0)"


@dataclass(frozen=True)
class ThreeGPPConfig:
    """A 3GPP channel dataset.

    Attributes:
        model: one of ``MODELS``.
        antennas: ``M``.
        users: ``K`` per sample.
        samples: ``N``.
        array: ``"ula"`` (``1 x M``) or ``"upa"`` (``upa_rows x M / upa_rows``).
        upa_rows: rows of the UPA.
        carrier_hz: carrier frequency.
        delay_spread_s: CDL's delay spread (it scales delays only: no effect on a narrowband
            snapshot at the carrier, kept for the record).
        sector_deg: CDL: width of the users' azimuth spread around boresight.
        normalization: ``"user"`` or ``"sample"`` (module docstring).
        seed: Sionna's seed; the same seed gives the same file.
        chunk: samples per Sionna call.
    """

    model: str = "cdl-c"
    antennas: int = 32
    users: int = 4
    samples: int = 10_000
    array: str = "ula"
    upa_rows: int = 4
    carrier_hz: float = 3.5e9
    delay_spread_s: float = 100e-9
    sector_deg: float = 120.0
    normalization: str = "user"
    seed: int = 0
    chunk: int = 1000

    def __post_init__(self) -> None:
        choices_of = {"model": MODELS, "array": ARRAYS, "normalization": NORMALIZATIONS}
        for name, choices in choices_of.items():
            value = getattr(self, name)
            if value not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
        for name in ("antennas", "users", "samples", "upa_rows", "chunk"):
            check_positive_int(getattr(self, name), name)
        if self.array == "upa" and self.antennas % self.upa_rows:
            raise ValueError(f"a UPA of {self.upa_rows} rows needs M divisible by {self.upa_rows}, "
                             f"got M={self.antennas}")  # fmt: skip
        if not (math.isfinite(self.carrier_hz) and self.carrier_hz > 0):
            raise ValueError(f"carrier_hz must be positive, got {self.carrier_hz}")
        if not 0 <= self.sector_deg <= 360:
            raise ValueError(f"sector_deg must be in [0, 360], got {self.sector_deg}")

    @property
    def array_shape(self) -> tuple[int, int]:
        """``(rows, cols)`` of the BS array."""
        rows = 1 if self.array == "ula" else self.upa_rows
        return rows, self.antennas // rows


def sionna_phy_unavailable_reason() -> str | None:
    """``None`` when Sionna PHY (the PyTorch one, 2.x) imports, else why not."""
    try:
        from sionna.phy.channel import tr38901  # noqa: F401
    except ImportError as err:
        return f"Sionna PHY is not usable ({err}); {INSTALL_HINT}"
    return None


def _arrays(config: ThreeGPPConfig) -> tuple[Any, Any]:
    from sionna.phy.channel.tr38901 import PanelArray

    rows, cols = config.array_shape
    bs = PanelArray(num_rows_per_panel=rows, num_cols_per_panel=cols, polarization="single",
                    polarization_type="V", antenna_pattern="38.901",
                    carrier_frequency=config.carrier_hz)  # fmt: skip
    ut = PanelArray(num_rows_per_panel=1, num_cols_per_panel=1, polarization="single",
                    polarization_type="V", antenna_pattern="omni",
                    carrier_frequency=config.carrier_hz)  # fmt: skip
    return bs, ut


def _cdl_chunk(
    config: ThreeGPPConfig, size: int, bs: Any, ut: Any, generator: torch.Generator
) -> torch.Tensor:
    """``[size, M, K]``: one CDL link per user, each from a BS array turned by its own azimuth."""
    from sionna.phy.channel.tr38901 import CDL

    links = size * config.users
    half = math.radians(config.sector_deg) / 2
    yaw = (torch.rand(links, generator=generator) * 2 - 1) * half
    orientation = torch.stack([yaw, torch.zeros(links), torch.zeros(links)], dim=-1)
    cdl = CDL(config.model[-1].upper(), config.delay_spread_s, config.carrier_hz, ut_array=ut,
              bs_array=bs, direction="downlink", bs_orientation=orientation)  # fmt: skip
    a, _ = cdl(batch_size=links, num_time_steps=1, sampling_frequency=1.0)
    h = a.sum(dim=-2)[:, 0, 0, 0, :, 0]  # [links, rx, rx_ant, tx, M, paths, time] -> [links, M]
    return h.reshape(size, config.users, -1).transpose(1, 2)


def _system_chunk(config: ThreeGPPConfig, size: int, model: Any) -> torch.Tensor:
    """``[size, M, K]``: ``K`` users dropped in a sector of the UMi/UMa scenario."""
    from sionna.phy.channel import gen_single_sector_topology

    topology = gen_single_sector_topology(batch_size=size, num_ut=config.users,
                                          scenario=config.model)  # fmt: skip
    model.reset_topology()  # the last chunk may be smaller
    model.set_topology(*topology)
    a, _ = model(1, 1.0)  # [size, K, rx_ant, tx, M, paths, time]
    return a.sum(dim=-2)[:, :, 0, 0, :, 0].transpose(1, 2)


def normalize_channels(H: torch.Tensor, how: str) -> torch.Tensor:
    """``H [N, M, K]`` scaled as ``how`` (``"user"`` or ``"sample"``) says: the module docstring."""
    M, K = H.shape[-2:]
    if how == "user":
        power = H.abs().square().sum(dim=-2, keepdim=True) / M
    else:
        power = H.abs().square().sum(dim=(-2, -1), keepdim=True) / (M * K)
    return H / power.sqrt()


def condition_number_db(H: torch.Tensor) -> torch.Tensor:
    """``[N]``: ratio of the largest to the smallest eigenvalue of the users' Gram matrix
    ``H^H H`` (``K x K``) per sample, in dB: the eigenvalue spread that makes a channel hard to
    separate (0 dB: orthogonal users of equal gain)."""
    gram = H.conj().transpose(-2, -1) @ H
    eig = torch.linalg.eigvalsh(gram.to(torch.complex128))
    return 10 * torch.log10(eig[..., -1] / eig[..., 0].clamp_min(1e-300))


def generate_3gpp(config: ThreeGPPConfig, progress: bool = True) -> ChannelFile:
    """Generate the dataset of ``config``: ``channels [N, M, K]`` complex64 with its metadata
    (config, generator, normalisation, versions, seconds)."""
    reason = sionna_phy_unavailable_reason()
    if reason is not None:
        raise ImportError(reason)
    import sionna.phy

    sionna.phy.config.seed = config.seed
    azimuths = torch.Generator().manual_seed(config.seed)  # the CDL users' azimuths
    bs, ut = _arrays(config)
    system = None
    if config.model in ("umi", "uma"):
        from sionna.phy.channel.tr38901 import UMa, UMi

        cls = UMi if config.model == "umi" else UMa
        system = cls(carrier_frequency=config.carrier_hz, o2i_model="low", ut_array=ut,
                     bs_array=bs, direction="downlink")  # fmt: skip
    sizes = [min(config.chunk, config.samples - start)
             for start in range(0, config.samples, config.chunk)]  # fmt: skip
    start = time.perf_counter()
    parts = []
    for size in progress_bar(sizes, f"{config.model} channels", enabled=progress):
        with torch.no_grad():
            chunk = (_cdl_chunk(config, size, bs, ut, azimuths) if system is None
                     else _system_chunk(config, size, system))  # fmt: skip
        parts.append(chunk.to(torch.complex64))
    H = torch.cat(parts)
    if not torch.isfinite(H).all() or silent_channels(H).numel():
        raise RuntimeError(f"Sionna returned a non-finite or all-zero user channel ({config})")
    seconds = time.perf_counter() - start
    return ChannelFile(normalize_channels(H, config.normalization), _metadata(config, seconds))


def _metadata(config: ThreeGPPConfig, seconds: float) -> dict[str, Any]:
    rows, cols = config.array_shape
    return {
        "generator": "sionna-phy 3GPP TR 38.901 (qprecode.datasets.sionna_3gpp)",
        "scene": config.model,
        "config": asdict(config),
        "seed": config.seed,
        "array": {
            "type": config.array.upper(),
            "rows": rows,
            "cols": cols,
            "spacing_wavelengths": 0.5,
            "pattern": "38.901",
            "polarization": "V",
            "order": "Sionna PanelArray",
        },  # fmt: skip
        "channel_units": f"normalised per {config.normalization}: E ||h_k||^2 = M",
        "generate_seconds": seconds,
        "versions": {"sionna": _sionna_version(), "torch": torch.__version__},
    }


def _sionna_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    for name in ("sionna-no-rt", "sionna"):
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return None
