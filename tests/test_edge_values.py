"""Edge values: inf, nan, zeros of both signs, overflow and subnormals.

PyTorch computes IEEE results silently: exp(1000) is inf, log(0) is -inf, 0/0 is nan, sqrt(-1)
is nan, and their gradients are inf, nan or 0 by the same rules. scratchgrad must give the same
values and gradients, and no NumPy ``RuntimeWarning`` ("overflow encountered in exp", "divide by
zero encountered in log", ...) may escape from its ops, in forward or backward.

The sweep: 10 functions x 14 values x 2 dtypes = 280 cases, each compared with PyTorch (forward
and gradient) with every warning turned into an error. Then the reductions and losses with
infinite logits, the activations at nan and at their kinks, and the rule that the ops never
change NumPy's error state for the rest of the process.
"""
from __future__ import annotations

import math
import threading
import warnings

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.nn.functional as F

INF, NAN = math.inf, math.nan

# 0 and -0.0 (log -> -inf, 1/x -> +-inf, sqrt' -> inf), +-1, a tiny normal 1e-30 (1/x**2
# overflows float32), 1e-45 (float32's smallest subnormal), 88.8 (exp overflows float32 at
# 88.72), -88.8 (sigmoid and exp land in float32's subnormals), 710 (exp overflows float64),
# +-1e4, +-inf and nan.
VALUES = [0.0, -0.0, 1.0, -1.0, 1e-30, 1e-45, 88.8, -88.8, 710.0, 1e4, -1e4, INF, -INF, NAN]
DTYPES = ["float32", "float64"]

# name -> (scratchgrad function, torch function name path); both take one tensor.
FUNCTIONS = {
    "exp": (sg.exp, "exp"),
    "log": (sg.log, "log"),
    "sqrt": (sg.sqrt, "sqrt"),
    "tanh": (sg.tanh, "tanh"),
    "sigmoid": (sg.sigmoid, "sigmoid"),
    "softplus": (F.softplus, "nn.functional.softplus"),
    "log1p": (sg.log1p, "log1p"),
    "reciprocal": (sg.reciprocal, "reciprocal"),
    "sin": (sg.sin, "sin"),
    "logsigmoid": (F.logsigmoid, "nn.functional.logsigmoid"),
}


def _torch_fn(torch, path: str):
    fn = torch
    for part in path.split("."):
        fn = getattr(fn, part)
    return fn


def assert_same(ours, theirs, dtype: str, what: str) -> None:
    """Equal as PyTorch's result: nan where it has nan, the same infinities (with their signs),
    finite values within a few ulps. A result below the smallest normal number may differ by
    that much: PyTorch's vectorised kernels flush some subnormal results to zero (log1p(1e-45)
    in float32 is 0 there, 1e-45 in NumPy, which is the correctly rounded value)."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs, dtype=np.float64)
    assert a.shape == b.shape, f"{what}: shape {a.shape}, PyTorch {b.shape}"
    info = np.finfo(dtype)
    rtol = 8 * float(info.eps)
    for x, y in zip(a.ravel(), b.ravel()):
        if math.isnan(y) or math.isnan(x):
            assert math.isnan(x) and math.isnan(y), f"{what}: {x!r}, PyTorch {y!r}"
        elif math.isinf(y) or math.isinf(x):
            assert x == y, f"{what}: {x!r}, PyTorch {y!r}"
        else:
            assert abs(x - y) <= rtol * abs(y) + float(info.tiny), \
                f"{what}: {x!r}, PyTorch {y!r} ({dtype})"


def run_silently(fn, *args):
    """fn(*args) with every warning an error (a NumPy RuntimeWarning fails the test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args)


def forward_backward(fn, x_np: np.ndarray):
    x = sg.tensor(x_np, requires_grad=True)
    y = fn(x)
    y.sum().backward()
    return y, x.grad


