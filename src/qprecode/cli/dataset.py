"""``qprecode dataset``: channel files (ray-traced sites with Sionna RT, 3GPP channels with Sionna
PHY) and their splits.

``dataset 3gpp`` generates CDL/UMi/UMa channels into a file of grouped samples, ``dataset spread``
compares the eigenvalue spread of channel files, ``dataset site`` traces a scene into a channel
file, ``dataset info`` reports the positions, LOS
share and average SNR of the train/val/test splits a training would draw groups of users from,
``dataset plot`` draws the SNR distribution and the user positions over the scene.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
import numpy as np
import torch
from rich.table import Table

from .. import _parsing
from ..datasets import LOS_SELECTIONS, FileChannel, read_channel_file
from ..datasets.h5 import write_channel_file
from ..datasets.plots import plot_eigenvalue_spread, plot_site_positions, plot_snr_distribution
from ..datasets.sionna_3gpp import (
    ARRAYS,
    MODELS,
    NORMALIZATIONS,
    ThreeGPPConfig,
    condition_number_db,
    generate_3gpp,
    normalize_channels,
    sionna_phy_unavailable_reason,
)
from ..datasets.sionna_sites import (
    generate_site,
    load_site_scene,
    scene_footprint,
    sionna_unavailable_reason,
)
from ..datasets.site_config import SiteConfig
from ..datasets.snr import calibrated_snr_db, split_snr_db, user_snr_db
from ._app import (
    check_new_data_file,
    check_output_dir,
    check_output_path,
    check_plot_path,
    cli,
    console,
    force_option,
)
from ._checks import SEED, FiniteFloat, positive_float, positive_int


@cli.group()
def dataset() -> None:
    """Channel datasets: ray-traced sites (Sionna RT), 3GPP channels (Sionna PHY), splits."""


def _pair(text: str | None, what: str) -> tuple[float, float] | None:
    if text is None:
        return None
    values = _parsing.parse_float_list(text, what)
    if len(values) != 2:
        raise ValueError(f"{what} must be two numbers X,Y, got {text!r}")
    return values[0], values[1]


def _radii(text: str) -> tuple[float, float, float]:
    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"--radii must be MIN:MAX:STEP in metres, got {text!r}")
    values = _parsing.parse_float_list(",".join(parts), "--radii")
    return values[0], values[1], values[2]


def _plots(file: Any, out_dir: Path, stem: str, footprint: np.ndarray | None) -> list[Path]:
    meta = file.metadata
    name = meta.get("scene", "site")
    snr_path, pos_path = out_dir / f"{stem}_snr.png", out_dir / f"{stem}_positions.png"
    plot_snr_distribution(user_snr_db(file.channels), file.los, snr_path,
                          f"{name}: per-user SNR at the physical transmit power")  # fmt: skip
    plot_site_positions(file.positions, file.los, pos_path, footprint, meta.get("bs_position_m"),
                        f"{name}: {file.channels.shape[0]} users by LOS")  # fmt: skip
    return [snr_path, pos_path]


def _footprint_of(scene_name: str) -> np.ndarray | None:
    if sionna_unavailable_reason() is not None:
        console.print("Sionna RT unavailable: positions drawn without the scene's structures")
        return None
    try:
        return scene_footprint(load_site_scene(SiteConfig(scene=scene_name)))
    except ValueError as err:  # a scene file that is no longer there
        console.print(f"no scene structures drawn: {err}")
        return None


@dataset.command("site")
@click.option("--scene", default="munich", show_default=True,
              help="A scene shipped with sionna-rt (munich, etoile, florence, ...) or a Mitsuba "
              "XML file.")  # fmt: skip
@click.option("--out", "out_path", required=True, help="Channel file (HDF5).",
              type=click.Path(dir_okay=False, path_type=Path),
              callback=check_output_path)  # fmt: skip
@click.option("--bs-xy", default=None,
              help="BS position X,Y [m] (default: a street/square preset for munich, etoile and "
              "florence, else the scene centre).")  # fmt: skip
@click.option("--bs-height", type=float, default=20.0, show_default=True, help="BS height [m].")
@click.option("--ue-height", type=float, default=1.5, show_default=True, help="User height [m].")
@click.option("--array", "array_text", default="8x8", show_default=True,
              help="BS planar array ROWSxCOLS (half-wavelength spacing).")  # fmt: skip
@click.option("--carrier", type=float, default=2e9, show_default=True, help="Carrier [Hz].")
@click.option("--tx-power-dbm", type=float, default=SiteConfig.tx_power_dbm, show_default=True,
              help="Total transmit power [dBm] (43 dBm = 20 W).")  # fmt: skip
@click.option("--system-loss-db", type=float, default=10.0, show_default=True)
@click.option("--bandwidth", type=float, default=20e6, show_default=True,
              help="Noise bandwidth [Hz].")  # fmt: skip
@click.option("--noise-figure-db", type=float, default=9.0, show_default=True)
@click.option("--radii", "radii_text", default="50:350:10", show_default=True,
              help="Ring radii MIN:MAX:STEP [m].")  # fmt: skip
@click.option("--angle-step", type=float, default=10.0, show_default=True,
              help="Degrees between users on a ring.")  # fmt: skip
@click.option("--jitter-draws", type=int, default=0, show_default=True,
              help="Extra jittered copies of the ring grid (more positions).")  # fmt: skip
@click.option("--max-depth", type=int, default=10, show_default=True,
              help="Most reflections per path.")  # fmt: skip
@click.option("--diffraction/--no-diffraction", default=False, show_default=True)
@click.option("--samples-per-src", type=int, default=1_000_000, show_default=True,
              help="Rays shot from the BS.")  # fmt: skip
@click.option("--batch-size", type=int, default=300, show_default=True,
              help="Receivers per PathSolver call.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True, help="Jitter and solver seed.")
@click.option("--threads", type=int, default=None, help="Dr.Jit threads (default: all cores).")
@click.option("--plot-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              callback=check_output_dir,
              help="Write <name>_snr.png and <name>_positions.png here.")  # fmt: skip
@click.option("--quiet", is_flag=True, help="No progress bar.")
@force_option()
def site(
    scene: str, out_path: Path, bs_xy: str | None, bs_height: float, ue_height: float,
    array_text: str, carrier: float, tx_power_dbm: float, system_loss_db: float,
    bandwidth: float, noise_figure_db: float, radii_text: str, angle_step: float,
    jitter_draws: int, max_depth: int, diffraction: bool, samples_per_src: int, batch_size: int,
    seed: int, threads: int | None, plot_dir: Path | None, quiet: bool,
) -> None:  # fmt: skip
    """Ray-trace a site into a channel file: users on rings around a BS, LOS flags, users with
    no path dropped and counted. Run it again after a stop to resume from the traced batches
    (OUT.parts/)."""
    rows, sep, cols = array_text.lower().partition("x")
    if not sep or not rows.isdigit() or not cols.isdigit():
        raise ValueError(f"--array must look like 8x8 (ROWSxCOLS), got {array_text!r}")
    r_min, r_max, r_step = _radii(radii_text)
    config = SiteConfig(
        scene=scene, bs_xy=_pair(bs_xy, "--bs-xy"), bs_height=bs_height, ue_height=ue_height,
        rows=int(rows), cols=int(cols), carrier_hz=carrier, tx_power_dbm=tx_power_dbm,
        system_loss_db=system_loss_db, bandwidth_hz=bandwidth, noise_figure_db=noise_figure_db,
        r_min=r_min, r_max=r_max, r_step=r_step, angle_step=angle_step,
        jitter_draws=jitter_draws, max_depth=max_depth, diffraction=diffraction,
        samples_per_src=samples_per_src, batch_size=batch_size, seed=seed,
    )  # fmt: skip
    reason = sionna_unavailable_reason()
    if reason is not None:
        raise click.ClickException(reason)
    start = time.perf_counter()
    file = generate_site(config, out_path, progress=not quiet, threads=threads)
    wall = time.perf_counter() - start
    meta, counts, snr = file.metadata, file.metadata["counts"], file.metadata["snr_db"]
    table = Table(title=f"{scene}: BS at {', '.join(f'{v:g}' for v in meta['bs_position_m'])} m")
    for col in ("candidates", "outside", "indoor", "no path", "kept", "LOS share",
                "SNR mean / p10 / median / p90 dB", "LOS / NLOS mean dB", "trace s"):  # fmt: skip
        table.add_column(col, justify="right")

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.1f}"

    table.add_row(
        str(counts["candidates"]), str(counts["outside"]), str(counts["indoor"]),
        str(counts["no_path"]), str(counts["kept"]), f"{counts['los'] / counts['kept']:.2f}",
        " / ".join(fmt(snr[k]) for k in ("mean", "p10", "median", "p90")),
        f"{fmt(snr['los_mean'])} / {fmt(snr['nlos_mean'])}", f"{meta['trace_seconds']:.0f}",
    )  # fmt: skip
    console.print(table)
    console.print(
        f"wrote {out_path} ({wall:.0f} s in this run; noise {meta['noise_dbm']:.1f} dBm; "
        "channels in noise units: transmit SNR 0 dB is the physical site)"
    )
    if plot_dir is not None:
        footprint = scene_footprint(load_site_scene(config))
        for path in _plots(file, plot_dir, out_path.stem, footprint):
            console.print(f"wrote {path}")


@dataset.command("3gpp")
@click.argument("model", type=click.Choice(MODELS))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              callback=check_new_data_file,
              help="The HDF5 channel file to write (grouped samples [N, M, K]); an existing file "
                   "is replaced only with --force.")  # fmt: skip
@click.option("-M", "--antennas", type=positive_int(), default=32, show_default=True)
@click.option("-K", "--users", type=positive_int(), default=4, show_default=True)
@click.option("--samples", type=positive_int(), default=10_000, show_default=True,
              help="Samples N.")  # fmt: skip
@click.option("--array", "array_kind", type=click.Choice(ARRAYS), default="ula",
              show_default=True,
              help="BS array: 1 x M ULA or a UPA of --upa-rows rows.")  # fmt: skip
@click.option("--upa-rows", type=positive_int(), default=4, show_default=True)
@click.option("--carrier", type=positive_float(), default=3.5e9, show_default=True,
              help="Carrier [Hz].")  # fmt: skip
@click.option("--sector-deg", type=FiniteFloat(0.0, 360.0), default=120.0, show_default=True,
              help="CDL: the users' azimuths are uniform over this sector.")  # fmt: skip
@click.option("--normalization", type=click.Choice(NORMALIZATIONS), default="user",
              show_default=True,
              help="user: every ||h_k||^2 = M (path loss removed); sample: ||H||_F^2 = MK "
                   "(relative path loss kept).")  # fmt: skip
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, callback=check_plot_path,
              help="Write the CDF of the eigenvalue spread vs i.i.d. Rayleigh "
                   "(normalised alike).")  # fmt: skip
@click.option("--quiet", is_flag=True, help="No progress bar.")
@force_option("Replace an existing --out file; write over shipped results (results/) too.")
def three_gpp(
    model: str, out_path: Path, antennas: int, users: int, samples: int, array_kind: str,
    upa_rows: int, carrier: float, sector_deg: float, normalization: str, seed: int,
    plot_path: Path | None, quiet: bool,
) -> None:  # fmt: skip
    """Generate 3GPP TR 38.901 channels (CDL-A..E, UMi, UMa; a narrowband snapshot at the BS
    array) with Sionna PHY into a channel file for `evaluate --channel-file` and training."""
    config = ThreeGPPConfig(
        model=model, antennas=antennas, users=users, samples=samples, array=array_kind,
        upa_rows=upa_rows, carrier_hz=carrier, sector_deg=sector_deg,
        normalization=normalization, seed=seed,
    )  # fmt: skip
    reason = sionna_phy_unavailable_reason()
    if reason is not None:
        raise click.ClickException(reason)
    file = generate_3gpp(config, progress=not quiet)
    write_channel_file(out_path, file)
    spread = condition_number_db(file.channels)
    rows, cols = config.array_shape
    console.print(
        f"wrote {out_path}: {samples} samples of M={antennas} ({rows}x{cols} {array_kind}), "
        f"K={users}, {model}, normalised per {normalization}; "
        f"{file.metadata['generate_seconds']:.1f} s, {out_path.stat().st_size / 2**20:.1f} MiB; "
        f"eigenvalue spread median {spread.median():.1f} dB"
    )
    if plot_path is not None:
        spreads = {model: spread, **_rayleigh_spread((samples, antennas, users), normalization,
                                                     seed)}  # fmt: skip
        plot_eigenvalue_spread(spreads, plot_path,
                               f"M={antennas} {array_kind.upper()}, K={users}")  # fmt: skip
        console.print(f"wrote {plot_path}")


def _rayleigh_spread(
    shape: tuple[int, ...], normalization: str, seed: int
) -> dict[str, torch.Tensor]:
    """The reference of the spread plots: ``condition_number_db`` of i.i.d. Rayleigh channels
    ``[N, M, K]`` normalised like the dataset."""
    generator = torch.Generator().manual_seed(seed)
    iid = torch.randn(*shape, dtype=torch.complex64, generator=generator)
    return {"i.i.d. Rayleigh": condition_number_db(normalize_channels(iid, normalization))}


@dataset.command("spread")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))  # fmt: skip
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, callback=check_plot_path,
              help="Write the CDFs, with i.i.d. Rayleigh normalised per user.")  # fmt: skip
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the Rayleigh set.")
@force_option()
def spread(paths: tuple[Path, ...], plot_path: Path | None, seed: int) -> None:
    """Eigenvalue spread of H^H H (K x K, per sample) of channel files of grouped samples,
    against i.i.d. Rayleigh channels of the same size normalised per user."""
    spreads: dict[str, torch.Tensor] = {}
    shape = None
    for path in paths:
        file = read_channel_file(path)
        if file.layout != "samples":
            raise click.BadParameter(f"{path} holds positions, not grouped samples [N, M, K]")
        if shape is not None and file.channels.shape[1:] != shape[1:]:
            raise click.BadParameter(f"{path} has M x K = {tuple(file.channels.shape[1:])}, "
                                     f"the first file {shape[1:]}")  # fmt: skip
        spreads[path.stem] = condition_number_db(file.channels)
        shape = tuple(file.channels.shape)
    assert shape is not None  # paths is required
    spreads.update(_rayleigh_spread(shape, "user", seed))
    table = Table(title=f"eigenvalue spread of H^H H [dB] (M={shape[1]}, K={shape[2]})")
    for col in ("channels", "samples", "p10", "median", "p90"):
        table.add_column(col, justify="right")
    for name, values in spreads.items():
        p10, p50, p90 = torch.quantile(values.double(), torch.tensor([0.1, 0.5, 0.9]).double())
        table.add_row(name, str(values.numel()), f"{p10:.2f}", f"{p50:.2f}", f"{p90:.2f}")
    console.print(table)
    if plot_path is not None:
        plot_eigenvalue_spread(spreads, plot_path, f"M={shape[1]}, K={shape[2]}")
        console.print(f"wrote {plot_path}")


@dataset.command("info")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--los", "los_choice", type=click.Choice(tuple(LOS_SELECTIONS)), default="all",
              show_default=True, help="Positions used: all, LOS only or NLOS only.")  # fmt: skip
@click.option("--fractions", default="0.8,0.1,0.1", show_default=True,
              help="Train,val,test fractions of the positions.")  # fmt: skip
@click.option("--split-seed", type=SEED, default=0, show_default=True)
@click.option("--snr-db", type=FiniteFloat(), default=0.0, show_default=True,
              help="Transmit SNR P_T/sigma_v^2 [dB] (0: the file's physical site).")  # fmt: skip
@click.option(
    "--target-snr-db",
    type=FiniteFloat(),
    default=None,
    help="Also print the transmit SNR that gives this average SNR on the train split.",
)
def info(
    path: Path, los_choice: str, fractions: str, split_seed: int, snr_db: float,
    target_snr_db: float | None,
) -> None:  # fmt: skip
    """Positions, LOS share and average per-user SNR of each split of a channel file (the
    position pools from which training draws groups of users, e.g. with ``FileChannel``)."""
    file = read_channel_file(path)
    parts = _parsing.parse_float_list(fractions, "--fractions")
    if len(parts) != 3 or min(parts) < 0 or abs(sum(parts) - 1) > 1e-6:
        raise ValueError(
            f"--fractions must be three numbers in [0, 1] (train, val, test) that sum to 1, "
            f"got {fractions!r}"
        )
    split_fractions = (parts[0], parts[1], parts[2])
    table = Table(title=f"{path} ({file.metadata.get('scene', '?')}, {los_choice} positions, "
                        f"transmit SNR {snr_db:g} dB)")  # fmt: skip
    for col in ("split", "positions", "LOS share", "average SNR dB"):
        table.add_column(col, justify="right")
    channels = {}
    for split in ("train", "val", "test"):
        try:
            channel = FileChannel(file, 1, split, split_fractions, split_seed,
                                  LOS_SELECTIONS[los_choice])  # fmt: skip
        except ValueError as err:  # an empty split
            table.add_row(split, "0", "-", f"- ({err})")
            continue
        channels[split] = channel
        flags = file.los[channel.pool] if file.los is not None else None
        share = "-" if flags is None else f"{flags.double().mean():.2f}"
        table.add_row(split, str(channel.pool.numel()), share,
                      f"{split_snr_db(channel, snr_db):.2f}")  # fmt: skip
    console.print(table)
    if target_snr_db is not None and "train" in channels:
        train = channels["train"]
        h = train.file.channels[train.pool]
        console.print(f"transmit SNR for an average {target_snr_db:g} dB on the train split: "
                      f"{calibrated_snr_db(h, target_snr_db):.2f} dB")  # fmt: skip


@dataset.command("plot")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              callback=check_output_dir,
              help="Folder of the PNGs (default: beside the file).")  # fmt: skip
@force_option()
def plot(path: Path, out_dir: Path | None) -> None:
    """SNR distribution and user positions (over the scene's structures when Sionna RT is
    installed) of a site channel file."""
    file = read_channel_file(path)
    if file.positions is None:
        raise ValueError(f"{path} has no user positions (not a per-position file)")
    scene = file.metadata.get("scene")
    footprint = _footprint_of(scene) if isinstance(scene, str) else None
    for written in _plots(file, out_dir or path.parent, path.stem, footprint):
        console.print(f"wrote {written}")
