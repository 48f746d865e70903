"""Throughput of the quantized GNN for both paper architectures (M=32, K=1, b=1).

Reports, for d_h=128/N_h=4 and d_h=32/N_h=8:
- inference: precoded symbol vectors per second (argmax outputs, no autograd);
- training: samples (channel-symbol pairs) per second of full training steps (ST-Gumbel forward,
  sum-rate loss, backward, Adam);
and each as a fraction of this machine's fp32 matmul FLOP/s, measured in the same process, with
the analytic FLOP count of eqs. 31-38 (``qprecode.cost.gnn_flops``; training counted as 3x the
forward pass). The paper's count evaluates the antenna and user terms of eq. 22 per edge;
qprecode computes them per node, so the FLOPs it actually performs are fewer (reported too).
``--device cuda`` measures on a GPU (its fp32 matmul peak, TF32 off, as the reference), e.g. at
the paper's batch: ``--train-batch 128 --train-symbols 125``. ``--train-micro-batch 16`` runs each
step in passes of 16 channels whose gradients add up (``optim.micro_batch`` of the training loop).

    python benchmarks/bench_gnn.py [--threads N] [--device cuda] [--json out.json]
"""

from __future__ import annotations

import argparse
import time

import torch

from qprecode.channels import RayleighChannel
from qprecode.cost import gnn_flops, gnn_matmul_macs
from qprecode.nn import GNNPrecoder, QuantizedGNN
from qprecode.results import run_metadata, write_json
from qprecode.training import FeysLoss, FeysObjective, sample_gumbel

M, K, BITS = 32, 1, 1
ARCHITECTURES = [(128, 4), (32, 8)]


def timed(fn, device: torch.device, min_seconds: float = 2.0) -> float:
    """Seconds per call, from as many calls as fit in ``min_seconds`` after one warm-up (on a
    GPU, waiting for each call's kernels)."""

    def call() -> None:
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    call()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        call()
        calls += 1
    return (time.perf_counter() - start) / calls


def matmul_peak(device: torch.device, n: int = 2048) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    return 2 * n**3 / timed(lambda: a @ b, device)


def bench_architecture(d_h: int, n_h: int, args: argparse.Namespace, peak: float) -> dict:
    """Inference and training throughput of one architecture."""
    device = torch.device(args.device)
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    model = QuantizedGNN(BITS, d_h, n_h).to(device)
    paper = gnn_flops(M, K, d_h, n_h, BITS).total
    performed = 2 * gnn_matmul_macs(M, K, d_h, n_h, BITS, per_edge=False)

    n_vec = args.inference_vectors
    H = RayleighChannel(M, K).sample(n_vec, g).to(device)
    s = torch.randn(n_vec, 1, K, dtype=torch.complex64, generator=g).to(device)
    precoder = GNNPrecoder(model)  # argmax inference in cache-sized chunks
    inf_rate = n_vec / timed(lambda: precoder(H, s), device)

    B, N_s = args.train_batch, args.train_symbols
    objective = FeysObjective(model, FeysLoss(), snr_db=20.0, total_power=float(M))
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    Ht = RayleighChannel(M, K).sample(B, g).to(device)
    st = torch.randn(B, N_s, K, dtype=torch.complex64, generator=g).to(device)
    gumbel = sample_gumbel((B, N_s, M, 2, 2**BITS), g, device)

    micro = args.train_micro_batch or B

    def step() -> None:
        opt.zero_grad()
        for start in range(0, B, micro):  # one pass unless micro-batches
            part = slice(start, start + micro)
            # ST-Gumbel levels, then the negative sum rate
            loss = objective(Ht[part], st[part], gumbel[part])
            (loss * len(Ht[part]) / B).backward()  # the passes' gradients add up to the batch's
        opt.step()

    step_seconds = timed(step, device)
    train_rate = B * N_s / step_seconds
    print(
        f"d_h={d_h:3d} N_h={n_h}: {paper / 1e6:.2f} MFLOP/vector (eqs. 31-38; "
        f"{performed / 1e6:.2f} MFLOP of matmuls performed)\n"
        f"   inference {inf_rate:10,.0f} vectors/s = {100 * inf_rate * paper / peak:5.1f}% "
        f"of matmul peak\n"
        f"   training  {train_rate:10,.0f} samples/s = {300 * train_rate * paper / peak:5.1f}% "
        f"of matmul peak (3x forward FLOPs), {1 / step_seconds:.1f} steps/s of {B} x {N_s}"
        + (f" in passes of {micro}" if micro < B else "")
    )
    return {
        "d_h": d_h, "N_h": n_h, "paper_flops_per_vector": paper,
        "performed_matmul_flops_per_vector": performed,
        "inference_vectors_per_second": inf_rate,
        "inference_fraction_of_peak": inf_rate * paper / peak,
        "training_samples_per_second": train_rate,
        "training_steps_per_second": 1 / step_seconds,
        "training_fraction_of_peak": 3 * train_rate * paper / peak,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--inference-vectors", type=int, default=8192)
    parser.add_argument("--train-batch", type=int, default=64, help="channels per step")
    parser.add_argument("--train-symbols", type=int, default=32, help="N_s per channel")
    parser.add_argument("--train-micro-batch", type=int, default=None,
                        help="channels per pass (default: the whole batch)")  # fmt: skip
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    peak = matmul_peak(device)
    cuda = device.type == "cuda"
    where = torch.cuda.get_device_name(device) if cuda else f"{args.threads} threads"
    print(f"fp32 matmul peak: {peak / 1e9:.1f} GFLOP/s ({where})")
    records = [bench_architecture(d_h, n_h, args, peak) for d_h, n_h in ARCHITECTURES]
    if args.json:
        write_json(args.json, {"config": vars(args), "meta": run_metadata(),
                               "matmul_peak_flops": peak, "results": records})  # fmt: skip


if __name__ == "__main__":
    main()
