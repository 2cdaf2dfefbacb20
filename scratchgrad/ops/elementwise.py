"""Elementwise functions: exp, log, trigonometry, rounding, the activations, and tests of values
(isnan, isclose, ...)."""
from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .._config import is_grad_enabled, no_grad
from ..backend import get_array_module
from ..function import Function, binary_operands
from ..tensor import Tensor
from .arithmetic import abs as _abs
from .arithmetic import _rsqrt, where
from .shape import sum_to
from ._util import broadcast_error, quiet, to_float_tensor, to_tensor, with_out


class Exp(Function):
    def forward(self, x):
        return quiet.run(np.exp, x)

    def backward(self, gy):
        return gy * self.output()


class Log(Function):
    def forward(self, x):
        return quiet.run(np.log, x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Log1p(Function):
    def forward(self, x):
        return quiet.run(np.log1p, x)

    def backward(self, gy):
        return gy / (self.inputs[0] + 1)


class Sqrt(Function):
    def forward(self, x):
        return quiet.run(np.sqrt, x)

    def backward(self, gy):
        return gy / (2 * self.output())


class Sin(Function):
    def forward(self, x):
        return quiet.run(np.sin, x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])


class Cos(Function):
    def forward(self, x):
        return quiet.run(np.cos, x)

    def backward(self, gy):
        return -gy * sin(self.inputs[0])


class Tanh(Function):
    def forward(self, x):
        return np.tanh(x)

    def backward(self, gy):
        y = self.output()
        return gy * (1 - y * y)


class Sigmoid(Function):
    """1 / (1 + exp(-x)), PyTorch's formula: exp(-x) overflows to inf for very negative x,
    which gives the right limit 0, and the tiny values of sigmoid(x) for x < -17 keep their
    precision (0.5 * (1 + tanh(x / 2)) rounds them to 0)."""

    def forward(self, x):
        return quiet.run(_sigmoid, x)

    def backward(self, gy):
        y = self.output()
        return gy * y * (1 - y)


class ReLU(Function):
    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, gy):
        # 0 where x <= 0, gy elsewhere, also where x is nan (PyTorch's threshold_backward)
        off = self.inputs[0]._data <= 0
        if not is_grad_enabled():  # first order: one pass, no float copy of the mask
            return Tensor._make(np.where(off, 0, gy._data))
        return where(Tensor._make(off), 0.0, gy)


class LeakyReLU(Function):
    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, x):
        return np.where(x > 0, x, x * self.slope)

    def backward(self, gy):
        x = self.inputs[0]._data
        return gy * Tensor._make(np.where(x > 0, 1, self.slope).astype(x.dtype))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    y = np.negative(x, out=np.empty_like(x))  # out=: an array also for 0-d x
    np.exp(y, out=y)
    y += 1
    return np.reciprocal(y, out=y)


