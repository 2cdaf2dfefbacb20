"""The op harness: one table of cases, four checks for every op.

A case gives the inputs (a generator), the call written once for both libraries
(``call(lib, *xs)`` where ``lib`` is ``scratchgrad`` or ``torch``), a NumPy reference and a few
flags. For every case the harness checks

1. the forward against NumPy, in float64;
2. the backward against central finite differences (``gradcheck``: float64, random directions,
   random upstream gradient);
3. double backward (``gradgradcheck``) where the op is twice differentiable;
4. the forward and every input gradient against PyTorch, in float32, with the same random
   upstream gradient fed to both.

The input generators keep finite differences away from kinks (no relu or abs near 0, no ties in
max or maximum, no value near a clamp bound). Ties and kinks get their own cases, checked against
PyTorch only (``finite_differences=False``): there the gradient is a convention, not a limit.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.utils import gradcheck, gradgradcheck

# Every test here runs once per device under test (tests/conftest.py: the device fixture).
pytestmark = pytest.mark.usefixtures("device")

Arrays = Callable[[np.random.Generator], list]


# ---------------------------------------------------------------------- input generators
# Each returns ``make(rng) -> list of arrays``; float arrays become inputs that require grad,
# integer and bool arrays (indices, masks, conditions) become constant tensors.
def normal(*shapes: tuple) -> Arrays:
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def positive(*shapes: tuple) -> Arrays:
    """In [0.5, 2]: the domain of log, sqrt, fractional powers, and a safe denominator."""
    return lambda rng: [rng.uniform(0.5, 2.0, s) for s in shapes]


def nonzero(*shapes: tuple) -> Arrays:
    """|x| in [0.2, 2] with a random sign: away from the kink of relu and abs at 0."""
    return lambda rng: [rng.uniform(0.2, 2.0, s) * rng.choice([-1.0, 1.0], s) for s in shapes]


def distinct(*shapes: tuple) -> Arrays:
    """Values at least 0.1 apart, across all inputs, and at least 0.05 from 0 and from every
    odd multiple of 0.1 (the grid is (k + 1/2) * 0.2 plus a jitter of at most 0.05): no ties for
    max, min or maximum, no kink of relu or abs, and bounds like 0.6 or -0.4 are never close."""
    def make(rng: np.random.Generator) -> list:
        sizes = [int(np.prod(s, dtype=int)) for s in shapes]
        n = sum(sizes)
        grid = (np.arange(-n, n) + 0.5) * 0.2
        values = rng.choice(grid, n, replace=False) + rng.uniform(-0.05, 0.05, n)
        parts = np.split(values, np.cumsum(sizes)[:-1])
        return [p.reshape(s) for p, s in zip(parts, shapes)]
    return make


def few_values(*shapes: tuple) -> Arrays:
    """Floats from {-1, 0, 1}: many exact ties, for comparisons."""
    return lambda rng: [rng.integers(-1, 2, s).astype(np.float64) for s in shapes]


def ints(high: int, *shapes: tuple) -> Arrays:
    """int64 indices in [0, high), repeats likely."""
    return lambda rng: [rng.integers(0, high, s) for s in shapes]


def masks(*shapes: tuple) -> Arrays:
    return lambda rng: [rng.random(s) < 0.5 for s in shapes]


def fixed(*arrays: Any) -> Arrays:
    """Hand-picked values (ties, zeros, bounds) as float64 arrays."""
    return lambda rng: [np.array(a, dtype=np.float64) for a in arrays]


def join(*makers: Arrays) -> Arrays:
    return lambda rng: [a for m in makers for a in m(rng)]


# ---------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[..., Any]            # call(lib, *xs), lib is scratchgrad or torch
    ref: Callable[..., Any]             # NumPy reference on the float64 arrays
    inputs: Arrays = normal((3, 4))
    torch_call: Callable[..., Any] | None = None  # torch_call(torch, *xs) where PyTorch differs
    differentiable: bool = True         # False: the output must not require grad
    twice_differentiable: bool = True
    finite_differences: bool = True     # False at deliberate ties and kinks
    rtol: float = 1e-5                  # PyTorch parity, float32
    atol: float = 1e-6
    ref_rtol: float = 1e-10             # NumPy reference, float64
    ref_atol: float = 1e-12

    def torch_fn(self) -> Callable[..., Any]:
        return self.torch_call or self.call


def _sig(args: tuple, kwargs: dict) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return "(" + ",".join(parts) + ")"


def both(name: str, ref: Callable, *args: Any, label: str = "", **flags: Any) -> list[Case]:
    """Two cases, ``sg.name(x, ..., *args)`` and ``x.name(..., *args)``; each runs the same
    call on torch. Keyword arguments of the op go in ``kw=``; the rest are Case flags."""
    kw = flags.pop("kw", {})
    tag = _sig(args, kw) + label
    return [
        Case(f"{name}{tag}", lambda lib, *xs: getattr(lib, name)(*xs, *args, **kw), ref, **flags),
        Case(f"Tensor.{name}{tag}", lambda lib, x, *xs: getattr(x, name)(*xs, *args, **kw), ref,
             **flags),
    ]


def _F(torch: Any) -> Any:
    return torch.nn.functional


def _np_erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_lse(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def _np_max(x: np.ndarray, axis: int, keepdims: bool = False, is_min: bool = False) -> tuple:
    f, arg = (np.min, np.argmin) if is_min else (np.max, np.argmax)
    return f(x, axis=axis, keepdims=keepdims), arg(x, axis=axis, keepdims=keepdims)


X3 = normal((2, 3, 4))          # the usual 3-D input of reductions and shape ops
# A constant ndarray operand. float32, so it keeps a float32 computation in float32; a float64
# array promotes like a float64 tensor (checked in test_dtypes.py).
_A = np.array([[0.5, -1.0, 2.0, 0.25]] * 3, dtype=np.float32)

ELEMENTWISE = [
    *both("neg", np.negative),
    Case("-x", lambda lib, x: -x, np.negative),
    *both("abs", np.abs, inputs=nonzero((3, 4))),
    Case("abs(x) builtin", lambda lib, x: abs(x), np.abs, inputs=nonzero((3, 4))),
    *both("exp", np.exp),
    *both("exp", np.exp, label="[0-d]", inputs=normal(())),
    *both("log", np.log, inputs=positive((3, 4))),
    *both("log1p", np.log1p, inputs=positive((3, 4))),
    *both("sqrt", np.sqrt, inputs=positive((3, 4))),
    *both("square", np.square),
    *both("sin", np.sin),
    *both("cos", np.cos),
    *both("tanh", np.tanh),
    *both("tanh", np.tanh, label="[0-d]", inputs=normal(())),
    *both("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
    Case("sigmoid[large |x|]", lambda lib, x: lib.sigmoid(x), lambda x: 1 / (1 + np.exp(-x)),
         inputs=fixed([-60.0, -20.0, 0.3, 20.0, 60.0])),
    *both("relu", lambda x: np.maximum(x, 0), inputs=nonzero((3, 4))),
    Case("leaky_relu", lambda lib, x: sg.leaky_relu(x),
         lambda x: np.where(x > 0, x, 0.01 * x), nonzero((3, 4)),
         torch_call=lambda torch, x: _F(torch).leaky_relu(x)),
    Case("leaky_relu(0.2)", lambda lib, x: sg.leaky_relu(x, 0.2),
         lambda x: np.where(x > 0, x, 0.2 * x), nonzero((3, 4)),
         torch_call=lambda torch, x: _F(torch).leaky_relu(x, 0.2)),
    # The exact GELU uses an erf fit accurate to 1.2e-7 (float32 precision, see
    # ops.elementwise._erf), so its float64 reference tolerance is 2e-7, not 1e-10.
    Case("gelu", lambda lib, x: sg.gelu(x), lambda x: 0.5 * x * (1 + _np_erf(x / math.sqrt(2))),
         normal((3, 4)), torch_call=lambda torch, x: _F(torch).gelu(x), ref_atol=2e-7),
    Case("gelu(approximate='tanh')", lambda lib, x: sg.gelu(x, approximate="tanh"),
         lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
         normal((3, 4)), torch_call=lambda torch, x: _F(torch).gelu(x, approximate="tanh")),
    Case("softplus", lambda lib, x: sg.softplus(x), lambda x: np.log1p(np.exp(x)),
         normal((3, 4)), torch_call=lambda torch, x: _F(torch).softplus(x)),
    Case("softplus[at 0]", lambda lib, x: sg.softplus(x), lambda x: np.log1p(np.exp(x)),
         fixed([0.0, -0.0, 1.5, -2.0]), torch_call=lambda torch, x: _F(torch).softplus(x)),
    Case("softplus(beta=2,threshold=1)", lambda lib, x: sg.softplus(x, beta=2, threshold=1),
         lambda x: np.where(2 * x > 1, x, np.log1p(np.exp(2 * x)) / 2), normal((3, 4)),
         torch_call=lambda torch, x: _F(torch).softplus(x, beta=2, threshold=1)),
    *both("clamp", lambda x: np.clip(x, -0.4, 0.6), -0.4, 0.6, inputs=distinct((3, 4))),
    *both("clip", lambda x: np.clip(x, -0.4, 0.6), -0.4, 0.6, inputs=distinct((3, 4))),
    *both("clamp", lambda x: np.maximum(x, 0.2), inputs=distinct((3, 4)), kw={"min": 0.2}),
    *both("clamp", lambda x: np.minimum(x, -0.2), inputs=distinct((3, 4)), kw={"max": -0.2}),
    Case("clamp(tensor bounds)", lambda lib, x, lo, hi: lib.clamp(x, lo, hi),
         lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi), distinct((3, 4), (4,), (3, 1))),
    *both("maximum", np.maximum, inputs=distinct((3, 4), (4,))),
    *both("minimum", np.minimum, inputs=distinct((3, 4), (4,))),
    Case("max(a, b)", lambda lib, a, b: lib.max(a, b), np.maximum, distinct((3, 4), (3, 1))),
    Case("min(a, b)", lambda lib, a, b: lib.min(a, b), np.minimum, distinct((3, 4), (3, 1))),
    Case("where", lambda lib, c, a, b: lib.where(c, a, b), np.where,
         join(masks((3, 4)), normal((3, 4), (4,)))),
    Case("Tensor.where", lambda lib, c, a, b: a.where(c, b), np.where,
         join(masks((3, 4)), normal((3, 1), (4,)))),
    Case("where(c, x, 0.0)", lambda lib, c, x: lib.where(c, x, 0.0),
         lambda c, x: np.where(c, x, 0.0), join(masks((3, 4)), normal((3, 4)))),
    Case("where(x > 0, x, 2 * x)", lambda lib, x: lib.where(x > 0, x, 2 * x),
         lambda x: np.where(x > 0, x, 2 * x), nonzero((3, 4))),
]

ARITHMETIC = [
    Case("a + b", lambda lib, a, b: a + b, np.add, normal((3, 4), (4,))),
    Case("a + b[0-d]", lambda lib, a, b: a + b, np.add, normal((3, 4), ())),
    Case("a[0-d] + b[0-d]", lambda lib, a, b: a + b, np.add, normal((), ())),
    *both("add", np.add, inputs=normal((2, 1, 4), (3, 1))),
    Case("a - b", lambda lib, a, b: a - b, np.subtract, normal((3, 1), (1, 4))),
    *both("sub", np.subtract, inputs=normal((3, 4), (4,))),
    Case("a * b", lambda lib, a, b: a * b, np.multiply, normal((2, 3, 4), (3, 1))),
    *both("mul", np.multiply, inputs=normal((3, 4), ())),
    Case("a / b", lambda lib, a, b: a / b, np.divide, join(normal((3, 4)), nonzero((4,)))),
    *both("div", np.divide, inputs=join(normal((3, 1)), nonzero((3, 4)))),
    Case("x + 2.5", lambda lib, x: x + 2.5, lambda x: x + 2.5),
    Case("2 * x", lambda lib, x: 2 * x, lambda x: 2 * x),
    Case("1 - x", lambda lib, x: 1 - x, lambda x: 1 - x),
    Case("x - 1", lambda lib, x: x - 1, lambda x: x - 1),
    Case("2 / x", lambda lib, x: 2 / x, lambda x: 2 / x, nonzero((3, 4))),
    Case("x / 3", lambda lib, x: x / 3, lambda x: x / 3),
    Case("ndarray + x", lambda lib, x: _A + x, lambda x: _A + x,
         torch_call=lambda torch, x: torch.from_numpy(_A) + x),
    Case("x * ndarray", lambda lib, x: x * _A, lambda x: x * _A,
         torch_call=lambda torch, x: x * torch.from_numpy(_A)),
    Case("ndarray / x", lambda lib, x: _A / x, lambda x: _A / x, nonzero((3, 4)),
         torch_call=lambda torch, x: torch.from_numpy(_A) / x),
    Case("x ** 2", lambda lib, x: x ** 2, np.square),
    Case("x ** 3", lambda lib, x: x ** 3, lambda x: x ** 3),
    Case("x ** -1.5", lambda lib, x: x ** -1.5, lambda x: x ** -1.5, positive((3, 4))),
    Case("x ** 0.5", lambda lib, x: x ** 0.5, np.sqrt, positive((3, 4))),
    Case("x[0-d] ** 3", lambda lib, x: x ** 3, lambda x: x ** 3, normal(())),
    *both("pow", lambda x: x ** 3, 3),
    *both("pow", lambda x: x ** 2.5, 2.5, inputs=positive((3, 4))),
    Case("a ** b", lambda lib, a, b: a ** b, np.power, join(positive((3, 4)), normal((4,)))),
    *both("pow", np.power, inputs=join(positive((3, 1)), normal((3, 4)))),
    Case("2.5 ** x", lambda lib, x: 2.5 ** x, lambda x: 2.5 ** x),
    Case("pow(2.0, x)", lambda lib, x: lib.pow(2.0, x), lambda x: 2.0 ** x),
    Case("x % b", lambda lib, a, b: a % b, np.remainder,
         join(normal((3, 4)), positive((4,)))),
    Case("remainder", lambda lib, a, b: lib.remainder(a, b), np.remainder,
         join(normal((3, 4)), positive((3, 1)))),
    Case("x // b", lambda lib, a, b: a // b, np.floor_divide,
         join(normal((3, 4)), positive((4,))), differentiable=False),
]

_COMPARISONS = [("==", "eq", np.equal), ("!=", "ne", np.not_equal), ("<", "lt", np.less),
                ("<=", "le", np.less_equal), (">", "gt", np.greater),
                (">=", "ge", np.greater_equal)]


def _comparison_cases(symbol: str, name: str, ref: Callable) -> list[Case]:
    op = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
          "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}[symbol]
    flags = dict(inputs=few_values((3, 4), (4,)), differentiable=False)
    return [
        Case(f"a {symbol} b", lambda lib, a, b: op(a, b), ref, **flags),
        Case(f"x {symbol} 0", lambda lib, x: op(x, 0), lambda x: ref(x, 0), few_values((3, 4)),
             differentiable=False),
        *both(name, ref, **flags),
    ]


COMPARISONS = [c for sym, name, ref in _COMPARISONS for c in _comparison_cases(sym, name, ref)]

LOGIC = [
    Case("mask & mask", lambda lib, a, b: a & b, np.logical_and, masks((3, 4), (4,)),
         differentiable=False),
    Case("mask | mask", lambda lib, a, b: a | b, np.logical_or, masks((3, 4), (4,)),
         differentiable=False),
    Case("mask ^ mask", lambda lib, a, b: a ^ b, np.logical_xor, masks((3, 4), (4,)),
         differentiable=False),
    Case("~mask", lambda lib, a: ~a, np.logical_not, masks((3, 4)), differentiable=False),
    Case("logical_and", lambda lib, a, b: lib.logical_and(a, b), np.logical_and,
         masks((3, 4), (3, 4)), differentiable=False),
    Case("logical_not", lambda lib, a: lib.logical_not(a), np.logical_not, masks((3, 4)),
         differentiable=False),
    *both("any", lambda m: np.any(m, axis=1), 1, inputs=masks((3, 4)), differentiable=False),
    *both("all", lambda m: np.all(m), inputs=masks((3, 4)), differentiable=False),
]


def _reduction_cases(name: str, ref: Callable, torch_all: Callable | None = None,
                     **flags: Any) -> list[Case]:
    """``name`` over everything, over one dim, over two dims with keepdim, a negative dim and
    in the NumPy spelling (axis/keepdims); ``ref(x, axis, keepdims)``. ``torch_all`` is the
    full reduction in torch where it needs a dim."""
    inputs = flags.pop("inputs", X3)
    return [
        *both(name, lambda x: ref(x, None, False), inputs=inputs, torch_call=torch_all,
              **flags),
        *both(name, lambda x: ref(x, 1, False), 1, inputs=inputs, **flags),
        *both(name, lambda x: ref(x, (0, 2), True), inputs=inputs, kw={"dim": (0, 2),
              "keepdim": True}, **flags),
        *both(name, lambda x: ref(x, -1, False), inputs=inputs, kw={"dim": -1}, **flags),
        *both(name, lambda x: ref(x, 1, True), inputs=inputs, kw={"axis": 1, "keepdims": True},
              **flags),
    ]


def _np_var(ddof: int) -> Callable:
    return lambda x, axis, keepdims: np.var(x, axis=axis, ddof=ddof, keepdims=keepdims)


def _np_std(ddof: int) -> Callable:
    return lambda x, axis, keepdims: np.std(x, axis=axis, ddof=ddof, keepdims=keepdims)


REDUCTIONS = [
    *_reduction_cases("sum", lambda x, a, k: np.sum(x, axis=a, keepdims=k)),
    *_reduction_cases("mean", lambda x, a, k: np.mean(x, axis=a, keepdims=k)),
    *_reduction_cases("var", _np_var(1)),
    *_reduction_cases("std", _np_std(1)),
    *_reduction_cases("amax", lambda x, a, k: np.amax(x, axis=a, keepdims=k), inputs=distinct(
        (2, 3, 4))),
    *_reduction_cases("amin", lambda x, a, k: np.amin(x, axis=a, keepdims=k), inputs=distinct(
        (2, 3, 4))),
    *_reduction_cases("logsumexp", _np_lse,   # torch.logsumexp requires dim
                      torch_all=lambda torch, x: torch.logsumexp(x, dim=tuple(range(x.ndim)))),
    *both("sum", np.sum, label="[0-d]", inputs=normal(())),
    *both("sum", np.sum, 0, label="[0-d]", inputs=normal(())),
    *both("mean", np.mean, label="[0-d]", inputs=normal(())),
    *both("var", lambda x: np.var(x, axis=1, ddof=0), 1, kw={"unbiased": False}, inputs=X3),
    *both("var", lambda x: np.var(x, axis=(0, 2), keepdims=True), inputs=X3,
          kw={"dim": (0, 2), "correction": 0, "keepdim": True}),
    *both("std", lambda x: np.std(x, axis=2, ddof=0), 2, kw={"unbiased": False}, inputs=X3),
    *both("max", np.max, inputs=distinct((2, 3, 4))),
    *both("min", np.min, inputs=distinct((2, 3, 4))),
    *both("max", lambda x: _np_max(x, 1), 1, inputs=distinct((2, 3, 4))),
    *both("min", lambda x: _np_max(x, 1, is_min=True), 1, inputs=distinct((2, 3, 4))),
    *both("max", lambda x: _np_max(x, -1, True), inputs=distinct((2, 3, 4)),
          kw={"dim": -1, "keepdim": True}),
    *both("min", lambda x: _np_max(x, 0, True, True), inputs=distinct((2, 3, 4)),
          kw={"dim": 0, "keepdim": True}),
    *both("max", lambda x: _np_max(x, 2, True), inputs=distinct((2, 3, 4)),
          kw={"axis": 2, "keepdims": True}),
    *both("min", lambda x: _np_max(x, 1, is_min=True), inputs=distinct((2, 3, 4)),
          kw={"axis": 1}),
    *both("max", lambda x: (x, np.array(0)), 0, label="[0-d]", inputs=normal(())),
    *both("argmax", lambda x: np.argmax(x), inputs=distinct((2, 3, 4)), differentiable=False),
    *both("argmin", lambda x: np.argmin(x), inputs=distinct((2, 3, 4)), differentiable=False),
    *both("argmax", lambda x: np.argmax(x, axis=1), 1, inputs=distinct((2, 3, 4)),
          differentiable=False),
    *both("argmin", lambda x: np.argmin(x, axis=-1, keepdims=True), inputs=distinct((2, 3, 4)),
          kw={"dim": -1, "keepdim": True}, differentiable=False),
    *both("argmax", lambda x: np.argmax(x, axis=2, keepdims=True), inputs=distinct((2, 3, 4)),
          kw={"axis": 2, "keepdims": True}, differentiable=False),
    *both("softmax", lambda x: _np_softmax(x, -1), -1, inputs=X3),
    *both("softmax", lambda x: _np_softmax(x, 0), inputs=X3, kw={"dim": 0}),
    *both("softmax", lambda x: _np_softmax(x, 1), inputs=X3, kw={"axis": 1}),
    *both("softmax", lambda x: np.ones(()), 0, label="[0-d]", inputs=normal(())),
    *both("log_softmax", lambda x: np.log(_np_softmax(x, -1)), -1, inputs=X3),
    *both("log_softmax", lambda x: np.log(_np_softmax(x, 1)), inputs=X3, kw={"dim": 1}),
    *both("log_softmax", lambda x: np.log(_np_softmax(x, 0)), inputs=X3, kw={"axis": 0}),
]


def _idx(name: str, index: Any, inputs: Arrays = normal((4, 5)), **flags: Any) -> Case:
    """``x[index]``; ``index`` is used as is by scratchgrad, NumPy and torch."""
    return Case(f"x[{name}]", lambda lib, x: x[index], lambda x: x[index], inputs, **flags)


SHAPE = [
    *both("reshape", lambda x: x.reshape(6, 4), (6, 4), inputs=X3),
    Case("Tensor.reshape(6, 4)", lambda lib, x: x.reshape(6, 4), lambda x: x.reshape(6, 4), X3),
    *both("reshape", lambda x: x.reshape(2, -1), (2, -1), inputs=X3),
    *both("reshape", lambda x: x.reshape(1), (1,), label="[0-d]", inputs=normal(())),
    *both("reshape", lambda x: x.reshape(()), (), label="[to 0-d]", inputs=normal((1, 1))),
    Case("Tensor.view(-1)", lambda lib, x: x.view(-1), lambda x: x.reshape(-1), X3),
    Case("Tensor.view(4, 6)", lambda lib, x: x.view(4, 6), lambda x: x.reshape(4, 6), X3),
    Case("Tensor.view_as", lambda lib, x, y: x.view_as(y), lambda x, y: x.reshape(y.shape),
         normal((2, 3, 4), (6, 4))),
    *both("flatten", lambda x: x.reshape(-1), inputs=X3),
    *both("flatten", lambda x: x.reshape(2, 12), 1, inputs=X3),
    *both("flatten", lambda x: x.reshape(6, 4), 0, 1, inputs=X3),
    *both("flatten", lambda x: x.reshape(1), label="[0-d]", inputs=normal(())),
    *both("transpose", lambda x: x.transpose(2, 1, 0), 0, 2, inputs=X3),
    *both("transpose", lambda x: x.swapaxes(-1, -2), -1, -2, inputs=X3),
    Case("Tensor.permute(2, 0, 1)", lambda lib, x: x.permute(2, 0, 1),
         lambda x: x.transpose(2, 0, 1), X3),
    *both("permute", lambda x: x.transpose(1, 2, 0), (1, 2, 0), inputs=X3),
    Case("x.T", lambda lib, x: x.T, lambda x: x.T),
    Case("x.T[3-d]", lambda lib, x: x.T, lambda x: x.T, X3,
         torch_call=lambda torch, x: x.permute(2, 1, 0)),   # torch deprecates .T beyond 2-D
    Case("x.mT", lambda lib, x: x.mT, lambda x: x.swapaxes(-1, -2), X3),
    *both("t", lambda x: x.T),
    *both("t", lambda x: x, label="[1-d]", inputs=normal((4,))),
    *both("squeeze", lambda x: x.squeeze(), inputs=normal((3, 1, 4, 1))),
    *both("squeeze", lambda x: x.squeeze(1), 1, inputs=normal((3, 1, 4, 1))),
    *both("squeeze", lambda x: x, 0, label="[size 3: no-op]", inputs=normal((3, 1, 4, 1))),
    *both("squeeze", lambda x: x.squeeze((1, 3)), (1, 3), inputs=normal((3, 1, 4, 1))),
    *both("unsqueeze", lambda x: x[None], 0),
    *both("unsqueeze", lambda x: x[..., None], -1),
    *both("unsqueeze", lambda x: x[None], 0, label="[0-d]", inputs=normal(())),
    Case("Tensor.expand", lambda lib, x: x.expand(2, 3, 4),
         lambda x: np.broadcast_to(x, (2, 3, 4)), normal((3, 1))),
    Case("Tensor.expand(-1)", lambda lib, x: x.expand(5, -1, 4),
         lambda x: np.broadcast_to(x, (5, 3, 4)), normal((3, 1))),
    Case("Tensor.expand_as", lambda lib, x, y: x.expand_as(y),
         lambda x, y: np.broadcast_to(x, y.shape), normal((4,), (3, 4))),
    *both("broadcast_to", lambda x: np.broadcast_to(x, (2, 3, 4)), (2, 3, 4),
          inputs=normal((1, 4))),
    *both("broadcast_to", lambda x: np.broadcast_to(x, (3, 2)), (3, 2), label="[0-d]",
          inputs=normal(())),
    Case("Tensor.sum_to", lambda lib, x: x.sum_to((1, 4)), lambda x: x.sum(0, keepdims=True),
         torch_call=lambda torch, x: x.sum_to_size((1, 4))),
    Case("sum_to", lambda lib, x: sg.sum_to(x, (3, 1)), lambda x: x.sum((0, 2))[:, None],
         X3, torch_call=lambda torch, x: x.sum_to_size((3, 1))),
    *both("clone", lambda x: x.copy()),
    _idx("1", 1),
    _idx("-1, 2", (-1, 2)),
    _idx("1:3, ::2", (slice(1, 3), slice(None, None, 2))),
    _idx("None, :, 1", (None, slice(None), 1)),
    _idx("..., 1", (Ellipsis, 1), X3),
    _idx("1, ..., None", (1, Ellipsis, None), X3),
    _idx("[0, 0, 2] (repeated)", [0, 0, 2]),
    _idx(":, [1, 1, 1, 4] (repeated)", (slice(None), [1, 1, 1, 4])),
    _idx("[0, 2, 2], [1, 1, 1] (repeated pairs)", ([0, 2, 2], [1, 1, 1])),
    _idx("2-d int array", np.array([[0, 1], [1, 1]])),
    _idx("...[0-d]", Ellipsis, normal(())),
    _idx("None[0-d]", None, normal(())),
    Case("x[int tensor]", lambda lib, x, i: x[i], lambda x, i: x[i],
         join(normal((4, 5)), ints(4, (7,)))),
    Case("x[:, int tensor]", lambda lib, x, i: x[:, i], lambda x, i: x[:, i],
         join(normal((4, 5)), ints(5, (2, 3)))),
    Case("x[bool mask]", lambda lib, x, m: x[m], lambda x, m: x[m],
         join(normal((4, 5)), masks((4, 5)))),
    Case("x[row mask]", lambda lib, x, m: x[m], lambda x, m: x[m],
         join(normal((4, 5)), masks((4,)))),
    Case("x[x > 0]", lambda lib, x: x[x > 0], lambda x: x[x > 0], nonzero((4, 5))),
    Case("cat", lambda lib, a, b: lib.cat([a, b]), lambda a, b: np.concatenate([a, b]),
         normal((2, 4), (3, 4))),
    Case("cat(dim=1)", lambda lib, a, b, c: lib.cat([a, b, c], dim=1),
         lambda a, b, c: np.concatenate([a, b, c], axis=1), normal((3, 1), (3, 4), (3, 2))),
    Case("cat(axis=-1)", lambda lib, a, b: lib.cat([a, b], axis=-1),
         lambda a, b: np.concatenate([a, b], axis=-1), normal((2, 3, 1), (2, 3, 2))),
    Case("concatenate", lambda lib, a, b: lib.concatenate([a, b], 1),
         lambda a, b: np.concatenate([a, b], 1), normal((3, 1), (3, 4))),
    Case("stack", lambda lib, a, b: lib.stack([a, b]), lambda a, b: np.stack([a, b]),
         normal((3, 4), (3, 4))),
    Case("stack(dim=-1)", lambda lib, a, b, c: lib.stack([a, b, c], dim=-1),
         lambda a, b, c: np.stack([a, b, c], -1), normal((3, 4), (3, 4), (3, 4))),
    Case("stack(axis=0)[0-d]", lambda lib, a, b: lib.stack([a, b], axis=0),
         lambda a, b: np.stack([a, b]), normal((), ())),
    *both("split", lambda x: tuple(np.split(x, [2, 4])), 2, inputs=normal((5, 3))),
    *both("split", lambda x: tuple(np.split(x, [1], axis=1)), [1, 3], kw={"dim": 1}),
    *both("chunk", lambda x: tuple(np.split(x, [2, 4])), 3, inputs=normal((5, 3))),
    *both("chunk", lambda x: tuple(np.split(x, [2], axis=1)), 2, kw={"dim": 1}),
    Case("split(...)[1] (other outputs unused)", lambda lib, x: lib.split(x, 2)[1],
         lambda x: x[2:4], normal((5, 3))),
    Case("pad", lambda lib, x: sg.pad(x, (1, 2)), lambda x: np.pad(x, ((0, 0), (1, 2))),
         torch_call=lambda torch, x: _F(torch).pad(x, (1, 2))),
    Case("pad(4 values, value=0.5)", lambda lib, x: sg.pad(x, (1, 1, 2, 0), value=0.5),
         lambda x: np.pad(x, ((0, 0), (2, 0), (1, 1)), constant_values=0.5), X3,
         torch_call=lambda torch, x: _F(torch).pad(x, (1, 1, 2, 0), value=0.5)),
]

MATMUL_SHAPES = [((4,), (4,)), ((4,), (4, 3)), ((3, 4), (4,)), ((3, 4), (4, 5)),
                 ((2, 3, 4), (4, 5)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
                 ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2))]

LINALG = [
    *[Case(f"a @ b{a}{b}", lambda lib, x, y: x @ y, np.matmul, normal(a, b))
      for a, b in MATMUL_SHAPES],
    *both("matmul", np.matmul, inputs=normal((2, 3, 4), (2, 4, 2))),
    # the array in the tensor's dtype: products do not promote (float32 @ float64 raises)
    Case("ndarray @ x", lambda lib, x: _A.astype(x.dtype) @ x, lambda x: _A @ x, normal((4, 2)),
         torch_call=lambda torch, x: torch.from_numpy(_A) @ x),
    *both("mm", np.matmul, inputs=normal((3, 4), (4, 2))),
    *both("dot", np.dot, inputs=normal((4,), (4,))),
]

EDGES = [  # ties and kinks: the gradient is a convention, PyTorch's is the reference
    Case("relu[at 0]", lambda lib, x: lib.relu(x), lambda x: np.maximum(x, 0),
         fixed([-1.0, 0.0, 2.0]), finite_differences=False),
    Case("abs[at 0]", lambda lib, x: lib.abs(x), np.abs, fixed([-1.0, 0.0, 2.0]),
         finite_differences=False),
    Case("leaky_relu[at 0]", lambda lib, x: sg.leaky_relu(x, 0.2),
         lambda x: np.where(x > 0, x, 0.2 * x), fixed([-1.0, 0.0, 2.0]),
         torch_call=lambda torch, x: _F(torch).leaky_relu(x, 0.2), finite_differences=False),
    Case("clamp[at the bounds]", lambda lib, x: lib.clamp(x, -0.5, 0.5),
         lambda x: np.clip(x, -0.5, 0.5), fixed([-1.0, -0.5, 0.0, 0.5, 1.0]),
         finite_differences=False),
    Case("maximum[ties]", lambda lib, a, b: lib.maximum(a, b), np.maximum,
         fixed([1.0, 2.0, 3.0], [1.0, 5.0, 3.0]), finite_differences=False),
    Case("minimum[ties]", lambda lib, a, b: lib.minimum(a, b), np.minimum,
         fixed([1.0, 2.0, 3.0], [1.0, 5.0, 3.0]), finite_differences=False),
    Case("max[ties]", lambda lib, x: lib.max(x), np.max,
         fixed([[1.0, 3.0, 3.0], [0.0, 3.0, 2.0]]), finite_differences=False),
    Case("max(dim=1)[ties]", lambda lib, x: lib.max(x, dim=1), lambda x: _np_max(x, 1),
         fixed([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]), finite_differences=False),
    Case("min(dim=0)[ties]", lambda lib, x: lib.min(x, dim=0), lambda x: _np_max(x, 0, is_min=True),
         fixed([[1.0, 3.0, 0.0], [1.0, 2.0, 0.0]]), finite_differences=False),
    Case("amax(dim=1)[ties]", lambda lib, x: lib.amax(x, dim=1), lambda x: np.amax(x, 1),
         fixed([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), finite_differences=False),
    Case("amin[ties]", lambda lib, x: lib.amin(x), np.amin,
         fixed([[1.0, 3.0, 1.0], [2.0, 1.0, 2.0]]), finite_differences=False),
    Case("argmax(dim=1)[ties]", lambda lib, x: lib.argmax(x, dim=1), lambda x: np.argmax(x, 1),
         few_values((4, 5)), differentiable=False),
    Case("argmin[ties]", lambda lib, x: lib.argmin(x), np.argmin, few_values((4, 5)),
         differentiable=False),
    Case("x ** 0[at 0]", lambda lib, x: x ** 0, lambda x: x ** 0, fixed([0.0, 1.0, -2.0]),
         finite_differences=False),
    Case("a ** b[0 ** 0]", lambda lib, a, b: a ** b, np.power,
         fixed([0.0, 0.0, 2.0], [0.0, 2.0, 0.0]), finite_differences=False),
    Case("x ** 2[at 0]", lambda lib, x: x ** 2, np.square, fixed([0.0, 1.0, -2.0])),
    Case("x ** 3[at 0]", lambda lib, x: x ** 3, lambda x: x ** 3, fixed([0.0, 1.0, -2.0])),
]

# ---------------------------------------------------------------------- indexing and selection
def unique_ints(high: int, shape: tuple, dim: int) -> Arrays:
    """int64 indices in [0, high), no two equal along ``dim`` (scatter without collisions)."""
    def make(rng: np.random.Generator) -> list:
        wide = list(shape)
        wide[dim] = high
        perm = np.argsort(rng.random(wide), axis=dim)
        return [np.take(perm, np.arange(shape[dim]), axis=dim).astype(np.int64)]
    return make


def dim_first(name: str, ref: Callable, dim: int, *args: Any, label: str = "",
              **flags: Any) -> list[Case]:
    """``sg.name(x, dim, *others, *args)`` and ``x.name(dim, *others, *args)``: the ops whose
    dim comes before their index or mask inputs (gather, scatter, index_select)."""
    tag = _sig((dim,) + args, {}) + label
    return [
        Case(f"{name}{tag}", lambda lib, x, *xs: getattr(lib, name)(x, dim, *xs, *args), ref,
             **flags),
        Case(f"Tensor.{name}{tag}", lambda lib, x, *xs: getattr(x, name)(dim, *xs, *args), ref,
             **flags),
    ]


def _np_gather(x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    out = np.empty(index.shape, x.dtype)
    for pos in np.ndindex(*index.shape):
        at = list(pos)
        at[dim] = index[pos]
        out[pos] = x[tuple(at)]
    return out


def _np_scatter(x: np.ndarray, dim: int, index: np.ndarray, src: Any, add: bool = False
                ) -> np.ndarray:
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        at = list(pos)
        at[dim] = index[pos]
        v = src[pos] if isinstance(src, np.ndarray) else src
        out[tuple(at)] = out[tuple(at)] + v if add else v
    return out


def _np_sort(x: np.ndarray, dim: int = -1, descending: bool = False, k: int | None = None
             ) -> tuple:
    idx = np.argsort(-x if descending else x, axis=dim, kind="stable")
    if k is not None:
        idx = np.take(idx, np.arange(k), axis=dim)
    return np.take_along_axis(x, idx, dim), idx


def _np_masked_select(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    x, m = np.broadcast_arrays(x, m)
    return x[m]


INDEXING = [
    *dim_first("gather", lambda x, i: _np_gather(x, 1, i), 1, inputs=join(normal((3, 4)),
               ints(4, (3, 5)))),
    *dim_first("gather", lambda x, i: _np_gather(x, -3, i), -3, inputs=join(X3, ints(2, (3, 2,
               1)))),
    *dim_first("gather", lambda x, i: x.copy(), 0, label="[0-d]",
               inputs=join(normal(()), lambda rng: [np.array(0)])),
    Case("gather(index int32)", lambda lib, x, i: lib.gather(x, 1, i.int()),
         lambda x, i: _np_gather(x, 1, i), join(normal((3, 4)), ints(4, (2, 3)))),
    Case("take_along_dim(dim=1)", lambda lib, x, i: lib.take_along_dim(x, i, 1),
         lambda x, i: np.take_along_axis(x, i, 1), join(normal((3, 4)), ints(4, (3, 2)))),
    Case("Tensor.take_along_dim(dim=-1)[broadcast]", lambda lib, x, i: x.take_along_dim(i, -1),
         lambda x, i: np.take_along_axis(np.broadcast_to(x, (2, 3, 4)), i, -1),
         join(normal((1, 3, 4)), ints(4, (2, 1, 5)))),
    Case("take_along_dim[flat]", lambda lib, x, i: lib.take_along_dim(x, i),
         lambda x, i: x.reshape(-1)[i.reshape(-1)], join(normal((2, 3)), ints(6, (2, 2)))),
    Case("take_along_dim(dim=0)[negative]", lambda lib, x, i: lib.take_along_dim(x, i - 3, 0),
         lambda x, i: np.take_along_axis(x, i - 3, 0), join(normal((3, 2)), ints(6, (4, 2)))),
    *dim_first("index_select", lambda x, i: np.take(x, i, axis=1), 1,
               inputs=join(X3, ints(3, (5,)))),
    *dim_first("index_select", lambda x, i: np.take(x, i, axis=-1), -1,
               inputs=join(normal((3, 4)), ints(4, (2,)))),
    *dim_first("scatter", lambda x, i, s: _np_scatter(x, 1, i, s), 1,
               inputs=join(normal((3, 4)), unique_ints(4, (3, 2), 1), normal((3, 2)))),
    *dim_first("scatter", lambda x, i, s: _np_scatter(x, -3, i, s), -3,
               inputs=join(X3, unique_ints(2, (2, 2, 4), 0), normal((2, 2, 4)))),
    *dim_first("scatter", lambda x, i: _np_scatter(x, 0, i, 1.5), 0, 1.5, label="[value]",
               inputs=join(normal((3, 4)), ints(3, (2, 4)))),
    Case("scatter(value=)", lambda lib, x, i: lib.scatter(x, -1, i, value=-2.0),
         lambda x, i: _np_scatter(x, -1, i, -2.0), join(normal((3, 4)), ints(4, (3, 3)))),
    *dim_first("scatter_add", lambda x, i, s: _np_scatter(x, 1, i, s, add=True), 1,
               inputs=join(normal((3, 4)), ints(4, (2, 5)), normal((2, 5)))),
    *dim_first("scatter_add", lambda x, i, s: _np_scatter(x, -2, i, s, add=True), -2,
               inputs=join(X3, ints(3, (2, 4, 4)), normal((2, 4, 4)))),
    *both("masked_fill", lambda x, m: np.where(m, 0.5, x), 0.5,
          inputs=join(normal((3, 4)), masks((4,)))),
    Case("masked_fill[broadcast input]", lambda lib, x, m: lib.masked_fill(x, m, -1.0),
         lambda x, m: np.where(m, -1.0, x), join(normal((3, 1)), masks((3, 4)))),
    Case("masked_fill(0-d tensor value)", lambda lib, x, v, m: x.masked_fill(m, v),
         lambda x, v, m: np.where(m, v, x), join(normal((3, 4), ()), masks((3, 4)))),
    *both("masked_select", _np_masked_select, inputs=join(normal((3, 4)), masks((3, 4)))),
    *both("masked_select", _np_masked_select, label="[broadcast]",
          inputs=join(normal((3, 1)), masks((2, 3, 4)))),
    *both("sort", lambda x: _np_sort(x), inputs=distinct((3, 4))),
    *both("sort", lambda x: _np_sort(x, 0, True), 0, True, inputs=distinct((3, 4))),
    *both("sort", lambda x: _np_sort(x, -2), kw={"dim": -2, "stable": True},
          inputs=distinct((2, 3, 4))),
    *both("argsort", lambda x: _np_sort(x, 1, True)[1], 1, True, inputs=distinct((3, 4)),
          differentiable=False),
    *both("argsort", lambda x: _np_sort(x)[1], inputs=distinct((2, 3, 4)),
          differentiable=False),
    *both("topk", lambda x: _np_sort(x, -1, True, 2), 2, inputs=distinct((3, 4))),
    *both("topk", lambda x: _np_sort(x, 0, False, 3), 3, 0, False, inputs=distinct((3, 4))),
    *both("topk", lambda x: _np_sort(x, -2, True, 1), 1, kw={"dim": -2},
          inputs=distinct((2, 3, 4))),
    *both("topk", lambda x: _np_sort(x, -1, True, 4), 4, label="[k = size]",
          inputs=distinct((3, 4))),
    *both("nonzero", np.argwhere, inputs=few_values((3, 4)), differentiable=False),
    *both("nonzero", lambda x: np.nonzero(x), kw={"as_tuple": True}, inputs=few_values((2, 3,
          4)), differentiable=False),
    *both("argwhere", np.argwhere, inputs=masks((3, 4)), differentiable=False),
    # Ties: the values are the same whichever tied element is picked; the indices (and where
    # the gradient goes) are a convention, so only the values are compared, without gradient.
    Case("sort(descending)[ties, values]",
         lambda lib, x: lib.sort(x, descending=True).values.detach(),
         lambda x: -np.sort(-x), fixed([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 5.0]]),
         differentiable=False),
    Case("topk[ties, values]", lambda lib, x: lib.topk(x, 2, dim=0).values.detach(),
         lambda x: -np.sort(-x, axis=0)[:2], fixed([[1.0, 3.0], [1.0, 3.0], [0.0, 3.0]]),
         differentiable=False),
    # ---- rearranging (ops/shape.py)
    *both("flip", lambda x: x[::-1, :, ::-1], (0, 2), inputs=X3),
    *both("flip", lambda x: x[:, ::-1], [-1]),
    Case("Tensor.flip(0, 1)", lambda lib, x: x.flip(0, 1), lambda x: x[::-1, ::-1]),
    *both("roll", lambda x: np.roll(x, 3), 3),
    *both("roll", lambda x: np.roll(x, (1, -2), (0, -1)), (1, -2), (0, -1), inputs=X3),
    *both("roll", lambda x: np.roll(x, 7, 1), 7, 1),
    Case("Tensor.repeat(2, 1, 3)", lambda lib, x: x.repeat(2, 1, 3),
         lambda x: np.tile(x, (2, 1, 3))),
    Case("Tensor.repeat((1, 2))", lambda lib, x: x.repeat((1, 2)), lambda x: np.tile(x, (1, 2))),
    *both("tile", lambda x: np.tile(x, (2,)), (2,), inputs=X3),
    *both("tile", lambda x: np.tile(x, (2, 1, 2)), (2, 1, 2)),
    Case("Tensor.tile(2, 1)", lambda lib, x: x.tile(2, 1), lambda x: np.tile(x, (2, 1))),
    *both("repeat_interleave", lambda x: np.repeat(x, 2), 2),
    *both("repeat_interleave", lambda x: np.repeat(x, 3, axis=-2), 3, kw={"dim": -2},
          inputs=X3),
    *both("unbind", lambda x: tuple(x), inputs=normal((3, 2))),
    *both("unbind", lambda x: tuple(np.moveaxis(x, -1, 0)), -1, inputs=X3),
    *both("narrow", lambda x: x[:, 1:3], 1, 1, 2),
    *both("narrow", lambda x: x[..., 1:4], -1, -3, 3, inputs=X3),
    *both("movedim", lambda x: np.moveaxis(x, 0, -1), 0, -1, inputs=X3),
    *both("movedim", lambda x: np.moveaxis(x, (0, 1), (2, 0)), (0, 1), (2, 0), inputs=X3),
    *both("tril", np.tril),
    *both("tril", lambda x: np.tril(x, -1), -1, inputs=X3),
    *both("triu", lambda x: np.triu(x, 1), 1),
    *both("triu", lambda x: np.triu(x, -1), kw={"diagonal": -1}, inputs=X3),
]


def test_scatter_gradient_with_src_larger_than_index():
    """Only src's leading index-sized block is written, so the rest of src gets a zero
    gradient (finite differences only: PyTorch's own backward refuses this case)."""
    rng = np.random.default_rng(0)
    x, src = sg_inputs([rng.standard_normal((3, 4)), rng.standard_normal((3, 5))], np.float64)
    index = sg.tensor(np.array([[3, 0], [1, 2]]))
    gradcheck(lambda a, b: sg.scatter(a, 1, index, b), [x, src])
    sg.scatter(x, 1, index, src).sum().backward()
    np.testing.assert_array_equal(src.grad.numpy()[:2, :2], np.ones((2, 2)))
    np.testing.assert_array_equal(src.grad.numpy()[2], np.zeros(5))
    np.testing.assert_array_equal(src.grad.numpy()[:, 2:], np.zeros((3, 3)))

COUNTING = [  # not differentiable: values only, against NumPy and PyTorch
    Case("unique", lambda lib, x: lib.unique(x), np.unique, ints(5, (3, 7)),
         differentiable=False),
    Case("Tensor.unique(return_inverse, return_counts)",
         lambda lib, x: x.unique(return_inverse=True, return_counts=True),
         lambda x: np.unique(x, return_inverse=True, return_counts=True), ints(4, (3, 7)),
         differentiable=False),
    Case("unique(dim=0)", lambda lib, x: lib.unique(x, dim=0, return_counts=True),
         lambda x: np.unique(x, axis=0, return_counts=True), ints(2, (6, 2)),
         differentiable=False),
    Case("unique[float]", lambda lib, x: lib.unique(x), np.unique, few_values((4, 5)),
         differentiable=False),
    Case("bincount", lambda lib, x: lib.bincount(x), np.bincount, ints(6, (20,)),
         differentiable=False),
    Case("Tensor.bincount(minlength=9)", lambda lib, x: x.bincount(minlength=9),
         lambda x: np.bincount(x, minlength=9), ints(6, (20,)), differentiable=False),
]

# ---------------------------------------------------------------------- math ops
def _np_norm(p: Any, axis: Any = None, keepdims: bool = False) -> Callable:
    def ref(x: np.ndarray) -> np.ndarray:
        a = np.abs(x)
        if p in ("fro", 2):
            return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
        if p == math.inf:
            return np.max(a, axis=axis, keepdims=keepdims)
        if p == -math.inf:
            return np.min(a, axis=axis, keepdims=keepdims)
        if p == 0:
            return np.sum(x != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
        return np.sum(a ** p, axis=axis, keepdims=keepdims) ** (1 / p)
    return ref


def _np_round(decimals: int) -> Callable:
    return lambda x: np.round(x, decimals)


def _np_einsum(eq: str, *xs: np.ndarray) -> np.ndarray:
    """np.einsum, which refuses to sum ellipsis dimensions away ('...ij->'): summed after."""
    lhs, arrow, rhs = eq.replace(" ", "").partition("->")
    if arrow and "..." in lhs and "..." not in rhs:
        y = np.einsum(f"{lhs}->...{rhs}", *xs)
        return y.sum(axis=tuple(range(y.ndim - len(rhs))))
    return np.einsum(eq, *xs)


def _uniform(lo: float, hi: float, *shapes: tuple) -> Arrays:
    return lambda rng: [rng.uniform(lo, hi, s) for s in shapes]


def _int32(high: int, *shapes: tuple) -> Arrays:
    return lambda rng: [rng.integers(-high, high, s).astype(np.int32) for s in shapes]


_SPECIAL = [[1.0, float("nan"), float("inf"), -float("inf"), 0.0, -2.5]]
# Pairs for isclose: equal, within rtol, outside, nan against nan, equal infinities, opposite.
_CLOSE = ([1.0, 1.0, 1.0, float("nan"), float("inf"), float("inf"), 0.0],
          [1.0, 1.0 + 5e-6, 1.0 + 1e-3, float("nan"), float("inf"), -float("inf"), 1e-9])

MATH = [
    *both("sign", np.sign, inputs=nonzero((3, 4))),
    *both("floor", np.floor, inputs=_uniform(-3, 3, (3, 4))),
    *both("ceil", np.ceil, inputs=_uniform(-3, 3, (3, 4))),
    *both("trunc", np.trunc, inputs=_uniform(-3, 3, (3, 4))),
    *both("round", np.round, inputs=_uniform(-3, 3, (3, 4))),
    *both("round", _np_round(2), inputs=normal((3, 4)), kw={"decimals": 2}),
    *both("round", _np_round(-1), inputs=_uniform(-60, 60, (3, 4)), kw={"decimals": -1}),
    *both("frac", lambda x: x - np.trunc(x), inputs=_uniform(-3, 3, (3, 4))),
    *both("reciprocal", np.reciprocal, inputs=nonzero((3, 4))),
    *both("rsqrt", lambda x: 1 / np.sqrt(x), inputs=positive((3, 4))),
    *both("expm1", np.expm1),
    *both("log2", np.log2, inputs=positive((3, 4))),
    *both("log10", np.log10, inputs=positive((2, 3, 4))),
    # erf uses the float32-precise fit of ops.elementwise._erf (see the gelu case)
    *both("erf", _np_erf, ref_atol=2e-7),
    *both("atan2", np.arctan2, inputs=normal((3, 4), (4,))),
    Case("atan2(a, b[0-d])", lambda lib, a, b: lib.atan2(a, b), np.arctan2, normal((3, 4), ())),
    Case("sign[int]", lambda lib, x: lib.sign(x), np.sign, _int32(3, (3, 4)),
         differentiable=False),
    Case("floor[int]", lambda lib, x: lib.floor(x), lambda x: x.copy(), _int32(3, (3, 4)),
         differentiable=False),
    Case("round[int]", lambda lib, x: x.round(), lambda x: x.copy(), _int32(3, (3, 4)),
         differentiable=False),
    *both("isnan", np.isnan, inputs=fixed(*_SPECIAL), differentiable=False),
    *both("isinf", np.isinf, inputs=fixed(*_SPECIAL), differentiable=False),
    *both("isfinite", np.isfinite, inputs=fixed(*_SPECIAL), differentiable=False),
    Case("isfinite[int]", lambda lib, x: lib.isfinite(x), np.isfinite, _int32(3, (3, 4)),
         differentiable=False),
    *both("isclose", np.isclose, inputs=fixed(*_CLOSE), differentiable=False),
    *both("isclose", lambda a, b: np.isclose(a, b, rtol=0.01, atol=0.0, equal_nan=True),
          inputs=fixed(*_CLOSE), kw={"rtol": 0.01, "atol": 0.0, "equal_nan": True},
          differentiable=False),
    Case("isclose(broadcast)", lambda lib, a, b: lib.isclose(a, b), np.isclose,
         few_values((3, 4), (4,)), differentiable=False),
    # cumulative sums and products, prod, norm
    *both("cumsum", lambda x: np.cumsum(x, 1), 1, inputs=X3),
    *both("cumsum", lambda x: np.cumsum(x, -1), -1, inputs=X3),
    *both("cumsum", lambda x: np.cumsum(x, 0), inputs=X3, kw={"dim": 0}),
    *both("cumsum", lambda x: x, 0, label="[0-d]", inputs=normal(())),
    Case("cumsum[int32]", lambda lib, x: lib.cumsum(x, 1), lambda x: np.cumsum(x, 1),
         _int32(5, (3, 4)), differentiable=False),
    Case("cumsum[bool]", lambda lib, x: x.cumsum(0), lambda x: np.cumsum(x, 0),
         masks((3, 4)), differentiable=False),
    *both("cumprod", lambda x: np.cumprod(x, 1), 1, inputs=nonzero((2, 3, 4))),
    *both("cumprod", lambda x: np.cumprod(x, -1), -1, inputs=nonzero((2, 3, 4))),
    *both("cumprod", lambda x: np.cumprod(x, 0), inputs=nonzero((3, 4)), kw={"dim": 0}),
    Case("cumprod[int32]", lambda lib, x: lib.cumprod(x, 0), lambda x: np.cumprod(x, 0),
         _int32(3, (3, 4)), differentiable=False),
    # a product is a polynomial: finite differences hold at zeros too. Double backward of
    # cumprod treats the zero pattern as fixed (see ops.reduction.CumProd), so not checked.
    Case("cumprod[zeros]", lambda lib, x: lib.cumprod(x, 1), lambda x: np.cumprod(x, 1),
         fixed([[1.5, 0.0, 2.0, -3.0], [0.0, 2.0, 0.0, 4.0], [2.0, -0.5, 1.5, 0.0]]),
         twice_differentiable=False),
    *both("prod", np.prod, inputs=nonzero((2, 3, 4))),
    *both("prod", lambda x: np.prod(x, 1), 1, inputs=nonzero((2, 3, 4))),
    *both("prod", lambda x: np.prod(x, -1, keepdims=True), inputs=nonzero((2, 3, 4)),
          kw={"dim": -1, "keepdim": True}),
    *both("prod", lambda x: x, 0, label="[0-d]", inputs=normal(())),
    Case("prod[int32]", lambda lib, x: lib.prod(x, 1), lambda x: np.prod(x, 1),
         _int32(3, (3, 4)), differentiable=False),
    Case("prod[bool]", lambda lib, x: x.prod(), np.prod, masks((3, 4)), differentiable=False),
    # zeros: one zero (the product of the others), two zeros (all zero) in a slice
    Case("prod[zeros]", lambda lib, x: lib.prod(x, 1), lambda x: np.prod(x, 1),
         fixed([[1.5, 0.0, 2.0, -3.0], [0.0, 2.0, 0.0, 4.0], [2.0, -0.5, 1.5, 0.7]])),
    Case("prod[zeros, all]", lambda lib, x: lib.prod(x), np.prod,
         fixed([[1.5, 0.0, 2.0], [-3.0, 0.5, 1.2]])),
    *both("norm", _np_norm(2)),
    *both("norm", _np_norm(2, 1), 2, 1, inputs=X3),
    *both("norm", _np_norm("fro", (0, 2), True), "fro", (0, 2), True, inputs=X3),
    *both("norm", _np_norm(2, -1), inputs=X3, kw={"dim": -1}),
    *both("norm", _np_norm(1, 1), 1, 1, inputs=nonzero((2, 3, 4))),
    *both("norm", _np_norm(math.inf), math.inf, inputs=distinct((3, 4))),
    *both("norm", _np_norm(-math.inf, 0), -math.inf, 0, inputs=distinct((3, 4))),
    *both("norm", _np_norm(3, -1, True), 3, -1, True, inputs=nonzero((3, 4))),
    *both("norm", _np_norm(0.5, 0), 0.5, 0, inputs=nonzero((3, 4))),
    *both("norm", _np_norm(-1.5, 1), -1.5, 1, inputs=nonzero((3, 4))),
    *both("norm", _np_norm(0, 1), 0, 1, inputs=nonzero((3, 4))),
]

MATH_LINALG = [
    *both("bmm", np.matmul, inputs=normal((2, 3, 4), (2, 4, 5))),
    *both("mv", np.matmul, inputs=normal((3, 4), (4,))),
    *both("outer", np.outer, inputs=normal((3,), (4,))),
    *[Case(f"einsum({eq!r}){tag}", lambda lib, *xs, eq=eq: lib.einsum(eq, *xs),
           lambda *xs, eq=eq: _np_einsum(eq, *xs), normal(*shapes))
      for eq, shapes, tag in [
          ("ij,jk->ik", [(3, 4), (4, 5)], ""),
          ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)], ""),
          ("ij,kj", [(3, 4), (2, 4)], ""),
          ("ba", [(3, 4)], ""),
          ("bA", [(3, 4)], ""),
          ("ij->", [(3, 4)], ""),
          ("ij->j", [(3, 4)], ""),
          ("i,j->ij", [(3,), (4,)], ""),
          ("ij,ij->i", [(3, 4), (3, 4)], ""),
          ("ii->i", [(3, 3)], ""),
          ("ii", [(3, 3)], ""),
          ("bii->bi", [(2, 3, 3)], ""),
          ("iij,j->ij", [(3, 3, 2), (2,)], ""),
          ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)], ""),
          ("ijk->kji", [(2, 3, 4)], ""),
          ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)], ""),
          ("i...->...", [(2, 3, 4)], ""),
          ("...ij->", [(2, 3, 4)], ""),
          ("i,i->i", [(1,), (3,)], "[size-1 broadcast]"),
          (" i j , j k -> i k ", [(3, 4), (4, 2)], ""),
      ]],
    Case("einsum(list of operands)", lambda lib, a, b: lib.einsum("ij,jk", [a, b]),
         lambda a, b: a @ b, normal((3, 4), (4, 2))),
    *[Case(f"tensordot(dims={dims!r})", lambda lib, a, b, dims=dims: lib.tensordot(a, b, dims),
           lambda a, b, dims=dims: np.tensordot(a, b, dims), normal(sa, sb))
      for dims, sa, sb in [(2, (2, 3, 4), (3, 4, 5)), (1, (3, 4), (4, 2)), (0, (3,), (2, 2)),
                           (([1, 0], [0, 2]), (3, 4), (4, 2, 3)),
                           (([-1], [0]), (2, 3), (3, 2))]],
    *both("diag", np.diag, inputs=normal((3,))),
    *both("diag", lambda x: np.diag(x, 1), 1, inputs=normal((3,))),
    *both("diag", lambda x: np.diag(x, -2), -2, inputs=normal((3,))),
    *both("diag", np.diag, label="[2-d]", inputs=normal((4, 4))),
    *both("diag", lambda x: np.diag(x, 1), 1, label="[2-d]", inputs=normal((3, 5))),
    *both("diag", lambda x: np.diag(x, -1), -1, label="[2-d]", inputs=normal((5, 3))),
    *both("trace", np.trace, inputs=normal((4, 4))),
    *both("trace", np.trace, label="[3x5]", inputs=normal((3, 5))),
    Case("trace[int32]", lambda lib, x: lib.trace(x), np.trace, _int32(3, (3, 3)),
         differentiable=False),
]

