"""The settings of a ray-traced site (``SiteConfig``: geometry, radio, tracing, noise) and the
user grid around its base station: rings of users, plus seeded jittered copies. Pure Python: no
Sionna needed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .snr import thermal_noise_dbm

__all__ = ["DEFAULT_BS_XY", "SiteConfig", "ring_grid", "user_offsets"]

# BS positions (x, y) in the shipped scenes, chosen in open ground: Munich's in a street of
# 15-25 m buildings (NLOS-heavy), Etoile's in the square east of the Arc de Triomphe
# (LOS-heavy within 200 m). Other scenes default to the centre of their bounding box.
DEFAULT_BS_XY = {"munich": (-92.0, -100.0), "etoile": (-60.0, 40.0), "florence": (0.0, 0.0)}


@dataclass(frozen=True)
class SiteConfig:
    """Everything that defines a site dataset (stored in its metadata).

    Attributes:
        scene: a scene shipped with sionna-rt (``munich``, ``etoile``, ``florence``, ...) or the
            path of a Mitsuba XML scene.
        bs_xy: BS position in the scene's x-y plane [m]; ``None``: ``DEFAULT_BS_XY`` or the
            centre of the scene.
        bs_height, ue_height: heights above the ground [m].
        rows, cols, spacing: BS array (``M = rows * cols``) and element spacing [wavelengths].
        carrier_hz: carrier frequency [Hz].
        tx_power_dbm, system_loss_db: total transmit power (43 dBm = 20 W) and system loss.
        bandwidth_hz, noise_figure_db, temperature_k: receiver noise ``k T B F``.
        r_min, r_max, r_step: ring radii [m]; angle_step: degrees between users on a ring.
        jitter_draws: extra copies of the grid, each user moved uniformly inside its ring cell
            (``+-r_step/2``, ``+-angle_step/2``), drawn from ``seed``.
        max_depth, diffraction, samples_per_src: Sionna ``PathSolver`` settings (specular
            reflections and LOS always on; refraction and diffuse reflection off).
        synthetic_array: trace from the array centre and apply the per-antenna phases
            (plane-wave; exact enough beyond a few metres for an array of ``< 1 m``).
        batch_size: receivers per ``PathSolver`` call (a few hundred; Dr.Jit's 2^32 limit).
        seed: jitter and solver seed. The solver runs in its default, non-deterministic mode
            (``PathSolver(deterministic=True)`` was over ten times slower on Munich), so two runs
            of one config share their positions but may differ slightly in weak paths (Munich,
            depth 10: a median 0.04 dB between 1e6 and 3e6 rays, 2 dB at 1e5 rays).
    """

    scene: str = "munich"
    bs_xy: tuple[float, float] | None = None
    bs_height: float = 20.0
    ue_height: float = 1.5
    rows: int = 8
    cols: int = 8
    spacing: float = 0.5
    carrier_hz: float = 2e9
    tx_power_dbm: float = 10 * math.log10(20e3)  # 20 W
    system_loss_db: float = 10.0
    bandwidth_hz: float = 20e6
    noise_figure_db: float = 9.0
    temperature_k: float = 290.0
    r_min: float = 50.0
    r_max: float = 350.0
    r_step: float = 10.0
    angle_step: float = 10.0
    jitter_draws: int = 0
    max_depth: int = 10
    diffraction: bool = False
    samples_per_src: int = 1_000_000
    synthetic_array: bool = True
    batch_size: int = 300
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("rows", "cols", "samples_per_src", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}")
        for name in ("jitter_draws", "max_depth", "seed"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        positive = ("bs_height", "ue_height", "spacing", "carrier_hz", "bandwidth_hz",
                    "temperature_k", "r_step", "angle_step")  # fmt: skip
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if not 0 < self.r_min <= self.r_max:
            raise ValueError(f"need 0 < r_min <= r_max, got {self.r_min}, {self.r_max}")
        if not self.angle_step <= 360:
            raise ValueError(f"angle_step must be at most 360 degrees, got {self.angle_step}")

    @property
    def noise_dbm(self) -> float:
        return thermal_noise_dbm(self.bandwidth_hz, self.noise_figure_db, self.temperature_k)

    @property
    def channel_scale(self) -> float:
        """``sqrt(P_tx / (L_sys N_0))``: Sionna's unitless coefficients times this are channels
        in units of the noise amplitude."""
        return 10 ** ((self.tx_power_dbm - self.system_loss_db - self.noise_dbm) / 20)


def ring_grid(
    r_min: float, r_max: float, r_step: float, angle_step: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Radii ``r_min, r_min + r_step, ... <= r_max`` times angles ``0, angle_step, ... < 360``.

    Returns:
        ``(radius [G], angle [G])`` float64, metres and radians, ring-major (all angles of the
        first ring first).
    """
    radii = torch.arange(round((r_max - r_min) / r_step + 1e-9) + 1, dtype=torch.float64)
    angles = torch.arange(math.ceil(360 / angle_step - 1e-9), dtype=torch.float64)
    r, a = torch.meshgrid(r_min + r_step * radii, torch.deg2rad(angle_step * angles), indexing="ij")
    return r.reshape(-1), a.reshape(-1)


def user_offsets(config: SiteConfig) -> torch.Tensor:
    """``[(1 + jitter_draws) * G, 2]`` float64 user offsets (x, y) from the BS [m]: the ring
    grid, then ``jitter_draws`` copies of it with every user moved uniformly inside its cell
    (radius clipped to ``[r_min, r_max]``), drawn from ``config.seed``."""
    r, a = ring_grid(config.r_min, config.r_max, config.r_step, config.angle_step)
    gen = torch.Generator().manual_seed(config.seed)
    radii, angles = [r], [a]
    for _ in range(config.jitter_draws):
        dr = (torch.rand(r.shape, generator=gen, dtype=torch.float64) - 0.5) * config.r_step
        da = (torch.rand(r.shape, generator=gen, dtype=torch.float64) - 0.5) * math.radians(
            config.angle_step
        )
        radii.append((r + dr).clamp(config.r_min, config.r_max))
        angles.append(a + da)
    radius, angle = torch.cat(radii), torch.cat(angles)
    return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=-1)
