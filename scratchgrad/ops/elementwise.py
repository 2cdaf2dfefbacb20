"""Elementwise functions: exp, log, trigonometry, rounding, the activations, and tests of values
(isnan, isclose, ...)."""
from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .._config import no_grad
from ..backend import get_array_module, to_numpy
from ..function import Function
from ._operands import binary_operands
from ..tensor import Tensor
from .arithmetic import abs as _abs
from .arithmetic import _rsqrt, where
from .shape import reshape, sum_to
from ._util import broadcast_error, quiet, to_float_tensor, to_tensor


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
        return where(Tensor._make(self.inputs[0]._data <= 0), 0.0, gy)


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


def exp(input: Any) -> Tensor:  # noqa: A002
    """Elementwise e**x.

    >>> import scratchgrad as sg
    >>> sg.exp(sg.tensor([0.0]))
    tensor([1.])
    """
    return Exp()(to_float_tensor(input))


def log(input: Any) -> Tensor:  # noqa: A002
    """Natural logarithm."""
    return Log()(to_float_tensor(input))


def log1p(input: Any) -> Tensor:  # noqa: A002
    """log(1 + x), accurate for small x."""
    return Log1p()(to_float_tensor(input))


def sqrt(input: Any) -> Tensor:  # noqa: A002
    """Square root."""
    return Sqrt()(to_float_tensor(input))


def sin(input: Any) -> Tensor:  # noqa: A002
    """Sine."""
    return Sin()(to_float_tensor(input))


def cos(input: Any) -> Tensor:  # noqa: A002
    """Cosine."""
    return Cos()(to_float_tensor(input))


def tanh(input: Any) -> Tensor:  # noqa: A002
    """Hyperbolic tangent."""
    return Tanh()(to_float_tensor(input))


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