MATH_EDGES = [  # PyTorch's conventions at kinks and zeros
    Case("sign[at 0]", lambda lib, x: lib.sign(x), np.sign, fixed([-1.0, 0.0, 2.0]),
         finite_differences=False),
    Case("round[ties to even]", lambda lib, x: lib.round(x), np.round,
         fixed([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]), finite_differences=False),
    Case("floor[at integers]", lambda lib, x: lib.floor(x), np.floor,
         fixed([-2.0, 0.0, 3.0]), finite_differences=False),
    Case("norm[at 0]", lambda lib, x: lib.norm(x), lambda x: np.sqrt(np.sum(x * x)),
         fixed([[0.0, 0.0], [0.0, 0.0]]), finite_differences=False),
    Case("norm(dim=1)[zero row]", lambda lib, x: lib.norm(x, dim=1),
         lambda x: np.sqrt(np.sum(x * x, 1)), fixed([[0.0, 0.0, 0.0], [3.0, 0.0, -4.0]]),
         finite_differences=False),
    Case("norm(p=1)[zeros]", lambda lib, x: lib.norm(x, 1), _np_norm(1),
         fixed([[0.0, 2.0], [-1.0, 0.0]]), finite_differences=False),
    Case("norm(p=3)[zeros]", lambda lib, x: lib.norm(x, 3, 1), _np_norm(3, 1),
         fixed([[0.0, 0.0], [-1.0, 0.0]]), finite_differences=False),
    Case("norm(p=0.5)[zeros]", lambda lib, x: lib.norm(x, 0.5), _np_norm(0.5),
         fixed([[0.0, 2.0], [-1.0, 0.0]]), finite_differences=False),
    Case("norm(p=-1)[zeros]", lambda lib, x: lib.norm(x, -1, 1), lambda x: np.array([0.0, 0.5]),
         fixed([[0.0, 2.0], [-1.0, -1.0]]), finite_differences=False),
    Case("norm(p=inf)[ties]", lambda lib, x: lib.norm(x, math.inf, 1), _np_norm(math.inf, 1),
         fixed([[3.0, -3.0, 1.0], [0.0, 2.0, -2.0]]), finite_differences=False),
    Case("prod[zeros, vs torch only]", lambda lib, x: x.prod(0), lambda x: np.prod(x, 0),
         fixed([[0.0, 0.0, 2.0], [1.5, 0.0, 0.0], [2.0, 3.0, 0.5]]), finite_differences=False),
]


