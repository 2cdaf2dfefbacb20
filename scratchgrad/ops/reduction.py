"""Reductions: sum, mean, var, std, max, min, logsumexp, softmax, log_softmax, argmax."""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import builtins

import numpy as np

from .._promotion import sum_dtype
from ..backend import get_array_module, put_along_axis
from ..function import Function
from ._operands import array_op
from ..tensor import Tensor
from .shape import broadcast_to, reshape
from ._util import normalize_dim, quiet, reduce_axes, to_float_tensor, to_tensor

values_indices = namedtuple("values_indices", ["values", "indices"])


def _keep_shape(shape: tuple, axes: tuple | None) -> tuple:
    """The shape of a reduction with keepdim=True."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand_back(gy: Tensor, x_shape: tuple, axes: tuple | None, keepdims: bool) -> Tensor:
    """Undo a reduction on the gradient: re-insert reduced dims, then broadcast."""
    if not keepdims:
        gy = reshape(gy, _keep_shape(x_shape, axes))
    return broadcast_to(gy, x_shape)


class Sum(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def __init__(self, axes: tuple | None, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return quiet.run(x.sum, axis=self.axes, keepdims=self.keepdims)  # inf + -inf: nan

    def backward(self, gy):
        return _expand_back(gy, self.inputs[0]._data.shape, self.axes, self.keepdims)


class Mean(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def __init__(self, axes: tuple | None, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        return quiet.run(x.mean, axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]._data
        n = x.size // builtins.max(self.output()._data.size, 1)
        return _expand_back(gy * (1.0 / n), x.shape, self.axes, self.keepdims)


class Max(Function):
    """max/min over ``axes``. ``spread=True`` splits the gradient evenly between tied maxima
    (PyTorch's ``amax`` and full ``max()``); otherwise it goes to the index that ``argmax``
    returns (PyTorch's ``max(dim)``). The mask is computed from input and output in backward."""

    def __init__(self, axes: tuple | None, keepdims: bool, spread: bool, is_min: bool) -> None:
        self.axes, self.keepdims, self.spread, self.is_min = axes, keepdims, spread, is_min

    def forward(self, x):
        f = x.min if self.is_min else x.max
        return f(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        x = self.inputs[0]._data
        y = self.output()._data
        if not self.keepdims:
            y = y.reshape(_keep_shape(x.shape, self.axes))
        if self.spread:
            mask = (x == y).astype(x.dtype)  # no tie where the maximum is nan: 0 / 0, nan
            mask = quiet.run(np.divide, mask, mask.sum(axis=self.axes, keepdims=True))
        else:
            (axis,) = self.axes
            idx = (x.argmin if self.is_min else x.argmax)(axis=axis, keepdims=True)
            mask = np.zeros_like(x)  # dispatches to CuPy for CuPy arrays
            put_along_axis(get_array_module(x), mask, idx, 1, axis=axis)
        return _expand_back(gy, x.shape, self.axes, self.keepdims) * Tensor._make(mask)


class LogSumExp(Function):
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))): one op, for stability."""

    def __init__(self, axes: tuple | None, keepdims: bool) -> None:
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        y = quiet.run(self._logsumexp, x)  # all -inf: log(0) = -inf; +inf: inf
        return y if self.keepdims else y.reshape(self.output_shape(x.shape))

    def _logsumexp(self, x):
        m = x.max(axis=self.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        s = np.exp(x - m).sum(axis=self.axes, keepdims=True)
        return np.log(s) + m

    def output_shape(self, shape: tuple) -> tuple:
        if self.axes is None:
            return ()
        return tuple(s for i, s in enumerate(shape) if i not in self.axes)

    def backward(self, gy):
        x = self.inputs[0]
        y = self.output()
        if not self.keepdims:
            keep = _keep_shape(x._data.shape, self.axes)
            gy, y = reshape(gy, keep), reshape(y, keep)
        from .elementwise import exp

        return gy * exp(x - y)


class Softmax(Function):
    """exp(x - max) / sum: one op, for stability. Backward uses only the output."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        return quiet.run(_softmax, x, self.axis)  # a row with +inf or all -inf: nan

    def backward(self, gy):
        y = self.output()
        gyy = gy * y
        return gyy - y * gyy.sum(dim=self.axis, keepdim=True)


