import json

import pytest
import torch

from qprecode.channels import make_channel
from qprecode.evaluation import evaluate
from qprecode.models import SHIPPED_DIR, shipped_models
from qprecode.registry import build_precoder

pytestmark = pytest.mark.slow  # trains models, runs sweeps or solves WMMSE on sites

SHIPPED = {  # name: (users, bits)
    "k1-b1": (1, 1), "k1-b1-cpu": (1, 1), "k1-b1-distilled": (1, 1), "k1-b2": (1, 2),
    "k1-b3": (1, 3), "k1-b4": (1, 4), "k2-b1": (2, 1), "k2-b1-csi10": (2, 1), "k4-b1": (4, 1),
    "los-k1-b1": (1, 1),
}  # fmt: skip


def test_the_promised_models_are_shipped_small_and_documented():
    assert set(SHIPPED) <= set(shipped_models())
    for name, (users, bits) in SHIPPED.items():
        assert (SHIPPED_DIR / f"{name}.safetensors").stat().st_size < 3_000_000
        card = (SHIPPED_DIR / f"{name}.md").read_text()
        assert "## Reproduce" in card and "## Test metrics" in card
        info = json.loads((SHIPPED_DIR / f"{name}.json").read_text())
        assert info["format_version"] == 1 and info["architecture"] == "feys-gnn"
        assert info["config"]["data"]["users"] == users == info["trained_on"]["users"]
        assert info["hyperparameters"]["bits"] == bits == info["config"]["model"]["bits"]


@pytest.mark.parametrize(("name", "users", "bits"), [(n, *kb) for n, kb in sorted(SHIPPED.items())])
def test_shipped_model_beats_linear_precoding_with_as_many_bits(name, users, bits):
    channel = make_channel("los" if name.startswith("los") else "rayleigh", 32, users)
    H = channel.sample(100, torch.Generator().manual_seed(123))
    gnn = evaluate(build_precoder(f"gnn:{name}"), H, [20.0], num_symbols=64).sum_rate[0]
    base = "mrt" if users == 1 else "zf"
    linear = evaluate(build_precoder(base, bits), H, [20.0], num_symbols=64).sum_rate[0]
    assert gnn > linear


@pytest.mark.parametrize("name", ["k1-b1", "k1-b1-cpu"])  # trained on a GPU; on 2 CPU cores
def test_the_one_bit_gnn_beats_three_bit_mrt(name):
    # Feys et al.'s headline, on channels and symbols the model never saw (paired: same ones)
    H = make_channel("rayleigh", 32, 1).sample(300, torch.Generator().manual_seed(5))
    gnn = evaluate(build_precoder(f"gnn:{name}"), H, [20.0], num_symbols=125)
    mrt3 = evaluate(build_precoder("mrt", 3), H, [20.0], num_symbols=125)
    assert gnn.sum_rate[0] > mrt3.sum_rate[0] and gnn.nmse_db[0] < -20.0


@pytest.mark.parametrize("bits", [2, 3])
def test_the_k1_gnn_beats_mrt_with_one_bit_more(bits):
    # Table I's pattern (paired: same channels and symbols): b-bit GNN below (b+1)-bit MRT's NMSE
    H = make_channel("rayleigh", 32, 1).sample(300, torch.Generator().manual_seed(5))
    gnn = evaluate(build_precoder(f"gnn:k1-b{bits}"), H, [20.0], num_symbols=125)
    mrt = evaluate(build_precoder("mrt", bits + 1), H, [20.0], num_symbols=125)
    assert gnn.nmse_db[0] < mrt.nmse_db[0] and gnn.sum_rate[0] > mrt.sum_rate[0]


def test_the_four_user_gnn_beats_squid():
    # the bar of gnn:k4-b1: above the best classical 1-bit precoder of its class (paired)
    H = make_channel("rayleigh", 32, 4).sample(300, torch.Generator().manual_seed(5))
    gnn = evaluate(build_precoder("gnn:k4-b1"), H, [20.0], num_symbols=125)
    squid = evaluate(build_precoder("squid", 1), H, [20.0], num_symbols=125)
    assert gnn.sum_rate[0] > squid.sum_rate[0]


def test_the_robust_model_beats_the_perfect_csi_one_with_estimated_channels():
    # same channels, symbols, noise and CSI errors for both (paired): -10 dB estimation NMSE
    H = make_channel("rayleigh", 32, 2).sample(300, torch.Generator().manual_seed(7))
    rates = {
        name: evaluate(build_precoder(f"gnn:{name}"), H, [20.0], num_symbols=64, seed=1,
                       csi_error_nmse_db=-10.0).sum_rate[0]
        for name in ("k2-b1", "k2-b1-csi10")
    }  # fmt: skip
    assert rates["k2-b1-csi10"] > rates["k2-b1"] + 0.05


STRUCTURED = {  # name: (channel file or model, LOS selection, SNR [dB])
    "munich-k4-w2": ("data/samples/munich-j4.h5", "nlos", -21.5),
    "etoile-k4-w2": ("data/samples/etoile.h5", "los", -35.0),
    "rayleigh-k4-w2": ("rayleigh", None, -4.0),
}