# ---------------------------------------------------------------------- everyday ops and linalg
def _np_lower_median(x: np.ndarray, axis: int) -> tuple:
    order = np.argsort(x, axis=axis, kind="stable")
    k = (x.shape[axis] - 1) // 2
    idx = np.take(order, [k], axis=axis)
    return np.take_along_axis(x, idx, axis).squeeze(axis), idx.squeeze(axis)


def _np_cross(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.cross(a, b, axis=axis)


def _np_cdist(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == math.inf:
        return d.max(-1)
    return (d ** p).sum(-1) ** (1 / p)


def _spd(lib: Any, A: Any) -> Any:
    """A well-conditioned symmetric positive-definite matrix from any square A."""
    n = A.shape[-1]
    return A @ A.mT + n * lib.eye(n, dtype=A.dtype)


def _np_spd(A: np.ndarray) -> np.ndarray:
    return A @ np.swapaxes(A, -1, -2) + A.shape[-1] * np.eye(A.shape[-1])


def _well(lib: Any, A: Any) -> Any:
    return A + 3 * lib.eye(A.shape[-1], dtype=A.dtype)


def _np_well(A: np.ndarray) -> np.ndarray:
    return A + 3 * np.eye(A.shape[-1])


def _sym_in(lib: Any, A: Any) -> Any:
    return A + A.mT


def _np_quantile(q: Any, axis: Any = None, keepdims: bool = False, method: str = "linear"
                 ) -> Callable:
    return lambda x: np.quantile(x, q, axis=axis, keepdims=keepdims, method=method)


_NAN = float("nan")

EVERYDAY = [
    *both("fmod", np.fmod, inputs=join(normal((3, 4)), positive((4,)))),
    Case("fmod(negative divisor)", lambda lib, a, b: lib.fmod(a, b), np.fmod,
         join(normal((3, 4)), _uniform(-2.0, -0.5, (3, 1)))),
    Case("fmod(x, 1.5)", lambda lib, x: lib.fmod(x, 1.5), lambda x: np.fmod(x, 1.5),
         _uniform(-2.9, 2.9, (3, 4))),
    *both("remainder", np.remainder, inputs=join(normal((3, 4)), positive((4,)))),
    *both("floor_divide", np.floor_divide, inputs=join(normal((3, 4)), positive((4,))),
          differentiable=False),
    *both("true_divide", np.divide, inputs=join(normal((3, 4)), nonzero((4,)))),
    Case("Tensor.sum_to_size(1, 4)", lambda lib, x: x.sum_to_size(1, 4),
         lambda x: x.sum(0, keepdims=True)),
    Case("Tensor.sum_to_size((3, 1))", lambda lib, x: x.sum_to_size((3, 1)),
         lambda x: x.sum(1, keepdims=True)),
    *both("count_nonzero", lambda x: np.count_nonzero(x), inputs=few_values((3, 4)),
          differentiable=False),
    *both("count_nonzero", lambda x: np.count_nonzero(x, axis=1), 1, inputs=few_values((3, 4)),
          differentiable=False),
    Case("concat", lambda lib, a, b: lib.concat([a, b], 1), lambda a, b: np.concatenate([a, b], 1),
         normal((3, 1), (3, 4))),
    Case("hstack", lambda lib, a, b: lib.hstack([a, b]), lambda a, b: np.hstack([a, b]),
         normal((3, 1), (3, 4))),
    Case("hstack[1-d]", lambda lib, a, b: lib.hstack([a, b]), lambda a, b: np.hstack([a, b]),
         normal((3,), (2,))),
    Case("vstack", lambda lib, a, b: lib.vstack([a, b]), lambda a, b: np.vstack([a, b]),
         normal((4,), (2, 4))),
    Case("dstack", lambda lib, a, b: lib.dstack([a, b]), lambda a, b: np.dstack([a, b]),
         normal((3, 4), (3, 4))),
    Case("dstack[1-d]", lambda lib, a, b: lib.dstack([a, b]), lambda a, b: np.dstack([a, b]),
         normal((4,), (4,))),
    Case("column_stack", lambda lib, a, b, c: lib.column_stack([a, b, c]),
         lambda a, b, c: np.column_stack([a, b, c]), normal((3,), (3, 2), (3,))),
    Case("meshgrid(ij)", lambda lib, a, b: lib.meshgrid(a, b, indexing="ij"),
         lambda a, b: tuple(np.meshgrid(a, b, indexing="ij")), normal((3,), (4,))),
    Case("meshgrid(xy)", lambda lib, a, b, c: lib.meshgrid(a, b, c, indexing="xy"),
         lambda a, b, c: tuple(np.meshgrid(a, b, c, indexing="xy")), normal((3,), (4,), (2,))),
    *both("lerp", lambda a, b: a + 0.3 * (b - a), 0.3, inputs=normal((3, 4), (4,))),
    *both("lerp", lambda a, b, w: a + w * (b - a), label="[tensor weight]",
          inputs=normal((3, 4), (3, 4), (3, 1))),
    *both("clamp_min", lambda x: np.maximum(x, 0.2), 0.2, inputs=distinct((3, 4))),
    *both("clamp_max", lambda x: np.minimum(x, -0.2), -0.2, inputs=distinct((3, 4))),
    *both("addmm", lambda c, a, b: c + a @ b, inputs=normal((3, 5), (3, 4), (4, 5))),
    *both("addmm", lambda c, a, b: 0.5 * c + 2 * (a @ b), label="[beta, alpha, broadcast]",
          inputs=normal((5,), (3, 4), (4, 5)), kw={"beta": 0.5, "alpha": 2}),
    *both("baddbmm", lambda c, a, b: -c + a @ b, inputs=normal((1, 3, 5), (2, 3, 4), (2, 4, 5)),
          kw={"beta": -1}),
    *both("cross", _np_cross, inputs=normal((4, 3), (4, 3)), kw={"dim": -1}),
    *both("cross", lambda a, b: _np_cross(a, b, 0), 0, inputs=normal((3, 2), (3, 1))),
    *both("kron", np.kron, inputs=normal((2, 3), (3, 2))),
    *both("kron", np.kron, label="[1-d, 2-d]", inputs=normal((2,), (2, 3))),
    *[Case(f"cdist(p={p})", lambda lib, a, b, p=p: lib.cdist(a, b, p=p),
           lambda a, b, p=p: _np_cdist(a, b, p), distinct(*shapes))
      for p, shapes in [(2.0, [(4, 3), (5, 3)]), (1.0, [(2, 4, 3), (2, 5, 3)]),
                        (3.0, [(4, 2), (3, 2)]), (math.inf, [(3, 2), (2, 2)])]],
    Case("cdist[zero distance]", lambda lib, a, b: lib.cdist(a, b),
         lambda a, b: _np_cdist(a, b, 2.0), fixed([[0.0, 0.0], [1.0, 2.0]], [[0.0, 0.0]]),
         finite_differences=False),
    *both("dist", lambda a, b: np.linalg.norm((a - b).ravel()), inputs=normal((3, 4), (4,))),
    *both("dist", lambda a, b: np.abs(a - b).sum(), 1, inputs=distinct((3, 4), (3, 4))),
    *both("nansum", np.nansum, inputs=fixed([[1.0, _NAN, 2.0], [_NAN, -0.5, 3.0]])),
    *both("nansum", lambda x: np.nansum(x, 1), 1, inputs=fixed([[1.0, _NAN, 2.0],
                                                                 [_NAN, -0.5, 3.0]])),
    *both("nanmean", np.nanmean, inputs=fixed([[1.0, _NAN, 2.0], [_NAN, -0.5, 3.0]])),
    *both("nanmean", lambda x: np.nanmean(x, 0, keepdims=True), inputs=fixed(
        [[1.0, _NAN, 2.0], [1.5, -0.5, 3.0]]), kw={"dim": 0, "keepdim": True}),
    *both("median", lambda x: np.sort(x.ravel())[(x.size - 1) // 2], inputs=distinct((3, 4))),
    *both("median", lambda x: _np_lower_median(x, 1), 1, inputs=distinct((2, 4, 3))),
    *both("median", lambda x: _np_lower_median(x, 0), 0, label="[odd]",
          inputs=distinct((5, 2))),
    Case("median[ties]", lambda lib, x: lib.median(x), lambda x: np.array(2.0),
         fixed([2.0, 1.0, 2.0, 1.0, 2.0]), finite_differences=False),
    Case("median[nan]", lambda lib, x: lib.median(x, 1).values, lambda x: np.array([_NAN, 2.0]),
         fixed([[1.0, _NAN, 3.0], [3.0, 1.0, 2.0]]), finite_differences=False),
    *both("nanmedian", lambda x: np.array(2.0), inputs=fixed([1.0, _NAN, 3.0, 2.0])),
    *both("nanmedian", lambda x: (np.array([1.0, 2.5]), np.array([0, 2])), 1,
          inputs=fixed([[1.0, _NAN, 3.0], [_NAN, 4.0, 2.5]])),
    *[Case(f"{pre}kthvalue(2, 0)", call, lambda x: (np.sort(x, 0)[1], np.argsort(x, 0)[1]),
           distinct((4, 3)))
      for pre, call in [("", lambda lib, x: lib.kthvalue(x, 2, 0)),
                        ("Tensor.", lambda lib, x: x.kthvalue(2, 0))]],
    *both("kthvalue", lambda x: (np.sort(x, -1)[..., 3:4], np.argsort(x, -1)[..., 3:4]), 4,
          inputs=distinct((2, 5)), kw={"keepdim": True}),
    *both("mode", lambda x: (np.array([1.0, 3.0]), np.array([3, 4])),
          inputs=fixed([[1.0, 2.0, 2.0, 1.0, 3.0], [3.0, 0.5, 0.5, 3.0, 3.0]]),
          finite_differences=False),
    *both("mode", lambda x: (np.array([2.0, 1.0]), np.array([1, 2])), 0,
          inputs=fixed([[2.0, 1.5], [2.0, 1.0], [0.0, 1.0]]), finite_differences=False),
    *both("quantile", _np_quantile(0.4), 0.4, inputs=distinct((3, 4))),
    *both("quantile", _np_quantile(0.3, 1, True), 0.3, 1, True, inputs=distinct((3, 4))),
    *[Case(f"quantile(interpolation={m!r})", lambda lib, x, m=m: lib.quantile(
        x, 0.375, 0, interpolation=m), _np_quantile(0.375, 0, method=m), distinct((5, 3)))
      for m in ["lower", "higher", "midpoint", "nearest"]],
    Case("quantile(tensor q)", lambda lib, x: lib.quantile(x, lib.tensor(
        [0.1, 0.5, 0.9], dtype=x.dtype), dim=1), _np_quantile([0.1, 0.5, 0.9], 1),
         distinct((2, 6))),
    Case("quantile(tensor q, keepdim)", lambda lib, x: x.quantile(lib.tensor(
        [0.25, 0.75], dtype=x.dtype), dim=0, keepdim=True),
         _np_quantile([0.25, 0.75], 0, True), distinct((4, 3))),
    Case("searchsorted", lambda lib, s, v: lib.searchsorted(s, v), np.searchsorted,
         fixed([1.0, 3.0, 5.0, 7.0], [[3.0, 6.0], [0.0, 9.0]]), differentiable=False),
    Case("searchsorted(side='right')", lambda lib, s, v: lib.searchsorted(s, v, side="right"),
         lambda s, v: np.searchsorted(s, v, side="right"),
         fixed([1.0, 3.0, 5.0, 7.0], [3.0, 6.0, 7.0]), differentiable=False),
    Case("searchsorted[2-d, right]", lambda lib, s, v: lib.searchsorted(s, v, right=True),
         lambda s, v: np.stack([np.searchsorted(s[i], v[i], side="right") for i in range(2)]),
         fixed([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]], [[3.0, 0.0], [6.0, 4.5]]),
         differentiable=False),
    Case("bucketize", lambda lib, x, b: lib.bucketize(x, b), lambda x, b: np.searchsorted(b, x),
         fixed([[3.0, 6.0], [0.0, 9.0]], [1.0, 3.0, 5.0, 7.0]), differentiable=False),
    Case("bucketize(right=True)", lambda lib, x, b: lib.bucketize(x, b, right=True),
         lambda x, b: np.searchsorted(b, x, side="right"),
         fixed([3.0, 6.0, 1.0], [1.0, 3.0, 5.0, 7.0]), differentiable=False),
    *both("histc", lambda x: np.histogram(x, 4, (-1.0, 1.0))[0].astype(float), 4, -1.0, 1.0,
          inputs=distinct((3, 5)), differentiable=False),
    *both("histc", lambda x: np.histogram(x, 5, (x.min(), x.max()))[0].astype(float), 5,
          label="[data range]", inputs=distinct((3, 4)), differentiable=False),
    Case("index_add", lambda lib, x, i, s: lib.index_add(x, 1, i, s),
         lambda x, i, s: _np_index_add(x, 1, i, s), join(normal((3, 4)), ints(4, (5,)),
                                                         normal((3, 5)))),
    Case("Tensor.index_add(alpha=2)", lambda lib, x, i, s: x.index_add(0, i, s, alpha=2),
         lambda x, i, s: _np_index_add(x, 0, i, 2 * s), join(normal((3, 4)), ints(3, (4,)),
                                                             normal((4, 4)))),
]


def _np_index_add(x: np.ndarray, dim: int, index: np.ndarray, src: np.ndarray) -> np.ndarray:
    y = x.copy()
    np.add.at(y, (slice(None),) * dim + (index,), src)
    return y


LINALG_NS = [
    Case("linalg.inv", lambda lib, A: lib.linalg.inv(_well(lib, A)),
         lambda A: np.linalg.inv(_np_well(A)), normal((2, 3, 3)), rtol=1e-4, atol=1e-5),
    Case("linalg.det", lambda lib, A: lib.linalg.det(A), np.linalg.det, normal((2, 3, 3)),
         rtol=1e-4, atol=1e-5),
    Case("Tensor.det", lambda lib, A: A.det(), np.linalg.det, normal((3, 3)), rtol=1e-4,
         atol=1e-5),
    Case("linalg.slogdet", lambda lib, A: lib.linalg.slogdet(A),
         lambda A: tuple(np.linalg.slogdet(A)), normal((2, 4, 4)), rtol=1e-4, atol=1e-5),
    Case("linalg.solve", lambda lib, A, B: lib.linalg.solve(_well(lib, A), B),
         lambda A, B: np.linalg.solve(_np_well(A), B), normal((2, 3, 3), (3, 2)), rtol=1e-4,
         atol=1e-5),
    Case("linalg.solve[vector]", lambda lib, A, b: lib.linalg.solve(_well(lib, A), b),
         lambda A, b: np.linalg.solve(_np_well(A), b), normal((3, 3), (3,)), rtol=1e-4,
         atol=1e-5),
    Case("linalg.solve(left=False)", lambda lib, A, B: lib.linalg.solve(_well(lib, A), B,
                                                                        left=False),
         lambda A, B: np.linalg.solve(_np_well(A).T, B.T).T, normal((3, 3), (2, 3)), rtol=1e-4,
         atol=1e-5),
    Case("linalg.cholesky", lambda lib, A: lib.linalg.cholesky(_spd(lib, A)),
         lambda A: np.linalg.cholesky(_np_spd(A)), normal((2, 3, 3)), rtol=1e-4, atol=1e-5),
    Case("linalg.cholesky(upper=True)", lambda lib, A: lib.linalg.cholesky(_spd(lib, A),
                                                                           upper=True),
         lambda A: np.linalg.cholesky(_np_spd(A)).T, normal((3, 3)), rtol=1e-4, atol=1e-5),
    # sign-invariant outputs of qr, eigh, svd (factor signs are a convention)
    Case("linalg.qr[Q R, |R|]", lambda lib, A: (lambda f: (f.Q @ f.R, f.R.abs()))(
        lib.linalg.qr(A)), lambda A: (A, np.abs(np.linalg.qr(A)[1])), normal((4, 3)),
         rtol=1e-4, atol=1e-5),
    Case("linalg.qr[Q Q^T]", lambda lib, A: (lambda f: f.Q @ f.Q.mT)(lib.linalg.qr(A)),
         lambda A: (lambda q: q @ np.swapaxes(q, -1, -2))(np.linalg.qr(A)[0]), normal((2, 5, 3)), rtol=1e-4,
         atol=1e-5),
    Case("linalg.eigh[values]", lambda lib, A: lib.linalg.eigh(_sym_in(lib, A)).eigenvalues,
         lambda A: np.linalg.eigvalsh(A + A.T), normal((4, 4)), rtol=1e-4, atol=1e-5),
    Case("linalg.eigh[V^2, V diag(w^3) V^T]", lambda lib, A: (lambda w, V: (
        V ** 2, (V * w ** 3) @ V.mT))(*lib.linalg.eigh(_sym_in(lib, A))),
         lambda A: (lambda w, V: (V ** 2, (V * w ** 3) @ V.T))(*np.linalg.eigh(A + A.T)),
         normal((3, 3)), rtol=1e-3, atol=1e-4),
    Case("linalg.eigvalsh", lambda lib, A: lib.linalg.eigvalsh(_sym_in(lib, A)),
         lambda A: np.linalg.eigvalsh(A + np.swapaxes(A, -1, -2)), normal((2, 3, 3)),
         rtol=1e-4, atol=1e-5),
    Case("linalg.svdvals", lambda lib, A: lib.linalg.svdvals(A),
         lambda A: np.linalg.svd(A, compute_uv=False), normal((2, 4, 3)), rtol=1e-4, atol=1e-5),
    Case("linalg.svd[U S Vh, U*U, Vh*Vh]", lambda lib, A: (lambda f: (
        (f.U * f.S[..., None, :]) @ f.Vh, f.U * f.U, f.Vh * f.Vh))(
        lib.linalg.svd(A, full_matrices=False)),
         lambda A: (lambda u, s, vh: (A, u * u, vh * vh))(*np.linalg.svd(A, full_matrices=False)),
         normal((4, 3)), rtol=1e-3, atol=1e-4),
    Case("linalg.svd[wide, u_0 v_0^T]", lambda lib, A: (lambda f: f.U[:, :1] * f.Vh[:1, :])(
        lib.linalg.svd(A, full_matrices=False)),
         lambda A: (lambda u, s, vh: u[:, :1] * vh[:1, :])(*np.linalg.svd(A, full_matrices=False)),
         normal((3, 5)), rtol=1e-3, atol=1e-4),
    Case("linalg.pinv", lambda lib, A: lib.linalg.pinv(A), np.linalg.pinv, normal((4, 3)),
         rtol=1e-3, atol=1e-4),
    Case("linalg.matrix_power(3)", lambda lib, A: lib.linalg.matrix_power(A, 3),
         lambda A: np.linalg.matrix_power(A, 3), normal((2, 3, 3)), rtol=1e-4, atol=1e-5),
    Case("linalg.matrix_power(-2)", lambda lib, A: lib.linalg.matrix_power(_well(lib, A), -2),
         lambda A: np.linalg.matrix_power(_np_well(A), -2), normal((3, 3)), rtol=1e-4,
         atol=1e-5),
    Case("linalg.matrix_power(0)", lambda lib, A: lib.linalg.matrix_power(A, 0),
         lambda A: np.broadcast_to(np.eye(3), A.shape), normal((2, 3, 3))),
    Case("linalg.cross", lambda lib, a, b: lib.linalg.cross(a, b), np.cross,
         normal((2, 3), (1, 3))),
    Case("linalg.vecdot", lambda lib, a, b: lib.linalg.vecdot(a, b, dim=0),
         lambda a, b: (a * b).sum(0), normal((3, 4), (3, 1))),
    Case("linalg.multi_dot", lambda lib, a, b, c, d: lib.linalg.multi_dot([a, b, c, d]),
         lambda a, b, c, d: a @ b @ c @ d, normal((3,), (3, 4), (4, 2), (2,)), rtol=1e-4),
    Case("linalg.norm", lambda lib, x: lib.linalg.norm(x), lambda x: np.linalg.norm(x.ravel()),
         X3),
    Case("linalg.norm(ord=1, dim=1)", lambda lib, x: lib.linalg.norm(x, 1, 1),
         lambda x: np.abs(x).sum(1), nonzero((2, 3, 4))),
    Case("linalg.vector_norm(inf)", lambda lib, x: lib.linalg.vector_norm(x, math.inf),
         lambda x: np.abs(x).max(), distinct((3, 4))),
    Case("linalg.vector_norm(3, dim=(0, 2), keepdim)", lambda lib, x: lib.linalg.vector_norm(
        x, 3, (0, 2), True), lambda x: (np.abs(x) ** 3).sum((0, 2), keepdims=True) ** (1 / 3),
         nonzero((2, 3, 4))),
    *[Case(f"linalg.matrix_norm({o!r})", lambda lib, A, o=o: lib.linalg.matrix_norm(A, o),
           lambda A, o=o: np.linalg.norm(A, o, axis=(-2, -1)), distinct((2, 3, 4)),
           rtol=1e-4, atol=1e-5)
      for o in ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf]],
    Case("linalg.matrix_norm(1, dim=(2, 0), keepdim)", lambda lib, A: lib.linalg.matrix_norm(
        A, 1, (2, 0), True), lambda A: np.abs(A).sum(2, keepdims=True).max(0, keepdims=True),
         distinct((2, 3, 4))),
    Case("linalg.norm(ord='nuc')", lambda lib, A: lib.linalg.norm(A, "nuc"),
         lambda A: np.linalg.norm(A, "nuc"), normal((3, 4)), rtol=1e-4, atol=1e-5),
]


# ---------------------------------------------------------------------- more of PyTorch's ops
def _np_lgamma(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.lgamma, otypes=[np.float64])(x)


def _np_digamma(x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    # the central difference of lgamma in extended steps (a reference with no scipy)
    return (_np_lgamma(x + h) - _np_lgamma(x - h)) / (2 * h)


def _np_erfinv(y: np.ndarray) -> np.ndarray:
    """By bisection on math.erf: slow and sure."""
    lo, hi = np.full(y.shape, -6.0), np.full(y.shape, 6.0)
    for _ in range(80):
        mid = (lo + hi) / 2
        below = _np_erf(mid) < y
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def _np_diagonal(x: np.ndarray, offset: int = 0, a: int = 0, b: int = 1) -> np.ndarray:
    return np.diagonal(x, offset, a, b).copy()


def _np_diag_embed(x: np.ndarray, offset: int = 0) -> np.ndarray:
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n))
    i = np.arange(x.shape[-1])
    r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
    out[..., r, c] = x
    return out


def _np_cum_extreme(x: np.ndarray, axis: int, fn: Any) -> tuple:
    """Running values and where they were found (distinct inputs: no ties)."""
    values = fn.accumulate(x, axis=axis)
    xs, vs = np.moveaxis(x, axis, -1), np.moveaxis(values, axis, -1)
    idx = np.argmax(xs[..., None, :] == vs[..., :, None], axis=-1)
    return values, np.moveaxis(idx, -1, axis)


def _np_logcumsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    return np.log(np.cumsum(np.exp(x), axis=axis))


def _np_renorm(x: np.ndarray, p: float, dim: int, maxnorm: float) -> np.ndarray:
    axes = tuple(k for k in range(x.ndim) if k != dim)
    n = (np.abs(x) ** p).sum(axis=axes, keepdims=True) ** (1 / p)
    return x * np.where(n > maxnorm, maxnorm / (n + 1e-7), 1.0)


def _np_index_put(x: np.ndarray, idx: tuple, v: np.ndarray, accumulate: bool) -> np.ndarray:
    y = x.copy()
    if accumulate:
        np.add.at(y, idx, v)
    else:
        y[idx] = v
    return y


_IDX3 = np.array([2, 0])
_MASK = np.array([[True, False, True, False], [False, True, False, False],
                  [True, True, False, True]])

MORE_OPS = [
    # trigonometry, hyperbolic and special functions
    *both("tan", np.tan, inputs=_uniform(-1.2, 1.2, (3, 4))),
    *both("asin", np.arcsin, inputs=_uniform(-0.9, 0.9, (3, 4))),
    *both("acos", np.arccos, inputs=_uniform(-0.9, 0.9, (3, 4))),
    *both("atan", np.arctan),
    *both("arcsin", np.arcsin, inputs=_uniform(-0.9, 0.9, (3, 4))),
    *both("sinh", np.sinh),
    *both("cosh", np.cosh),
    *both("asinh", np.arcsinh),
    *both("acosh", np.arccosh, inputs=_uniform(1.2, 3.0, (3, 4))),
    *both("atanh", np.arctanh, inputs=_uniform(-0.9, 0.9, (3, 4))),
    *both("exp2", np.exp2),
    *both("erfc", lambda x: 1 - _np_erf(x), ref_atol=2e-7),
    *both("erfinv", lambda x: _np_erfinv(x), inputs=_uniform(-0.95, 0.95, (3, 4)),
          rtol=1e-4, atol=1e-5),
    *both("lgamma", _np_lgamma, inputs=_uniform(0.3, 4.0, (3, 4)), rtol=1e-4, atol=1e-5),
    *both("digamma", _np_digamma, inputs=_uniform(0.3, 4.0, (3, 4)), ref_rtol=1e-6,
          ref_atol=1e-6, rtol=1e-4, atol=1e-5, twice_differentiable=False),
    Case("polygamma(1, x)", lambda lib, x: lib.polygamma(1, x.detach()),
         lambda x: (_np_digamma(x + 1e-4) - _np_digamma(x - 1e-4)) / 2e-4,
         _uniform(0.3, 4.0, (3, 4)), ref_rtol=1e-4, ref_atol=1e-4, rtol=1e-4, atol=1e-4,
         differentiable=False),
    Case("mvlgamma(x, 3)", lambda lib, x: lib.mvlgamma(x, 3),
         lambda x: sum(_np_lgamma(x - i / 2) for i in range(3)) + 1.5 * math.log(math.pi),
         _uniform(1.5, 4.0, (3, 4)), rtol=1e-4, atol=1e-5),
    *both("sinc", np.sinc),
    *both("logit", lambda x: np.log(x / (1 - x)), inputs=_uniform(0.1, 0.9, (3, 4))),
    *both("logit", lambda x: np.log(np.clip(x, 0.2, 0.8) / (1 - np.clip(x, 0.2, 0.8))), 0.2,
          inputs=_uniform(0.3, 0.7, (3, 4))),
    *both("deg2rad", np.deg2rad),
    *both("rad2deg", np.rad2deg),
    Case("nan_to_num", lambda lib, x: lib.nan_to_num(x * 1, posinf=5.0),
         lambda x: np.nan_to_num(x, posinf=5.0)),
    Case("nan_to_num[special]", lambda lib, x: lib.nan_to_num(x, 1.0, 2.0, -2.0),
         lambda x: np.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0),
         fixed([1.0, float("nan"), float("inf"), -float("inf"), -0.5]),
         finite_differences=False),
    *both("hardshrink", lambda x: np.where(np.abs(x) > 0.5, x, 0.0),
          inputs=_uniform(0.6, 2.0, (3, 4))),
    # binary compositions
    *both("hypot", np.hypot, inputs=nonzero((3, 4), (4,))),
    *both("logaddexp", np.logaddexp, inputs=normal((3, 4), (3, 1))),
    *both("logaddexp2", np.logaddexp2, inputs=normal((3, 4), (4,))),
    *both("xlogy", lambda a, b: a * np.log(b), inputs=join(normal((3, 4)), positive((4,)))),
    Case("xlogy[x = 0]", lambda lib, a, b: lib.xlogy(a, b), lambda a, b: np.where(
        a == 0, 0.0, a * np.log(np.where(a == 0, 1.0, b))),
        fixed([1.0, 0.0, 2.0], [2.0, 3.0, 0.5]),
        finite_differences=False),
    *both("copysign", np.copysign, inputs=nonzero((3, 4), (4,))),
    *both("fmax", np.fmax, inputs=distinct((3, 4), (4,))),
    *both("fmin", np.fmin, inputs=distinct((3, 4), (3, 1))),
    Case("fmax[nan]", lambda lib, a, b: lib.fmax(a, b), np.fmax,
         fixed([1.0, float("nan"), float("nan")], [float("nan"), 2.0, float("nan")]),
         finite_differences=False),
    Case("float_power", lambda lib, a, b: lib.float_power(a, b), np.power,
         join(positive((3, 4)), normal((4,))), rtol=1e-5),
    Case("ldexp", lambda lib, x, e: lib.ldexp(x, e), lambda x, e: np.ldexp(x, e),
         join(normal((3, 4)), ints(4, (4,)))),
    Case("addcmul", lambda lib, x, a, b: lib.addcmul(x, a, b, value=0.5),
         lambda x, a, b: x + 0.5 * a * b, normal((3, 4), (3, 1), (4,))),
    Case("Tensor.addcdiv", lambda lib, x, a, b: x.addcdiv(a, b, value=2),
         lambda x, a, b: x + 2 * a / b, join(normal((3, 4), (4,)), nonzero((3, 1)))),
    # products
    *both("addmv", lambda x, A, v: x + A @ v, inputs=normal((3,), (3, 4), (4,))),
    *both("addr", lambda x, u, v: x + np.outer(u, v), inputs=normal((3, 4), (3,), (4,))),
    Case("addbmm(beta, alpha)", lambda lib, x, a, b: lib.addbmm(x, a, b, beta=0.5, alpha=2),
         lambda x, a, b: 0.5 * x + 2 * np.einsum("bij,bjk->ik", a, b),
         normal((3, 2), (4, 3, 5), (4, 5, 2)), rtol=1e-4, atol=1e-5),
    *both("inner", lambda a, b: np.inner(a, b), inputs=normal((2, 4), (3, 4))),
    *both("vdot", np.vdot, inputs=normal((4,), (4,))),
    *both("logdet", lambda A: np.log(np.linalg.det(A)),
          inputs=lambda rng: [rng.standard_normal((3, 3)) * 0.3 + 2 * np.eye(3)],
          rtol=1e-4, atol=1e-5),
    Case("cov", lambda lib, x: lib.cov(x), np.cov, normal((3, 5)), rtol=1e-4, atol=1e-5),
    Case("corrcoef", lambda lib, x: lib.corrcoef(x), np.corrcoef, normal((3, 5)), rtol=1e-4,
         atol=1e-5),
    # reductions and scans
    *both("cummax", lambda x: _np_cum_extreme(x, 1, np.maximum), 1,
          inputs=distinct((3, 4))),
    *both("cummin", lambda x: _np_cum_extreme(x, 0, np.minimum), 0,
          inputs=distinct((3, 4))),
    *both("logcumsumexp", lambda x: _np_logcumsumexp(x, 1), 1),
    *both("renorm", lambda x: _np_renorm(x, 2, 0, 1.0), 2, 0, 1.0),
    Case("aminmax", lambda lib, x: tuple(lib.aminmax(x, dim=1)),
         lambda x: (x.min(1), x.max(1)), distinct((3, 4))),
    *both("msort", lambda x: np.sort(x, 0), inputs=distinct((3, 4))),
    # shape
    *both("diagonal", lambda x: _np_diagonal(x, 1), 1, inputs=normal((3, 4))),
    *both("diagonal", lambda x: _np_diagonal(x, -1, 0, 2), -1, 0, 2,
          inputs=normal((3, 2, 4))),
    *both("diag_embed", lambda x: _np_diag_embed(x), inputs=normal((2, 3))),
    *both("diag_embed", lambda x: _np_diag_embed(x, -1), -1, inputs=normal((2, 3))),
    *both("diagflat", lambda x: np.diagflat(x), inputs=normal((2, 2))),
    *both("diff", lambda x: np.diff(x, 2, 1), 2, 1, inputs=normal((3, 5))),
    *both("select", lambda x: x[:, -1], 1, -1),
    *both("unflatten", lambda x: x.reshape(3, 2, 2), 1, (2, 2)),
    Case("tensor_split", lambda lib, x: lib.tensor_split(x, 3, 1),
         lambda x: tuple(np.array_split(x, 3, 1)), normal((2, 5))),
    Case("Tensor.tensor_split(indices)", lambda lib, x: x.tensor_split([1, 3]),
         lambda x: tuple(np.split(x, [1, 3])), normal((5, 2))),
    Case("hsplit", lambda lib, x: lib.hsplit(x, 2), lambda x: tuple(np.hsplit(x, 2))),
    Case("vsplit", lambda lib, x: lib.vsplit(x, [1]), lambda x: tuple(np.vsplit(x, [1]))),
    Case("dsplit", lambda lib, x: lib.dsplit(x, 2), lambda x: tuple(np.dsplit(x, 2)),
         normal((2, 2, 4))),
    *both("rot90", lambda x: np.rot90(x, 1, (0, 1)), inputs=normal((3, 4))),
    *both("rot90", lambda x: np.rot90(x, 3, (1, 2)), 3, (1, 2), inputs=normal((2, 3, 4))),
    *both("fliplr", np.fliplr),
    *both("flipud", np.flipud),
    *both("ravel", np.ravel),
    *both("swapaxes", lambda x: np.swapaxes(x, 0, 2), 0, 2, inputs=normal((2, 3, 4))),
    *both("moveaxis", lambda x: np.moveaxis(x, 0, -1), 0, -1, inputs=normal((2, 3, 4))),
    Case("Tensor.unfold", lambda lib, x: x.unfold(1, 2, 2),
         lambda x: np.stack([x[:, 0:2], x[:, 2:4]], 1), normal((3, 5))),
    # writes at indices
    Case("index_fill", lambda lib, x, i: lib.index_fill(x, 1, i, -1.0),
         lambda x, i: np.where(np.isin(np.arange(4), i), -1.0, x),
         join(normal((3, 4)), lambda rng: [_IDX3])),
    Case("index_copy", lambda lib, x, i, s: lib.index_copy(x, 1, i, s),
         lambda x, i, s: _np_index_put(x, (slice(None), i), s, False),
         join(normal((3, 4)), lambda rng: [_IDX3], normal((3, 2)))),
    Case("index_put", lambda lib, x, i, v: lib.index_put(x, (i,), v),
         lambda x, i, v: _np_index_put(x, (i,), v, False),
         join(normal((3, 4)), lambda rng: [_IDX3], normal((2, 4)))),
    Case("index_put(accumulate)", lambda lib, x, i, v: x.index_put((i,), v, True),
         lambda x, i, v: _np_index_put(x, (i,), v, True),
         join(normal((3, 4)), lambda rng: [np.array([1, 1, 0])], normal((4,)))),
    Case("take", lambda lib, x, i: lib.take(x, i), lambda x, i: np.take(x, i),
         join(normal((3, 4)), ints(12, (2, 3)))),
    Case("masked_scatter", lambda lib, x, m, s: lib.masked_scatter(x, m, s),
         lambda x, m, s: _np_index_put(x, m, s.reshape(-1)[:m.sum()], False),
         join(normal((3, 4)), lambda rng: [_MASK], normal((2, 4)))),
    Case("scatter_reduce(sum)", lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, "sum"),
         lambda x, i, s: _np_index_put(x, i, s, True),
         join(normal((4,)), lambda rng: [np.array([0, 2, 0])], normal((3,)))),
    Case("scatter_reduce(mean, include_self=False)",
         lambda lib, x, i, s: x.scatter_reduce(0, i, s, "mean", include_self=False),
         lambda x, i, s: np.array([(s[0] + s[2]) / 2, x[1], s[1], x[3]]),
         join(normal((4,)), lambda rng: [np.array([0, 2, 0])], normal((3,)))),
    Case("select_scatter", lambda lib, x, s: lib.select_scatter(x, s, 1, 2),
         lambda x, s: _np_index_put(x, (slice(None), 2), s, False), normal((3, 4), (3,))),
    Case("slice_scatter", lambda lib, x, s: lib.slice_scatter(x, s, 1, 0, None, 2),
         lambda x, s: _np_index_put(x, (slice(None), slice(0, None, 2)), s, False),
         normal((3, 4), (3, 2))),
    Case("diagonal_scatter", lambda lib, x, s: lib.diagonal_scatter(x, s, 1),
         lambda x, s: _np_index_put(x, (np.arange(3), np.arange(1, 4)), s, False),
         normal((3, 4), (3,))),
    # integer and bool ops: values only
    *[Case(name, lambda lib, a, b, name=name: getattr(lib, name)(a, b), ref,
           ints(16, (3, 4), (4,)), differentiable=False)
      for name, ref in [("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                        ("bitwise_xor", np.bitwise_xor), ("gcd", np.gcd), ("lcm", np.lcm),
                        ("bitwise_left_shift", np.left_shift),
                        ("bitwise_right_shift", np.right_shift)]],
    Case("bitwise_not", lambda lib, a: lib.bitwise_not(a), np.invert, ints(16, (3, 4)),
         differentiable=False),
    Case("signbit", lambda lib, x: lib.signbit(x), np.signbit, fixed([-1.0, -0.0, 0.0, 2.0]),
         differentiable=False),
    Case("isposinf", lambda lib, x: lib.isposinf(x), np.isposinf, fixed(*_SPECIAL),
         differentiable=False),
    Case("isneginf", lambda lib, x: lib.isneginf(x), np.isneginf, fixed(*_SPECIAL),
         differentiable=False),
    Case("heaviside", lambda lib, x, v: lib.heaviside(x, v), np.heaviside,
         fixed([-1.0, 0.0, 2.0, 0.0], [0.5, 0.5, 0.5, 0.25]), differentiable=False),
    Case("frexp", lambda lib, x: tuple(lib.frexp(x)), lambda x: np.frexp(x), normal((3, 4)),
         differentiable=False),
    Case("unique_consecutive", lambda lib, x: lib.unique_consecutive(x, return_counts=True),
         lambda x: (np.array([1, 2, 1]), np.array([2, 1, 1])),
         lambda rng: [np.array([1, 1, 2, 1])], differentiable=False),
]