def _erf_fit(x: np.ndarray) -> np.ndarray:
    """erf for arrays without SciPy: the Chebyshev fit of erfc from Numerical Recipes
    (fractional error below 1.2e-7 everywhere, i.e. float32 precision), evaluated in float64.
    Its absolute error is that of erfc, so near 0, where erf itself is small, it is far from
    float32 precision (erf(0) comes out -3e-8); 1/2 (1 + erf), the normal CDF, is not hurt."""
    z = np.abs(x.astype(np.float64))
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (
        0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (
            1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    erfc = t * np.exp(poly)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0).astype(x.dtype)


# erf(x) = 2/sqrt(pi) * x * sum_n (-1)**n x**(2n) / (n! (2n + 1)): for |x| < 0.5, 13 terms are
# exact to float64 (the next is below 1e-17 of the sum). Highest power first, for Horner.
_ERF_SERIES = tuple((-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(12, -1, -1))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf: :func:`_erf_fit`, and for |x| < 0.5 the Taylor series, which keeps the value
    and the sign of small x (1 - erfc loses both: erf(1e-30) would be -3e-8)."""
    y = _erf_fit(x)
    small = np.abs(x) < 0.5
    if small.any():
        s = x[small].astype(np.float64)
        s2 = s * s
        series = np.zeros_like(s)
        for c in _ERF_SERIES:
            series *= s2
            series += c
        y[small] = (2 / math.sqrt(math.pi)) * s * series
    return y


class NormalCDF(Function):
    """Phi(x), the standard normal CDF, used by the exact GELU."""

    def forward(self, x):
        y = quiet.run(_erf_fit, x * (1 / math.sqrt(2.0)))
        y += 1
        y *= 0.5
        return y

    def backward(self, gy):
        x = self.inputs[0]
        return gy * exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))


@with_out
def exp(input: Any) -> Tensor:  # noqa: A002
    """Elementwise e**x.

    >>> import scratchgrad as sg
    >>> sg.exp(sg.tensor([0.0]))
    tensor([1.])
    """
    return Exp()(to_float_tensor(input))


@with_out
def log(input: Any) -> Tensor:  # noqa: A002
    """Natural logarithm."""
    return Log()(to_float_tensor(input))


@with_out
def log1p(input: Any) -> Tensor:  # noqa: A002
    """log(1 + x), accurate for small x."""
    return Log1p()(to_float_tensor(input))


@with_out
def sqrt(input: Any) -> Tensor:  # noqa: A002
    """Square root."""
    return Sqrt()(to_float_tensor(input))


@with_out
def sin(input: Any) -> Tensor:  # noqa: A002
    """Sine."""
    return Sin()(to_float_tensor(input))


@with_out
def cos(input: Any) -> Tensor:  # noqa: A002
    """Cosine."""
    return Cos()(to_float_tensor(input))


@with_out
def tanh(input: Any) -> Tensor:  # noqa: A002
    """Hyperbolic tangent."""
    return Tanh()(to_float_tensor(input))


@with_out
def sigmoid(input: Any) -> Tensor:  # noqa: A002
    """The logistic function 1 / (1 + e**-x), stable for large |x|.

    >>> import scratchgrad as sg
    >>> sg.sigmoid(sg.tensor([0.0]))
    tensor([0.5000])
    """
    return Sigmoid()(to_float_tensor(input))


def relu(input: Any) -> Tensor:  # noqa: A002
    """max(x, 0); the gradient at 0 is 0 (as in PyTorch)."""
    return ReLU()(to_tensor(input))


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    return LeakyReLU(negative_slope)(to_float_tensor(x))


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x * Phi(x); ``approximate="tanh"`` gives the tanh form.

    >>> import scratchgrad as sg
    >>> print(f"{sg.gelu(sg.tensor(1.0)).item():.4f}")
    0.8413
    """
    x = to_float_tensor(x)
    if approximate == "tanh":
        inner = (x + 0.044715 * x ** 3) * math.sqrt(2 / math.pi)
        return 0.5 * x * (1 + tanh(inner))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return x * NormalCDF()(x)


class Softplus(Function):
    """log(1 + e**(beta x)) / beta, and x itself where beta * x > threshold. A Function for
    stability and for its derivative at 0: forward is max(bx, 0) + log1p(exp(-|bx|)) (never
    overflows), backward is sigmoid(bx), smooth everywhere, so the first and second
    derivatives at 0 are 1/2 and beta/4 (a composition of max and abs gets both wrong there)."""

    def __init__(self, beta: float, threshold: float) -> None:
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        bx = x * self.beta if self.beta != 1 else x
        soft = np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))
        if self.beta != 1:
            soft /= self.beta
        return np.where(bx > self.threshold, x, soft).astype(x.dtype, copy=False)

    def backward(self, gy):
        x = self.inputs[0]
        bx = x * self.beta if self.beta != 1 else x
        linear = Tensor._make(bx._data > self.threshold)
        return gy * where(linear, 1.0, sigmoid(bx))


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e**(beta x)) / beta, linear where beta * x > threshold (as in PyTorch).

    >>> import scratchgrad as sg
    >>> sg.softplus(sg.tensor([0.0, 30.0]))
    tensor([ 0.6931, 30.0000])
    """
    return Softplus(float(beta), float(threshold))(to_float_tensor(x))


class Maximum(Function):
    """Elementwise maximum; on ties the gradient is split in half, and where either side is
    nan (the result is nan) both get the full gradient (as in PyTorch)."""

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, gy):
        return _max_min_grads(gy, *self.inputs, np.less)


class Minimum(Function):
    """Elementwise minimum; ties and nan as in :class:`Maximum`."""

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, gy):
        return _max_min_grads(gy, *self.inputs, np.greater)


def _max_min_grads(gy: Tensor, a: Tensor, b: Tensor, loses: Any) -> tuple:
    """Each side's gradient: 0 where it loses (``loses(a, b)`` for a), 1/2 on ties, else 1."""
    half_tie = 0.5 * (a._data == b._data)
    ma = Tensor._make((1 - half_tie - loses(a._data, b._data)).astype(gy._data.dtype))
    mb = Tensor._make((1 - half_tie - loses(b._data, a._data)).astype(gy._data.dtype))
    return sum_to(gy * ma, a._data.shape), sum_to(gy * mb, b._data.shape)


