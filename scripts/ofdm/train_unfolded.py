"""Train the unfolded 1-bit wideband precoder (``qprecode.ofdm.unfolded``) on the in-band
objective and compare it, on the same held-out channels, with quantized ZF and the local search
(``ls-ofdm``): normalised in-band objective ``J / ||s||^2`` (noise-free), simulated sum rate per
subcarrier at a few SNR points, and the time per call on this machine.

Training: Adam on the soft output's objective, a fresh batch of channels and Gaussian symbols per
step (seeded), the hard output's objective on validation channels every ``--eval-every`` steps,
the best weights kept (early stopping: the soft output's objective and the hard one part ways as
the temperatures grow).

    python scripts/ofdm/train_unfolded.py [--steps 40] [--layers 8] [--straight-through]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import copy
import math
import time

import torch

from qprecode.dac import DAC
from qprecode.metrics import noise_variance
from qprecode.ofdm import (
    OFDMGrid,
    OFDMLocalSearch,
    OFDMTransmitter,
    TappedDelayLineChannel,
    frequency_response,
    measure_output,
    sndr,
)
from qprecode.ofdm.evaluate import draw_ofdm_symbols
from qprecode.ofdm.unfolded import UnfoldedOFDM, in_band_objective
from qprecode.precoders import zf_matrix
from qprecode.results import run_metadata, write_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--antennas", type=int, default=32)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--subcarriers", type=int, default=64)
    parser.add_argument("--oversampling", type=int, default=2)
    parser.add_argument("--taps", type=int, default=8)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--symbols", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--eval-every", type=int, default=5)
    parser.add_argument("--test-channels", type=int, default=8)
    parser.add_argument("--test-symbols", type=int, default=64)
    parser.add_argument("--snr-db", default="0,10,20,30")
    parser.add_argument("--straight-through", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    M, K, S = args.antennas, args.users, args.subcarriers
    grid = OFDMGrid.from_oversampling(S, args.oversampling)
    channel = TappedDelayLineChannel(M, K, args.taps)

    def draw(n: int, symbols: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        H = frequency_response(channel.sample(n, torch.Generator().manual_seed(seed)), grid)
        return H, draw_ofdm_symbols(n, symbols, S, K, seed)[0]

    torch.manual_seed(args.seed)  # the parameters' initialisation is deterministic anyway
    H_val, s_val = draw(args.batch, args.symbols, 10_000 + args.seed)
    net = UnfoldedOFDM(args.layers, straight_through=args.straight_through)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)

    def validate() -> float:
        with torch.no_grad():
            return float(in_band_objective(H_val, net(H_val, s_val, grid), s_val, grid).mean())

    best, best_state, best_step, history = validate(), copy.deepcopy(net.state_dict()), 0, []
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        H, s = draw(args.batch, args.symbols, 1_000 * args.seed + step)
        loss = in_band_objective(H, net(H, s, grid, soft=True), s, grid).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % args.eval_every == 0:
            value = validate()
            history.append({"step": step, "train_soft": loss.item(), "val_hard": value})
            print(f"step {step:4d}  soft {loss.item():.4f}  validation (hard) {value:.4f}")
            if value < best:
                best, best_state, best_step = value, copy.deepcopy(net.state_dict()), step
    train_seconds = time.perf_counter() - start
    net.load_state_dict(best_state)
    print(f"trained in {train_seconds:.0f} s; best validation {best:.4f} at step {best_step}")

    # held-out test channels (the seed stream of qprecode ofdm's seed 0 is not reused)
    H, s = draw(args.test_channels, args.test_symbols, 20_000 + args.seed)
    ls = OFDMLocalSearch(1, 3, math.inf)
    outputs, seconds = {}, {}
    for name, run in (
        ("zf", lambda: OFDMTransmitter(grid, DAC(1))(zf_matrix(H, float(M)), s)),
        ("unfolded", lambda: net(H, s, grid)),
        ("ls-ofdm", lambda: ls(H, s, grid)),
    ):
        with torch.no_grad():
            run()  # warm-up (Numba's compilation)
            t0 = time.perf_counter()
            outputs[name] = run()
            seconds[name] = time.perf_counter() - t0
    samples = args.test_channels * args.test_symbols * grid.fft_size
    snrs = [float(x) for x in args.snr_db.split(",")]
    results = {}
    for name, y in outputs.items():
        terms = measure_output(H, y, s, grid).terms
        objective = float(in_band_objective(H, y, s, grid).mean())
        rates = {
            snr: float(torch.log2(1 + sndr(terms, noise_variance(snr, float(M)))).sum(-1).mean())
            for snr in snrs
        }
        results[name] = {
            "objective": objective,
            "objective_db": 10 * math.log10(objective),
            "sum_rate": rates,
            "samples_per_second": samples / seconds[name],
        }
        line = "  ".join(f"{snr:g} dB: {r:.2f}" for snr, r in rates.items())
        print(f"{name:>9}: J/|s|^2 {objective:.4f} ({10 * math.log10(objective):.1f} dB)  "
              f"sum rate {line}  {samples / seconds[name]:,.0f} samples/s")  # fmt: skip
    if args.json:
        config = vars(args) | {"fft_size": grid.fft_size, "threads": torch.get_num_threads()}
        write_json(args.json, {
            "config": config, "meta": run_metadata(), "train_seconds": train_seconds,
            "best_step": best_step, "history": history,
            "parameters": {"step": net.step.tolist(),
                           "temperature": net.log_temperature.exp().tolist()},
            "results": results,
        })  # fmt: skip
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
