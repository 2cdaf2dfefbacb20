"""nn.init (shapes, bounds, spread, orthogonality, dtype, reproducibility) and nn.utils
(gradient clipping against PyTorch, parameter vectors)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import nn
from scratchgrad.nn import init


def test_calculate_gain_and_fans_match_torch(torch):
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                        ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                        ("leaky_relu", math.sqrt(5)), ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    for shape in [(5, 3), (8, 3, 5, 5), (4, 2, 3)]:
        assert init._calculate_fan_in_and_fan_out(sg.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(sg.empty(5))


def test_uniform_normal_constant_eye():
    w = init.uniform_(sg.empty(200, 100), -0.5, 0.25)
    assert w.dtype == np.float32 and w._data.min() >= -0.5 and w._data.max() <= 0.25
    w = init.normal_(sg.empty(200, 100), mean=2.0, std=0.5)
    assert abs(w._data.mean() - 2.0) < 0.02 and abs(w._data.std() - 0.5) < 0.02
    assert init.constant_(sg.empty(3), 0.25).tolist() == [0.25] * 3
    assert init.zeros_(sg.ones(2)).tolist() == [0.0, 0.0]
    assert init.ones_(sg.zeros(2)).tolist() == [1.0, 1.0]
    np.testing.assert_array_equal(init.eye_(sg.empty(2, 3)).numpy(), np.eye(2, 3))
    t = init.trunc_normal_(sg.empty(10000), std=2.0, a=-1.0, b=3.0)
    assert t._data.min() >= -1.0 and t._data.max() <= 3.0


def test_init_on_parameters_works_in_place_and_keeps_dtype():
    p = nn.Parameter(sg.zeros(30, 20))
    data = p._data
    out = init.xavier_normal_(p)
    assert out is p and p._data is data and p.dtype == np.float32 and p.requires_grad
    assert p.creator is None
    p64 = nn.Parameter(sg.zeros(3, 3, dtype=sg.float64))
    assert init.kaiming_uniform_(p64).dtype == np.float64


@pytest.mark.parametrize("shape", [(400, 300), (64, 32, 3, 3)])
def test_xavier_bounds_and_std(shape):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(sg.empty(*shape))
    std = 1.5 * math.sqrt(2.0 / (fan_in + fan_out))
    w = init.xavier_uniform_(sg.empty(*shape), gain=1.5)._data
    assert np.abs(w).max() <= math.sqrt(3) * std
    assert abs(w.std() - std) < 0.03 * std
    w = init.xavier_normal_(sg.empty(*shape), gain=1.5)._data
    assert abs(w.std() - std) < 0.03 * std and abs(w.mean()) < 0.03 * std


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("relu", 0.0), ("leaky_relu", math.sqrt(5)),
                                            ("leaky_relu", 0.1)])
def test_kaiming_bounds_and_std(mode, nonlinearity, a):
    shape = (64, 32, 3, 3)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(sg.empty(*shape))
    fan = fan_in if mode == "fan_in" else fan_out
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    w = init.kaiming_uniform_(sg.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity)._data
    assert np.abs(w).max() <= math.sqrt(3) * std
    assert abs(w.std() - std) < 0.03 * std
    w = init.kaiming_normal_(sg.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity)._data
    assert abs(w.std() - std) < 0.03 * std
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(sg.empty(3, 3), mode="fan_avg")


@pytest.mark.parametrize("shape", [(6, 6), (3, 8), (8, 3), (4, 2, 3)])
def test_orthogonal(shape):
    w = init.orthogonal_(sg.empty(*shape), gain=2.0)._data
    assert w.dtype == np.float32
    flat = w.reshape(shape[0], -1) / 2.0
    rows, cols = flat.shape
    gram = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)


def test_init_follows_the_global_seed_and_a_generator():
    sg.manual_seed(11)
    a = init.kaiming_uniform_(sg.empty(4, 4))._data.copy()
    sg.manual_seed(11)
    assert np.array_equal(a, init.kaiming_uniform_(sg.empty(4, 4))._data)
    g1, g2 = sg.Generator(5), sg.Generator(5)
    assert np.array_equal(init.normal_(sg.empty(3), generator=g1)._data,
                          init.normal_(sg.empty(3), generator=g2)._data)


# ---------------------------------------------------------------------- nn.utils
@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (4,), (2, 2, 2)]]
    params = [sg.zeros(*g.shape, requires_grad=True) for g in grads]
    tparams = [torch.zeros(*g.shape, requires_grad=True) for g in grads]
    for p, tp, g in zip(params, tparams, grads):
        p.grad = sg.tensor(g)
        tp.grad = torch.tensor(g)
    params.append(sg.zeros(2, requires_grad=True))  # no grad: skipped
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type)
    assert isinstance(total, sg.Tensor) and total.dtype == np.float32
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-5)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-7)
        assert p.grad.dtype == np.float32


def test_clip_grad_value_and_nonfinite(torch):
    p = sg.zeros(4, requires_grad=True)
    p.grad = sg.tensor([-3.0, -0.5, 0.5, 3.0])
    nn.utils.clip_grad_value_(p, 1.0)
    assert p.grad.tolist() == [-1.0, -0.5, 0.5, 1.0]
    p.grad = sg.tensor([float("inf"), 1.0, 0.0, 0.0])
    with pytest.raises(RuntimeError, match="inf"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0


def test_parameters_to_vector_round_trip():
    m = nn.Linear(3, 2)
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (8,) and v.dtype == np.float32
    nn.utils.vector_to_parameters(v * 2, m.parameters())
    np.testing.assert_allclose(nn.utils.parameters_to_vector(m.parameters()).numpy(),
                               v.numpy() * 2)
    with pytest.raises(ValueError, match="8 elements"):
        nn.utils.vector_to_parameters(sg.zeros(7), m.parameters())