class Clamp(Function):
    """Clamp to constant bounds; the gradient passes where min <= x <= max (as in PyTorch)."""

    def __init__(self, lo: Any, hi: Any) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return np.clip(x, self.lo, self.hi)

    def backward(self, gy):
        x = self.inputs[0]._data
        mask = get_array_module(x).ones(x.shape, dtype=bool)
        if self.lo is not None:
            mask &= x >= self.lo
        if self.hi is not None:
            mask &= x <= self.hi
        return gy * Tensor._make(mask)


@with_out
def maximum(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise maximum of two tensors (broadcasting)."""
    a, b = binary_operands(input, other)
    try:
        return Maximum()(a, b)
    except ValueError as e:  # checked only on failure: the happy path stays one call
        raise broadcast_error("maximum", a, b) or e from None


@with_out
def minimum(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise minimum of two tensors (broadcasting)."""
    a, b = binary_operands(input, other)
    try:
        return Minimum()(a, b)
    except ValueError as e:  # checked only on failure: the happy path stays one call
        raise broadcast_error("minimum", a, b) or e from None


@with_out
def clamp(input: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit values to [min, max]; either bound may be None, a number or a tensor.

    >>> import scratchgrad as sg
    >>> sg.clamp(sg.tensor([-2.0, 0.5, 3.0]), -1, 1)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    x = to_tensor(input)
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, float) or isinstance(max, float):
        x = to_float_tensor(x)  # an integer tensor clamped to a float bound is float32
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    return Clamp(min, max)(x)


clip = clamp


# ---------------------------------------------------------------------- rounding and friends
# PyTorch gives sign, floor, ceil, round and trunc a gradient of zero (they are flat almost
# everywhere), so their outputs require grad and backward returns zeros; frac = x - trunc(x)
# has gradient one.
class Sign(Function):
    def forward(self, x):
        if x.dtype.kind == "b":
            return x.copy()
        # (x > 0) - (x < 0) rather than np.sign: sign(nan) is 0 in PyTorch, nan in NumPy
        return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)

    def backward(self, gy):
        return gy * 0


class Floor(Function):
    def forward(self, x):
        return np.floor(x)

    def backward(self, gy):
        return gy * 0


class Ceil(Function):
    def forward(self, x):
        return np.ceil(x)

    def backward(self, gy):
        return gy * 0


class Trunc(Function):
    def forward(self, x):
        return np.trunc(x)

    def backward(self, gy):
        return gy * 0


class Round(Function):
    """Round half to even at ``decimals`` digits: rint(x * 10**d) / 10**d, or for d < 0
    rint(x / 10**-d) * 10**-d (dividing by an exact power of ten, as PyTorch does)."""

    def __init__(self, decimals: int) -> None:
        self.decimals = decimals

    def forward(self, x):
        d = self.decimals
        if d == 0:
            return np.rint(x)
        scale = x.dtype.type(10.0 ** builtins.abs(d))
        if d > 0:
            return np.rint(x * scale) / scale
        return np.rint(x / scale) * scale

    def backward(self, gy):
        return gy * 0


class Frac(Function):
    def forward(self, x):
        return quiet.run(np.subtract, x, np.trunc(x))  # inf - inf: nan, silently

    def backward(self, gy):
        return gy


class Reciprocal(Function):
    def forward(self, x):
        return quiet.run(np.reciprocal, x)

    def backward(self, gy):
        y = self.output()
        return -gy * y * y


class Rsqrt(Function):
    def forward(self, x):
        return quiet.run(_rsqrt, x)

    def backward(self, gy):
        y = self.output()
        return gy * y * y * y * -0.5


class Expm1(Function):
    def forward(self, x):
        return quiet.run(np.expm1, x)

    def backward(self, gy):
        return gy * (self.output() + 1)


