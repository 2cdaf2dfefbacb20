"""Statistics: NaN-aware sums and means, order statistics (median, kthvalue, mode, quantile),
binning (searchsorted, bucketize, histc) and count_nonzero.

The order statistics sort with ``Argsort`` (stable, NaN last) and pick values with a gather,
so a value's gradient goes to the element it came from; the indices are int64 constants.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _config
from ..backend import get_array_module
from ._operands import array_op
from ..tensor import Tensor
from ._util import normalize_dim, reduce_axes, to_tensor
from .arithmetic import where
from .indexing import Argsort, _take
from .reduction import Max, _require_float, sum as _sum, values_indices
from .shape import movedim, reshape


# ---------------------------------------------------------------------- NaN-aware reductions
def nansum(input: Any, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
           dtype: Any = None) -> Tensor:
    """:func:`sum` counting NaN as zero (NaN positions get a zero gradient).

    >>> import scratchgrad as sg
    >>> sg.nansum(sg.tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    x = to_tensor(input)
    if x._data.dtype.kind == "f":
        x = where(array_op(_isnan, x), 0.0, x)
    return _sum(x, dim, keepdim, dtype=dtype)


def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """The mean of the non-NaN elements (NaN where all are NaN).

    >>> import scratchgrad as sg
    >>> sg.nanmean(sg.tensor([1.0, float("nan"), 2.0]))
    tensor(1.5000)
    """
    x = to_tensor(input)
    if dtype is not None:
        x = x.to(dtype)
    _require_float(x, "nanmean")
    axes, keep = reduce_axes(dim, None, keepdim, None, x.ndim, "nanmean")
    def count(a: Any) -> Any:
        return (a == a).sum(axis=axes, keepdims=keep).astype(a.dtype)

    return nansum(x, dim, keepdim) / array_op(count, x)


def _isnan(a: Any) -> Any:
    return a != a


# ---------------------------------------------------------------------- order statistics
def _pick(x: Tensor, d: int, order: Tensor, k: Any, keepdim: bool) -> values_indices:
    """The ``k``-th element in sorted ``order`` along ``d``: ``k`` an int, or an int64 tensor
    of the reduced shape (keepdim) when it differs from slice to slice."""
    xp = get_array_module(x._data)
    # ops, so that a compiled replay picks from that call's order (and rank)
    if isinstance(k, Tensor):
        idx = array_op(lambda o, r: xp.take_along_axis(o, r, axis=d), order, k)
    else:
        k = xp.broadcast_to(xp.asarray(k, dtype=np.int64), x.shape[:d] + (1,) + x.shape[d + 1:])
        idx = array_op(lambda o: xp.take_along_axis(o, k, axis=d), order)
    values = _take(x, d, idx._data)
    if not keepdim:
        reduced = x.shape[:d] + x.shape[d + 1:]
        values, idx = reshape(values, reduced), reshape(idx, reduced)
    return values_indices(values, idx)


def _order(x: Tensor, d: int) -> Tensor:
    with _config.no_grad():
        return Argsort(d, False)(x)


def _median_dim(x: Tensor, dim: int, keepdim: bool, ignore_nan: bool, op: str
                ) -> values_indices:
    if x.ndim == 0:
        normalize_dim(dim, 0, op)
        out = _median_dim(reshape(x, (1,)), 0, keepdim, ignore_nan, op)
        return values_indices(reshape(out.values, ()), reshape(out.indices, ()))
    d = normalize_dim(dim, x.ndim, op)
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"{op}: can't take the median over dimension {dim} of size 0 of a "
                         f"tensor of shape {x.shape}")
    xp = get_array_module(x._data)

    def rank(a: Any) -> Any:  # which element of each sorted slice: it counts the NaN
        nans = (a != a).sum(axis=d, keepdims=True)
        if ignore_nan:  # the lower median of the non-NaN values; an all-NaN slice gives NaN
            return xp.maximum((n - nans - 1) // 2, 0).astype(np.int64)
        # NaN propagates: a slice with NaN picks its first NaN (sorted last)
        return xp.where(nans > 0, n - nans, (n - 1) // 2).astype(np.int64)

    return _pick(x, d, _order(x, d), array_op(rank, x), keepdim)


def _median_all(x: Tensor, ignore_nan: bool) -> Tensor:
    """The median of all elements. Its gradient is split evenly between the elements equal
    to it (PyTorch's rule for the full median): an amax over those elements alone."""
    flat = reshape(x, (-1,))
    if flat.shape[0] == 0:
        xp = get_array_module(x._data)
        return Tensor._make(xp.asarray(np.nan, dtype=x._data.dtype))
    v = _median_dim(flat, 0, False, ignore_nan, "median").values._data
    is_nan = flat._data != flat._data
    hit = is_nan if v != v else flat._data == v
    return Max(None, False, True, False)(where(Tensor._make(hit), flat, -np.inf))


def median(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The lower median (the smaller of the two middle values for an even count) of all
    elements, or ``(values, indices)`` along ``dim``. NaN propagates. On ties the index is
    the one a stable sort puts in the middle.

    >>> import scratchgrad as sg
    >>> sg.median(sg.tensor([1.0, 4.0, 2.0, 3.0]))
    tensor(2.)
    >>> sg.median(sg.tensor([[1.0, 4.0, 2.0]]), 1)
    values_indices(values=tensor([2.]), indices=tensor([2]))
    """
    x = to_tensor(input)
    if dim is None:
        return _median_all(x, False)
    return _median_dim(x, dim, keepdim, False, "median")


def nanmedian(input: Any, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """:func:`median` ignoring NaN (NaN only where a slice is all NaN).

    >>> import scratchgrad as sg
    >>> sg.nanmedian(sg.tensor([1.0, float("nan"), 3.0, 2.0]))
    tensor(2.)
    """
    x = to_tensor(input)
    if dim is None:
        return _median_all(x, True)
    return _median_dim(x, dim, keepdim, True, "nanmedian")


def kthvalue(input: Any, k: int, dim: int = -1, keepdim: bool = False  # noqa: A002
             ) -> values_indices:
    """``(values, indices)`` of the ``k``-th smallest element (k counts from 1) along ``dim``.

    >>> import scratchgrad as sg
    >>> sg.kthvalue(sg.tensor([3.0, 1.0, 2.0]), 2)
    values_indices(values=tensor(2.), indices=tensor(2))
    """
    x = to_tensor(input)
    if x.ndim == 0:
        normalize_dim(dim, 0, "kthvalue")
        out = kthvalue(reshape(x, (1,)), k, 0, keepdim)
        return values_indices(reshape(out.values, ()), reshape(out.indices, ()))
    d = normalize_dim(dim, x.ndim, "kthvalue")
    n = x.shape[d]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise IndexError(f"kthvalue: k={k!r} is out of range for dimension {dim} of size {n} "
                         f"of a tensor of shape {x.shape} (expected 1 <= k <= {n})")
    return _pick(x, d, _order(x, d), int(k) - 1, keepdim)


def mode(input: Any, dim: int = -1, keepdim: bool = False) -> values_indices:  # noqa: A002
    """``(values, indices)`` of the most frequent value along ``dim``: among equally frequent
    values the smallest, and the index of its last occurrence (PyTorch's choices).

    >>> import scratchgrad as sg
    >>> sg.mode(sg.tensor([1.0, 2.0, 2.0, 1.0, 3.0]))
    values_indices(values=tensor(1.), indices=tensor(3))
    """
    x = to_tensor(input)
    if x.ndim == 0:
        normalize_dim(dim, 0, "mode")
        out = mode(reshape(x, (1,)), 0, keepdim)
        return values_indices(reshape(out.values, ()), reshape(out.indices, ()))
    d = normalize_dim(dim, x.ndim, "mode")
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"mode: can't take the mode over dimension {dim} of size 0 of a "
                         f"tensor of shape {x.shape}")
    xp = get_array_module(x._data)
    rows = xp.moveaxis(x._data, d, -1).reshape(-1, n)
    r = rows.shape[0]
    s = xp.sort(rows, axis=1)
    start = xp.ones(s.shape, dtype=bool)
    start[:, 1:] = s[:, 1:] != s[:, :-1]
    run = xp.cumsum(start, axis=1) - 1                  # run number of each sorted position
    flat_run = (xp.arange(r)[:, None] * n + run).reshape(-1)
    length = xp.bincount(flat_run, minlength=r * n).reshape(r, n)
    at = xp.take_along_axis(length, run, axis=1)        # run length at each position
    first_best = xp.argmax(at == at.max(axis=1, keepdims=True), axis=1)  # smallest value
    value = s[xp.arange(r), first_best]
    last = n - 1 - xp.argmax((rows == value[:, None])[:, ::-1], axis=1)
    idx = xp.moveaxis(last.reshape(x.shape[:d] + x.shape[d + 1:] + (1,)), -1, d)
    values = _take(x, d, idx)
    if not keepdim:
        values, idx = reshape(values, x.shape[:d] + x.shape[d + 1:]), idx.reshape(
            x.shape[:d] + x.shape[d + 1:])
    return values_indices(values, Tensor._make(idx.astype(np.int64)))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def quantile(input: Any, q: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
             interpolation: str = "linear") -> Tensor:
    """The ``q``-quantiles of all elements or along ``dim``; ``q`` a float or a 1-D tensor in
    [0, 1] (then its dimension comes first in the result). Between two sorted elements the
    ``interpolation`` is linear (default), lower, higher, midpoint or nearest (ties to even).
    A slice containing NaN gives NaN. Differentiable: the gradient goes to the (at most two)
    sorted elements the result is made of.

    >>> import scratchgrad as sg
    >>> sg.quantile(sg.tensor([1.0, 2.0, 3.0, 4.0]), 0.25)
    tensor(1.7500)
    >>> sg.quantile(sg.tensor([1.0, 2.0, 3.0, 4.0]), sg.tensor([0.0, 1.0]))
    tensor([1., 4.])
    """
    x = to_tensor(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"quantile: expected a floating-point input, got {x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"quantile: interpolation must be one of {_INTERPOLATIONS}, got "
                         f"{interpolation!r}")
    scalar_q = not isinstance(q, Tensor) and np.ndim(q) == 0
    if isinstance(q, Tensor):
        if q._data.dtype != x._data.dtype:
            raise TypeError(f"quantile: q of dtype {q.dtype} must have the input's dtype, "
                            f"{x.dtype}")
        if q.ndim > 1:
            raise ValueError(f"quantile: q must be a number or a 0-d or 1-D tensor, got shape "
                             f"{q.shape}")
        scalar_q = q.ndim == 0
        qs = np.asarray(q.__array__(), dtype=np.float64).reshape(-1)
    else:
        qs = np.asarray(q, dtype=np.float64).reshape(-1)
    if qs.size and not ((qs >= 0) & (qs <= 1)).all():
        raise ValueError(f"quantile: q values must be in [0, 1], got {qs.tolist()}")
    if dim is None:
        src, d = reshape(x, (-1,)), 0
        if keepdim:
            keep_shape = (1,) * x.ndim
    else:
        if x.ndim == 0:
            normalize_dim(dim, 0, "quantile")
            src, d = reshape(x, (1,)), 0
        else:
            d = normalize_dim(dim, x.ndim, "quantile")
            src = x
        keep_shape = x.shape[:d] + (1,) + x.shape[d + 1:] if x.ndim else ()
    n = src.shape[d]
    if n == 0:
        raise IndexError(f"quantile: can't take a quantile of an empty tensor (shape "
                         f"{x.shape})")
    xp = get_array_module(src._data)
    order = _order(src, d)
    pos = qs * (n - 1)
    lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    if interpolation == "nearest":
        lo = hi = np.round(pos).astype(np.int64)
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi

    def at(k: np.ndarray) -> Tensor:  # sorted elements at positions k: (len(k),) + reduced
        idx = xp.take(order._data, xp.asarray(k), axis=d)
        return movedim(_take(src, d, idx), d, 0)

    v_lo = at(lo)
    if interpolation == "linear":
        w = (pos - lo).astype(x._data.dtype).reshape((-1,) + (1,) * (v_lo.ndim - 1))
        out = v_lo + Tensor._make(xp.asarray(w)) * (at(hi) - v_lo)
    elif interpolation == "midpoint":
        out = (v_lo + at(hi)) * 0.5
    else:
        out = v_lo
    has_nan = (src._data != src._data).any(axis=d)
    if has_nan.any():
        out = where(Tensor._make(xp.broadcast_to(has_nan, out.shape)), np.nan, out)
    if dim is None or keepdim:
        rest = keep_shape if keepdim else ()
        out = reshape(out, (len(qs),) + rest)
    if scalar_q:
        out = reshape(out, out.shape[1:])
    return out


# ---------------------------------------------------------------------- binning
def _side(right: bool, side: str | None) -> bool:
    if side is None:
        return bool(right)
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise ValueError("searchsorted: side='left' and right=True contradict each other")
    return side == "right"


def searchsorted(sorted_sequence: Any, values: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Any = None) -> Tensor:
    """For each of ``values``, the index at which it would be inserted into the innermost
    dimension of ``sorted_sequence`` to keep it sorted: before equal elements, or after them
    with ``right=True`` / ``side="right"``. An N-D sequence searches each of its rows with the
    matching row of ``values``. int64 (int32 with ``out_int32``); not differentiable.

    >>> import scratchgrad as sg
    >>> sg.searchsorted(sg.tensor([1, 3, 5, 7]), sg.tensor([3, 6]))
    tensor([1, 3])
    >>> sg.searchsorted(sg.tensor([1, 3, 5, 7]), sg.tensor([3, 6]), side="right")
    tensor([2, 3])
    """
    seq = to_tensor(sorted_sequence)
    scalar = not isinstance(values, Tensor) and np.ndim(values) == 0
    v = to_tensor(values) if not scalar else None
    use_right = _side(right, side)
    if seq.ndim == 0:
        raise ValueError("searchsorted: sorted_sequence must have at least 1 dimension, got a "
                         "0-d tensor")
    xp = get_array_module(seq._data)
    s = seq._data
    if sorter is not None:
        srt = to_tensor(sorter)._data
        if srt.shape != s.shape:
            raise ValueError(f"searchsorted: sorter of shape {srt.shape} must have the shape "
                             f"of sorted_sequence, {s.shape}")
        s = xp.take_along_axis(s, srt, axis=-1)
    if scalar:
        if seq.ndim != 1:
            raise ValueError(f"searchsorted: a scalar value needs a 1-D sorted_sequence, got "
                             f"shape {seq.shape}")
        out = xp.asarray(xp.searchsorted(s, xp.asarray(values, dtype=s.dtype),
                                         side="right" if use_right else "left"))
    elif seq.ndim == 1:
        out = xp.searchsorted(s, v._data, side="right" if use_right else "left")
    else:
        if v.shape[:-1] != seq.shape[:-1]:
            raise ValueError(f"searchsorted: values of shape {v.shape} must have the leading "
                             f"dimensions of sorted_sequence of shape {seq.shape}")
        # Count, per row, the elements before each value: the insertion index.
        a, b = s[..., None, :], v._data[..., :, None]
        out = ((a <= b) if use_right else (a < b)).sum(axis=-1)
    return Tensor._make(xp.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False,  # noqa: A002
              right: bool = False) -> Tensor:
    """The bucket of each element of ``input`` between the sorted 1-D ``boundaries``: i such
    that boundaries[i-1] < x <= boundaries[i] (``right=True``: boundaries[i-1] <= x <
    boundaries[i]). int64 (int32 with ``out_int32``); not differentiable.

    >>> import scratchgrad as sg
    >>> sg.bucketize(sg.tensor([3.0, 6.0]), sg.tensor([1.0, 3.0, 5.0, 7.0]))
    tensor([1, 3])
    """
    b = to_tensor(boundaries)
    if b.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {b.shape}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


def histc(input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """A histogram of ``input`` in ``bins`` equal bins over [min, max] (elements outside are
    ignored; the last bin includes max). With min == max the data's own range is used
    (widened by 1 each way if constant). Same dtype as the input; not differentiable.

    >>> import scratchgrad as sg
    >>> sg.histc(sg.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    x = to_tensor(input)
    if x._data.dtype.kind != "f":
        raise TypeError(f"histc: expected a floating-point input, got {x.dtype}")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins <= 0:
        raise ValueError(f"histc: bins must be a positive int, got {bins!r}")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise ValueError(f"histc: max ({hi}) must be larger than or equal to min ({lo})")
    def count(a: Any) -> Any:  # the range may come from the data: computed from each call's
        low, high = lo, hi
        data = a.reshape(-1)
        if low == high and data.size:
            low, high = float(data.min()), float(data.max())
        if low == high:
            low, high = low - 1, high + 1
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError(f"histc: range of [{low}, {high}] is not finite")
        keep = data[(data >= low) & (data <= high)]
        counts, _ = get_array_module(a).histogram(keep, bins=int(bins), range=(low, high))
        return counts.astype(a.dtype)

    return array_op(count, x)


def count_nonzero(input: Any, dim: Any = None) -> Tensor:  # noqa: A002
    """The number of nonzero elements, in all or along ``dim`` (an int or a tuple); int64.

    >>> import scratchgrad as sg
    >>> sg.count_nonzero(sg.tensor([[0, 1], [2, 3]]), dim=0)
    tensor([1, 2])
    """
    x = to_tensor(input)
    axes, _ = reduce_axes(dim, None, False, None, x.ndim, "count_nonzero")
    return array_op(lambda a: get_array_module(a).asarray((a != 0).sum(axis=axes))
                    .astype(np.int64), x)
