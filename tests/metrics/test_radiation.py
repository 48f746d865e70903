import torch

from qprecode.channels import LOSChannel
from qprecode.evaluation import gaussian_symbols
from qprecode.metrics import normalize_average_power, radiation_pattern
from qprecode.registry import build_precoder
from tests.conftest import generator

GRID = torch.arange(0.0, 180.25, 0.25)


def pattern(bits, angles, M=32, N_s=4000, name="mrt"):
    H = LOSChannel(M, len(angles), angles_deg=angles, dtype=torch.complex128).sample(1, generator())
    s = gaussian_symbols(1, N_s, len(angles), seed=0, dtype=torch.complex128)
    y = normalize_average_power(build_precoder(name, bits)(H, s), float(M))
    return radiation_pattern(y, s, GRID.double()), s


def test_unquantized_mrt_beam_points_at_user_with_full_array_gain():
    pat, s = pattern(None, [110.0])
    assert GRID[pat.linear[0].argmax()].item() == 110.0
    # P_lin(phi_user) = M P_T / mean|s|^2 (eq. 15 scales by the sample symbol power)
    peak = pat.linear[0, GRID == 110.0].item()
    assert abs(peak - 32 * 32 / (s.abs() ** 2).mean().item()) < 1e-6 * peak
    assert pat.distortion.max() < 1e-20


def test_one_bit_broadside_user_has_uniform_sdr():
    # at 90 degrees every antenna sees the same signal, so the 1-bit outputs are identical and
    # the distortion gets exactly the beamforming gain of the signal (Fig. 3a of Feys et al.)
    pat, _ = pattern(1, [90.0])
    lobes = pat.linear[0] > 1e-9 * pat.linear[0].max()  # away from the exact nulls (0 / 0)
    sdr_db = 10 * torch.log10(pat.sdr[0, lobes])
    assert lobes.float().mean() > 0.9
    assert (sdr_db.max() - sdr_db.min()) < 1e-6


def test_one_bit_distortion_beamed_to_user_for_generic_angle():
    pat, _ = pattern(1, [110.0])
    sdr_db = 10 * torch.log10(pat.sdr[0])
    assert GRID[pat.distortion[0].argmax()].item() == 110.0  # distortion peaks at the user
    assert sdr_db[GRID == 110.0].item() > sdr_db.median().item()


def test_distortion_spreads_out_with_more_users():
    # Sect. III: the more users, the more uniform the distortion pattern
    def spread(angles):
        pat, _ = pattern(1, angles, name="zf")
        d = pat.distortion[0]
        return (d.max() / d.mean()).item()

    assert spread([25.0, 55.0, 85.0, 110.0, 135.0, 155.0]) < spread([110.0])