class LogSoftmax(Function):
    """x - logsumexp(x): one op, for stability. Backward uses only the output."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        return quiet.run(_log_softmax, x, self.axis)  # a row with +inf or all -inf: nan

    def backward(self, gy):
        from .elementwise import exp

        y = self.output()
        return gy - exp(y) * gy.sum(dim=self.axis, keepdim=True)


def _softmax(x: Any, axis: int) -> Any:
    y = x - x.max(axis=axis, keepdims=True)
    np.exp(y, out=y)
    y /= y.sum(axis=axis, keepdims=True)
    return y


def _log_softmax(x: Any, axis: int) -> Any:
    y = x - x.max(axis=axis, keepdims=True)
    y -= np.log(np.exp(y).sum(axis=axis, keepdims=True))
    return y


def _require_float(x: Tensor, op: str) -> None:
    """mean, var, std and softmax need floats; PyTorch refuses integers rather than guess."""
    if x._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got {x.dtype}; use "
                        f"x.float().{op}(...)")


def sum(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A001
        keepdims: Any = None, dtype: Any = None) -> Tensor:
    """Sum over ``dim`` (all dimensions when None).

    >>> import scratchgrad as sg
    >>> sg.sum(sg.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=0)
    tensor([4., 6.])
    """
    x = to_tensor(input)
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind != "f":  # floats sum in their dtype (checked without a call)
        acc = sum_dtype(x._data.dtype)
        if acc != x._data.dtype:
            x = x.to(acc)  # bools and small integers sum in 64 bits
    axes, keep = reduce_axes(dim, axis, keepdim, keepdims, x.ndim, "sum")
    return Sum(axes, keep)(x)


def mean(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: Any = None, dtype: Any = None) -> Tensor:
    """Arithmetic mean over ``dim``."""
    x = to_tensor(input)
    if dtype is not None:
        x = x.to(dtype)
    _require_float(x, "mean")
    axes, keep = reduce_axes(dim, axis, keepdim, keepdims, x.ndim, "mean")
    return Mean(axes, keep)(x)


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def var(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None, axis: Any = None, keepdims: Any = None) -> Tensor:
    """Variance over ``dim``; by default with Bessel's correction (divide by n - 1).

    >>> import scratchgrad as sg
    >>> sg.var(sg.tensor([1.0, 2.0, 3.0]))
    tensor(1.)
    """
    x = to_tensor(input)
    _require_float(x, "var")
    axes, keep = reduce_axes(dim, axis, keepdim, keepdims, x.ndim, "var")
    n = x._data.size if axes is None else int(np.prod([x.shape[a] for a in axes]))
    d = x - Mean(axes, True)(x)
    ss = Sum(axes, keep)(d * d)
    denom = builtins.max(n - _correction(unbiased, correction), 0)
    return ss * (1.0 / denom) if denom else ss * float("nan")


def std(input: Any, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None, axis: Any = None, keepdims: Any = None) -> Tensor:
    """Standard deviation over ``dim`` (square root of :func:`var`). Its gradient where the
    deviation is 0 is 0, as in PyTorch: the root, whose derivative is infinite at 0, is taken
    of 1 there and the result masked back to 0 (inf times the zero gradient of var would give
    nan)."""
    from .arithmetic import where
    from .elementwise import sqrt

    _require_float(to_tensor(input), "std")
    v = var(input, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
    nonzero = v != 0  # nan stays nan
    return where(nonzero, sqrt(where(nonzero, v, 1.0)), 0.0)


def _max_min(x: Any, dim: Any, keepdim: bool, axis: Any, keepdims: Any, is_min: bool) -> Any:
    name = "min" if is_min else "max"
    if isinstance(dim, Tensor) or (dim is not None and not isinstance(dim, (int, np.integer))
                                   and not isinstance(dim, (tuple, list))):
        # torch.max(a, b): the elementwise form
        from .elementwise import maximum, minimum

        return minimum(x, dim) if is_min else maximum(x, dim)
    x = to_tensor(x)
    if x._data.size == 0:
        raise RuntimeError(f"{name}: can't reduce an empty tensor of shape {x.shape}")
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dim is None:
        return Max(None, False, True, is_min)(x)
    d = normalize_dim(dim, x.ndim, name)
    # a 0-d tensor reduces over no axis: the value is the input and its gradient passes through
    values = Max((d,), keepdim, False, is_min)(x) if x.ndim else Max((), keepdim, True, is_min)(x)
    if x.ndim:
        def arg(a: Any) -> Any:
            f = a.argmin if is_min else a.argmax
            return f(axis=d, keepdims=keepdim).astype(np.int64)
    else:
        def arg(a: Any) -> Any:
            return get_array_module(a).zeros((), np.int64)
    return values_indices(values, array_op(arg, x))


def max(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A001,A002
        keepdims: Any = None) -> Any:
    """The largest value; with ``dim``, a ``(values, indices)`` pair; with a tensor as second
    argument, the elementwise maximum (all three as in PyTorch).

    >>> import scratchgrad as sg
    >>> sg.max(sg.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=1).indices
    tensor([1, 0])
    """
    return _max_min(input, dim, keepdim, axis, keepdims, False)


def min(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A001,A002
        keepdims: Any = None) -> Any:
    """The smallest value; see :func:`max` for the forms."""
    return _max_min(input, dim, keepdim, axis, keepdims, True)


def amax(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: Any = None) -> Tensor:
    """Maximum over ``dim`` (ties share the gradient evenly).

    >>> import scratchgrad as sg
    >>> sg.amax(sg.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=0)
    tensor([3., 5.])
    """
    x = to_tensor(input)
    axes, keep = reduce_axes(dim, axis, keepdim, keepdims, x.ndim, "amax")
    return Max(axes, keep, True, False)(x)


def amin(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
         keepdims: Any = None) -> Tensor:
    """Minimum over ``dim`` (ties share the gradient evenly)."""
    x = to_tensor(input)
    axes, keep = reduce_axes(dim, axis, keepdim, keepdims, x.ndim, "amin")
    return Max(axes, keep, True, True)(x)


def _arg(x: Any, dim: Any, keepdim: bool, axis: Any, keepdims: Any, is_min: bool) -> Tensor:
    x = to_tensor(x)
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    d = None if dim is None else normalize_dim(dim, x.ndim, "argmin" if is_min else "argmax")
    ndim = x.ndim

    def arg(a: Any) -> Any:
        xp = get_array_module(a)
        f = a.argmin if is_min else a.argmax
        if d is None:
            out = xp.asarray(f())
            if keepdim:
                out = out.reshape((1,) * ndim)
        else:
            out = f(axis=d, keepdims=keepdim) if ndim else xp.zeros((), np.int64)
        return xp.asarray(out, dtype=np.int64)

    return array_op(arg, x)


def argmax(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
           keepdims: Any = None) -> Tensor:
    """Index of the largest value (over the flattened tensor when ``dim`` is None)."""
    return _arg(input, dim, keepdim, axis, keepdims, False)


def argmin(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
           keepdims: Any = None) -> Tensor:
    """Index of the smallest value."""
    return _arg(input, dim, keepdim, axis, keepdims, True)


def logsumexp(input: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,  # noqa: A002
              keepdims: Any = None) -> Tensor:
    """log(sum(exp(x))) over ``dim``, without overflow.

    >>> import scratchgrad as sg
    >>> sg.logsumexp(sg.tensor([1000.0, 1000.0]), dim=0)
    tensor(1000.6932)
    """
    x = to_float_tensor(input)
    axes, keep = reduce_axes(dim, axis, keepdim, keepdims, x.ndim, "logsumexp")
    return LogSumExp(axes, keep)(x)


def _softmax_axis(x: Tensor, dim: Any, axis: Any, op: str) -> int:
    if axis is not None:
        dim = axis
    if dim is None:
        raise TypeError(f"{op}: pass dim= (the dimension that sums to one)")
    return normalize_dim(dim, x.ndim, op) if x.ndim else 0


def softmax(x: Any, dim: Any = None, *, axis: Any = None, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, numerically stable.

    >>> import scratchgrad as sg
    >>> sg.softmax(sg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    x = to_tensor(x) if dtype is None else to_tensor(x).to(dtype)
    _require_float(x, "softmax")
    if x.ndim == 0:
        _softmax_axis(x.reshape(1), dim, axis, "softmax")
        return softmax(x.reshape(1), 0).reshape(())
    return Softmax(_softmax_axis(x, dim, axis, "softmax"))(x)


def log_softmax(x: Any, dim: Any = None, *, axis: Any = None, dtype: Any = None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed as x - logsumexp(x) (stable)."""
    x = to_tensor(x) if dtype is None else to_tensor(x).to(dtype)
    _require_float(x, "log_softmax")
    if x.ndim == 0:
        _softmax_axis(x.reshape(1), dim, axis, "log_softmax")
        return log_softmax(x.reshape(1), 0).reshape(())
    return LogSoftmax(_softmax_axis(x, dim, axis, "log_softmax"))(x)


