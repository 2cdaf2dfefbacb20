"""Arithmetic: + - * / ** and their friends, comparisons and logic (no gradient)."""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .._promotion import scalar_power_dtype, true_divide_dtype
from ..backend import get_array_module
from ..function import Function
from ._operands import array_op, binary_operands
from ..tensor import Tensor
from .shape import cast, sum_to
from ._util import broadcast_error, quiet, to_tensor


class Add(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def forward(self, a, b):
        return quiet.run(np.add, a, b)

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy, a._data.shape), sum_to(gy, b._data.shape)


class Sub(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def forward(self, a, b):
        return quiet.run(np.subtract, a, b)

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy, a._data.shape), sum_to(-gy, b._data.shape)


class Mul(Function):
    def forward(self, a, b):
        return quiet.run(np.multiply, a, b)

    def backward(self, gy):
        a, b = self.inputs
        return sum_to(gy * b, a._data.shape), sum_to(gy * a, b._data.shape)


class Div(Function):
    def forward(self, a, b):
        return quiet.run(np.divide, a, b)

    def backward(self, gy):
        a, b = self.inputs
        ga = gy / b
        return sum_to(ga, a._data.shape), sum_to(-ga * a / b, b._data.shape)


class Neg(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class PowScalar(Function):
    """``x ** c`` for a constant Python number ``c``. ``x ** -0.5`` is ``1 / sqrt(x)``, as in
    PyTorch (C's pow gives +inf at -0.0 and 0 at -inf, where that gives -inf and nan), so that
    the gradient of ``x ** 0.5`` matches sqrt's there."""

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x):
        if self.c == -0.5:
            return quiet.run(_rsqrt, x)
        return quiet.run(operator.pow, x, self.c)  # ndarray's ** keeps NumPy's sqrt/square paths

    def backward(self, gy):
        (x,) = self.inputs
        c = self.c
        if c == 0:  # c * x ** -1 would be 0 * inf = nan at x == 0; PyTorch gives 0
            return gy * 0
        if c == 2:
            return gy * (2 * x)
        return gy * (c * x ** (c - 1))


class Pow(Function):
    """``a ** b`` for two tensors. d/da is 0 where b == 0 (even at a == 0, where the formula
    gives 0 * inf); d/db uses log(a), taken as 0 where a == 0 (both as in PyTorch)."""

    def forward(self, a, b):
        return quiet.run(np.power, a, b)

    def backward(self, gy):
        a, b = self.inputs
        at_zero = b == 0  # the inner where keeps 0 ** -1 (a warning, then 0 * inf) out
        ga = where(at_zero, 0.0, gy * b * a ** where(at_zero, 1.0, b - 1))
        gb = None
        if b.requires_grad:
            safe = where(a == 0, 1, a)
            gb = sum_to(gy * self.output() * safe.log(), b._data.shape)
        return sum_to(ga, a._data.shape), gb


class Abs(Function):
    """|x|; the gradient is sign(x): 0 at 0, and 0 at nan as in PyTorch (NumPy's sign gives
    nan there)."""

    def forward(self, x):
        return np.abs(x)

    def backward(self, gy):
        x = self.inputs[0]._data
        return gy * Tensor._make((x > 0).astype(gy._data.dtype) - (x < 0))


class Remainder(Function):
    """Python's ``%`` (the sign follows the divisor, as in PyTorch and NumPy)."""

    def forward(self, a, b):
        return quiet.run(np.remainder, a, b)

    def backward(self, gy):
        a, b = self.inputs
        q = Tensor._make(quiet.run(np.floor_divide, a._data, b._data))
        return sum_to(gy, a._data.shape), sum_to(-gy * q, b._data.shape)


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """Elementwise ``input + alpha * other`` with broadcasting.

    >>> import scratchgrad as sg
    >>> sg.add(sg.tensor([1.0, 2.0]), 1)
    tensor([2., 3.])
    >>> sg.add(sg.tensor([1.0, 2.0]), sg.tensor([1.0, 1.0]), alpha=2)
    tensor([3., 4.])
    """
    if alpha != 1:  # checked inline: add and sub are the hottest ops
        other = _scaled(input, other, alpha, "add")
    a, b = binary_operands(input, other)
    try:
        return Add()(a, b)
    except ValueError as e:  # checked only on failure: the happy path stays one call
        raise broadcast_error("add (+)", a, b) or e from None


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """Elementwise ``input - alpha * other`` with broadcasting."""
    if alpha != 1:  # checked inline: add and sub are the hottest ops
        other = _scaled(input, other, alpha, "sub")
    a, b = binary_operands(input, other)
    try:
        return Sub()(a, b)
    except ValueError as e:  # checked only on failure: the happy path stays one call
        raise broadcast_error("sub (-)", a, b) or e from None


