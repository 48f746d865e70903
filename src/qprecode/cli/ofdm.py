"""``qprecode ofdm``: linear precoders with low-resolution DACs on MU-MIMO-OFDM, and the
non-linear wideband local search (``ls-ofdm``): rate per subcarrier, simulated SNDR against the
Bussgang model, out-of-band emission, EVM, BER and the coded BLER of a 5G-NR LDPC code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .. import _parsing
from .._validation import check_device
from ..dac import DAC
from ..metrics import MODULATIONS
from ..ofdm import DELAY_PROFILES, OFDMGrid, TappedDelayLineChannel
from ..ofdm.coded import LDPCCode
from ..ofdm.evaluate import WidebandPrecoder, evaluate_ofdm
from ..ofdm.local_search import OFDMLocalSearch
from ..ofdm.plots import plot_ofdm_psd, plot_ofdm_rates, plot_ofdm_snr
from ..precoders import MatrixPrecoder
from ..registry import build_precoder, entries, find_entry
from ..results import bits_json, run_metadata, write_json
from ._app import (
    antennas_option,
    bits_label,
    bits_option,
    cli,
    console,
    dac_option,
    force_option,
    json_option,
    plot_option,
)

_LINEAR = ", ".join(e.name for e in entries(include_learned=False) if None in e.bits)
# the wideband precoders of the ofdm package, which act on the time samples themselves
_WIDEBAND = ("ls-ofdm",)


def _precoder(name: str, bits: int | None, dac_kind: str, sweeps: int) -> WidebandPrecoder:
    """``ls-ofdm`` at ``bits``, or the linear precoder ``name`` (``_linear_precoder``)."""
    if name != "ls-ofdm":
        return _linear_precoder(name)
    if bits is None:
        raise ValueError(
            "--precoder ls-ofdm searches the DAC levels and needs finite --bits, got inf"
        )
    return OFDMLocalSearch(bits, sweeps, dac_kind=dac_kind)


def _linear_precoder(name: str) -> MatrixPrecoder:
    """The unquantized matrix precoder ``name``, or a one-line error naming the linear ones."""
    if name in _WIDEBAND:
        raise ValueError(f"{name} is not a linear precoder")  # pragma: no cover - guarded
    entry = find_entry(name)
    built = None
    if None in entry.bits or entry.kind == "learned":
        built = build_precoder(name, None)
    if not isinstance(built, MatrixPrecoder):
        raise ValueError(
            f"--precoder {name}: ofdm applies a precoding matrix W(H) on every subcarrier, and "
            f"{name} is {entry.kind} without one; choose from {_LINEAR}, or ls-ofdm"
        )
    return built


def _db_cell(value: float | None, floor: float | None = None, ceiling: float | None = None) -> str:
    """A dB figure; beyond +-100 dB it is float rounding of a silent band (unquantized DACs)."""
    if value is None:
        return "-"
    if floor is not None and value < floor:
        return f"< {floor:g}"
    if ceiling is not None and value > ceiling:
        return f"> {ceiling:g}"
    return f"{value:.1f}"


@cli.command()
@click.option(
    "--precoder",
    "precoders",
    default="zf",
    show_default=True,
    help=f"Comma list of linear precoders, applied per subcarrier: {_LINEAR}; or ls-ofdm, the "
    "local search over the time-domain DAC levels (finite bits).",
)
@click.option(
    "--ls-sweeps",
    type=int,
    default=3,
    show_default=True,
    help="ls-ofdm: passes over every antenna's time samples.",
)
@bits_option
@dac_option
@antennas_option
@click.option("--users", "-K", type=int, default=4, show_default=True, help="Users K.")
@click.option(
    "--subcarriers",
    "used",
    type=int,
    default=64,
    show_default=True,
    help="Used (data) subcarriers S, centred on DC.",
)
@click.option(
    "--oversampling",
    "oversampling_text",
    default="1,2,4",
    show_default=True,
    help="Comma list of oversampling ratios N/S (FFT size N = ratio x S; the rest of "
    "the N bins is guard band).",
)
@click.option(
    "--taps",
    type=int,
    default=8,
    show_default=True,
    help="Channel taps L (at the sampling period of the unoversampled signal).",
)
@click.option(
    "--profile",
    type=click.Choice(DELAY_PROFILES),
    default="uniform",
    show_default=True,
    help="Power-delay profile of the taps.",
)
@click.option(
    "--decay-db",
    type=float,
    default=3.0,
    show_default=True,
    help="Per-tap attenuation of the exponential profile, dB.",
)
@click.option(
    "--snr-db",
    "snr_text",
    default="10",
    show_default=True,
    help="SNR points P_T/sigma^2 per subcarrier in dB: start:stop:step, a comma list or one value.",
)
@click.option(
    "--channels",
    "num_channels",
    type=int,
    default=20,
    show_default=True,
    help="Channel realisations.",
)
@click.option(
    "--ofdm-symbols",
    "num_symbols",
    type=int,
    default=64,
    show_default=True,
    help="OFDM symbols T per channel (the per-subcarrier Bussgang fit; T > K).",
)
@click.option(
    "--modulation",
    type=click.Choice(list(MODULATIONS)),
    default="gaussian",
    show_default=True,
    help="Symbols: CN(0,1), or QAM (adds the uncoded BER).",
)
@click.option(
    "--code-rate",
    type=float,
    default=None,
    help="QAM only: send 5G-NR LDPC code words of this rate (Sionna PHY, the qprecode[sionna] "
    "extra) and report the block error rate.",
)
@click.option(
    "--code-length",
    type=int,
    default=1024,
    show_default=True,
    help="LDPC code word length n in bits.",
)
@click.option(
    "--ldpc-iterations",
    type=int,
    default=20,
    show_default=True,
    help="Belief-propagation iterations of the LDPC decoder.",
)
@click.option(
    "--ldpc-device",
    default=None,
    help="torch device of the LDPC decoder (default: --device), e.g. cuda with the chain on cpu.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of channels, symbols and noise."
)
@click.option(
    "--batch-size",
    type=int,
    default=8,
    show_default=True,
    help="Channels per chunk (memory ~ batch x T x N x M complex samples).",
)
@click.option("--device", default="cpu", show_default=True, help="torch device, e.g. cpu or cuda.")
@json_option("results (rates, SNDR of model and simulation, spectra, EVM, BER)")
@plot_option(
    "Write rate vs bits per oversampling (PNG); the spectrum goes to NAME_psd.png, rate (and "
    "BLER) vs SNR to NAME_snr.png."
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
@force_option()
def ofdm(
    precoders: str,
    ls_sweeps: int,
    bits_text: str,
    dac_kind: str,
    antennas: int,
    users: int,
    used: int,
    oversampling_text: str,
    taps: int,
    profile: str,
    decay_db: float,
    snr_text: str,
    num_channels: int,
    num_symbols: int,
    modulation: str,
    code_rate: float | None,
    code_length: int,
    ldpc_iterations: int,
    ldpc_device: str | None,
    seed: int,
    batch_size: int,
    device: str,
    json_path: Path | None,
    plot_path: Path | None,
    quiet: bool,
) -> None:
    """Linear precoding per subcarrier, IFFT and low-resolution DACs on the time samples
    (Jacobsson et al., IEEE TWC 2019), or the local search over the time-domain DAC levels
    (ls-ofdm): sum rate per subcarrier from a simulation of the chain and (linear precoders) from
    its Bussgang model, their SNDR gap, out-of-band emission, EVM, uncoded BER and coded BLER."""
    names = _parsing.parse_name_list(precoders)
    bits_list = _parsing.parse_bits_list(bits_text)
    ratios = _parsing.parse_int_range(oversampling_text, "--oversampling")
    snrs = _parsing.parse_snr_range(snr_text)
    for value, option in ((antennas, "--antennas"), (users, "--users"), (used, "--subcarriers"),
                          (taps, "--taps"), (num_channels, "--channels"),
                          (batch_size, "--batch-size"), (ls_sweeps, "--ls-sweeps")):  # fmt: skip
        if value < 1:
            raise ValueError(f"{option} must be a positive integer, got {value}")
    if taps > used:
        raise ValueError(f"--taps {taps} exceeds --subcarriers {used}; need L <= S")
    if num_symbols <= users:
        raise ValueError(
            f"--ofdm-symbols must exceed --users {users} (the per-subcarrier Bussgang fit), "
            f"got {num_symbols}"
        )
    linear = {name: _linear_precoder(name) for name in names if name not in _WIDEBAND}
    wideband = [name for name in names if name in _WIDEBAND]
    if wideband and None in bits_list:
        raise ValueError(
            "--precoder ls-ofdm searches the DAC levels and needs finite --bits, got inf"
        )
    zero_forcing = any("K <= M" in find_entry(n).needs for n in linear) or wideband
    if zero_forcing and users > antennas:
        raise ValueError(f"zero forcing needs --users <= --antennas, got {users} > {antennas}")
    if code_rate is not None and modulation == "gaussian":
        raise ValueError("--code-rate needs QAM symbols: add --modulation qpsk, 16qam or 64qam")
    dev = check_device(device)
    code = None
    if code_rate is not None:
        decoder = dev if ldpc_device is None else check_device(ldpc_device)
        code = LDPCCode(code_rate, code_length, ldpc_iterations, decoder)
    channel = TappedDelayLineChannel(antennas, users, taps, profile, decay_db)

    records: list[dict[str, Any]] = []
    for name in names:
        for bits in bits_list:
            precoder = _precoder(name, bits, dac_kind, ls_sweeps)
            dac = DAC(bits, dac_kind)
            for ratio in ratios:
                grid = OFDMGrid.from_oversampling(used, ratio)
                label = f"{name} {bits_label(bits)}-bit N/S={ratio}"
                points = evaluate_ofdm(
                    precoder, grid, channel, dac, snrs, num_channels, num_symbols, seed,
                    modulation, batch_size, dev, not quiet, label, code,
                )  # fmt: skip
                base = {"precoder": name, "bits": bits_json(bits), "oversampling": ratio,
                        "fft_size": grid.fft_size, "used": used}  # fmt: skip
                records += [{**base, **vars(point)} for point in points]
    bits_per_point = num_channels * num_symbols * used * users * MODULATIONS[modulation]
    _print_table(records, bits_per_point)
    config = {
        "command": "ofdm", "precoders": names, "bits": [bits_json(b) for b in bits_list],
        "dac": dac_kind, "antennas": antennas, "users": users, "subcarriers": used,
        "oversampling": ratios, "taps": taps, "profile": profile,
        "decay_db": decay_db if profile == "exponential" else None, "snr_db": snrs,
        "channels": num_channels, "ofdm_symbols": num_symbols, "modulation": modulation,
        "seed": seed, "device": device, "ls_sweeps": ls_sweeps if wideband else None,
        "code": None if code is None else {"rate": code_rate, "k": code.info_bits,
                                           "n": code_length, "iterations": ldpc_iterations,
                                           "device": str(code.device),
                                           "decoder": "Sionna PHY LDPC5GDecoder (boxplus)"},
    }  # fmt: skip
    if json_path is not None:
        write_json(json_path, {"config": config, "meta": run_metadata(), "results": records})
        console.print(f"wrote {json_path}")
    if plot_path is not None:
        title = (f"M={antennas}, K={users}, S={used}, L={taps} ({profile}), {num_channels} "
                 f"channels x {num_symbols} OFDM symbols, seed {seed}")  # fmt: skip
        plot_ofdm_rates(records, plot_path, title)
        console.print(f"wrote {plot_path}")
        psd_path = plot_path.with_name(f"{plot_path.stem}_psd{plot_path.suffix}")
        first = [r for r in records if r["precoder"] == names[0] and r["snr_db"] == snrs[0]]
        plot_ofdm_psd(first, psd_path, f"{names[0]}, M={antennas}, K={users}, S={used}")
        console.print(f"wrote {psd_path}")
        snr_path = plot_path.with_name(f"{plot_path.stem}_snr{plot_path.suffix}")
        plot_ofdm_snr(records, snr_path, title)
        console.print(f"wrote {snr_path}")


def _rate_cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _gap_cell(gap: float | None, worst: float | None) -> str:
    return "-" if gap is None or worst is None else f"{gap:+.2f} ({worst:.2f})"


def _print_table(records: list[dict[str, Any]], simulated_bits: int) -> None:
    """One row per configuration and SNR point; a BER column when bits were simulated (a zero
    BER shows as ``< 1/bits``, an upper bound), a BLER column when code words were (likewise).
    A non-linear precoder has no Bussgang model: ``-`` in the model's columns."""
    with_ber = simulated_bits > 0
    with_bler = any(r["bler"] is not None for r in records)
    table = Table(
        title=r"OFDM: sum rate per subcarrier \[bits/use], SNDR of simulation vs Bussgang model, "
        "out-of-band emission",
        caption="sim: Monte-Carlo of the chain; exact: Bussgang model with the DAC's Gaussian "
        "output correlation; diag: white-distortion approximation. gap = sim - model, mean "
        "(max over subcarriers). OOB: guard-band over in-band density.",
    )
    columns = ["precoder", "bits", "N/S", r"SNR \[dB]", "rate sim", "rate exact", "rate diag",
               r"gap exact \[dB]", r"gap diag \[dB]", r"OOB \[dB]", r"ACLR \[dB]",
               "EVM %"]  # fmt: skip
    extra = [*(["BER"] if with_ber else []), *(["BLER"] if with_bler else [])]
    for column in [*columns, *extra]:
        table.add_column(column, justify="right")
    for r in records:
        gap, worst = r["sndr_gap_db"], r["sndr_gap_max_db"]
        row = [
            r["precoder"], str(r["bits"]), str(r["oversampling"]), f"{r['snr_db']:g}",
            f"{r['sum_rate']['sim']:.2f} ± {r['sum_rate_sem']:.2f}",
            _rate_cell(r["sum_rate"]["exact"]), _rate_cell(r["sum_rate"]["diagonal"]),
            _gap_cell(gap["exact"], worst["exact"]),
            _gap_cell(gap["diagonal"], worst["diagonal"]),
            _db_cell(r["guard_to_inband_db"]["sim"], floor=-100.0),
            _db_cell(r["aclr_db"]["sim"], ceiling=100.0),
            f"{r['evm_mean_percent']:.1f}",
        ]  # fmt: skip
        if with_ber:
            ber = r["ber"]
            row.append(f"< {1 / simulated_bits:.1e}" if ber == 0 else f"{ber:.2e}")
        if with_bler:
            bler, blocks = r["bler"], r["blocks"]
            row.append(f"< {1 / blocks:.1e}" if bler == 0 else f"{bler:.2e}")
        table.add_row(*row)
    console.print(table)
