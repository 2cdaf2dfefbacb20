"""scratchgrad.distributions against torch.distributions: log_prob, entropy and their
gradients number for number; samples by shape, dtype and frequency."""
from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(size=(2, 4))
PROBS = RNG.uniform(0.1, 1.0, size=(2, 4))


def _both(torch, make, evaluate):
    out = []
    for lib in (sg, torch):
        ts = [lib.tensor(a, requires_grad=True) for a in make()]
        value = evaluate(lib, *ts)
        value.sum().backward()
        out.append([value.detach().numpy()] + [t.grad.numpy() for t in ts])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("what", ["log_prob", "entropy"])
def test_categorical_matches_pytorch(torch, what):
    value = np.array([[3, 0], [1, 2]])

    def evaluate(lib, logits, probs):
        a = lib.distributions.Categorical(logits=logits)
        b = lib.distributions.Categorical(probs=probs)
        if what == "entropy":
            return a.entropy() + b.entropy()
        v = lib.tensor(value)
        return a.log_prob(v) + b.log_prob(v[:, :1].reshape(2, 1).expand(2, 2))
    _both(torch, lambda: [LOGITS, PROBS], evaluate)


def test_normal_and_bernoulli_match_pytorch(torch):
    x = RNG.normal(size=(3, 2))
    p = RNG.uniform(0.1, 0.9, size=(3, 2))
    bits = (RNG.uniform(size=(3, 2)) < 0.5).astype(float)

    def evaluate(lib, loc, scale, probs, logits):
        n = lib.distributions.Normal(loc, scale.abs() + 0.5)
        b1 = lib.distributions.Bernoulli(probs=probs)
        b2 = lib.distributions.Bernoulli(logits=logits)
        t = lib.tensor(bits)
        return (n.log_prob(lib.tensor(x) * 2) + n.entropy() + b1.log_prob(t) + b1.entropy()
                + b2.log_prob(t) + b2.entropy() + n.variance + b1.variance)
    _both(torch, lambda: [x, x[::-1].copy(), p, x * 3], evaluate)


def test_samples_have_pytorch_shapes_dtypes_and_frequencies(torch):
    for lib in (sg, torch):
        c = lib.distributions.Categorical(probs=lib.tensor([[0.1, 0.9], [0.7, 0.3]]))
        assert tuple(c.sample().shape) == (2,) and c.sample().dtype == lib.int64
        assert tuple(c.sample((5, 3)).shape) == (5, 3, 2)
        assert tuple(lib.distributions.Categorical(logits=lib.zeros(3)).sample().shape) == ()
        n = lib.distributions.Normal(lib.zeros(2, requires_grad=True), 1.0)
        assert tuple(n.rsample((4,)).shape) == (4, 2) and n.rsample().requires_grad
        assert not n.sample().requires_grad
        assert tuple(lib.distributions.Bernoulli(probs=lib.tensor([0.2])).sample((3,)).shape) \
            == (3, 1)
    sg.manual_seed(0)
    freq = sg.distributions.Categorical(probs=sg.tensor([0.2, 0.8])).sample((4000,)).float()
    assert abs(freq.mean().item() - 0.8) < 0.03
    on = sg.distributions.Bernoulli(probs=sg.tensor(0.3)).sample((4000,)).mean().item()
    assert abs(on - 0.3) < 0.03


def test_rsample_is_the_reparameterization_trick():
    loc = sg.tensor([1.0, -1.0], requires_grad=True)
    scale = sg.tensor([2.0, 0.5], requires_grad=True)
    sg.manual_seed(0)
    z = sg.distributions.Normal(loc, scale).rsample((3,))
    z.sum().backward()
    assert loc.grad.tolist() == [3.0, 3.0]
    sg.manual_seed(0)
    eps = sg.randn(3, 2)
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-6)


def test_categorical_needs_exactly_one_parameter():
    with pytest.raises(ValueError, match="not both"):
        sg.distributions.Categorical()
    with pytest.raises(ValueError, match="not both"):
        sg.distributions.Categorical(probs=sg.ones(2), logits=sg.ones(2))
