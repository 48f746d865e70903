import pytest
import torch

from qprecode.training import level_weights, sample_gumbel
from tests.conftest import generator


def test_gumbel_samples_follow_the_softmax_distribution():
    logits = torch.tensor([0.0, 1.0, 2.0, -1.0])
    g = sample_gumbel((200_000, 4), generator(), None)
    counts = torch.bincount((logits + g).argmax(-1), minlength=4).float() / 200_000
    torch.testing.assert_close(counts, torch.softmax(logits, -1), atol=5e-3, rtol=0)


@pytest.mark.parametrize("estimator", ["st-gumbel", "st-softmax"])
def test_straight_through_is_one_hot_forward_soft_backward(estimator):
    logits = torch.randn(6, 4, generator=generator(), requires_grad=True)
    gumbel = sample_gumbel((6, 4), generator(1), None)
    w = level_weights(logits, estimator, tau=0.7, gumbel=gumbel)
    assert torch.equal(w.detach().sum(-1), torch.ones(6))
    assert set(w.detach().unique().tolist()) == {0.0, 1.0}
    expected = (logits + (gumbel if estimator == "st-gumbel" else 0)).argmax(-1)
    assert torch.equal(w.detach().argmax(-1), expected)
    # the gradient is that of the (Gumbel-)softmax
    target = torch.randn(6, 4, generator=generator(2))
    (w * target).sum().backward()
    soft_logits = logits.detach().clone().requires_grad_(True)
    noise = gumbel if estimator == "st-gumbel" else 0
    (torch.softmax((soft_logits + noise) / 0.7, -1) * target).sum().backward()
    torch.testing.assert_close(logits.grad, soft_logits.grad)


def test_soft_gumbel_softmax_is_not_discrete():
    logits = torch.randn(6, 4, generator=generator())
    w = level_weights(logits, "gumbel-softmax", 1.0, sample_gumbel((6, 4), generator(1), None))
    torch.testing.assert_close(w.sum(-1), torch.ones(6))
    assert ((w > 0) & (w < 1)).any()


def test_errors():
    logits = torch.zeros(2, 4)
    with pytest.raises(ValueError, match="Gumbel noise"):
        level_weights(logits, "st-gumbel")
    with pytest.raises(ValueError, match="unknown estimator"):
        level_weights(logits, "reinforce", gumbel=torch.zeros(2, 4))
    with pytest.raises(ValueError, match="tau"):
        level_weights(logits, "st-softmax", tau=0.0)
