import json

import pytest
import torch

from qprecode.channels import make_channel
from qprecode.evaluation import evaluate
from qprecode.models import SHIPPED_DIR, shipped_models
from qprecode.registry import build_precoder

SHIPPED = {"k1-b1": 1, "k2-b1": 2, "k2-b1-csi10": 2, "los-k1-b1": 1}


def test_the_promised_models_are_shipped_small_and_documented():
    assert set(SHIPPED) <= set(shipped_models())
    for name in SHIPPED:
        assert (SHIPPED_DIR / f"{name}.safetensors").stat().st_size < 3_000_000
        card = (SHIPPED_DIR / f"{name}.md").read_text()
        assert "## Reproduce" in card and "## Test metrics" in card
        info = json.loads((SHIPPED_DIR / f"{name}.json").read_text())
        assert info["format_version"] == 1 and info["architecture"] == "feys-gnn"
        assert info["config"]["data"]["users"] == SHIPPED[name]
        assert info["hyperparameters"]["bits"] == 1 == info["config"]["model"]["bits"]
        assert info["trained_on"]["users"] == SHIPPED[name]


@pytest.mark.parametrize(("name", "users"), sorted(SHIPPED.items()))
def test_shipped_model_beats_one_bit_linear_precoding(name, users):
    channel = make_channel("los" if name.startswith("los") else "rayleigh", 32, users)
    H = channel.sample(100, torch.Generator().manual_seed(123))
    gnn = evaluate(build_precoder(f"gnn:{name}"), H, [20.0], num_symbols=64).sum_rate[0]
    base = "mrt" if users == 1 else "zf"
    linear = evaluate(build_precoder(base, 1), H, [20.0], num_symbols=64).sum_rate[0]
    assert gnn > linear


def test_the_robust_model_beats_the_perfect_csi_one_with_estimated_channels():
    # same channels, symbols, noise and CSI errors for both (paired): -10 dB estimation NMSE
    H = make_channel("rayleigh", 32, 2).sample(300, torch.Generator().manual_seed(7))
    rates = {
        name: evaluate(build_precoder(f"gnn:{name}"), H, [20.0], num_symbols=64, seed=1,
                       csi_error_nmse_db=-10.0).sum_rate[0]
        for name in ("k2-b1", "k2-b1-csi10")
    }  # fmt: skip
    assert rates["k2-b1-csi10"] > rates["k2-b1"] + 0.05
