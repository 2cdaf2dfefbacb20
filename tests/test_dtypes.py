"""Dtypes follow PyTorch: float32 stays float32 through every op and its gradient, Python (and
NumPy) scalars never widen a tensor, integer and bool tensors promote as in PyTorch, and only
floating-point tensors can require grad."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import scratchgrad as sg
from test_ops import CASES, Case, arrays_for, as_list, params, sg_inputs


FLOAT64_BY_DEFINITION = {"float_power"}  # computes in float64 whatever its inputs, as PyTorch's


@pytest.mark.parametrize("case", params([c for c in CASES
                                         if c.name not in FLOAT64_BY_DEFINITION]))
def test_float32_inputs_give_float32_outputs_and_gradients(case: Case):
    xs = sg_inputs(arrays_for(case), np.float32)
    outs = as_list(case.call(sg, *xs))
    for k, o in enumerate(outs):
        if o.dtype.kind == "f":
            assert o.dtype == sg.float32, f"output {k} is {o.dtype}"
    if not case.differentiable:
        return
    diff = [o for o in outs if o.requires_grad]
    sg.autograd.backward(diff, [sg.ones(o.shape) for o in diff])
    grads = [x.grad for x in xs if x.requires_grad and x.grad is not None]
    assert grads, "no input received a gradient"
    for g in grads:
        assert g.dtype == sg.float32, f"a gradient is {g.dtype}"


# Python and NumPy scalars next to a float32 tensor: the result and the gradient stay float32
# (PyTorch's "wrapped number" rule; NumPy 2 itself would widen for np.float64).
SCALAR_EXPRESSIONS: dict[str, Callable[..., Any]] = {   # (lib, x), lib is scratchgrad or torch
    "x * 2.5": lambda L, x: x * 2.5,
    "2.5 * x": lambda L, x: 2.5 * x,
    "x + 1": lambda L, x: x + 1,
    "x + True": lambda L, x: x + True,
    "x - 1e300": lambda L, x: x - 1e300,    # does not fit in float32: still float32 (-inf)
    "1 - x": lambda L, x: 1 - x,
    "x / 3": lambda L, x: x / 3,
    "3 / x": lambda L, x: 3 / x,
    "x ** 2": lambda L, x: x ** 2,
    "x ** 2.5": lambda L, x: x.abs() ** 2.5,
    "2.5 ** x": lambda L, x: 2.5 ** x,
    "x % 2.0": lambda L, x: x % 2.0,
    "x + np.float64(2.5)": lambda L, x: x + np.float64(2.5),
    "x * np.int64(3)": lambda L, x: x * np.int64(3),
    "where(x > 0, x, 0.0)": lambda L, x: L.where(x > 0, x, 0.0),
    "clamp(x, 0.5)": lambda L, x: x.clamp(0.5),
    "pow(x, 3)": lambda L, x: L.pow(x, 3),
    "pow(2.0, x)": lambda L, x: L.pow(2.0, x),
}


@pytest.mark.parametrize("expr", list(SCALAR_EXPRESSIONS))
def test_python_scalars_never_upcast_float32(expr: str, torch):
    f = SCALAR_EXPRESSIONS[expr]
    data = np.array([0.5, -1.5, 2.0], dtype=np.float32)
    x = sg.tensor(data, requires_grad=True)
    with np.errstate(over="ignore"):
        y = f(sg, x)
    assert y.dtype == sg.float32
    assert y.dtype == f(torch, torch.tensor(data, requires_grad=True)).detach().numpy().dtype
    y.backward(sg.ones(y.shape))
    assert x.grad.dtype == sg.float32


@pytest.mark.parametrize("dtype", [sg.float32, sg.float64])
def test_python_scalars_keep_any_float_width(dtype: Any):
    x = sg.tensor([1.0, 2.0], dtype=dtype, requires_grad=True)
    y = 2.5 * x / 3 + 1 - x ** 2
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_a_float64_array_promotes_like_a_float64_tensor(torch):
    data = np.ones(3, np.float32)
    other = np.arange(3.0)                    # float64
    y = sg.tensor(data, requires_grad=True) + other
    expected = torch.tensor(data) + torch.from_numpy(other)
    assert y.dtype == sg.float64 == expected.numpy().dtype


_I = np.array([[1, 2, 3], [4, 5, 6]])
_B = np.array([[True, False, True], [False, True, True]])
_F = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]], dtype=np.float32)

# Expressions on an int64 tensor i, a bool tensor b and a float32 tensor f, as (lib, i, b, f);
# dtype and values must equal PyTorch's.
INT_BOOL_EXPRESSIONS: dict[str, Callable[..., Any]] = {
    "i + i": lambda L, i, b, f: i + i,
    "i / i": lambda L, i, b, f: i / i,
    "i / 2": lambda L, i, b, f: i / 2,
    "2 / i": lambda L, i, b, f: 2 / i,
    "i + f": lambda L, i, b, f: i + f,
    "f * i": lambda L, i, b, f: f * i,
    "b + f": lambda L, i, b, f: b + f,
    "b + i": lambda L, i, b, f: b + i,
    "b * b": lambda L, i, b, f: b * b,
    "b + 1": lambda L, i, b, f: b + 1,
    "b * 2.5": lambda L, i, b, f: b * 2.5,
    "i * 2.5": lambda L, i, b, f: i * 2.5,
    "i + 2": lambda L, i, b, f: i + 2,
    "i + True": lambda L, i, b, f: i + True,
    "i // 2": lambda L, i, b, f: i // 2,
    "i % 4": lambda L, i, b, f: i % 4,
    "i ** 2": lambda L, i, b, f: i ** 2,
    "i ** 0.5": lambda L, i, b, f: i ** 0.5,
    "2 ** i": lambda L, i, b, f: 2 ** i,
    "2.0 ** i": lambda L, i, b, f: 2.0 ** i,
    "-i": lambda L, i, b, f: -i,
    "abs(-i)": lambda L, i, b, f: abs(-i),
    "exp(i)": lambda L, i, b, f: L.exp(i),
    "log(i)": lambda L, i, b, f: L.log(i),
    "log1p(i)": lambda L, i, b, f: L.log1p(i),
    "sqrt(i)": lambda L, i, b, f: L.sqrt(i),
    "sin(i)": lambda L, i, b, f: L.sin(i),
    "cos(b)": lambda L, i, b, f: L.cos(b),
    "tanh(i)": lambda L, i, b, f: L.tanh(i),
    "sigmoid(i)": lambda L, i, b, f: L.sigmoid(i),
    "exp(b)": lambda L, i, b, f: L.exp(b),
    "relu(i - 3)": lambda L, i, b, f: L.relu(i - 3),
    "logsumexp(i, 1)": lambda L, i, b, f: L.logsumexp(i, 1),
    "clamp(i, 2, 4)": lambda L, i, b, f: L.clamp(i, 2, 4),
    "clamp(i, 2.5)": lambda L, i, b, f: L.clamp(i, 2.5),
    "maximum(i, f)": lambda L, i, b, f: L.maximum(i, f),
    "minimum(i, i)": lambda L, i, b, f: L.minimum(i, i),
    "where(b, i, f)": lambda L, i, b, f: L.where(b, i, f),
    "where(b, i, 0)": lambda L, i, b, f: L.where(b, i, 0),
    "where(b, i, 0.5)": lambda L, i, b, f: L.where(b, i, 0.5),
    "i == 2": lambda L, i, b, f: i == 2,
    "i < f": lambda L, i, b, f: i < f,
    "b & b": lambda L, i, b, f: b & b,
    "i.sum()": lambda L, i, b, f: i.sum(),
    "b.sum(1)": lambda L, i, b, f: b.sum(1),
    "i.max()": lambda L, i, b, f: i.max(),
    "i.max(1).values": lambda L, i, b, f: i.max(1).values,
    "i.amin(0)": lambda L, i, b, f: i.amin(0),
    "i.argmax()": lambda L, i, b, f: i.argmax(),
    "i @ i.T": lambda L, i, b, f: i @ i.T,
    "cat([i, f])": lambda L, i, b, f: L.cat([i, f]),
    "stack([i, b])": lambda L, i, b, f: L.stack([i, b]),
    "i[0]": lambda L, i, b, f: i[0],
    "i[b]": lambda L, i, b, f: i[b],
    "i.reshape(3, 2)": lambda L, i, b, f: i.reshape(3, 2),
    "b.T": lambda L, i, b, f: b.T,
}


@pytest.mark.parametrize("expr", list(INT_BOOL_EXPRESSIONS))
def test_int_and_bool_tensors_promote_like_torch(expr: str, torch):
    f = INT_BOOL_EXPRESSIONS[expr]
    y = f(sg, sg.tensor(_I), sg.tensor(_B), sg.tensor(_F))
    expected = f(torch, torch.tensor(_I), torch.tensor(_B), torch.tensor(_F)).numpy()
    assert y.dtype == expected.dtype
    assert not y.requires_grad
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)


def test_int_division_and_mixed_int_float_give_float32():
    i = sg.tensor([3, 4])
    assert (i / sg.tensor([2, 2])).dtype == sg.float32
    assert (i / sg.tensor([2, 2])).tolist() == [1.5, 2.0]
    assert (i + sg.tensor([0.5, 0.5])).dtype == sg.float32
    assert (sg.tensor([True]) * 2.5).dtype == sg.float32


def test_gradient_flows_to_the_float_operand_of_a_mixed_op():
    w = sg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    i = sg.tensor([1, 2, 3])
    y = (w * i).sum() + (i / w).sum()
    y.backward()
    assert y.dtype == w.grad.dtype == sg.float32
    np.testing.assert_allclose(w.grad.numpy(), [1 - 1 / 0.25, 2 - 2 / 1.0, 3 - 3 / 4.0])


@pytest.mark.parametrize("make", [
    lambda: sg.tensor([1, 2], requires_grad=True),
    lambda: sg.tensor([True, False], requires_grad=True),
    lambda: sg.arange(3).requires_grad_(),
    lambda: sg.zeros(2, dtype=sg.int64, requires_grad=True),
    lambda: sg.Parameter(sg.tensor([1, 2], dtype=sg.int32)),
], ids=["tensor(int)", "tensor(bool)", "arange().requires_grad_()", "zeros(int64)",
        "Parameter(int32)"])
def test_requires_grad_on_non_float_tensor_names_the_dtype(make: Callable[[], Any]):
    with pytest.raises(RuntimeError, match=r"(int64|bool|int32)"):
        make()


# Matrix products, linear and convolutions do not promote, as in PyTorch: a float64 or int64
# input to float32 weights raises a RuntimeError ("expected m1 and m2 to have the same dtype"),
# instead of computing in float64. (lib, F, f64, i64) -> the call; F is lib's functional module.
def _w(L: Any, *shape: int, dtype: Any = None) -> Any:
    return L.ones(*shape) if dtype is None else L.ones(*shape, dtype=dtype)


MIXED_DTYPE_PRODUCTS: dict[str, tuple[Callable[..., Any], str]] = {
    # name: (call, the message: the op the user called first, then the sentence)
    "matmul(float64, float32)": (lambda L, F: L.matmul(_w(L, 2, 3, dtype=L.float64), _w(L, 3, 4)),
                                 r"^matmul: expected both operands to have the same dtype, got "
                                 r"float64 and float32$"),
    "matmul(float32, int64)": (lambda L, F: L.matmul(_w(L, 2, 3), _w(L, 3, 4, dtype=L.int64)),
                               r"^matmul: .*same dtype, got float32 and int64$"),
    "matmul(1-d, 1-d)": (lambda L, F: L.matmul(_w(L, 3, dtype=L.float64), _w(L, 3)),
                         r"^matmul: .*float64 and float32"),
    "matmul(2-d, 1-d)": (lambda L, F: L.matmul(_w(L, 2, 3), _w(L, 3, dtype=L.float64)),
                         r"^matmul: .*float32 and float64"),
    "matmul(3-d, 3-d)": (lambda L, F: L.matmul(_w(L, 2, 2, 3, dtype=L.float64), _w(L, 2, 3, 4)),
                         r"^matmul: .*float64 and float32"),
    "@": (lambda L, F: _w(L, 2, 3, dtype=L.float64) @ _w(L, 3, 4), r"^matmul: .*float64"),
    "mm": (lambda L, F: L.mm(_w(L, 2, 3, dtype=L.float64), _w(L, 3, 4)),
           r"^mm: expected both operands to have the same dtype, got float64 and float32$"),
    "mm(int64)": (lambda L, F: L.mm(_w(L, 2, 3, dtype=L.int64), _w(L, 3, 4)),
                  r"^mm: .*int64 and float32"),
    "bmm": (lambda L, F: L.bmm(_w(L, 2, 2, 3, dtype=L.float64), _w(L, 2, 3, 4)),
            r"^bmm: .*float64 and float32"),
    "mv": (lambda L, F: L.mv(_w(L, 2, 3, dtype=L.float64), _w(L, 3)), r"^mv: .*float64"),
    "dot": (lambda L, F: L.dot(_w(L, 3, dtype=L.float64), _w(L, 3)), r"^dot: .*float64"),
    "addmm": (lambda L, F: L.addmm(_w(L, 2, 4), _w(L, 2, 3, dtype=L.float64), _w(L, 3, 4)),
              r"^addmm: .*float64 and float32"),
    "F.linear(float64)": (lambda L, F: F.linear(_w(L, 2, 3, dtype=L.float64), _w(L, 4, 3),
                                                _w(L, 4)),
                          r"^linear: expected input, weight and bias to have the same dtype, got "
                          r"float64, float32 and float32$"),
    "F.linear(float64 weight)": (lambda L, F: F.linear(_w(L, 2, 3), _w(L, 4, 3, dtype=L.float64)),
                                 r"^linear: expected input and weight to have the same dtype, "
                                 r"got float32 and float64$"),
    "F.linear(float64 bias)": (lambda L, F: F.linear(_w(L, 2, 3), _w(L, 4, 3),
                                                     _w(L, 4, dtype=L.float64)),
                               r"^linear: .*float32, float32 and float64$"),
    "Linear(float64)": (lambda L, F: L.nn.Linear(3, 4)(_w(L, 2, 3, dtype=L.float64)),
                        r"^linear: .*float64, float32 and float32$"),
    "Linear(int64)": (lambda L, F: L.nn.Linear(3, 4)(_w(L, 2, 3, dtype=L.int64)),
                      r"^linear: .*int64, float32 and float32$"),
    "Linear(bias=False, 3-d float64)": (
        lambda L, F: L.nn.Linear(3, 4, bias=False)(_w(L, 5, 2, 3, dtype=L.float64)),
        r"^linear: expected input and weight to have the same dtype, got float64 and float32$"),
    "F.conv1d(float64)": (lambda L, F: F.conv1d(_w(L, 1, 2, 5, dtype=L.float64), _w(L, 3, 2, 2),
                                                _w(L, 3)),
                          r"^conv1d: expected input, weight and bias to have the same dtype, "
                          r"got float64, float32 and float32$"),
    "Conv1d(int64)": (lambda L, F: L.nn.Conv1d(2, 3, 2)(_w(L, 1, 2, 5, dtype=L.int64)),
                      r"^conv1d: .*int64, float32 and float32$"),
    "F.conv2d(float64)": (lambda L, F: F.conv2d(_w(L, 1, 2, 5, 5, dtype=L.float64),
                                                _w(L, 3, 2, 2, 2), _w(L, 3)),
                          r"^conv2d: .*float64, float32 and float32$"),
    "F.conv2d(float64, no bias)": (lambda L, F: F.conv2d(_w(L, 1, 2, 5, 5, dtype=L.float64),
                                                         _w(L, 3, 2, 2, 2)),
                                   r"^conv2d: expected input and weight to have the same dtype, "
                                   r"got float64 and float32$"),
    "Conv2d(float64)": (lambda L, F: L.nn.Conv2d(2, 3, 2)(_w(L, 1, 2, 5, 5, dtype=L.float64)),
                        r"^conv2d: .*float64, float32 and float32$"),
    "Conv2d(int64, unbatched)": (lambda L, F: L.nn.Conv2d(2, 3, 2)(_w(L, 2, 5, 5, dtype=L.int64)),
                                 r"^conv2d: .*int64, float32 and float32$"),
    "F.conv2d(float64 bias)": (lambda L, F: F.conv2d(_w(L, 1, 2, 5, 5), _w(L, 3, 2, 2, 2),
                                                     _w(L, 3, dtype=L.float64)),
                               r"^conv2d: .*float32, float32 and float64$"),
    "F.conv_transpose2d(float64)": (lambda L, F: F.conv_transpose2d(
        _w(L, 1, 2, 5, 5, dtype=L.float64), _w(L, 2, 3, 2, 2)), r"^conv_transpose2d: .*float64"),
}


@pytest.mark.parametrize("name", list(MIXED_DTYPE_PRODUCTS))
def test_products_refuse_mixed_dtypes_like_torch(name: str, torch):
    call, pattern = MIXED_DTYPE_PRODUCTS[name]
    with pytest.raises(RuntimeError, match="same dtype|expected scalar type|should be the same"):
        call(torch, torch.nn.functional)     # PyTorch refuses it ...
    with pytest.raises(RuntimeError, match=pattern):
        call(sg, sg.nn.functional)           # ... and so does scratchgrad, naming the op


@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_products_of_one_dtype_still_work_and_keep_it(dtype: str, torch):
    a, b = np.arange(6).reshape(2, 3).astype(dtype), np.arange(12).reshape(3, 4).astype(dtype)
    for f in (lambda L, x, y: x @ y, lambda L, x, y: L.mm(x, y),
              lambda L, x, y: L.matmul(x[0], y)):
        y = f(sg, sg.tensor(a), sg.tensor(b))
        expected = f(torch, torch.tensor(a), torch.tensor(b)).numpy()
        assert y.dtype == expected.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(y.numpy(), expected)
    lin = sg.nn.Linear(3, 4).to(sg.float64)
    assert lin(sg.ones(2, 3, dtype=sg.float64)).dtype == sg.float64


def test_a_list_operand_takes_the_float_dtype_and_an_array_keeps_its_own():
    for dtype in (sg.float32, sg.float64):
        x = sg.ones(2, 2, dtype=dtype)
        assert (x @ [[1.0], [2.0]]).dtype == dtype
        assert ([[1, 2]] @ x).dtype == dtype
    with pytest.raises(RuntimeError, match=r"^matmul: .*float32 and float64"):
        sg.ones(2, 2) @ np.ones((2, 1))        # an array is a tensor of its dtype