def _scaled(input: Any, other: Any, alpha: Any, op: str) -> Any:
    """``alpha * other`` for add and sub; integer and bool tensors refuse a float alpha."""
    if isinstance(alpha, bool):
        return other
    kinds = [(t._data if isinstance(t, Tensor) else np.asarray(t)).dtype.kind
             for t in (input, other)]
    if isinstance(alpha, float) and all(k in "iub" for k in kinds):
        raise RuntimeError(f"{op}: for integral input tensors, argument alpha must not be a "
                           "floating point number")
    return mul(other, alpha)


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``input * other`` with broadcasting."""
    a, b = binary_operands(input, other)
    try:
        return Mul()(a, b)
    except ValueError as e:  # checked only on failure: the happy path stays one call
        raise broadcast_error("mul (*)", a, b) or e from None


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """True division ``input / other``; integer inputs give float32 (as in PyTorch).
    ``rounding_mode="floor"`` is :func:`floor_divide`, ``"trunc"`` rounds toward zero; both
    keep integer dtypes and have no gradient.

    >>> import scratchgrad as sg
    >>> sg.div(sg.tensor([5, -5]), 2, rounding_mode="trunc")
    tensor([ 2, -2])
    """
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        return array_op(_trunc_divide, *binary_operands(input, other))
    if rounding_mode is not None:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{rounding_mode}'")
    a, b = binary_operands(input, other)
    if a._data.dtype.kind != "f":  # casts as ops: a compiled replay casts that call's values
        dt = true_divide_dtype(a._data.dtype)
        a, b = cast(a, dt), cast(b, dt)
    try:
        return Div()(a, b)
    except ValueError as e:  # checked only on failure: the happy path stays one call
        raise broadcast_error("div (/)", a, b) or e from None


def neg(input: Any) -> Tensor:  # noqa: A002
    """``-input``."""
    return Neg()(to_tensor(input))


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001,A002  (PyTorch's names)
    """``a ** b``; ``b`` may be a Python number or a tensor.

    >>> import scratchgrad as sg
    >>> sg.pow(sg.tensor([2.0, 3.0]), 2)
    tensor([4., 9.])
    """
    a, b = input, exponent
    if isinstance(b, (int, float)) and not isinstance(b, bool) and isinstance(a, Tensor):
        if a._data.dtype.kind != "f":  # floats keep their dtype (checked without a call)
            dt = scalar_power_dtype(a._data.dtype, b)
            if dt != a._data.dtype:
                a = cast(a, dt)  # an op: a compiled replay casts that call's values
        return PowScalar(b)(a)
    a, b = binary_operands(a, b)
    try:
        return Pow()(a, b)
    except ValueError as e:  # checked only on failure: the happy path stays one call
        raise broadcast_error("pow (**)", a, b) or e from None


def abs(input: Any) -> Tensor:  # noqa: A001,A002
    """Elementwise absolute value; its gradient at 0 is 0."""
    return Abs()(to_tensor(input))


def remainder(a: Any, b: Any) -> Tensor:
    """Elementwise ``a % b``."""
    a, b = binary_operands(a, b)
    try:
        return Remainder()(a, b)
    except ValueError as e:  # checked only on failure: the happy path stays one call
        raise broadcast_error("remainder (%)", a, b) or e from None


def floor_divide(a: Any, b: Any) -> Tensor:
    """Elementwise ``a // b`` (no gradient: it is piecewise constant)."""
    a, b = binary_operands(a, b)
    return array_op(_floor_divide, a, b)


def _floor_divide(a: Any, b: Any) -> Any:
    """Floor division of arrays; x // 0 is inf or nan silently (integers: 0), as in PyTorch."""
    return quiet.run(np.floor_divide, a, b)


def _trunc_divide(a: Any, b: Any) -> Any:
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":
        q = a // b
        return q + ((q < 0) & (q * b != a))  # floor to trunc: up by one where inexact and < 0
    return np.trunc(quiet.run(np.true_divide, a, b))


def _rsqrt(x: Any) -> Any:
    return 1 / np.sqrt(x)


def square(x: Any) -> Tensor:
    """``x * x``."""
    return PowScalar(2)(to_tensor(x))


def _compare(ufunc: Any, a: Any, b: Any) -> Tensor:
    a, b = binary_operands(a, b)
    try:
        return array_op(ufunc, a, b)
    except ValueError as e:
        raise ValueError(f"{ufunc.__name__}: can't compare tensors of shapes {a.shape} and "
                         f"{b.shape}: {e}") from None