CASES: list[Case] = [*ELEMENTWISE, *ARITHMETIC, *COMPARISONS, *LOGIC, *REDUCTIONS, *SHAPE,
                     *LINALG, *EDGES, *INDEXING, *COUNTING, *MATH, *MATH_LINALG, *MATH_EDGES,
                     *EVERYDAY, *LINALG_NS, *MORE_OPS]

DIFFERENTIABLE = [c for c in CASES if c.differentiable]
FINITE_DIFFERENCES = [c for c in DIFFERENTIABLE if c.finite_differences]
TWICE = [c for c in FINITE_DIFFERENCES if c.twice_differentiable]

# Known limitations in files this harness does not own (reported to their owner). The xfail is
# strict: once fixed, the case passes, the xfail fails, and the entry must be removed here.
KNOWN_LIMITATIONS: dict[str, str] = {}  # case name -> reason (strict xfail); none today


def params(cases: list[Case]) -> list:
    """The cases as pytest parameters, named, with the known limitations marked."""
    return [pytest.param(c, id=c.name, marks=[pytest.mark.xfail(
        reason=KNOWN_LIMITATIONS[c.name], strict=True)] if c.name in KNOWN_LIMITATIONS else [])
        for c in cases]


# ---------------------------------------------------------------------- the harness
def arrays_for(case: Case) -> list[np.ndarray]:
    """The case's inputs, the same on every run (seeded by the case's name)."""
    return case.inputs(np.random.default_rng(zlib.crc32(case.name.encode())))


