"""Elementwise functions of one tensor: exp, log, trigonometry and the activations."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._config import is_grad_enabled
from ..backend import get_array_module
from ..function import Function, binary_operands
from ..tensor import Tensor
from .arithmetic import abs as _abs
from .arithmetic import where
from .shape import sum_to
from ._util import to_float_tensor, to_tensor


class Exp(Function):
    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        return gy * self.output()


class Log(Function):
    def forward(self, x):
        return np.log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Log1p(Function):
    def forward(self, x):
        return np.log1p(x)

    def backward(self, gy):
        return gy / (self.inputs[0] + 1)


class Sqrt(Function):
    def forward(self, x):
        return np.sqrt(x)

    def backward(self, gy):
        return gy / (2 * self.output())


class Sin(Function):
    def forward(self, x):
        return np.sin(x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])


class Cos(Function):
    def forward(self, x):
        return np.cos(x)

    def backward(self, gy):
        return -gy * sin(self.inputs[0])


class Tanh(Function):
    def forward(self, x):
        return np.tanh(x)

    def backward(self, gy):
        y = self.output()
        return gy * (1 - y * y)


class Sigmoid(Function):
    """Computed as 0.5 * (1 + tanh(x / 2)): one ufunc pass, no overflow for large |x|."""

    def forward(self, x):
        y = np.tanh(x * 0.5)
        y += 1
        y *= 0.5
        return y

    def backward(self, gy):
        y = self.output()
        return gy * y * (1 - y)


class ReLU(Function):
    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, gy):
        mask = self.inputs[0].data > 0
        if not is_grad_enabled():  # first order: one pass, no float copy of the mask
            return Tensor._make(np.multiply(gy.data, mask))
        return gy * Tensor._make(mask)


class LeakyReLU(Function):
    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, x):
        return np.where(x > 0, x, x * self.slope)

    def backward(self, gy):
        x = self.inputs[0].data
        return gy * Tensor._make(np.where(x > 0, 1, self.slope).astype(x.dtype))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf for arrays without SciPy: the Chebyshev fit of erfc from Numerical Recipes
    (fractional error below 1.2e-7 everywhere, i.e. float32 precision), evaluated in float64."""
    z = np.abs(x.astype(np.float64))
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (
        0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (
            1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    erfc = t * np.exp(poly)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0).astype(x.dtype)


class NormalCDF(Function):
    """Phi(x), the standard normal CDF, used by the exact GELU."""

    def forward(self, x):
        y = _erf(x * (1 / math.sqrt(2.0)))
        y += 1
        y *= 0.5
        return y

    def backward(self, gy):
        x = self.inputs[0]
        return gy * exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))


def exp(x: Any) -> Tensor:
    """Elementwise e**x.

    >>> import scratchgrad as sg
    >>> sg.exp(sg.tensor([0.0]))
    tensor([1.])
    """
    return Exp()(to_float_tensor(x))


def log(x: Any) -> Tensor:
    """Natural logarithm."""
    return Log()(to_float_tensor(x))


def log1p(x: Any) -> Tensor:
    """log(1 + x), accurate for small x."""
    return Log1p()(to_float_tensor(x))


def sqrt(x: Any) -> Tensor:
    """Square root."""
    return Sqrt()(to_float_tensor(x))


def sin(x: Any) -> Tensor:
    """Sine."""
    return Sin()(to_float_tensor(x))


def cos(x: Any) -> Tensor:
    """Cosine."""
    return Cos()(to_float_tensor(x))


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh()(to_float_tensor(x))


def sigmoid(x: Any) -> Tensor:
    """The logistic function 1 / (1 + e**-x), stable for large |x|.

    >>> import scratchgrad as sg
    >>> sg.sigmoid(sg.tensor([0.0]))
    tensor([0.5000])
    """
    return Sigmoid()(to_float_tensor(x))


def relu(x: Any) -> Tensor:
    """max(x, 0); the gradient at 0 is 0 (as in PyTorch)."""
    return ReLU()(to_tensor(x))


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    return LeakyReLU(negative_slope)(to_float_tensor(x))


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x * Phi(x); ``approximate="tanh"`` gives the tanh form.

    >>> import scratchgrad as sg
    >>> round(sg.gelu(sg.tensor(1.0)).item(), 4)
    0.8413
    """
    x = to_float_tensor(x)
    if approximate == "tanh":
        inner = (x + 0.044715 * x ** 3) * math.sqrt(2 / math.pi)
        return 0.5 * x * (1 + tanh(inner))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return x * NormalCDF()(x)


def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e**(beta x)) / beta, linear where beta * x > threshold (as in PyTorch)."""
    x = to_float_tensor(x)
    bx = x * beta if beta != 1 else x
    soft = relu(bx) + log1p(exp(-_abs(bx)))  # max(bx, 0) + log1p(exp(-|bx|)) never overflows
    if beta != 1:
        soft = soft / beta
    return where(bx > threshold, x, soft)


class Maximum(Function):
    """Elementwise maximum; on ties the gradient is split in half (as in PyTorch)."""

    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, gy):
        a, b = self.inputs
        m = (a.data > b.data) + 0.5 * (a.data == b.data)
        ma = Tensor._make(m.astype(gy.data.dtype))
        return sum_to(gy * ma, a.data.shape), sum_to(gy * (1 - ma), b.data.shape)


class Minimum(Function):
    """Elementwise minimum; on ties the gradient is split in half (as in PyTorch)."""

    def forward(self, a, b):
        return np.minimum(a, b)

    def backward(self, gy):
        a, b = self.inputs
        m = (a.data < b.data) + 0.5 * (a.data == b.data)
        ma = Tensor._make(m.astype(gy.data.dtype))
        return sum_to(gy * ma, a.data.shape), sum_to(gy * (1 - ma), b.data.shape)


class Clamp(Function):
    """Clamp to constant bounds; the gradient passes where min <= x <= max (as in PyTorch)."""

    def __init__(self, lo: Any, hi: Any) -> None:
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return np.clip(x, self.lo, self.hi)

    def backward(self, gy):
        x = self.inputs[0].data
        mask = get_array_module(x).ones(x.shape, dtype=bool)
        if self.lo is not None:
            mask &= x >= self.lo
        if self.hi is not None:
            mask &= x <= self.hi
        return gy * Tensor._make(mask)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise maximum of two tensors (broadcasting)."""
    a, b = binary_operands(a, b)
    return Maximum()(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise minimum of two tensors (broadcasting)."""
    a, b = binary_operands(a, b)
    return Minimum()(a, b)


def clamp(x: Any, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit values to [min, max]; either bound may be None, a number or a tensor.

    >>> import scratchgrad as sg
    >>> sg.clamp(sg.tensor([-2.0, 0.5, 3.0]), -1, 1)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    x = to_tensor(x)
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