@pytest.mark.parametrize("name", sorted(STRUCTURED))
def test_the_structured_dnns_reach_wmmse_on_unseen_channels(name):
    """The bar of the shipped structured networks (2-bit LSQ weights): >= 95 % of the strongest
    WMMSE (four starts) and RZF with equal power per user within 0.1 % (on Rayleigh RZF-eq is
    WMMSE to four digits); the site networks, with user selection, >= 98 % and strictly above
    RZF-eq. On test groups of users at positions the network never saw (new groups: another
    seed than its test set's)."""
    from qprecode.datasets import LOS_SELECTIONS, FileChannel
    from qprecode.metrics import noise_variance, sinr_from_matrix, sum_rate
    from qprecode.precoders import WMMSE, rzf_matrix

    source, los, snr_db = STRUCTURED[name]
    generator = torch.Generator().manual_seed(11)
    if source == "rayleigh":
        H = make_channel("rayleigh", 64, 4).sample(200, generator)
    else:
        H = FileChannel(source, 4, "test", los=LOS_SELECTIONS[los]).sample(40, generator)
    info = json.loads((SHIPPED_DIR / f"{name}.json").read_text())
    assert info["architecture"] == "kasalaee-structured"
    assert info["hyperparameters"]["weight_bits"] == [2, 2, 2, 2]
    assert (SHIPPED_DIR / f"{name}.safetensors").stat().st_size < 3_000_000
    H = H.to(torch.complex128)
    noise = noise_variance(snr_db, 64.0)
    rate = sum_rate(sinr_from_matrix(H, build_precoder(f"dnn:{name}").matrix(H), noise)).mean()
    wmmse = WMMSE(snr_db, total_power=64.0).solve(H).objective.mean()
    rzf = sum_rate(sinr_from_matrix(H, rzf_matrix(H, 64.0, noise, "per-user"), noise)).mean()
    assert rate >= 0.95 * wmmse
    assert rate >= rzf - 1e-3 * rzf
    if source != "rayleigh":
        assert info["hyperparameters"]["user_selection"]
        assert rate >= 0.98 * wmmse and rate > rzf


def test_the_zhang_gnns_reach_their_references_on_new_channels():
    """``zhang:gradient-k4-n12`` (fully digital, N = 12, K = 4, i.i.d. Rayleigh, 10 dB) at >= 99 %
    of WMMSE, the deep-unfolded WMMSE ``zhang:unfolded-wmmse-k4-n12`` at >= 99.5 %, Pinv-GNN
    ``zhang:pinv-k4-n12`` at >= 98 %, and ``zhang:hybrid-k4-n16`` (N = 16, N_RF = K = 4,
    Saleh-Valenzuela, 10 dB) at >= 85 % of MO-AltMin, on channels of another seed than their test
    sets'; closed-form SINR."""
    from qprecode.evaluation import closed_form_rates
    from qprecode.metrics import noise_variance

    cases = (("gradient-k4-n12", "rayleigh", 12, "wmmse", 0.99, 200),
             ("unfolded-wmmse-k4-n12", "rayleigh", 12, "wmmse", 0.995, 200),
             ("pinv-k4-n12", "rayleigh", 12, "wmmse", 0.98, 200),
             ("hybrid-k4-n16", "sv", 16, "mo-altmin", 0.85, 60))  # fmt: skip
    for name, channel, M, reference, bar, count in cases:
        info = json.loads((SHIPPED_DIR / f"{name}.json").read_text())
        assert (
            info["architecture"].startswith("zhang-")
            and "## Test metrics" in (SHIPPED_DIR / f"{name}.md").read_text()
        )
        assert (SHIPPED_DIR / f"{name}.safetensors").stat().st_size < 3_000_000
        H = make_channel(channel, M, 4).sample(count, torch.Generator().manual_seed(21))
        noise = [noise_variance(10.0, float(M))]
        gnn = closed_form_rates(build_precoder(f"zhang:{name}"), H, noise).mean()
        ref = closed_form_rates(build_precoder(reference, snr_db=10.0), H, noise).mean()
        assert gnn >= bar * ref, (name, float(gnn), float(ref))


def test_the_csi_studys_compressed_dnns_are_shipped_with_cards_and_near_mrt():
    """``dnn:c8-d512-m32-k1`` and ``-k4`` (the Kasalaee paper's smallest network, FP32, used by
    ``reproduce studies:csi``): their cards, and the closed-form rate at 20 dB that the study
    shows (within 1 % of MRT at K = 1, about 90 % of it at K = 4), on new channels."""
    from qprecode.evaluation import closed_form_rates
    from qprecode.metrics import noise_variance

    for users, bar in ((1, 0.99), (4, 0.85)):
        name = f"c8-d512-m32-k{users}"
        info = json.loads((SHIPPED_DIR / f"{name}.json").read_text())
        assert info["architecture"] == "kasalaee-dnn" and info["trained_on"]["users"] == users
        assert "## Reproduce" in (SHIPPED_DIR / f"{name}.md").read_text()
        assert (SHIPPED_DIR / f"{name}.safetensors").stat().st_size < 4_000_000
        H = make_channel("rayleigh", 32, users).sample(300, torch.Generator().manual_seed(21))
        noise = [noise_variance(20.0, 32.0)]
        dnn = closed_form_rates(build_precoder(f"dnn:{name}"), H, noise).mean()
        mrt = closed_form_rates(build_precoder("mrt"), H, noise).mean()
        assert bar * mrt <= dnn <= 1.01 * mrt, (name, float(dnn), float(mrt))