def sg_inputs(arrays: list[np.ndarray], dtype: Any) -> list[sg.Tensor]:
    """Float arrays become tensors of ``dtype`` that require grad; the rest stay constants."""
    return [sg.tensor(a.astype(dtype), requires_grad=True) if a.dtype.kind == "f"
            else sg.tensor(a) for a in arrays]


def torch_inputs(torch: Any, arrays: list[np.ndarray], dtype: Any) -> list:
    return [torch.tensor(a.astype(dtype), requires_grad=True) if a.dtype.kind == "f"
            else torch.from_numpy(a) for a in arrays]


def as_list(out: Any) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def to_numpy(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def assert_close(actual: np.ndarray, expected: Any, rtol: float, atol: float, what: str) -> None:
    """Same shape, same kind of dtype (float, int, bool), values within tolerance."""
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype.kind == expected.dtype.kind or {actual.dtype.kind,
                                                        expected.dtype.kind} <= set("iu"), \
        f"{what}: dtype {actual.dtype} but expected {expected.dtype}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def sg_call(case: Case) -> Callable[..., Any]:
    return lambda *xs: case.call(sg, *xs)


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert set(KNOWN_LIMITATIONS) <= set(names)


@pytest.mark.parametrize("case", params(CASES))
def test_forward_matches_numpy(case: Case):
    arrays = arrays_for(case)
    outs = as_list(case.call(sg, *sg_inputs(arrays, np.float64)))
    refs = as_list(case.ref(*arrays))
    assert len(outs) == len(refs), f"{len(outs)} outputs, NumPy gives {len(refs)}"
    for k, (o, r) in enumerate(zip(outs, refs)):
        assert isinstance(o, sg.Tensor), f"output {k} is a {type(o).__name__}, not a Tensor"
        assert_close(to_numpy(o), r, case.ref_rtol, case.ref_atol, f"{case.name} output {k}")
        if np.asarray(r).dtype.kind == "f":
            assert o.dtype == sg.float64, f"float64 inputs gave a {o.dtype} output {k}"
    if not case.differentiable:
        assert not any(o.requires_grad for o in outs), "a non-differentiable op records a graph"


@pytest.mark.parametrize("case", params(FINITE_DIFFERENCES))
def test_backward_matches_finite_differences(case: Case):
    gradcheck(sg_call(case), sg_inputs(arrays_for(case), np.float64))


@pytest.mark.parametrize("case", params(TWICE))
def test_double_backward_matches_finite_differences(case: Case):
    gradgradcheck(sg_call(case), sg_inputs(arrays_for(case), np.float64))


@pytest.mark.parametrize("case", params(CASES))
def test_forward_and_gradients_match_torch(case: Case, torch):
    arrays = arrays_for(case)
    xs = sg_inputs(arrays, np.float32)
    txs = torch_inputs(torch, arrays, np.float32)
    outs = as_list(case.call(sg, *xs))
    touts = as_list(case.torch_fn()(torch, *txs))
    assert len(outs) == len(touts), f"{len(outs)} outputs, PyTorch gives {len(touts)}"
    for k, (o, t) in enumerate(zip(outs, touts)):
        expected = to_numpy(t)
        assert_close(to_numpy(o), expected, case.rtol, case.atol, f"{case.name} output {k}")
        assert o.dtype == expected.dtype, f"output {k}: {o.dtype}, PyTorch gives {t.dtype}"
    if not case.differentiable:  # (PyTorch records a graph for floor_divide, then refuses it)
        return
    for k, (o, t) in enumerate(zip(outs, touts)):
        assert o.requires_grad == t.requires_grad, f"output {k}: requires_grad differs"
    diff = [k for k, o in enumerate(outs) if o.requires_grad]
    rng = np.random.default_rng(1)
    ups = [rng.standard_normal(outs[k].shape).astype(np.float32) for k in diff]
    leaves = [k for k, x in enumerate(xs) if x.requires_grad]
    grads = sg.autograd.grad([outs[k] for k in diff], [xs[k] for k in leaves],
                             grad_outputs=[sg.tensor(u) for u in ups], allow_unused=True)
    tgrads = torch.autograd.grad([touts[k] for k in diff], [txs[k] for k in leaves],
                                 grad_outputs=[torch.from_numpy(u) for u in ups],
                                 allow_unused=True)
    for k, g, tg in zip(leaves, grads, tgrads):
        shape = xs[k].shape
        actual = np.zeros(shape, np.float32) if g is None else to_numpy(g)
        expected = np.zeros(shape, np.float32) if tg is None else to_numpy(tg)
        assert_close(actual, expected, case.rtol, case.atol, f"{case.name} grad of input {k}")
        assert actual.dtype == np.float32, f"grad of input {k} has dtype {actual.dtype}"


# ---------------------------------------------------------------------- math ops outside the table
@pytest.mark.parametrize("a, b, kw", [
    ([1.0, 2.0], [1.0, 2.0 + 1e-6], {}),
    ([1.0, 2.0], [1.0, 2.1], {}),
    ([1.0, 2.0], [1.0, 2.1], {"atol": 0.2}),
    ([1.0, float("nan")], [1.0, float("nan")], {}),
    ([1.0, float("nan")], [1.0, float("nan")], {"equal_nan": True}),
    ([[1.0, 2.0], [1.0, 2.0]], [1.0, 2.0], {}),
], ids=["close", "far", "atol", "nan", "equal_nan", "broadcast"])
def test_allclose_is_a_python_bool_like_torch(torch, a, b, kw):
    got = sg.allclose(sg.tensor(a), sg.tensor(b), **kw)
    assert type(got) is bool
    assert got == torch.allclose(torch.tensor(a), torch.tensor(b), **kw)
    assert sg.tensor(a).allclose(sg.tensor(b), **kw) is got


@pytest.mark.parametrize("a, b", [
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.0], np.float32)),
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.5], np.float32)),
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.0], np.float64)),
    (np.array([1.0, 2.0], np.float32), np.array([1, 2])),
    (np.array([1.0, 2.0], np.float32), np.array([[1.0, 2.0]], np.float32)),
    (np.array([1.0, 2.0], np.float32), np.array([1.0, 2.0, 3.0], np.float32)),
    (np.array([np.nan], np.float32), np.array([np.nan], np.float32)),
], ids=["equal", "values", "float64", "int64", "shape", "length", "nan"])
def test_equal_is_a_python_bool_like_torch(torch, a, b):
    got = sg.equal(sg.tensor(a), sg.tensor(b))
    assert type(got) is bool
    assert got == torch.equal(torch.from_numpy(a), torch.from_numpy(b))
    assert sg.tensor(a).equal(sg.tensor(b)) is got


