"""Site-specific ray-traced channels with Sionna RT, in the geometry of Kasalaee et al. (Sect. IV).

A BS with an ``rows x cols`` uniform planar array (half-wavelength spacing, isotropic V-polarised
elements, in the y-z plane, boresight +x) stands ``bs_height`` above the ground of a scene; users
``ue_height`` above the ground lie on rings around it (``r_min..r_max`` every ``r_step``, one
user every ``angle_step`` degrees), plus optional seeded copies of that grid jittered inside each
ring cell. Positions outside the scene's ground or under a structure (inside a building) are left
out before tracing; users that receive no path (specular reflections only, by default, up to
``max_depth`` of them, no diffraction, no refraction) are dropped after. Every count is kept.

Channel of position ``p`` (the file convention ``r = H^T y + v``, ``channels[p, m]`` from BS
antenna ``m``): the narrowband coefficient at the carrier, summed over paths,

.. math::
    h_{p,m} = c \\sum_i a_{p,m,i} e^{-j 2\\pi f_c \\tau_{p,m,i}},
    \\qquad c = \\sqrt{P_\\mathrm{tx} / (L_\\mathrm{sys} N_0)},

with Sionna's path coefficients ``a`` (free-space and interaction losses, unitless) and ``c`` the
channel scale from transmit power, system loss and receiver noise ``N_0 = k T B F``: at transmit
SNR 0 dB (``sigma_v^2 = P_T = M``) every user sees its physical SNR (``datasets.snr``). Sionna's
``paths.cir(normalize_delays=False)`` gives the ``a e^{-j 2 pi f tau}`` terms directly.

Sionna is imported inside the functions that need it: the module imports without it.
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..progress import progress_bar
from ..results import atomic_write_bytes
from .h5 import ChannelFile, write_channel_file
from .site_config import DEFAULT_BS_XY, SiteConfig, user_offsets
from .snr import snr_summary

__all__ = [
    "configure_scene",
    "generate_site",
    "load_site_scene",
    "scene_footprint",
    "sionna_unavailable_reason",
    "surface_heights",
    "trace_users",
]

INDOOR_MARGIN = 0.5  # m: a surface this far above the ground over a point makes it "indoor"
INSTALL_HINT = (
    "install it with `pip install 'qprecode[sionna]'` (sionna-rt 2.2.0) and, to run Dr.Jit on "
    "the CPU, an LLVM library (Debian: `apt-get install libllvm19`) with DRJIT_LIBLLVM_PATH "
    "pointing at it (`dpkg -L libllvm19 | grep libLLVM`); `make site-data` does both"
)


def sionna_unavailable_reason() -> str | None:
    """``None`` when Sionna RT imports (with a working Dr.Jit LLVM backend), else why not."""
    try:
        import sionna.rt  # noqa: F401
    except ImportError as err:  # drjit raises ImportError when it finds no libLLVM
        return f"Sionna RT is not usable ({err}); {INSTALL_HINT}"
    return None


def _rt() -> Any:
    reason = sionna_unavailable_reason()
    if reason is not None:
        raise ImportError(reason)
    import sionna.rt as rt

    return rt


def scene_path(scene: str) -> str:
    """The XML file of a shipped scene name, or ``scene`` itself when it is a file."""
    rt = _rt()
    shipped = getattr(rt.scene, scene, None)
    if isinstance(shipped, str) and shipped.endswith(".xml"):
        return shipped
    if Path(scene).is_file():
        return scene
    names = sorted(n for n in dir(rt.scene) if str(getattr(rt.scene, n)).endswith(".xml"))
    raise ValueError(
        f"scene {scene!r} is neither a Sionna RT scene ({', '.join(names)}) nor a file"
    )


def load_site_scene(config: SiteConfig) -> Any:
    """The Sionna scene of ``config`` with its carrier and arrays set (no radio devices)."""
    return configure_scene(_rt().load_scene(scene_path(config.scene)), config)


def configure_scene(scene: Any, config: SiteConfig) -> Any:
    """Set the carrier and the BS and user arrays of ``config`` on a Sionna ``scene``."""
    rt = _rt()
    scene.frequency = config.carrier_hz
    scene.tx_array = rt.PlanarArray(num_rows=config.rows, num_cols=config.cols,
                                    vertical_spacing=config.spacing,
                                    horizontal_spacing=config.spacing, pattern="iso",
                                    polarization="V")  # fmt: skip
    scene.rx_array = rt.PlanarArray(num_rows=1, num_cols=1, pattern="iso", polarization="V")
    return scene


def surface_heights(scene: Any, xy: np.ndarray, max_layers: int = 32) -> np.ndarray:
    """Heights of the top surface and of the ground (the lowest surface) over points.

    Args:
        scene: a Sionna scene.
        xy: ``[N, 2]`` points [m].

    Returns:
        ``[N, 2]`` float64 ``(top, ground)`` z [m]; NaN where no surface lies below the point
        (outside the scene).
    """
    import mitsuba as mi

    n = xy.shape[0]
    out = np.full((n, 2), np.nan)
    z = np.full(n, float(scene.mi_scene.bbox().max.z) + 10.0)
    live = np.arange(n)
    for _ in range(max_layers):
        if live.size == 0:
            break
        origin = mi.Point3f(*(v.astype(np.float32) for v in (xy[live, 0], xy[live, 1], z[live])))
        hit = scene.mi_scene.ray_intersect(mi.Ray3f(origin, mi.Vector3f(0.0, 0.0, -1.0)))
        valid = np.asarray(hit.is_valid().numpy(), dtype=bool)
        hz = np.asarray(hit.p.z.numpy(), dtype=np.float64)
        live, hz = live[valid], hz[valid]
        first = np.isnan(out[live, 0])
        out[live[first], 0] = hz[first]
        out[live, 1] = hz
        z[live] = hz - 0.01  # continue below this surface
    return out


def scene_footprint(scene: Any, min_height: float = 1.0) -> np.ndarray:
    """Top view of the scene's structures: ``[T, 3, 2]`` float32 x-y triangles of every mesh
    triangle lying wholly ``min_height`` above the scene's lowest point (roofs and walls, not
    the ground), terrain meshes left out."""
    floor = float(scene.mi_scene.bbox().min.z) + min_height
    parts = []
    for name, obj in scene.objects.items():
        if "terrain" in name.lower() or "terrain" in obj.radio_material.name.lower():
            continue
        mesh = obj.mi_mesh
        vertices = np.asarray(mesh.vertex_positions_buffer()).reshape(-1, 3)
        tri = vertices[np.asarray(mesh.faces_buffer()).reshape(-1, 3)]  # [T, 3, 3]
        parts.append(tri[(tri[..., 2] > floor).all(axis=1)][..., :2].astype(np.float32))
    return np.concatenate(parts) if parts else np.zeros((0, 3, 2), np.float32)


def trace_users(scene: Any, solver: Any, points: np.ndarray, config: SiteConfig) -> dict[str, Any]:
    """Trace one batch of users from the scene's transmitter (the BS, already added).

    Args:
        scene: a Sionna scene set up by ``configure_scene``, with one transmitter.
        solver: a ``sionna.rt.PathSolver``.
        points: ``[B, 3]`` user positions [m].
        config: the solver settings and the channel scale.

    Returns:
        ``channels [B, M]`` complex64 (in noise units, module docstring; zero without a path),
        ``los [B]`` (a path without interaction), ``has_path [B]``, ``positions`` (``points``)
        and ``seconds`` (tracing time).
    """
    rt = _rt()
    names = [f"ue{i}" for i in range(points.shape[0])]
    for name, p in zip(names, points.tolist(), strict=True):
        scene.add(rt.Receiver(name, position=[float(v) for v in p]))
    start = time.perf_counter()
    try:
        paths = solver(scene, max_depth=config.max_depth, samples_per_src=config.samples_per_src,
                       los=True, specular_reflection=True, diffuse_reflection=False,
                       refraction=False, diffraction=config.diffraction,
                       synthetic_array=config.synthetic_array, seed=config.seed)  # fmt: skip
        a, _ = paths.cir(normalize_delays=False, out_type="numpy")  # [B, 1, 1, M, paths, 1]
        valid = np.asarray(paths.valid.numpy(), dtype=bool)  # [B, (1,) 1, (M,) paths]
        direct = (np.asarray(paths.interactions.numpy()) == 0).all(axis=0)  # no interaction
    finally:
        scene.remove(names)
    b = points.shape[0]
    return {
        "channels": (a[:, 0, 0, :, :, 0].sum(axis=-1) * config.channel_scale).astype(np.complex64),
        "los": (valid & direct).reshape(b, -1).any(axis=1),
        "has_path": valid.reshape(b, -1).any(axis=1),
        "positions": points,
        "seconds": np.float64(time.perf_counter() - start),
    }


def _save_part(path: Path, part: dict[str, Any]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **part)
    atomic_write_bytes(path, buffer.getvalue())


def _load_part(path: Path, points: np.ndarray) -> dict[str, Any] | None:
    """A saved batch, when it is readable and traced at exactly ``points``."""
    try:
        with np.load(path, allow_pickle=False) as data:
            part = {k: data[k] for k in data.files}
    except (OSError, ValueError, KeyError):
        return None
    ok = part.get("positions") is not None and part["positions"].shape == points.shape
    return part if ok and np.array_equal(part["positions"], points) else None


def generate_site(
    config: SiteConfig, path: str | Path, progress: bool = True, threads: int | None = None
) -> ChannelFile:
    """Trace ``config``'s site and write its channel file to ``path`` (HDF5, ``datasets.h5``).

    Resumable: every traced batch is saved in ``<path>.parts/`` as it completes; a later call
    with the same config skips those batches, and the folder is removed once the file is
    written. ``threads`` sets Dr.Jit's thread count (default: all cores).

    Returns:
        The written ``ChannelFile``: ``channels [P, M]`` complex64, ``positions [P, 3]``,
        ``los [P]``, and metadata with the config, the scene, the array, the noise, the counts
        (candidates, outside, indoor, no path, kept, LOS), the tracing time and the SNR summary.
    """
    import drjit

    rt = _rt()
    if threads is not None:
        drjit.set_thread_count(threads)
    target = Path(path)
    parts_dir = target.with_name(target.name + ".parts")
    config_json = json.dumps(asdict(config), sort_keys=True)
    saved = parts_dir / "config.json"
    if saved.is_file() and saved.read_text() != config_json:
        raise ValueError(f"{parts_dir} holds batches of another configuration; delete it or run "
                         "with the same options to resume")  # fmt: skip
    scene = load_site_scene(config)
    bs, xy, surfaces = _place(scene, config)
    scene.add(rt.Transmitter("bs", position=bs))
    atomic_write_bytes(saved, config_json.encode())
    outside = np.isnan(surfaces[:, 1])
    indoor = ~outside & (surfaces[:, 0] > surfaces[:, 1] + INDOOR_MARGIN)
    keep = ~outside & ~indoor
    points = np.column_stack([xy[keep], surfaces[keep, 1] + config.ue_height])
    starts = list(range(0, points.shape[0], config.batch_size))
    solver = rt.PathSolver()
    parts: list[dict[str, Any]] = []
    done = {"kept": 0, "los": 0}

    def status() -> str:
        return f"kept {done['kept']}, LOS {done['los']}"

    for index in progress_bar(range(len(starts)), f"tracing {config.scene}", progress, status):
        batch = points[starts[index] : starts[index] + config.batch_size]
        part_path = parts_dir / f"batch-{index:05d}.npz"
        part = _load_part(part_path, batch) if part_path.is_file() else None
        if part is None:
            part = trace_users(scene, solver, batch, config)
            _save_part(part_path, part)
        parts.append(part)
        done["kept"] += int(part["has_path"].sum())
        done["los"] += int(part["los"].sum())

    def stack(key: str, width: tuple[int, ...]) -> np.ndarray:
        return np.concatenate([p[key] for p in parts]) if parts else np.zeros(width)

    has_path = stack("has_path", (0,)).astype(bool)
    channels = torch.from_numpy(stack("channels", (0, config.rows * config.cols))[has_path])
    los = torch.from_numpy(stack("los", (0,)).astype(bool)[has_path])
    positions = torch.from_numpy(stack("positions", (0, 3))[has_path].astype(np.float64))
    if channels.shape[0] == 0:
        raise ValueError(f"no user of {config.scene} received a path; check the BS position")
    counts = {"candidates": int(xy.shape[0]), "outside": int(outside.sum()),
              "indoor": int(indoor.sum()), "no_path": int((~has_path).sum()),
              "kept": int(channels.shape[0]), "los": int(los.sum())}  # fmt: skip
    metadata = _metadata(config, scene, bs, counts, sum(float(p["seconds"]) for p in parts))
    metadata["snr_db"] = snr_summary(channels.to(torch.complex64), los)
    file = ChannelFile(channels.to(torch.complex64), metadata, positions, los)
    write_channel_file(target, file)
    for leftover in parts_dir.iterdir():
        leftover.unlink()
    parts_dir.rmdir()
    return file


def _place(scene: Any, config: SiteConfig) -> tuple[list[float], np.ndarray, np.ndarray]:
    """The BS position ``[x, y, z]`` (``bs_height`` above the ground; it may stand above a lower
    roof, as on a mast, but not under a structure), the candidate user points ``xy [N, 2]`` and
    the surfaces over them ``[N, 2]`` (``surface_heights``)."""
    bounds = scene.mi_scene.bbox()
    centre = (0.5 * (bounds.min.x + bounds.max.x), 0.5 * (bounds.min.y + bounds.max.y))
    x0, y0 = config.bs_xy or DEFAULT_BS_XY.get(config.scene) or centre
    top, ground = surface_heights(scene, np.array([[x0, y0]]))[0]
    if math.isnan(ground) or top > ground + config.bs_height:
        raise ValueError(f"the BS at ({x0:g}, {y0:g}) is outside the scene or under a structure "
                         f"(top surface {top:.1f} m); choose another BS position")  # fmt: skip
    xy = user_offsets(config).numpy() + np.array([x0, y0])
    return [float(x0), float(y0), float(ground) + config.bs_height], xy, surface_heights(scene, xy)


def _metadata(
    config: SiteConfig, scene: Any, bs: list[float], counts: dict[str, int], seconds: float
) -> dict[str, Any]:
    from importlib.metadata import version

    antennas = np.asarray(scene.tx_array.positions(scene.wavelength).numpy()).T  # [M, 3]
    return {
        "generator": "sionna-rt site (qprecode.datasets.sionna_sites)",
        "scene": config.scene,
        "config": asdict(config),
        "seed": config.seed,
        "bs_position_m": bs,
        "array": {
            "type": "UPA",
            "rows": config.rows,
            "cols": config.cols,
            "spacing_wavelengths": config.spacing,
            "plane": "y-z, boresight +x",
            "pattern": "iso",
            "polarization": "V",
            "order": "Sionna PlanarArray",
            "antenna_offsets_m": antennas.round(6).tolist(),
        },  # fmt: skip
        "carrier_hz": config.carrier_hz,
        "wavelength_m": float(np.asarray(scene.wavelength.numpy()).ravel()[0]),
        "noise_dbm": config.noise_dbm,
        "channel_scale": config.channel_scale,
        "channel_units": "noise amplitude: h = sqrt(P_tx / (L_sys N_0)) sum_i a_i "
        "exp(-j 2 pi f_c tau_i); transmit SNR 0 dB (sigma_v^2 = P_T = M) is the physical site",
        "counts": counts,
        "trace_seconds": seconds,
        "threads": _threads(),
        "versions": {pkg: version(pkg) for pkg in ("sionna-rt", "mitsuba", "drjit")},
    }


def _threads() -> int | None:
    import drjit

    try:
        return int(drjit.thread_count())
    except AttributeError:  # pragma: no cover - older drjit
        return os.cpu_count()