def maximum(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise maximum of two tensors (broadcasting)."""
    a, b = binary_operands(input, other)
    try:
        return Maximum()(a, b)
    except ValueError as e:  # checked only on failure: the happy path stays one call
        raise broadcast_error("maximum", a, b) or e from None


def minimum(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise minimum of two tensors (broadcasting)."""
    a, b = binary_operands(input, other)
    try:
        return Minimum()(a, b)
    except ValueError as e:  # checked only on failure: the happy path stays one call
        raise broadcast_error("minimum", a, b) or e from None


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


# ---------------------------------------------------------------------- trigonometry, hyperbolic
# and special functions. Each is a Function whose backward is written in Tensor ops (so double
# backward works); PyTorch's spellings (arcsin, ...) are aliases of these.
class Tan(Function):
    def forward(self, x):
        return quiet.run(np.tan, x)

    def backward(self, gy):
        y = self.output()
        return gy * (1 + y * y)


class Asin(Function):
    def forward(self, x):
        return quiet.run(np.arcsin, x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (1 - x * x) ** -0.5


class Acos(Function):
    def forward(self, x):
        return quiet.run(np.arccos, x)

    def backward(self, gy):
        x = self.inputs[0]
        return -gy * (1 - x * x) ** -0.5


class Atan(Function):
    def forward(self, x):
        return np.arctan(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / (1 + x * x)


class Sinh(Function):
    def forward(self, x):
        return quiet.run(np.sinh, x)

    def backward(self, gy):
        return gy * cosh(self.inputs[0])


class Cosh(Function):
    def forward(self, x):
        return quiet.run(np.cosh, x)

    def backward(self, gy):
        return gy * sinh(self.inputs[0])


class Asinh(Function):
    def forward(self, x):
        return np.arcsinh(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (x * x + 1) ** -0.5


class Acosh(Function):
    def forward(self, x):
        return quiet.run(np.arccosh, x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (x * x - 1) ** -0.5


class Atanh(Function):
    def forward(self, x):
        return quiet.run(np.arctanh, x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy / (1 - x * x)


class Exp2(Function):
    def forward(self, x):
        return quiet.run(np.exp2, x)

    def backward(self, gy):
        return gy * self.output() * math.log(2.0)


class Erfc(Function):
    """1 - erf(x) with :func:`_erf` (absolute error below 1.2e-7)."""

    def forward(self, x):
        return quiet.run(lambda a: (1 - _erf(a)).astype(a.dtype, copy=False), x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * exp(x * x * -1.0) * (-2 / math.sqrt(math.pi))


def _np_erf_exact(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _erfinv(y: np.ndarray) -> np.ndarray:
    """Inverse error function: Giles' single-precision approximation refined by two Newton
    steps on math.erf (float64 accurate). NumPy only: special functions run on the host."""
    y64 = np.asarray(y, dtype=np.float64)
    w = -np.log(np.maximum((1.0 - y64) * (1.0 + y64), 1e-300))
    small = w < 5.0
    ws, wl = w - 2.5, np.sqrt(w) - 3.0
    ps = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
          -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]
    pl = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
          -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]
    a, b = np.zeros_like(y64), np.zeros_like(y64)
    for cs, cl in zip(ps, pl):
        a, b = a * ws + cs, b * wl + cl
    x = np.where(small, a, b) * y64
    for _ in range(2):  # Newton on erf(x) - y
        inside = np.isfinite(x) & (np.abs(y64) < 1)
        step = (_np_erf_exact(np.where(inside, x, 0.0)) - y64) * (
            math.sqrt(math.pi) / 2) * np.exp(np.where(inside, x, 0.0) ** 2)
        x = np.where(inside, x - step, x)
    x = np.where(y64 == 1, np.inf, np.where(y64 == -1, -np.inf, x))
    x = np.where(np.abs(y64) > 1, np.nan, x)
    return x.astype(np.asarray(y).dtype, copy=False)


class Erfinv(Function):
    def forward(self, x):
        return _on_host(lambda a: quiet.run(_erfinv, a), x)

    def backward(self, gy):
        y = self.output()
        return gy * exp(y * y) * (math.sqrt(math.pi) / 2)


def _on_host(fn: Any, x: Any) -> Any:
    """``fn`` (an algorithm written for NumPy) on a host copy of ``x``; the result on ``x``'s
    device."""
    return get_array_module(x).asarray(fn(to_numpy(x)))


def _lgamma(x: np.ndarray) -> np.ndarray:
    def one(v: float) -> float:
        try:
            return math.lgamma(v)
        except ValueError:  # poles at 0, -1, -2, ...
            return math.inf
    return np.vectorize(one, otypes=[np.float64])(x).astype(x.dtype, copy=False)


def _polygamma_host(n: int, x: np.ndarray) -> np.ndarray:
    """digamma (n = 0) or trigamma (n = 1): the recurrence moves x above 6, where the
    asymptotic series is accurate to float64; the reflection formula handles x < 0.5."""
    x64 = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x64)
    reflect = x64 < 0.5
    z = np.where(reflect, 1.0 - x64, x64)
    acc = np.zeros_like(z)
    while True:
        low = z < 6.0
        if not low.any():
            break
        acc += np.where(low, 1.0 / z if n == 0 else 1.0 / (z * z), 0.0)
        z = np.where(low, z + 1.0, z)
    z2 = 1.0 / (z * z)
    if n == 0:
        series = (np.log(z) - 0.5 / z - z2 * (1 / 12 - z2 * (1 / 120 - z2 * (
            1 / 252 - z2 * (1 / 240 - z2 / 132)))))
        out = series - acc
        with np.errstate(all="ignore"):
            out = np.where(reflect, out - np.pi / np.tan(np.pi * x64), out)
            out = np.where((x64 <= 0) & (x64 == np.floor(x64)), np.nan, out)
    else:
        series = 1 / z + z2 / 2 + z2 / z * (1 / 6 - z2 * (1 / 30 - z2 * (1 / 42 - z2 / 30)))
        out = series + acc
        with np.errstate(all="ignore"):
            out = np.where(reflect, (np.pi / np.sin(np.pi * x64)) ** 2 - out, out)
            out = np.where((x64 <= 0) & (x64 == np.floor(x64)), np.inf, out)
    return out.astype(np.asarray(x).dtype, copy=False)


class Lgamma(Function):
    def forward(self, x):
        return _on_host(_lgamma, x)

    def backward(self, gy):
        return gy * digamma(self.inputs[0])


class Polygamma(Function):
    """digamma (n=0) and trigamma (n=1), host NumPy; the gradient of trigamma is not built
    (its derivative needs n=2)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def forward(self, x):
        return _on_host(lambda a: _polygamma_host(self.n, a), x)

    def backward(self, gy):
        if self.n >= 1:
            raise NotImplementedError("polygamma: the gradient of polygamma(n >= 1) is not "
                                      "implemented")
        return gy * Polygamma(1)(self.inputs[0])


class Sinc(Function):
    def forward(self, x):
        return np.sinc(x)

    def backward(self, gy):
        x = self.inputs[0]
        px = x * math.pi
        safe = where(x == 0, 1.0, x)
        return gy * where(x == 0, 0.0, (cos(px) - sinc(x)) / safe)


class NanToNum(Function):
    """nan, +inf and -inf replaced by numbers; the gradient passes where x was finite."""

    def __init__(self, nan: float, posinf: Any, neginf: Any) -> None:
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, x):
        xp = get_array_module(x)
        return xp.nan_to_num(x, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, gy):
        return where(isfinite(self.inputs[0]), gy, 0.0)


def tan(input: Any) -> Tensor:  # noqa: A002
    """Tangent.

    >>> import scratchgrad as sg
    >>> sg.tan(sg.tensor([0.0]))
    tensor([0.])
    """
    return Tan()(to_float_tensor(input))


def asin(input: Any) -> Tensor:  # noqa: A002
    """Inverse sine, in [-pi/2, pi/2] (nan outside [-1, 1]).

    >>> import scratchgrad as sg
    >>> sg.asin(sg.tensor([0.0]))
    tensor([0.])
    """
    return Asin()(to_float_tensor(input))


def acos(input: Any) -> Tensor:  # noqa: A002
    """Inverse cosine, in [0, pi].

    >>> import scratchgrad as sg
    >>> sg.acos(sg.tensor([1.0]))
    tensor([0.])
    """
    return Acos()(to_float_tensor(input))


def atan(input: Any) -> Tensor:  # noqa: A002
    """Inverse tangent.

    >>> import scratchgrad as sg
    >>> sg.atan(sg.tensor([0.0]))
    tensor([0.])
    """
    return Atan()(to_float_tensor(input))


def sinh(input: Any) -> Tensor:  # noqa: A002
    """Hyperbolic sine.

    >>> import scratchgrad as sg
    >>> sg.sinh(sg.tensor([0.0]))
    tensor([0.])
    """
    return Sinh()(to_float_tensor(input))


def cosh(input: Any) -> Tensor:  # noqa: A002
    """Hyperbolic cosine.

    >>> import scratchgrad as sg
    >>> sg.cosh(sg.tensor([0.0]))
    tensor([1.])
    """
    return Cosh()(to_float_tensor(input))


def asinh(input: Any) -> Tensor:  # noqa: A002
    """Inverse hyperbolic sine.

    >>> import scratchgrad as sg
    >>> sg.asinh(sg.tensor([0.0]))
    tensor([0.])
    """
    return Asinh()(to_float_tensor(input))


def acosh(input: Any) -> Tensor:  # noqa: A002
    """Inverse hyperbolic cosine (nan below 1).

    >>> import scratchgrad as sg
    >>> sg.acosh(sg.tensor([1.0]))
    tensor([0.])
    """
    return Acosh()(to_float_tensor(input))


def atanh(input: Any) -> Tensor:  # noqa: A002
    """Inverse hyperbolic tangent (inf at +-1, nan beyond).

    >>> import scratchgrad as sg
    >>> sg.atanh(sg.tensor([0.0]))
    tensor([0.])
    """
    return Atanh()(to_float_tensor(input))


def exp2(input: Any) -> Tensor:  # noqa: A002
    """2 ** x.

    >>> import scratchgrad as sg
    >>> sg.exp2(sg.tensor([3.0]))
    tensor([8.])
    """
    return Exp2()(to_float_tensor(input))


def erfc(input: Any) -> Tensor:  # noqa: A002
    """The complementary error function 1 - erf(x).

    >>> import scratchgrad as sg
    >>> sg.erfc(sg.tensor([0.0]))
    tensor([1.])
    """
    return Erfc()(to_float_tensor(input))


def erfinv(input: Any) -> Tensor:  # noqa: A002
    """The inverse of erf on (-1, 1) (+-inf at +-1, nan outside).

    >>> import scratchgrad as sg
    >>> sg.erfinv(sg.tensor([0.0]))
    tensor([0.])
    """
    return Erfinv()(to_float_tensor(input))


def lgamma(input: Any) -> Tensor:  # noqa: A002
    """log |Gamma(x)|.

    >>> import scratchgrad as sg
    >>> sg.lgamma(sg.tensor([1.0, 3.0]))
    tensor([0.0000, 0.6931])
    """
    return Lgamma()(to_float_tensor(input))


def digamma(input: Any) -> Tensor:  # noqa: A002
    """The logarithmic derivative of Gamma, d/dx lgamma(x) (nan at 0, -1, -2, ...).

    >>> import scratchgrad as sg
    >>> print(f"{sg.digamma(sg.tensor(1.0)).item():.4f}")
    -0.5772
    """
    return Polygamma(0)(to_float_tensor(input))


def polygamma(n: int, input: Any) -> Tensor:  # noqa: A002
    """The n-th derivative of digamma, for n = 0 (digamma) and n = 1 (trigamma).

    >>> import scratchgrad as sg
    >>> print(f"{sg.polygamma(1, sg.tensor(1.0)).item():.4f}")
    1.6449
    """
    if n not in (0, 1):
        raise NotImplementedError(f"polygamma: n = {n} is not implemented (n = 0 or 1)")
    return Polygamma(n)(to_float_tensor(input))


def sinc(input: Any) -> Tensor:  # noqa: A002
    """The normalised sinc, sin(pi x) / (pi x), 1 at 0.

    >>> import scratchgrad as sg
    >>> sg.sinc(sg.tensor([0.0, 0.5]))
    tensor([1.0000, 0.6366])
    """
    return Sinc()(to_float_tensor(input))


def nan_to_num(input: Any, nan: float = 0.0, posinf: float | None = None,  # noqa: A002
               neginf: float | None = None) -> Tensor:
    """nan, inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (the dtype's largest
    and lowest finite values by default).

    >>> import scratchgrad as sg
    >>> sg.nan_to_num(sg.tensor([float("nan"), 1.0]))
    tensor([0., 1.])
    """
    x = to_tensor(input)
    if x._data.dtype.kind != "f":
        from .shape import clone

        return clone(x)
    return NanToNum(nan, posinf, neginf)(x)


def logit(input: Any, eps: float | None = None) -> Tensor:  # noqa: A002
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when ``eps`` is given.

    >>> import scratchgrad as sg
    >>> sg.logit(sg.tensor([0.5]))
    tensor([0.])
    """
    x = to_float_tensor(input)
    if eps is not None:
        x = clamp(x, eps, 1 - eps)
    return log(x) - log1p(-x)


def deg2rad(input: Any) -> Tensor:  # noqa: A002
    """Degrees to radians.

    >>> import scratchgrad as sg
    >>> sg.deg2rad(sg.tensor([180.0]))
    tensor([3.1416])
    """
    return to_float_tensor(input) * (math.pi / 180)


def rad2deg(input: Any) -> Tensor:  # noqa: A002
    """Radians to degrees.

    >>> import scratchgrad as sg
    >>> sg.rad2deg(sg.tensor([3.141592653589793]))
    tensor([180.])
    """
    return to_float_tensor(input) * (180 / math.pi)


def _unary_test(fn: Any, input: Any) -> Tensor:  # noqa: A002
    from ._operands import array_op

    return array_op(fn, to_tensor(input))


def signbit(input: Any) -> Tensor:  # noqa: A002
    """True where the sign bit is set (negative numbers and -0.0).

    >>> import scratchgrad as sg
    >>> sg.signbit(sg.tensor([-1.0, -0.0, 2.0]))
    tensor([ True,  True, False])
    """
    return _unary_test(np.signbit, input)


def isposinf(input: Any) -> Tensor:  # noqa: A002
    """True where an element is +inf.

    >>> import scratchgrad as sg
    >>> sg.isposinf(sg.tensor([float("inf"), 1.0]))
    tensor([ True, False])
    """
    return _unary_test(np.isposinf, input)


def isneginf(input: Any) -> Tensor:  # noqa: A002
    """True where an element is -inf.

    >>> import scratchgrad as sg
    >>> sg.isneginf(sg.tensor([-float("inf"), 1.0]))
    tensor([ True, False])
    """
    return _unary_test(np.isneginf, input)


def isreal(input: Any) -> Tensor:  # noqa: A002
    """True everywhere: scratchgrad's tensors are real.

    >>> import scratchgrad as sg
    >>> sg.isreal(sg.tensor([1.0]))
    tensor([ True])
    """
    return _unary_test(lambda a: get_array_module(a).ones(a.shape, dtype=bool), input)


# ---------------------------------------------------------------------- binary compositions
def _float_pair(input: Any, other: Any) -> tuple[Tensor, Tensor]:
    a, b = binary_operands(input, other)
    if a._data.dtype.kind != "f":
        a, b = to_float_tensor(a), to_float_tensor(b)
    return a, b


def hypot(input: Any, other: Any) -> Tensor:  # noqa: A002
    """sqrt(input**2 + other**2), elementwise with broadcasting.

    >>> import scratchgrad as sg
    >>> sg.hypot(sg.tensor([3.0]), sg.tensor([4.0]))
    tensor([5.])
    """
    a, b = _float_pair(input, other)
    return sqrt(a * a + b * b)


def _finite_max(a: Any, b: Any) -> Any:
    xp = get_array_module(a)
    m = xp.maximum(a, b)
    return xp.where(xp.isfinite(m), m, 0).astype(m.dtype, copy=False)


def logaddexp(input: Any, other: Any) -> Tensor:  # noqa: A002
    """log(exp(input) + exp(other)) without overflow: the larger value is taken out first (a
    constant shift, so the gradient is exact).

    >>> import scratchgrad as sg
    >>> sg.logaddexp(sg.tensor([0.0]), sg.tensor([0.0]))
    tensor([0.6931])
    """
    a, b = _float_pair(input, other)
    from ._operands import array_op

    m = array_op(_finite_max, a, b)  # an op of its own: a compiled replay recomputes it
    return m + log(exp(a - m) + exp(b - m))


def logaddexp2(input: Any, other: Any) -> Tensor:  # noqa: A002
    """log2(2**input + 2**other).

    >>> import scratchgrad as sg
    >>> sg.logaddexp2(sg.tensor([1.0]), sg.tensor([1.0]))
    tensor([2.])
    """
    a, b = _float_pair(input, other)
    ln2 = math.log(2.0)
    return logaddexp(a * ln2, b * ln2) * (1 / ln2)


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input * log(other), 0 where input is 0 (and other is not nan).

    >>> import scratchgrad as sg
    >>> sg.xlogy(sg.tensor([0.0, 2.0]), sg.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    a, b = _float_pair(input, other)
    # log(b) only where a == 0 makes it 0 * -inf or 0 * nan: log(1) there instead. Elsewhere
    # at a == 0 the product is 0 with the gradient log(b) in a, as PyTorch's.
    safe = where((a == 0) & ((b <= 0) | isinf(b)), 1.0, b)
    return a * log(safe)


def copysign(input: Any, other: Any) -> Tensor:  # noqa: A002
    """|input| with the sign of ``other`` (its sign bit, so -0.0 counts as negative).

    >>> import scratchgrad as sg
    >>> sg.copysign(sg.tensor([2.0, 3.0]), sg.tensor([-1.0, 1.0]))
    tensor([-2.,  3.])
    """
    a, b = _float_pair(input, other)
    from ._operands import array_op

    sign_b = array_op(lambda v: get_array_module(v).where(
        get_array_module(v).signbit(v), -1.0, 1.0).astype(v.dtype), b)
    return _abs(a) * sign_b


def fmax(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise maximum that ignores nan (nan only where both are nan).

    >>> import scratchgrad as sg
    >>> sg.fmax(sg.tensor([1.0, float("nan")]), sg.tensor([2.0, 0.0]))
    tensor([2., 0.])
    """
    a, b = binary_operands(input, other)
    return where((a >= b) | isnan(b), a, b)


def fmin(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise minimum that ignores nan.

    >>> import scratchgrad as sg
    >>> sg.fmin(sg.tensor([1.0, float("nan")]), sg.tensor([2.0, 0.0]))
    tensor([1., 0.])
    """
    a, b = binary_operands(input, other)
    return where((a <= b) | isnan(b), a, b)


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """input ** exponent computed in float64.

    >>> import scratchgrad as sg
    >>> sg.float_power(sg.tensor([2]), 3)
    tensor([8.], dtype=scratchgrad.float64)
    """
    from .shape import cast

    a = cast(to_tensor(input), np.float64)
    b = cast(exponent, np.float64) if isinstance(exponent, Tensor) else float(exponent)
    return a ** b


def ldexp(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input * 2 ** other.

    >>> import scratchgrad as sg
    >>> sg.ldexp(sg.tensor([1.0]), sg.tensor([3]))
    tensor([8.])
    """
    from ._operands import array_op

    a = to_float_tensor(input)
    b = to_tensor(other)
    return a * array_op(lambda e: get_array_module(e).exp2(e.astype(a._data.dtype)), b)


def heaviside(input: Any, values: Any) -> Tensor:  # noqa: A002
    """0 where input < 0, 1 where input > 0, ``values`` where input == 0 (no gradient).

    >>> import scratchgrad as sg
    >>> sg.heaviside(sg.tensor([-1.0, 0.0, 2.0]), sg.tensor(0.5))
    tensor([0.0000, 0.5000, 1.0000])
    """
    from ._operands import array_op

    a, b = binary_operands(input, values)
    return array_op(np.heaviside, a, b)


def nextafter(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The next floating-point value after ``input`` towards ``other``.

    >>> import scratchgrad as sg
    >>> bool((sg.nextafter(sg.tensor([1.0]), sg.tensor([2.0])) > 1).all())
    True
    """
    from ._operands import array_op

    a, b = binary_operands(input, other)
    return array_op(np.nextafter, a, b)


def frexp(input: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Mantissa in [0.5, 1) and int32 exponent with input = mantissa * 2 ** exponent.

    >>> import scratchgrad as sg
    >>> sg.frexp(sg.tensor([8.0]))
    (tensor([0.5000]), tensor([4], dtype=scratchgrad.int32))
    """
    from ._operands import array_op

    x = to_tensor(input)
    _float_only(x, "frexp")
    m = array_op(lambda a: np.frexp(a)[0], x)
    e = array_op(lambda a: np.frexp(a)[1].astype(np.int32), x)
    return m, e


# PyTorch's other spellings
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh
fix = trunc
sgn = sign


def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x where |x| > lambd, else 0.

    >>> import scratchgrad as sg
    >>> sg.hardshrink(sg.tensor([-1.0, 0.2, 0.7]))
    tensor([-1.0000,  0.0000,  0.7000])
    """
    x = to_tensor(input)
    return where((x > lambd) | (x < -lambd), x, 0.0)


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """x where x > 0, else ``weight * x``; ``weight`` has one slope, or one per channel
    (dimension 1 of the input).

    >>> import scratchgrad as sg
    >>> prelu(sg.tensor([[-2.0, 2.0]]), sg.tensor([0.25]))
    tensor([[-0.5000,  2.0000]])
    """
    x, w = to_float_tensor(input), to_tensor(weight)
    if x.ndim == 0:
        raise ValueError("prelu: zero-dim input tensors are not allowed")
    if w.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-D (num_parameters,), got shape "
                         f"{tuple(w.shape)}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.shape[0] != 1 and w.shape[0] != channels:
        raise ValueError(f"prelu: mismatch of parameter numbers and input channel size: found "
                         f"{w.shape[0]} parameters and {channels} channel(s) (input of shape "
                         f"{tuple(x.shape)})")
    if x.ndim >= 2:
        w = reshape(w, (w.shape[0],) + (1,) * (x.ndim - 2))
    return where(x > 0, x, w * x)


def mvlgamma(input: Any, p: int) -> Tensor:  # noqa: A002
    """The multivariate log-gamma of dimension ``p``: sum of lgamma(x - i/2), i < p, plus
    p(p-1)/4 log(pi).

    >>> import scratchgrad as sg
    >>> sg.mvlgamma(sg.tensor([2.0]), 1)
    tensor([0.])
    """
    x = to_float_tensor(input)
    if p < 1:
        raise ValueError(f"mvlgamma: p must be at least 1, got {p}")
    if (x._data <= (p - 1) / 2).any():
        raise ValueError(f"mvlgamma: all elements must be greater than (p-1)/2 = {(p - 1) / 2}")
    out = lgamma(x)
    for i in range(1, p):
        out = out + lgamma(x - i / 2)
    return out + p * (p - 1) / 4 * math.log(math.pi)