@pytest.mark.parametrize("name", ["reciprocal", "rsqrt", "expm1", "log2", "log10", "erf"])
def test_float_functions_of_integers_give_float32_like_torch(torch, name):
    x = np.array([1, 2, 4])
    got = getattr(sg, name)(sg.tensor(x))
    expected = getattr(torch, name)(torch.from_numpy(x))
    assert got.dtype == sg.float32 and expected.dtype == torch.float32
    np.testing.assert_allclose(got._data, expected.numpy(), rtol=1e-6)


def test_float32_stays_float32_through_the_math_ops():
    x = sg.randn(3, 3, requires_grad=True)
    outs = [sg.cumsum(x, 0), sg.cumprod(x, 1), sg.prod(x), sg.norm(x), sg.norm(x, 3, 1),
            sg.einsum("ij,jk->ik", x, x), sg.tensordot(x, x), sg.diag(x), sg.trace(x),
            sg.round(x, decimals=1), x.frac(), x.erf(), sg.atan2(x, x)]
    for y in outs:
        assert y.dtype == sg.float32, y
        (g,) = sg.autograd.grad(y.sum(), [x])
        assert g.dtype == sg.float32, y


@pytest.mark.parametrize("name, call", [
    ("cumsum", lambda lib, x: lib.cumsum(x, 1, dtype=lib.float64)),
    ("cumprod", lambda lib, x: x.cumprod(0, dtype=lib.float64)),
    ("prod", lambda lib, x: lib.prod(x, 0, dtype=lib.float64)),
    ("norm", lambda lib, x: x.norm(dtype=lib.float64)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_dtype_argument_accumulates_in_that_dtype_like_torch(torch, name, call):
    """``dtype=`` casts the input first: a float64 result, and a float32 gradient."""
    a = np.random.default_rng(0).uniform(0.5, 2.0, (3, 4)).astype(np.float32)
    x, tx = sg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = call(sg, x), call(torch, tx)
    assert y.dtype == sg.float64 and ty.dtype == torch.float64
    np.testing.assert_allclose(y._data, ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    assert x.grad.dtype == sg.float32
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=1e-6)


# ---------------------------------------------------------------------- everyday ops outside the table
def test_inplace_masked_fill_and_index_add_match_torch(torch):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    m = a % 3 == 0
    x, tx = sg.tensor(a.copy()), torch.tensor(a.copy())
    assert x.masked_fill_(sg.tensor(m), -1.0) is x
    tx.masked_fill_(torch.from_numpy(m), -1.0)
    idx, src = np.array([0, 2, 0]), np.ones((3, 3), np.float32)
    x.index_add_(1, sg.tensor(idx), sg.tensor(src), alpha=2)
    tx.index_add_(1, torch.from_numpy(idx), torch.from_numpy(src), alpha=2)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    x.clamp_min_(0.5).clamp_max_(9.0)
    tx.clamp_min_(0.5).clamp_max_(9.0)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())


def test_meshgrid_without_indexing_warns_and_uses_ij_like_torch(torch):
    with pytest.warns(UserWarning, match="indexing"):
        X, _ = sg.meshgrid(sg.tensor([1.0, 2.0]), sg.tensor([3.0, 4.0, 5.0]))
    assert X.shape == (2, 3)


def test_cross_without_dim_uses_the_first_size_3_dimension_like_torch(torch):
    a = np.random.default_rng(0).standard_normal((3, 3)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((3, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match="dim"):
        got = sg.cross(sg.tensor(a), sg.tensor(b))
    np.testing.assert_allclose(got.numpy(), torch.cross(torch.tensor(a), torch.tensor(b),
                                                        dim=0).numpy(), rtol=1e-6)


def _gauge_free(lib, A):
    """Quantities of qr, eigh and svd that do not depend on the signs of the factors."""
    Q, R = lib.linalg.qr(A)
    w, V = lib.linalg.eigh(A @ A.mT)
    U, S, Vh = lib.linalg.svd(A, full_matrices=False)
    return [Q @ R, Q @ Q.mT, R.abs(), w, V * V, (V * w.unsqueeze(-2)) @ V.mT, S, U * U, Vh * Vh,
            (U[..., :, :1] * Vh[..., :1, :])]


def test_factorisations_match_torch_up_to_signs(torch):
    a = np.random.default_rng(3).standard_normal((2, 4, 3)).astype(np.float32)
    A, tA = sg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    outs, touts = _gauge_free(sg, A), _gauge_free(torch, tA)
    for k, (o, t) in enumerate(zip(outs, touts)):
        np.testing.assert_allclose(o.numpy() if not o.requires_grad else o.detach().numpy(),
                                   t.detach().numpy(), rtol=1e-3, atol=1e-4, err_msg=str(k))
        assert o.dtype == sg.float32
    ups = [np.random.default_rng(k).standard_normal(o.shape).astype(np.float32)
           for k, o in enumerate(outs)]
    (g,) = sg.autograd.grad(outs, [A], grad_outputs=[sg.tensor(u) for u in ups])
    (tg,) = torch.autograd.grad(touts, [tA], grad_outputs=[torch.from_numpy(u) for u in ups])
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-3, atol=1e-3)


def test_linalg_functions_are_in_the_namespace():
    for name in sg.linalg.__all__:
        assert callable(getattr(sg.linalg, name)), name
