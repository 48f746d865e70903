"""Tables of the 3GPP channel report from the evaluate JSON files in results/channels_3gpp: the sum
rate at 20 dB (and at every SNR) of every precoder on every channel model."""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parents[2] / "results/channels_3gpp"  # the tables it reads
ORDER = ["rayleigh", "cdl-a", "cdl-c", "cdl-d", "umi", "uma", "umi-k4-sample", "cdl-c-k4-upa"]


def load(stem: str) -> dict:
    return json.loads((HERE / f"{stem}.json").read_text())


def at_snr(k: int, snr: float) -> str:
    stems = [
        s
        for s in (f"{n}-k{k}" if "-k4-" not in n else n for n in ORDER)
        if (HERE / f"{s}.json").exists() and (k == 4 or "-k4-" not in s)
    ]
    runs = {s: load(s)["results"] for s in stems}
    precoders = list(dict.fromkeys(r["precoder"] for r in runs[stems[0]]))
    lines = [f"| precoder | {' | '.join(stems)} |", "|---" * (len(stems) + 1) + "|"]
    for name in precoders:
        cells = []
        for s in stems:
            rows = [r for r in runs[s] if r["precoder"] == name and r["snr_db"] == snr]
            cells.append(f"{rows[0]['sum_rate']:.2f}" if rows else "-")
        lines.append(f"| {name} | {' | '.join(cells)} |")
    return "\n".join(lines)


for k in (1, 4):
    for snr in (0.0, 20.0):
        print(f"### K = {k}, 1-bit DACs, M = 32, SNR {snr:g} dB: sum rate [bits/channel use]\n")
        print(at_snr(k, snr) + "\n")