def eq(a: Any, b: Any) -> Tensor:
    """Elementwise ``a == b`` as a bool tensor."""
    return _compare(np.equal, a, b)


def ne(a: Any, b: Any) -> Tensor:
    """Elementwise ``a != b``."""
    return _compare(np.not_equal, a, b)


def lt(a: Any, b: Any) -> Tensor:
    """Elementwise ``a < b``."""
    return _compare(np.less, a, b)


def le(a: Any, b: Any) -> Tensor:
    """Elementwise ``a <= b``."""
    return _compare(np.less_equal, a, b)


def gt(a: Any, b: Any) -> Tensor:
    """Elementwise ``a > b``."""
    return _compare(np.greater, a, b)


def ge(a: Any, b: Any) -> Tensor:
    """Elementwise ``a >= b``."""
    return _compare(np.greater_equal, a, b)


def _bitwise(name: str, ufunc: Any, a: Any, b: Any) -> Tensor:
    kinds = [getattr(getattr(t, "_data", t), "dtype", np.dtype(type(t))) for t in (a, b)]
    if any(k.kind == "f" for k in kinds):
        raise TypeError(f"{name}: expected bool or integer tensors, got {kinds[0]} and "
                        f"{kinds[1]}")
    return _compare(ufunc, a, b)


def logical_and(a: Any, b: Any) -> Tensor:
    """Elementwise logical and (``&`` on bool tensors)."""
    if _is_bool(a, b):
        return _compare(np.logical_and, a, b)
    return _bitwise("logical_and (&)", np.bitwise_and, a, b)


def logical_or(a: Any, b: Any) -> Tensor:
    """Elementwise logical or (``|`` on bool tensors)."""
    if _is_bool(a, b):
        return _compare(np.logical_or, a, b)
    return _bitwise("logical_or (|)", np.bitwise_or, a, b)


def logical_xor(a: Any, b: Any) -> Tensor:
    """Elementwise exclusive or (``^`` on bool tensors)."""
    if _is_bool(a, b):
        return _compare(np.logical_xor, a, b)
    return _bitwise("logical_xor (^)", np.bitwise_xor, a, b)


def logical_not(x: Any) -> Tensor:
    """Elementwise not (``~`` on a bool tensor)."""
    x = to_tensor(x)
    if x._data.dtype.kind == "f":
        raise TypeError(f"logical_not (~): expected a bool or integer tensor, got {x.dtype}")
    return array_op(np.invert, x)


def _is_bool(a: Any, b: Any) -> bool:
    return all(getattr(getattr(t, "_data", t), "dtype", np.dtype(bool)).kind == "b"
               for t in (a, b))


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002
    """Pick ``input`` where ``condition`` holds, else ``other`` (all three broadcast).

    >>> import scratchgrad as sg
    >>> x = sg.tensor([-1.0, 2.0])
    >>> sg.where(x > 0, x, 0.0)
    tensor([0., 2.])
    """
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor, got dtype {cond.dtype}")
    a, b = binary_operands(input, other)
    try:
        return Where(cond)(a, b)
    except ValueError:  # checked only on failure: the happy path stays one call
        raise ValueError(f"where: the condition of shape {cond.shape} and the values of shapes "
                         f"{a.shape} and {b.shape} do not broadcast together") from None


class Where(Function):
    """``where(cond, a, b)``; the boolean condition is a constant attribute."""

    def __init__(self, cond: Any) -> None:
        self.cond = cond

    def forward(self, a, b):
        return np.where(self.cond, a, b)

    def backward(self, gy):
        a, b = self.inputs
        zero = Tensor._make(get_array_module(gy._data).zeros((), dtype=gy._data.dtype))
        c = Tensor._make(self.cond)
        return (sum_to(where(c, gy, zero), a._data.shape),
                sum_to(where(c, zero, gy), b._data.shape))


# ---------------------------------------------------------------------- C-style remainder
class Fmod(Function):
    """C's ``fmod``: the remainder of truncated division, with the sign of the dividend.
    The gradient is PyTorch's: 1 for ``a``, -trunc(a / b) for ``b``."""

    def forward(self, a, b):
        return quiet.run(np.fmod, a, b)

    def backward(self, gy):
        a, b = self.inputs
        q = Tensor._make(np.trunc(quiet.run(np.divide, a._data, b._data))
                         if a._data.dtype.kind == "f"
                         else np.zeros_like(a._data))
        return sum_to(gy, a._data.shape), sum_to(-gy * q, b._data.shape)