def torch_forward_backward(torch, fn, x_np: np.ndarray):
    x = torch.tensor(x_np, requires_grad=True)
    y = fn(x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


# ---------------------------------------------------------------------- the sweep (280 cases)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_edge_value_matches_torch_without_warnings(torch, name, value, dtype):
    ours_fn, torch_path = FUNCTIONS[name]
    x_np = np.array([value], dtype=dtype)
    y, gx = run_silently(forward_backward, ours_fn, x_np)
    ty, tgx = torch_forward_backward(torch, _torch_fn(torch, torch_path), x_np)
    assert y.dtype == dtype and gx.dtype == dtype
    assert_same(y._data, ty, dtype, f"{name}({value!r}) ({dtype})")
    assert_same(gx._data, tgx, dtype, f"d/dx {name}({value!r}) ({dtype})")


def test_the_sweep_has_280_cases():
    assert len(FUNCTIONS) * len(VALUES) * len(DTYPES) == 280


# ---------------------------------------------------------------------- named gradients
# (call(lib, x), x, the value, the gradient): the documented results, checked against PyTorch too
@pytest.mark.parametrize("call, x, value, grad", [
    (lambda lib, x: lib.sqrt(x), 0.0, 0.0, INF),          # d/dx sqrt(0) = inf
    (lambda lib, x: lib.relu(x), 0.0, 0.0, 0.0),          # relu at its kink: 0
    (lambda lib, x: lib.abs(x), 0.0, 0.0, 0.0),           # abs at its kink: 0
    (lambda lib, x: lib.abs(x), NAN, NAN, 0.0),           # sign(nan): 0 in PyTorch, nan in NumPy
    (lambda lib, x: lib.relu(x), NAN, NAN, 1.0),          # threshold_backward cuts x <= 0 only
    (lambda lib, x: lib.sigmoid(x), -INF, 0.0, 0.0),
    (lambda lib, x: lib.sigmoid(x), INF, 1.0, 0.0),
    (lambda lib, x: lib.sigmoid(x), -40.0, 4.248354255291589e-18, 4.248354255291589e-18),
    (lambda lib, x: lib.exp(x), 1000.0, INF, INF),        # overflow: inf, gradient inf
    (lambda lib, x: lib.log(x), 0.0, -INF, INF),          # log(0) = -inf, gradient 1/0 = inf
    (lambda lib, x: lib.log(x), -0.0, -INF, -INF),
    (lambda lib, x: lib.log(x), -1.0, NAN, -1.0),
    (lambda lib, x: lib.log1p(x), -1.0, -INF, INF),
    (lambda lib, x: lib.reciprocal(x), 0.0, INF, -INF),
    (lambda lib, x: lib.tanh(x), 1e4, 1.0, 0.0),
    (lambda lib, x: x ** 0.5, -0.0, -0.0, -INF),          # pow(x, -0.5) is rsqrt: 1 / -0.0
    (lambda lib, x: x ** 2, 1e200, INF, 2e200),           # pow overflow
    (lambda lib, x: x / 0.0, 0.0, NAN, INF),              # 0/0; the gradient 1/0
    (lambda lib, x: 1.0 / x, 0.0, INF, -INF),             # 1/0
    (lambda lib, x: x * 0.0, INF, NAN, 0.0),              # inf * 0
    (lambda lib, x: lib.sin(x), INF, NAN, NAN),
    (lambda lib, x: lib.erf(x), 1e-30, 1e-30 * 2 / math.sqrt(math.pi), 2 / math.sqrt(math.pi)),
    (lambda lib, x: lib.std(lib.stack([x, x])), 1.0, 0.0, 0.0),  # sqrt'(0) * 0: 0, not nan
])
def test_gradient_at_edge_values_matches_torch(torch, call, x, value, grad):
    x_np = np.array([x])
    y, gx = run_silently(forward_backward, lambda t: call(sg, t), x_np)
    ty, tgx = torch_forward_backward(torch, lambda t: call(torch, t), x_np)
    assert_same(y._data, ty, "float64", "value")
    assert_same(gx._data, tgx, "float64", "gradient")
    assert_same(y._data, np.full_like(ty, value), "float64", "documented value")
    assert_same(gx._data, [grad], "float64", "documented gradient")


@pytest.mark.parametrize("name, kwargs", [
    ("relu", {}), ("elu", {}), ("selu", {}), ("celu", {}), ("hardtanh", {}), ("relu6", {}),
    ("hardsigmoid", {}), ("hardswish", {}), ("leaky_relu", {}), ("gelu", {}), ("silu", {}),
    ("mish", {}), ("softsign", {}), ("tanh", {}), ("softplus", {"beta": 2.0}),
])
def test_activations_at_edge_values_match_torch(torch, name, kwargs):
    x_np = np.array([0.0, -0.0, 3.0, -3.0, 6.0, 1e4, -1e4, INF, -INF, NAN], dtype=np.float32)
    y, gx = run_silently(forward_backward, lambda x: getattr(F, name)(x, **kwargs), x_np)
    tfn = getattr(torch.nn.functional, name)
    ty, tgx = torch_forward_backward(torch, lambda x: tfn(x, **kwargs), x_np)
    # a few ulps more than the sweep: these are compositions (gelu, mish, silu)
    np.testing.assert_allclose(y._data, ty, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx._data, tgx, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_and_minimum_with_nan_give_both_sides_the_gradient(torch, name):
    a_np = np.array([NAN, 1.0, 2.0, 0.0])
    b_np = np.array([0.0, NAN, 2.0, 1.0])
    a, b = sg.tensor(a_np, requires_grad=True), sg.tensor(b_np, requires_grad=True)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    run_silently(lambda: getattr(sg, name)(a, b).sum().backward())
    getattr(torch, name)(ta, tb).sum().backward()
    np.testing.assert_array_equal(a.grad._data, ta.grad.numpy())
    np.testing.assert_array_equal(b.grad._data, tb.grad.numpy())


# ---------------------------------------------------------------------- infinite logits
LOGITS = [
    [INF, 0.0, 1.0],
    [-INF, 0.0, 1.0],
    [-INF, -INF, -INF],
    [INF, INF, 0.0],
    [-INF, INF, 0.0],
    [NAN, 0.0, 1.0],
    [1e4, -1e4, 0.0],
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["softmax", "log_softmax", "logsumexp", "cross_entropy",
                                "cross_entropy_smoothed", "cross_entropy_probs",
                                "bce_with_logits"])
def test_reductions_and_losses_with_infinite_logits_match_torch(torch, op, dtype):
    x_np = np.array(LOGITS, dtype=dtype)
    target = np.array([1, 0, 2, 2, 1, 1, 0])
    probs = np.full(x_np.shape, 1 / 3, dtype=dtype)

    def call(lib, fn_lib, x):
        if op in ("softmax", "log_softmax"):
            return getattr(fn_lib, op)(x, dim=1)
        if op == "logsumexp":
            return lib.logsumexp(x, dim=1)
        if op == "bce_with_logits":
            return fn_lib.binary_cross_entropy_with_logits(x, lib.tensor(probs),
                                                           reduction="none")
        if op == "cross_entropy_probs":
            return fn_lib.cross_entropy(x, lib.tensor(probs), reduction="none")
        smoothing = 0.1 if op == "cross_entropy_smoothed" else 0.0
        return fn_lib.cross_entropy(x, lib.tensor(target), reduction="none",
                                    label_smoothing=smoothing)

    y, gx = run_silently(forward_backward, lambda x: call(sg, F, x), x_np)
    ty, tgx = torch_forward_backward(torch, lambda x: call(torch, torch.nn.functional, x), x_np)
    assert_same(y._data, ty, dtype, op)
    assert_same(gx._data, tgx, dtype, f"gradient of {op}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_linear_conv_with_inf_and_nan_are_silent(torch, dtype):
    x_np = np.array([[INF, 0.0, 1.0], [NAN, 1e30, -1e30]], dtype=dtype)
    w_np = np.array([[0.0, 1.0, -1.0], [1e30, 1e30, 1.0]], dtype=dtype)
    cases = [
        lambda lib, fn, x, w: x @ w.T,
        lambda lib, fn, x, w: fn.linear(x, w, lib.ones(2, dtype=x.dtype)),
        lambda lib, fn, x, w: fn.conv1d(x.reshape(1, 2, 3), w.reshape(1, 2, 3)),
        lambda lib, fn, x, w: fn.layer_norm(x * w, (3,)),
        lambda lib, fn, x, w: (x * w).sum(dim=1) + (x - w).norm(dim=1) + x.cumsum(1).sum(),
    ]
    for case in cases:
        x, w = sg.tensor(x_np, requires_grad=True), sg.tensor(w_np, requires_grad=True)
        run_silently(lambda: case(sg, F, x, w).sum().backward())
        tx, tw = torch.tensor(x_np, requires_grad=True), torch.tensor(w_np, requires_grad=True)
        case(torch, torch.nn.functional, tx, tw).sum().backward()
        assert_same(x.grad._data, tx.grad.numpy(), dtype, "gradient of x")
        assert_same(w.grad._data, tw.grad.numpy(), dtype, "gradient of w")


# ---------------------------------------------------------------------- process state
def test_ops_leave_numpy_error_state_alone():
    before = np.geterr()
    with np.errstate(all="raise"):
        run_silently(lambda: sg.log(sg.tensor([0.0, -1.0], requires_grad=True)).sum().backward())
        with pytest.raises(FloatingPointError):  # the user's setting still holds outside ops
            np.log(np.zeros(1))
    assert np.geterr() == before
    with pytest.warns(RuntimeWarning):  # and NumPy's default, outside scratchgrad, too
        np.log(np.zeros(1))


def test_quiet_ops_run_in_several_threads_at_once():
    # large enough that NumPy releases the GIL inside the ufuncs, so threads overlap there
    x = sg.tensor(np.linspace(-2.0, 2.0, 200_000))
    expected = np.log(np.abs(x._data) + 1)
    errors: list = []

    def work() -> None:
        try:
            for _ in range(20):
                y = sg.log(sg.abs(x) + 1)
                np.testing.assert_allclose(y._data, expected)
                sg.exp(x * 1000)  # overflows
        except Exception as e:  # noqa: BLE001  (re-raised in the main thread)
            errors.append(e)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors
