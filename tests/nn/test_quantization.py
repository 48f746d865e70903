import math

import pytest
import torch
from torch import nn

from qprecode.nn import (
    LSQQuantizer,
    QuantConv2d,
    QuantLinear,
    fixed_point,
    initialize_steps,
    lsq_quantize,
    ptq_,
    quant_layers,
)
from tests.conftest import generator


def values(n=2000, scale=1.0, seed=0, dtype=torch.float64):
    return scale * torch.randn(n, generator=generator(seed), dtype=dtype)


def lsq_step_gradient(v, s, q_n, q_p):
    """The three regions of d v_hat / d s (Esser et al., eq. 3)."""
    x = v / s
    return torch.where(
        x <= -q_n,
        -float(q_n) * torch.ones_like(x),
        torch.where(x >= q_p, float(q_p), x.round() - x),
    )


@pytest.mark.parametrize(("bits", "signed"), [(2, True), (4, True), (8, True), (3, False)])
def test_outputs_lie_on_the_grid_and_round_to_the_nearest_level(bits, signed):
    q = LSQQuantizer(bits, signed)
    v = values(scale=0.3)
    q(v)  # LSQ's s0 (no clipping of a Gaussian at 8 bits), then a step that clips
    q.set_step(0.6 / q.q_p)
    v_hat = q(v)
    s = float(q.step.detach())
    assert (q.q_n, q.q_p) == (
        (2 ** (bits - 1), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    )
    levels = v_hat / s
    torch.testing.assert_close(levels, levels.round(), rtol=0, atol=1e-9)
    assert levels.min() >= -q.q_n and levels.max() <= q.q_p
    inside = (v / s > -q.q_n) & (v / s < q.q_p)
    assert inside.any() and (~inside).any()  # both regions are exercised
    assert ((v_hat - v)[inside].abs() <= s / 2 * (1 + 1e-6)).all()
    # clipped entries sit on the outermost levels
    assert torch.equal(v_hat[v / s >= q.q_p], torch.full_like(v_hat[v / s >= q.q_p], q.q_p * s))


def test_initial_step_is_lsq_s0_and_travels_with_the_state_dict():
    v = values(scale=0.2, dtype=torch.float32)
    q = LSQQuantizer(4)
    assert not q.initialized
    q(v)
    assert q.initialized
    assert float(q.step.detach()) == pytest.approx(
        2 * float(v.abs().mean()) / math.sqrt(7), rel=1e-6
    )
    copy = LSQQuantizer(4)
    copy.load_state_dict(q.state_dict())
    assert copy.initialized and float(copy.step.detach()) == float(q.step.detach())
    q.initialize(2 * v)  # explicit initialisation replaces the step
    assert float(q.step.detach()) == pytest.approx(
        4 * float(v.abs().mean()) / math.sqrt(7), rel=1e-6
    )
    with pytest.raises(ValueError, match="bits in 2..16"):
        LSQQuantizer(1)
    with pytest.raises(ValueError, match="positive"):
        q.set_step(0.0)


@pytest.mark.parametrize("bits", [2, 3, 8])
def test_step_gradient_matches_the_three_region_formula(bits):
    q_n, q_p = 2 ** (bits - 1), 2 ** (bits - 1) - 1
    v = values(scale=1.0, seed=bits)
    s = torch.tensor(0.5 if bits < 8 else 0.02, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(v.shape, generator=generator(9), dtype=torch.float64)
    (lsq_quantize(v, s, q_n, q_p) * weights).sum().backward()
    expected = (lsq_step_gradient(v, s.detach(), q_n, q_p) * weights).sum()
    x = v / s.detach()
    assert (x <= -q_n).any() and (x >= q_p).any() and ((x > -q_n) & (x < q_p)).any()
    torch.testing.assert_close(s.grad, expected, rtol=1e-12, atol=1e-12)
    # per element: one-hot upstream gradients give the formula entry by entry
    for index in [int(x.argmin()), int(x.argmax()), int((x.abs() < 0.4).nonzero()[0])]:
        s.grad = None
        lsq_quantize(v, s, q_n, q_p)[index].backward()
        assert float(s.grad) == pytest.approx(
            float(lsq_step_gradient(v, s.detach(), q_n, q_p)[index])
        )


def test_straight_through_gradient_is_one_inside_and_zero_outside():
    v = values(scale=1.5).requires_grad_()
    s = torch.tensor(0.5, dtype=torch.float64)
    lsq_quantize(v, s, 2, 1).sum().backward()
    x = v.detach() / s
    inside = (x > -2) & (x < 1)
    assert inside.any() and (~inside).any()
    torch.testing.assert_close(v.grad, inside.to(v.dtype), rtol=0, atol=0)


def test_gradient_scale_is_applied_to_the_step():
    v = values(n=512, scale=0.1)
    q_p = 7
    grads = []
    for g in (1.0, 1 / math.sqrt(v.numel() * q_p)):
        s = torch.tensor(0.03, dtype=torch.float64, requires_grad=True)
        (lsq_quantize(v, s, 8, q_p, grad_scale=g) ** 2).sum().backward()
        grads.append(float(s.grad))
    assert grads[0] != 0 and grads[1] / grads[0] == pytest.approx(1 / math.sqrt(512 * 7), rel=1e-9)
    # the module applies g = 1/sqrt(N_W Q_P): d loss / d log s = s g d loss / d s
    q = LSQQuantizer(4)
    q.set_step(0.03)
    (q(v.float()) ** 2).sum().backward()
    s = q.step.detach().double().requires_grad_()
    (lsq_quantize(v.float().double(), s, 8, 7) ** 2).sum().backward()
    scaled = float(s.detach()) * float(s.grad) / math.sqrt(512 * 7)
    assert float(q.log_step.grad) == pytest.approx(scaled, rel=1e-4)


def test_quantizing_quantized_values_is_the_identity():
    q = LSQQuantizer(3)
    v = values(scale=0.5, dtype=torch.float32)
    once = q(v)
    assert torch.equal(q(once), once)
    w, s = fixed_point(v, 4)
    assert torch.equal(fixed_point(w, 4)[0], w) and s == pytest.approx(float(v.abs().max()) / 7)


@pytest.mark.parametrize("direction", [1.0, -1.0])
def test_step_stays_positive_after_a_huge_optimiser_step(direction):
    q = LSQQuantizer(2)
    s = 0.01
    q.set_step(s)
    v = values(scale=0.1, dtype=torch.float32)
    (direction * 1e4 * q(v).sum()).backward()
    grad_log = float(q.log_step.grad)
    lr = 5.0 / abs(grad_log)  # moves log s by 5
    grad_s = grad_log / s  # d loss / d s
    if grad_s > 0:  # SGD on a raw step would jump far below zero
        assert s - lr * grad_s < -100 * s
    torch.optim.SGD(q.parameters(), lr=lr).step()
    assert float(q.step.detach()) == pytest.approx(
        s * math.exp(-5.0 * math.copysign(1, grad_s)), rel=1e-4
    )
    assert float(q.step.detach()) > 0 and torch.isfinite(q(v)).all()
    # Adam at a learning rate above s: a raw step would be negative after one update
    q.set_step(s)
    adam = torch.optim.Adam(q.parameters(), lr=0.05)
    for _ in range(20):
        adam.zero_grad()
        (1e4 * q(v).abs().sum()).backward()
        adam.step()
    assert 0 < float(q.step.detach()) < s


def test_quant_layers_use_the_quantized_weight_and_report_their_bits():
    torch.manual_seed(0)
    linear = QuantLinear(16, 8, weight_bits=4)
    x = torch.randn(5, 16, generator=generator(1))
    out = linear(x)
    w_hat = linear.quantized_weight()
    assert torch.unique(w_hat).numel() <= 16
    torch.testing.assert_close(out, x @ w_hat.T + linear.bias)
    conv = QuantConv2d(2, 3, 3, padding=1, weight_bits=2)
    image = torch.randn(1, 2, 4, 5, generator=generator(2))
    assert torch.unique(conv.quantized_weight()).numel() <= 4
    torch.testing.assert_close(
        conv(image), nn.functional.conv2d(image, conv.quantized_weight(), conv.bias, padding=1)
    )
    # None and 16: float weights, no quantizer; the attribute the profiler reads is kept
    for bits in (None, 16):
        plain = QuantLinear(16, 8, weight_bits=bits)
        assert plain.quantizer is None and plain.weight_bits == bits
        assert plain.quantized_weight() is plain.weight
    with pytest.raises(ValueError, match="2..16"):
        QuantLinear(4, 4, weight_bits=1)
    # gradients reach the weight and the step
    linear(x).pow(2).sum().backward()
    assert linear.weight.grad is not None and linear.quantizer.log_step.grad is not None


def test_ptq_rounds_to_symmetric_fixed_point_and_sets_lsq_steps():
    torch.manual_seed(0)
    model = nn.Sequential(QuantLinear(32, 16, weight_bits=4), nn.ReLU(), nn.Linear(16, 8))
    reference = [layer.weight.detach().clone() for layer in quant_layers(model)]
    steps = ptq_(model, [4, 8])
    for layer, weight, bits, s in zip(quant_layers(model), reference, [4, 8], steps, strict=True):
        q_p = 2 ** (bits - 1) - 1
        assert s == pytest.approx(float(weight.abs().max()) / q_p, rel=1e-6)
        k = layer.weight / s
        torch.testing.assert_close(k, k.round(), rtol=0, atol=1e-4)
        assert k.abs().max().round() == q_p
        assert ((layer.weight - weight).abs() <= s / 2 * 1.001).all()
    # the LSQ layer reproduces its PTQ weights exactly
    first = quant_layers(model)[0]
    assert torch.equal(first.quantized_weight(), first.weight)
    before = [layer.weight.detach().clone() for layer in quant_layers(model)]
    ptq_(model, [4, 8])  # idempotent
    for layer, weight in zip(quant_layers(model), before, strict=True):
        assert torch.equal(layer.weight, weight)
    with pytest.raises(ValueError, match="2 linear/conv layers"):
        ptq_(model, [4])
    with pytest.raises(ValueError, match="4-bit LSQ quantizer, asked for 2"):
        ptq_(model, [2, None])
    # by default each layer's own weight_bits (the plain Linear has none and is left alone)
    assert math.isnan(ptq_(model)[1])


def test_initialize_steps_resets_every_quantizer_from_its_weight():
    model = nn.Sequential(QuantLinear(8, 8, weight_bits=8), QuantConv2d(1, 2, 3, weight_bits=2))
    initialize_steps(model)
    for layer in quant_layers(model):
        q = layer.quantizer
        assert q.initialized
        s0 = 2 * float(layer.weight.detach().abs().mean()) / math.sqrt(q.q_p)
        assert float(q.step.detach()) == pytest.approx(s0, rel=1e-6)