def fmod(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise remainder of ``input / other`` rounded toward zero: the result has the sign
    of ``input`` (``remainder`` takes the divisor's).

    >>> import scratchgrad as sg
    >>> sg.fmod(sg.tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.])
    """
    a, b = binary_operands(input, other)
    if a._data.dtype.kind in "iu" and not (b._data != 0).all():
        raise ZeroDivisionError(f"fmod: integer division by zero (divisor of shape {b.shape})")
    return Fmod()(a, b)


def true_divide(dividend: Any, divisor: Any) -> Tensor:
    """``dividend / divisor`` (PyTorch's alias of :func:`div`); integers give float32.

    >>> import scratchgrad as sg
    >>> sg.true_divide(sg.tensor([1, 2]), 2)
    tensor([0.5000, 1.0000])
    """
    return div(dividend, divisor)


# ---------------------------------------------------------------------- integer and bit ops
# On integer and bool tensors only, never differentiable.
def _integer_op(name: str, ufunc: Any, *xs: Any, bools: bool = True) -> Tensor:
    ts = binary_operands(*xs) if len(xs) == 2 else (to_tensor(xs[0]),)
    for t in ts:
        kind = t._data.dtype.kind
        if kind == "f" or (kind == "b" and not bools):
            raise TypeError(f"{name}: expected {'bool or ' if bools else ''}integer tensors, "
                            f"got {t.dtype}")
    return array_op(ufunc, *ts)


def bitwise_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise and of integer or bool tensors.

    >>> import scratchgrad as sg
    >>> sg.bitwise_and(sg.tensor([12]), sg.tensor([10]))
    tensor([8])
    """
    return _integer_op("bitwise_and", np.bitwise_and, input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise or.

    >>> import scratchgrad as sg
    >>> sg.bitwise_or(sg.tensor([12]), sg.tensor([10]))
    tensor([14])
    """
    return _integer_op("bitwise_or", np.bitwise_or, input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Bitwise exclusive or.

    >>> import scratchgrad as sg
    >>> sg.bitwise_xor(sg.tensor([12]), sg.tensor([10]))
    tensor([6])
    """
    return _integer_op("bitwise_xor", np.bitwise_xor, input, other)


def bitwise_not(input: Any) -> Tensor:  # noqa: A002
    """Bitwise not (logical not for bools).

    >>> import scratchgrad as sg
    >>> sg.bitwise_not(sg.tensor([0]))
    tensor([-1])
    """
    return _integer_op("bitwise_not", np.invert, input)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input << other.

    >>> import scratchgrad as sg
    >>> sg.bitwise_left_shift(sg.tensor([1]), sg.tensor([3]))
    tensor([8])
    """
    return _integer_op("bitwise_left_shift", np.left_shift, input, other, bools=False)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input >> other (arithmetic shift for signed integers).

    >>> import scratchgrad as sg
    >>> sg.bitwise_right_shift(sg.tensor([8]), sg.tensor([2]))
    tensor([2])
    """
    return _integer_op("bitwise_right_shift", np.right_shift, input, other, bools=False)


def gcd(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Greatest common divisor of integer tensors.

    >>> import scratchgrad as sg
    >>> sg.gcd(sg.tensor([12, 7]), sg.tensor([18, 0]))
    tensor([6, 7])
    """
    return _integer_op("gcd", np.gcd, input, other, bools=False)


def lcm(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Least common multiple of integer tensors.

    >>> import scratchgrad as sg
    >>> sg.lcm(sg.tensor([4, 3]), sg.tensor([6, 0]))
    tensor([12,  0])
    """
    return _integer_op("lcm", np.lcm, input, other, bools=False)


def divide(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """``input / other``; ``rounding_mode="trunc"`` rounds the quotient towards zero, "floor"
    down (PyTorch's torch.div signature).

    >>> import scratchgrad as sg
    >>> sg.divide(sg.tensor([-7.0, 7.0]), 2, rounding_mode="trunc")
    tensor([-3.,  3.])
    """
    if rounding_mode is None:
        return div(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        from .elementwise import trunc

        q = div(input, other)
        a, b = binary_operands(input, other)
        if a._data.dtype.kind in "iu":  # integer division stays integer
            return cast(trunc(q), a._data.dtype)
        return trunc(q)
    raise ValueError(f"divide: rounding_mode must be None, 'trunc' or 'floor', got "
                     f"{rounding_mode!r}")


multiply = mul
subtract = sub
negative = neg
absolute = abs
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