class Log2(Function):
    def forward(self, x):
        return quiet.run(np.log2, x)

    def backward(self, gy):
        return gy / (self.inputs[0] * math.log(2.0))


class Log10(Function):
    def forward(self, x):
        return quiet.run(np.log10, x)

    def backward(self, gy):
        return gy / (self.inputs[0] * math.log(10.0))


class Erf(Function):
    """erf through :func:`_erf` (float32 precision: absolute error below 1.2e-7, in float64
    too); the gradient 2 / sqrt(pi) * exp(-x**2) is exact."""

    def forward(self, x):
        return quiet.run(_erf, x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * exp(x * x * -1.0) * (2 / math.sqrt(math.pi))


class Atan2(Function):
    def forward(self, a, b):
        return np.arctan2(a, b)

    def backward(self, gy):
        a, b = self.inputs
        g = gy / (a * a + b * b)
        return sum_to(g * b, a._data.shape), sum_to(-g * a, b._data.shape)


def _float_only(x: Tensor, op: str) -> None:
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got {x.dtype}")


def _not_bool(x: Tensor, op: str) -> None:
    if x._data.dtype.kind == "b":
        raise TypeError(f"{op}: expected a number tensor, got {x.dtype}")


def sign(input: Any) -> Tensor:  # noqa: A002  (PyTorch's argument name)
    """-1, 0 or 1 by the sign of each element (0 for nan, like PyTorch); gradient zero.

    >>> import scratchgrad as sg
    >>> sg.sign(sg.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    return Sign()(to_tensor(input))


def _rounding(fn: Function, x: Any, op: str) -> Tensor:
    x = to_tensor(x)
    _not_bool(x, op)
    if x._data.dtype.kind != "f":  # integers are already whole: a copy, of the same dtype
        from .shape import clone

        return clone(x)
    return fn(x)


def floor(input: Any) -> Tensor:  # noqa: A002
    """The largest integer not above each element (same dtype); gradient zero.

    >>> import scratchgrad as sg
    >>> sg.floor(sg.tensor([-1.5, 1.5]))
    tensor([-2.,  1.])
    """
    return _rounding(Floor(), input, "floor")


def ceil(input: Any) -> Tensor:  # noqa: A002
    """The smallest integer not below each element; gradient zero.

    >>> import scratchgrad as sg
    >>> sg.ceil(sg.tensor([-1.5, 1.5]))
    tensor([-1.,  2.])
    """
    return _rounding(Ceil(), input, "ceil")


def trunc(input: Any) -> Tensor:  # noqa: A002
    """Round toward zero; gradient zero.

    >>> import scratchgrad as sg
    >>> sg.trunc(sg.tensor([-1.5, 1.5]))
    tensor([-1.,  1.])
    """
    return _rounding(Trunc(), input, "trunc")


def round(input: Any, *, decimals: int = 0) -> Tensor:  # noqa: A001,A002
    """Round half to even, to ``decimals`` digits after the point (negative: before it);
    gradient zero. Integer tensors are copied (only with ``decimals=0``, as in PyTorch).

    >>> import scratchgrad as sg
    >>> sg.round(sg.tensor([0.5, 1.5, 2.5]))
    tensor([0., 2., 2.])
    >>> sg.round(sg.tensor([1.26, 123.0]), decimals=1)
    tensor([  1.3000, 123.0000])
    """
    x = to_tensor(input)
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an int, got {decimals!r}")
    if decimals != 0 and x._data.dtype.kind != "f":
        raise TypeError(f"round: decimals={decimals} needs a floating-point tensor, got "
                        f"{x.dtype}")
    return _rounding(Round(decimals), x, "round")


def frac(input: Any) -> Tensor:  # noqa: A002
    """The fractional part x - trunc(x), with the sign of x; gradient one.

    >>> import scratchgrad as sg
    >>> sg.frac(sg.tensor([-1.5, 2.25]))
    tensor([-0.5000,  0.2500])
    """
    x = to_tensor(input)
    _float_only(x, "frac")
    return Frac()(x)


def reciprocal(input: Any) -> Tensor:  # noqa: A002
    """1 / x; integer tensors give float32.

    >>> import scratchgrad as sg
    >>> sg.reciprocal(sg.tensor([2.0, -4.0]))
    tensor([ 0.5000, -0.2500])
    """
    return Reciprocal()(to_float_tensor(input))


def rsqrt(input: Any) -> Tensor:  # noqa: A002
    """1 / sqrt(x).

    >>> import scratchgrad as sg
    >>> sg.rsqrt(sg.tensor([4.0]))
    tensor([0.5000])
    """
    return Rsqrt()(to_float_tensor(input))


def expm1(input: Any) -> Tensor:  # noqa: A002
    """e**x - 1, accurate for small x.

    >>> import scratchgrad as sg
    >>> sg.expm1(sg.tensor([0.0]))
    tensor([0.])
    """
    return Expm1()(to_float_tensor(input))


def log2(input: Any) -> Tensor:  # noqa: A002
    """Base-2 logarithm.

    >>> import scratchgrad as sg
    >>> sg.log2(sg.tensor([8.0]))
    tensor([3.])
    """
    return Log2()(to_float_tensor(input))


def log10(input: Any) -> Tensor:  # noqa: A002
    """Base-10 logarithm.

    >>> import scratchgrad as sg
    >>> sg.log10(sg.tensor([1.0, 10.0]))
    tensor([0., 1.])
    """
    return Log10()(to_float_tensor(input))


def erf(input: Any) -> Tensor:  # noqa: A002
    """The error function 2 / sqrt(pi) * integral of exp(-t**2) from 0 to x. Values are
    accurate to 1.2e-7 (float32 precision) for float64 inputs too.

    >>> import scratchgrad as sg
    >>> print(f"{sg.erf(sg.tensor(1.0)).item():.4f}")
    0.8427
    """
    return Erf()(to_float_tensor(input))


def atan2(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The angle of the point (other, input), in (-pi, pi], elementwise with broadcasting.

    >>> import scratchgrad as sg
    >>> sg.atan2(sg.tensor([1.0]), sg.tensor([1.0]))
    tensor([0.7854])
    """
    a, b = binary_operands(input, other)
    if a._data.dtype.kind != "f":
        a, b = to_float_tensor(a), to_float_tensor(b)
    return Atan2()(a, b)


# ---------------------------------------------------------------------- tests of values
class _Classify(Function):
    """isnan, isinf, isfinite, isclose: bool results, never differentiable (run under
    no_grad by their functions). A Function so that scratchgrad.compile records them."""

    differentiable = False

    def __init__(self, name: str, rtol: float = 0.0, atol: float = 0.0,
                 equal_nan: bool = False) -> None:
        self.kind, self.rtol, self.atol, self.equal_nan = name, rtol, atol, equal_nan

    def forward(self, *xs):
        x = xs[0]
        if self.kind == "isclose":
            xp = get_array_module(x)
            return xp.isclose(x, xs[1], rtol=self.rtol, atol=self.atol,
                              equal_nan=self.equal_nan)
        xp = get_array_module(x)
        if x.dtype.kind != "f":  # integers and bools are finite
            return xp.full(x.shape, self.kind == "isfinite", dtype=bool)
        return {"isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite}[self.kind](x)


def _classify(name: str, *xs: Tensor, **kw: Any) -> Tensor:
    with no_grad():
        return _Classify(name, **kw)(*xs)


def isnan(input: Any) -> Tensor:  # noqa: A002
    """True where an element is nan (a bool tensor, not differentiable).

    >>> import scratchgrad as sg
    >>> sg.isnan(sg.tensor([1.0, float("nan")]))
    tensor([False,  True])
    """
    return _classify("isnan", to_tensor(input))


def isinf(input: Any) -> Tensor:  # noqa: A002
    """True where an element is +inf or -inf.

    >>> import scratchgrad as sg
    >>> sg.isinf(sg.tensor([1.0, float("-inf")]))
    tensor([False,  True])
    """
    return _classify("isinf", to_tensor(input))


def isfinite(input: Any) -> Tensor:  # noqa: A002
    """True where an element is neither inf nor nan.

    >>> import scratchgrad as sg
    >>> sg.isfinite(sg.tensor([1.0, float("inf"), float("nan")]))
    tensor([ True, False, False])
    """
    return _classify("isfinite", to_tensor(input))


def _close_operands(input: Any, other: Any, rtol: float, atol: float, op: str
                    ) -> tuple[Tensor, Tensor]:
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"{op}: expected two tensors, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    if input.dtype != other.dtype:
        raise TypeError(f"{op}: the tensors must have the same dtype, got {input.dtype} and "
                        f"{other.dtype}")
    if rtol < 0 or atol < 0:
        raise ValueError(f"{op}: rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    try:
        np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {input.shape} and {other.shape} do not broadcast "
                         "together") from None
    return input, other


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:  # noqa: A002
    """|input - other| <= atol + rtol * |other| elementwise (equal infinities are close; nan
    is close to nan only with ``equal_nan``). Both tensors must have the same dtype.

    >>> import scratchgrad as sg
    >>> sg.isclose(sg.tensor([1.0, 2.0]), sg.tensor([1.0 + 1e-7, 2.1]))
    tensor([ True, False])
    """
    a, b = _close_operands(input, other, rtol, atol, "isclose")
    return _classify("isclose", a, b, rtol=float(rtol), atol=float(atol),
                     equal_nan=bool(equal_nan))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:  # noqa: A002
    """True when every element is :func:`isclose` (a Python bool).

    >>> import scratchgrad as sg
    >>> sg.allclose(sg.tensor([1.0, 2.0]), sg.tensor([1.0, 2.0 + 1e-6]))
    True
    """
    a, b = _close_operands(input, other, rtol, atol, "allclose")
    return bool(isclose(a, b, rtol, atol, equal_nan).all())


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """True when both tensors have the same shape and the same values (a Python bool; values
    compare after type promotion, so 1.0 equals 1, and nan never equals nan).

    >>> import scratchgrad as sg
    >>> sg.equal(sg.tensor([1.0, 2.0]), sg.tensor([1.0, 2.0])), sg.equal(sg.ones(2), sg.ones(3))
    (True, False)
    """
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"equal: expected two tensors, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    if input.shape != other.shape:
        return False
    from .arithmetic import eq

    return bool(eq(input, other).all())


# ---------------------------------------------------------------------- lerp and one-sided clamps
def lerp(input: Any, end: Any, weight: Any) -> Tensor:  # noqa: A002
    """Linear interpolation ``input + weight * (end - input)``; ``weight`` is a number or a
    tensor, and all three broadcast. Composed from add, sub and mul, so each of the three
    gets its gradient.

    >>> import scratchgrad as sg
    >>> sg.lerp(sg.tensor([0.0, 10.0]), sg.tensor([10.0, 20.0]), 0.25)
    tensor([ 2.5000, 12.5000])
    """
    x, e = to_tensor(input), to_tensor(end)
    if x._data.dtype.kind != "f":
        raise TypeError(f"lerp: expected floating-point tensors, got {x.dtype}")
    if e._data.dtype != x._data.dtype:
        raise TypeError(f"lerp: end of dtype {e.dtype} must have the dtype of input, {x.dtype}")
    if isinstance(weight, Tensor):
        if weight._data.dtype != x._data.dtype:
            raise TypeError(f"lerp: weight of dtype {weight.dtype} must have the dtype of "
                            f"input, {x.dtype}")
    elif isinstance(weight, bool) or not isinstance(weight, (int, float, np.number)):
        raise TypeError(f"lerp: weight must be a number or a tensor, got "
                        f"{type(weight).__name__}")
    else:
        weight = float(weight)
    try:
        np.broadcast_shapes(x.shape, e.shape, getattr(weight, "shape", ()))
    except ValueError:
        raise ValueError(f"lerp: input {x.shape}, end {e.shape} and weight "
                         f"{getattr(weight, 'shape', ())} do not broadcast together") from None
    return x + weight * (e - x)


def clamp_min(input: Any, min: Any) -> Tensor:  # noqa: A002
    """``clamp(input, min=min)``: values below ``min`` raised to it.

    >>> import scratchgrad as sg
    >>> sg.clamp_min(sg.tensor([-1.0, 2.0]), 0.5)
    tensor([0.5000, 2.0000])
    """
    return clamp(input, min=min)


def clamp_max(input: Any, max: Any) -> Tensor:  # noqa: A002
    """``clamp(input, max=max)``: values above ``max`` lowered to it.

    >>> import scratchgrad as sg
    >>> sg.clamp_max(sg.tensor([-1.0, 2.0]), 0.5)
    tensor([-1.0000,  0.5000])
    """
    return clamp(input, max=max)