def any(x: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where any element (along ``dim``) is nonzero."""
    x = to_tensor(x)
    axes, keep = reduce_axes(dim, None, keepdim, None, x.ndim, "any")
    return array_op(lambda a: get_array_module(a).asarray(a.any(axis=axes, keepdims=keep)), x)


def all(x: Any, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where all elements (along ``dim``) are nonzero."""
    x = to_tensor(x)
    axes, keep = reduce_axes(dim, None, keepdim, None, x.ndim, "all")
    return array_op(lambda a: get_array_module(a).asarray(a.all(axis=axes, keepdims=keep)), x)


# ---------------------------------------------------------------------- cumulative and products
def _flip(t: Tensor, axis: int) -> Tensor:
    """``t`` reversed along ``axis`` (a differentiable slice with step -1)."""
    from .shape import getitem

    return getitem(t, (slice(None),) * axis + (slice(None, None, -1),))


def _reverse_cumsum(t: Tensor, axis: int) -> Tensor:
    """out[i] = sum of t[k] for k >= i along ``axis``: the adjoint of cumsum."""
    return _flip(CumSum(axis)(_flip(t, axis)), axis)


class CumSum(Function):
    """Running sum along ``axis``; the gradient is the reversed running sum of ``gy``."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        return quiet.run(x.cumsum, axis=self.axis)  # inf + -inf: nan

    def backward(self, gy):
        return _reverse_cumsum(gy, self.axis)


class CumProd(Function):
    """Running product along ``axis``. Backward: sum_{k>=i} gy[k] y[k] / x[i] before the first
    zero of a slice; at that zero z, sum_{k>=z} gy[k] y'[k] where y' is the running product
    with x[z] taken as 1; zero after it. So the gradient is exact with zeros. Its own
    derivative (double backward) treats the zero pattern as fixed: exact where x has no
    zeros, incomplete at exact zeros."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x):
        return quiet.run(x.cumprod, axis=self.axis)  # inf * 0: nan

    def backward(self, gy):
        from .arithmetic import where

        x, y, axis = self.inputs[0], self.output(), self.axis
        zero = x._data == 0
        if not zero.any():
            return _reverse_cumsum(gy * y, axis) / x
        seen = zero.cumsum(axis=axis)
        before = Tensor._make(seen == 0)
        first = Tensor._make(zero & (seen == 1))
        y_skip = CumProd(axis)(where(first, 1.0, x))
        g_before = _reverse_cumsum(gy * y, axis) / where(before, x, 1.0)
        return where(before, g_before, where(first, _reverse_cumsum(gy * y_skip, axis), 0.0))


def _exclusive_cumprod(x: Tensor, axis: int, reverse: bool) -> Tensor:
    """Products of the elements strictly before (or, with ``reverse``, after) each position."""
    from .shape import cat, getitem

    if reverse:
        return _flip(_exclusive_cumprod(_flip(x, axis), axis, False), axis)
    shape = list(x.shape)
    shape[axis] = 1
    one = Tensor._make(get_array_module(x._data).ones(tuple(shape), dtype=x._data.dtype))
    head = getitem(CumProd(axis)(x), (slice(None),) * axis + (slice(None, -1),))
    return cat([one, head], dim=axis)


class Prod(Function):
    """Product over one axis or all. The gradient of x[i] is the product of the others:
    y / x where x has no zero, else (exclusive running product before i) * (after i), exact
    with zeros. Double backward differentiates that through cumprod's first derivative,
    which is exact with zeros, so it is exact at zeros too (a third derivative is not)."""

    def __init__(self, axis: int | None, keepdims: bool) -> None:
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        return quiet.run(x.prod, axis=self.axis, keepdims=self.keepdims)  # inf * 0: nan

    def backward(self, gy):
        x = self.inputs[0]
        axes = None if self.axis is None else (self.axis,)
        gy = _expand_back(gy, x._data.shape, axes, self.keepdims)
        if not (x._data == 0).any():
            y = _expand_back(self.output(), x._data.shape, axes, self.keepdims)
            return gy * y / x
        if self.axis is None:
            flat = reshape(x, (-1,))
            others = reshape(_exclusive_cumprod(flat, 0, False)
                             * _exclusive_cumprod(flat, 0, True), x._data.shape)
        else:
            others = (_exclusive_cumprod(x, self.axis, False)
                      * _exclusive_cumprod(x, self.axis, True))
        return gy * others


def _integer_to_int64(x: Tensor, dtype: Any) -> Tensor:
    """PyTorch's accumulation dtype: ``dtype`` when given, else int64 for bools and ints."""
    if dtype is not None:
        return x.to(dtype)
    if x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        return x.to(np.int64)
    return x


def _one_dim(dim: Any, op: str) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    return int(dim)


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Running sum along ``dim``; bools and integers give int64 unless ``dtype`` is given.

    >>> import scratchgrad as sg
    >>> sg.cumsum(sg.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
    tensor([[1., 3.],
            [3., 7.]])
    """
    from .shape import clone

    x = _integer_to_int64(to_tensor(input), dtype)
    d = normalize_dim(_one_dim(dim, "cumsum"), x.ndim, "cumsum")
    return CumSum(d)(x) if x.ndim else clone(x)


def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Running product along ``dim``; the gradient is exact with zeros in the input (see
    :class:`CumProd` for double backward).

    >>> import scratchgrad as sg
    >>> sg.cumprod(sg.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([1., 2., 6.])
    """
    from .shape import clone

    x = _integer_to_int64(to_tensor(input), dtype)
    d = normalize_dim(_one_dim(dim, "cumprod"), x.ndim, "cumprod")
    return CumProd(d)(x) if x.ndim else clone(x)


def prod(input: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """Product of all elements, or along one ``dim``. The gradient is exact with zeros in the
    input (the product of the other elements), and so is double backward.

    >>> import scratchgrad as sg
    >>> sg.prod(sg.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=0)
    tensor([3., 8.])
    """
    from .shape import clone

    x = _integer_to_int64(to_tensor(input), dtype)
    if dim is None:
        return Prod(None, False)(x)
    d = normalize_dim(_one_dim(dim, "prod"), x.ndim, "prod")
    return Prod(d, bool(keepdim))(x) if x.ndim else clone(x)


_INF = float("inf")


class Norm(Function):
    """The vector p-norm over ``axes`` (all when None). One Function instead of composing
    abs, pow and sum: forward is one pass per p, and backward can give PyTorch's gradient
    where the composition gives nan: 0 at a zero norm (and, for p other than 1, 2 and inf,
    0 at zero elements). p = inf and -inf split the gradient evenly between tied extremes."""

    def __init__(self, p: float, axes: tuple | None, keepdims: bool) -> None:
        self.p, self.axes, self.keepdims = p, axes, keepdims

    def forward(self, x):
        return quiet.run(self._norm, x)  # overflow of x * x or |x| ** p: inf, silently

    def _norm(self, x):
        p, axes, keep = self.p, self.axes, self.keepdims
        if p == 2:
            return np.sqrt((x * x).sum(axis=axes, keepdims=keep))
        a = np.abs(x)
        if p == 1:
            return a.sum(axis=axes, keepdims=keep)
        if p == _INF:
            return a.max(axis=axes, keepdims=keep)
        if p == -_INF:
            return a.min(axis=axes, keepdims=keep)
        if p == 0:
            return (x != 0).sum(axis=axes, keepdims=keep).astype(x.dtype)
        if p < 0:  # a zero element makes the sum infinite and the norm 0; no warning
            a = np.where(a == 0, _INF, np.where(a == 0, 1, a) ** p)
        else:
            a = a ** p
        return a.sum(axis=axes, keepdims=keep) ** (1.0 / p)

    def backward(self, gy):
        from .arithmetic import where

        x, p = self.inputs[0], self.p
        shape = x._data.shape
        gy = _expand_back(gy, shape, self.axes, self.keepdims)
        y = _expand_back(self.output(), shape, self.axes, self.keepdims)
        xp = get_array_module(x._data)
        if p == 0:
            return gy * 0
        if p == 2:  # 0 where the norm is 0, also where x * x underflowed (as in PyTorch)
            zero = Tensor._make(y._data == 0)
            return where(zero, 0.0, x * (gy / where(zero, 1.0, y)))
        sign = Tensor._make(xp.sign(x._data))
        if p == 1:
            return gy * sign
        if p in (_INF, -_INF):
            tied = np.abs(x._data) == y._data
            count = tied.sum(axis=self.axes, keepdims=True)
            return gy * Tensor._make((xp.sign(x._data) * tied / count).astype(x._data.dtype))
        from .arithmetic import abs as _abs

        keep = Tensor._make((x._data != 0) & (y._data != 0))
        ratio = where(keep, _abs(x), 1.0) / where(keep, y, 1.0)
        return where(keep, gy * sign * ratio ** (p - 1), 0.0)


def norm(input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False,  # noqa: A002
         out: Any = None, dtype: Any = None) -> Tensor:
    """The vector p-norm of all elements, or over ``dim`` (an int or a tuple of ints).

    ``p`` is ``"fro"`` (the 2-norm; with a tuple ``dim`` it must name two dimensions), a
    number (1, 2, 0 counts nonzeros, other positive or negative floats) or +-inf. The
    gradient at a zero norm is 0, as in PyTorch. ``"nuc"`` is not supported.

    >>> import scratchgrad as sg
    >>> sg.norm(sg.tensor([3.0, 4.0]))
    tensor(5.)
    >>> sg.norm(sg.tensor([[1.0, -2.0], [3.0, 0.0]]), p=1, dim=1)
    tensor([3., 3.])
    """
    if out is not None:
        raise TypeError("norm: out= is not supported; use the returned tensor")
    x = to_tensor(input)
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise TypeError(f"norm: expected a floating-point tensor, got {x.dtype}; use "
                        "x.float().norm(...)")
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("norm: p='nuc' (the nuclear norm) is not supported")
        if p != "fro":
            raise ValueError(f"norm: p must be 'fro', a number or inf, got {p!r}")
        if isinstance(dim, (tuple, list)) and len(dim) != 2:
            raise ValueError(f"norm: p='fro' with a tuple dim needs 2 dimensions, got "
                             f"dim={tuple(dim)}")
        p = 2.0
    elif isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"norm: p must be 'fro', a number or inf, got {p!r}")
    dims = (dim,) if isinstance(dim, (int, np.integer)) else dim
    if dims is not None and len(set(normalize_dim(d, x.ndim, "norm") for d in dims)) < len(dims):
        raise ValueError(f"norm: dim {tuple(dims)} names a dimension twice")
    axes, keep = reduce_axes(dim, None, keepdim, None, x.ndim, "norm")
    return Norm(float(p), axes, keep)(x)


# ---------------------------------------------------------------------- running extremes
min_max = namedtuple("min_max", ["min", "max"])


def _cum_arg(a: Any, d: int, is_min: bool) -> Any:
    """Where the running extreme of ``a`` along ``d`` was found: the last index among ties,
    and the first nan once one is met (as PyTorch)."""
    xp = get_array_module(a)
    a = xp.moveaxis(a, d, -1)
    idx = xp.zeros(a.shape, dtype=np.int64)
    best = a[..., :1]
    for k in range(1, a.shape[-1]):
        v = a[..., k:k + 1]
        take = ((v <= best) if is_min else (v >= best)) | xp.isnan(v)
        take &= ~xp.isnan(best)
        best = xp.where(take, v, best)
        idx[..., k] = xp.where(take[..., 0], k, idx[..., k - 1])
    return xp.moveaxis(idx, -1, d)


def _cum_extreme(input: Any, dim: int, is_min: bool, op: str) -> Any:
    """Values gathered at the running arg-extreme, so the gradient is gather's: each input
    gets what flowed to the outputs it was chosen for. The indices are an op of their own
    (array_op), so that a compiled replay computes them again from that call's values."""
    from .indexing import gather

    x = to_tensor(input)
    if x.ndim == 0:
        return values_indices(x * 1, Tensor._make(get_array_module(x._data).zeros((), np.int64)))
    d = normalize_dim(dim, x.ndim, op)
    index = array_op(lambda a: _cum_arg(a, d, is_min), x)
    return values_indices(gather(x, d, index), index)


def cummax(input: Any, dim: int) -> Any:  # noqa: A002
    """Running maximum along ``dim`` and where it was found: ``(values, indices)``.

    >>> import scratchgrad as sg
    >>> sg.cummax(sg.tensor([1.0, 3.0, 2.0]), 0).values
    tensor([1., 3., 3.])
    """
    return _cum_extreme(input, dim, False, "cummax")


def cummin(input: Any, dim: int) -> Any:  # noqa: A002
    """Running minimum along ``dim`` and where it was found: ``(values, indices)``.

    >>> import scratchgrad as sg
    >>> sg.cummin(sg.tensor([2.0, 1.0, 3.0]), 0).indices
    tensor([0, 1, 1])
    """
    return _cum_extreme(input, dim, True, "cummin")


def logcumsumexp(input: Any, dim: int) -> Tensor:  # noqa: A002
    """log(cumsum(exp(input))) along ``dim``, shifted by the largest value first (a constant,
    so the gradient is exact) to avoid overflow.

    >>> import scratchgrad as sg
    >>> sg.logcumsumexp(sg.tensor([0.0, 0.0]), 0)
    tensor([0.0000, 0.6931])
    """
    from .elementwise import exp, log

    x = to_float_tensor(input)
    d = normalize_dim(dim, x.ndim, "logcumsumexp") if x.ndim else 0
    if x._data.size == 0:
        return x * 1
    def shift(a: Any) -> Any:  # the largest finite value, an op of its own
        xp = get_array_module(a)
        m = xp.max(a, axis=d if a.ndim else None, keepdims=True)
        return xp.where(xp.isfinite(m), m, 0).astype(a.dtype, copy=False)
    m = array_op(shift, x)
    return log(cumsum(exp(x - m), d)) + m


def aminmax(input: Any, *, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """``(min, max)`` over ``dim`` (or all elements) in one call.

    >>> import scratchgrad as sg
    >>> sg.aminmax(sg.tensor([3.0, 1.0, 2.0]))
    min_max(min=tensor(1.), max=tensor(3.))
    """
    return min_max(amin(input, dim, keepdim), amax(input, dim, keepdim))


def msort(input: Any) -> Tensor:  # noqa: A002
    """Sorted along dim 0.

    >>> import scratchgrad as sg
    >>> sg.msort(sg.tensor([3.0, 1.0, 2.0]))
    tensor([1., 2., 3.])
    """
    from .indexing import sort

    return sort(input, 0).values


def renorm(input: Any, p: float, dim: int, maxnorm: float) -> Tensor:  # noqa: A002
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to norm
    ``maxnorm`` (PyTorch's 1e-7 guard in the divisor included).

    >>> import scratchgrad as sg
    >>> sg.renorm(sg.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    from .arithmetic import where

    x = to_float_tensor(input)
    d = normalize_dim(dim, x.ndim, "renorm")
    others = tuple(k for k in range(x.ndim) if k != d)
    n = norm(x, p, others, keepdim=True)
    scale = where(n > maxnorm, maxnorm / (n + 1e-7), 1.0)
    return x * scale
