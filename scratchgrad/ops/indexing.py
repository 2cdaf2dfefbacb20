"""Indexing and selection: gather, take_along_dim, index_select, scatter, scatter_add,
masked_fill, masked_select, sort, argsort, topk, nonzero and argwhere.

The selections are getitem with a tuple of index arrays (``GetItem``), so they share its
backward, which scatter-adds repeated indices, and its double backward; masked_fill is ``where``.
Only scatter and scatter_add, which write into a copy of the input, are a Function of their own,
and so are the integer results (argsort, nonzero, unique, bincount), so that
``scratchgrad.compile`` records them as ops. An index is always kept as the very array of its
tensor, never a copy: the compiler finds it by identity and hands the array of the current call
to the op at every replay.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _config
from ..backend import add_at, get_array_module
from ..function import Function
from ._operands import array_op, as_tensor_like
from ..tensor import Tensor
from ._util import constant_array, normalize_dim, quiet, to_tensor
from .arithmetic import where
from .reduction import values_indices
from .shape import GetItem, broadcast_to, cast, pad, reshape

_INT32_OR_64 = (np.dtype("int32"), np.dtype("int64"))
_INT64 = (np.dtype("int64"),)


# ---------------------------------------------------------------------- checks and helpers
def _index(index: Any, op: str, dtypes: tuple, what: str = "index") -> Tensor:
    """The index as a tensor, with PyTorch's dtype rule for ``op``."""
    index = to_tensor(index)
    if index._data.dtype not in dtypes:
        names = " or ".join(str(d) for d in dtypes)
        raise TypeError(f"{op}: expected an {what} tensor of dtype {names}, got "
                        f"{index.dtype} (shape {index.shape})")
    return index


def _check_range(op: str, index: Any, size: int, dim: int, shape: tuple,
                 negative: bool = False) -> None:
    """Indices in ``[0, size)`` (``[-size, size)`` with ``negative``): NumPy would wrap a
    negative one silently, and word an index too large without the op or the shapes."""
    if not index.size:
        return
    lo, hi = int(index.min()), int(index.max())
    low = -size if negative else 0
    if lo < low or hi >= size:
        bad = lo if lo < low else hi
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with size "
                         f"{size} (input of shape {shape}, index of shape {index.shape}; "
                         f"expected {low} <= index < {size})")


def _check_sizes(op: str, shape: tuple, index_shape: tuple, dim: int,
                 src_shape: tuple | None = None) -> None:
    """PyTorch's rule: the index has the input's number of dimensions and is no larger than
    the input on every other dimension (nor than ``src`` on any dimension)."""
    if len(index_shape) != len(shape) or (src_shape is not None
                                          and len(src_shape) != len(shape)):
        src = "" if src_shape is None else f" and src of shape {src_shape}"
        raise ValueError(f"{op}: the index of shape {index_shape} must have as many dimensions "
                         f"as the input of shape {shape}{src}")
    for k, (i, n) in enumerate(zip(index_shape, shape)):
        if (k != dim and i > n) or (src_shape is not None and i > src_shape[k]):
            src = "" if src_shape is None else f" and no larger than src {src_shape}"
            raise ValueError(f"{op}: the index of shape {index_shape} must be no larger than "
                             f"the input of shape {shape} apart from dimension {dim}{src}")


def _along(xp: Any, index: Any, dim: int) -> tuple:
    """The getitem index of ``gather(x, dim, index)``: ``index`` itself along ``dim``, ranges
    that broadcast against it along the other dimensions."""
    n = index.ndim
    return tuple(index if k == dim else
                 constant_array(xp.arange(s).reshape((1,) * k + (s,) + (1,) * (n - k - 1)))
                 for k, s in enumerate(index.shape))


def _take(x: Tensor, dim: int, index: Any) -> Tensor:
    """``gather`` without checks, for indices this module computed."""
    return GetItem(_along(get_array_module(index), index, dim))(x)


# ---------------------------------------------------------------------- gather and friends
def gather(input: Any, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """Values along ``dim`` at ``index``: ``out[i][j] = input[i][index[i][j]]`` for dim=1.

    >>> import scratchgrad as sg
    >>> sg.gather(sg.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, sg.tensor([[1, 1], [0, 1]]))
    tensor([[2., 2.],
            [3., 4.]])
    """
    x = to_tensor(input)
    d = normalize_dim(dim, x.ndim, "gather")
    index = _index(index, "gather", _INT32_OR_64)
    _check_sizes("gather", x.shape, index.shape, d)
    _check_range("gather", index._data, x.shape[d] if x.ndim else 1, dim, x.shape)
    if x.ndim == 0:
        return reshape(_take(reshape(x, (1,)), 0, reshape(index, (1,))._data), ())
    return _take(x, d, index._data)


def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Tensor:
    """Like :func:`gather`, with ``input`` and ``indices`` broadcast against each other on the
    dimensions other than ``dim`` (where negative indices count from the end, as in PyTorch);
    with ``dim=None``, over the flattened input.

    >>> import scratchgrad as sg
    >>> x = sg.tensor([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
    >>> sg.take_along_dim(x, x.argmax(dim=1, keepdim=True), dim=1)
    tensor([[30.],
            [60.]])
    """
    x = to_tensor(input)
    idx = _index(indices, "take_along_dim", _INT64, "indices")
    if dim is None:  # PyTorch's gather of the flattened input: no negative indices here
        x, idx, d = reshape(x, (-1,)), reshape(idx, (-1,)), 0
        _check_range("take_along_dim", idx._data, x.shape[0], 0, x.shape)
    else:
        if x.ndim == 0:
            raise IndexError(f"take_along_dim: dimension {dim} is out of range for a tensor "
                             "with no dimensions")
        d = normalize_dim(dim, x.ndim, "take_along_dim")
        if idx.ndim != x.ndim:
            raise ValueError(f"take_along_dim: input of shape {x.shape} and indices of shape "
                             f"{idx.shape} must have the same number of dimensions")
        try:
            common = np.broadcast_shapes(x.shape[:d] + x.shape[d + 1:],
                                         idx.shape[:d] + idx.shape[d + 1:])
        except ValueError:
            raise ValueError(f"take_along_dim: input of shape {x.shape} and indices of shape "
                             f"{idx.shape} do not broadcast apart from dimension {dim}") from None
        x = broadcast_to(x, common[:d] + (x.shape[d],) + common[d:])
        idx = broadcast_to(idx, common[:d] + (idx.shape[d],) + common[d:])
        _check_range("take_along_dim", idx._data, x.shape[d], d, x.shape, negative=True)
    return _take(x, d, idx._data)


def index_select(input: Any, dim: int, index: Any) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions of the 1-D ``index``.

    >>> import scratchgrad as sg
    >>> sg.index_select(sg.arange(6.0).reshape(2, 3), 1, sg.tensor([2, 0]))
    tensor([[2., 0.],
            [5., 3.]])
    """
    x = to_tensor(input)
    d = normalize_dim(dim, x.ndim, "index_select")
    index = _index(index, "index_select", _INT32_OR_64)
    if index.ndim > 1:
        raise IndexError(f"index_select: the index must be a vector (1-D), got shape "
                         f"{index.shape}")
    _check_range("index_select", index._data, x.shape[d] if x.ndim else 1, dim, x.shape)
    if index.ndim == 0:
        index = reshape(index, (1,))
    if x.ndim == 0:
        return reshape(_take(reshape(x, (1,)), 0, index._data), ())
    return GetItem((slice(None),) * d + (index._data,))(x)


# ---------------------------------------------------------------------- scatter
class Scatter(Function):
    """A copy of ``input`` with ``src`` (or the number ``value``) written at ``index`` along
    ``dim``; with ``add=True``, added there instead, repeated indices accumulating
    (scatter_add). A Function because it writes into a copy of its input, which no getitem
    can do. ``index`` is a constant attribute (the index tensor's own array); the bounds check
    is in forward, so that a compiled replay checks too. ``src`` may be larger than ``index``:
    only its leading ``index.shape`` block is used.

    Gradients: ``input`` gets ``gy`` with the overwritten positions zeroed (all of ``gy`` for
    add), ``src`` gets ``gy`` gathered at ``index`` (zeros outside the block).
    """

    def __init__(self, dim: int, index: Any, value: Any = None, add: bool = False) -> None:
        self.dim, self.index, self.value, self.add = dim, index, value, add

    def forward(self, x, *src):
        xp = get_array_module(x)
        op = "scatter_add" if self.add else "scatter"
        _check_range(op, self.index, x.shape[self.dim], self.dim, x.shape)
        at = _along(xp, self.index, self.dim)
        v = self.value if not src else src[0][tuple(slice(0, n) for n in self.index.shape)]
        y = x.copy()
        if self.add:
            quiet.run(add_at, xp, y, at, v)  # inf + -inf: nan, silently
        else:
            y[at] = v
        return y

    def backward(self, gy):
        gx = gy if self.add else Scatter(self.dim, self.index, 0)(gy)
        if len(self.inputs) == 1:
            return gx
        gsrc = _take(gy, self.dim, self.index)
        shape = self.inputs[1]._data.shape
        if gsrc._data.shape != shape:
            widths = [w for k in range(len(shape) - 1, -1, -1)
                      for w in (0, shape[k] - self.index.shape[k])]
            gsrc = pad(gsrc, widths)
        return gx, gsrc


def _scatter_args(op: str, input: Any, dim: int, index: Any, src: Any
                  ) -> tuple[Tensor, int, Tensor, Tensor | None]:
    x = to_tensor(input)
    d = normalize_dim(dim, x.ndim, op)
    index = _index(index, op, _INT32_OR_64)
    if src is not None:
        src = to_tensor(src)
        if src._data.dtype != x._data.dtype:
            raise TypeError(f"{op}: src of dtype {src.dtype} must have the dtype of the input, "
                            f"{x.dtype}")
    _check_sizes(op, x.shape, index.shape, d, None if src is None else src.shape)
    return x, d, index, src


def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """Out-of-place ``scatter_``: a copy of ``input`` with ``src[i][j]`` written at
    ``[i][index[i][j]]`` (dim=1), or the number ``value`` (also accepted in place of
    ``src``). Where ``index`` repeats a position, which write wins is unspecified.

    >>> import scratchgrad as sg
    >>> sg.scatter(sg.zeros(2, 3), 1, sg.tensor([[2], [0]]), sg.tensor([[1.0], [2.0]]))
    tensor([[0., 0., 1.],
            [2., 0., 0.]])
    >>> sg.scatter(sg.zeros(2, 2), 0, sg.tensor([[1, 0]]), value=5.0)
    tensor([[0., 5.],
            [5., 0.]])
    """
    if reduce is not None:
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported; use "
                                  "scatter_add for 'add'")
    if src is not None and not isinstance(src, Tensor) and np.ndim(src) == 0:
        src, value = None, src  # torch.scatter(x, dim, index, 1.5): the value form
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor) and value (a number)")
    x, d, index, src = _scatter_args("scatter", input, dim, index, src)
    if src is None:
        return Scatter(d, index._data, value)(x)
    return Scatter(d, index._data)(x, src)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of ``input`` with ``src[i][j]`` added at ``[i][index[i][j]]`` (dim=1); repeated
    positions accumulate.

    >>> import scratchgrad as sg
    >>> sg.scatter_add(sg.zeros(3), 0, sg.tensor([0, 0, 2]), sg.tensor([1.0, 2.0, 3.0]))
    tensor([3., 0., 3.])
    """
    x, d, index, src = _scatter_args("scatter_add", input, dim, index, src)
    return Scatter(d, index._data, add=True)(x, src)


# ---------------------------------------------------------------------- masks
def _mask(mask: Any, op: str) -> Tensor:
    mask = to_tensor(mask)
    if mask._data.dtype != np.bool_:
        raise TypeError(f"{op}: expected a bool mask, got dtype {mask.dtype} (shape "
                        f"{mask.shape})")
    return mask


def _common_shape(op: str, x: Tensor, mask: Tensor) -> tuple:
    try:
        return np.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise ValueError(f"{op}: the mask of shape {mask.shape} and the input of shape "
                         f"{x.shape} do not broadcast together") from None


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` is True, ``input`` elsewhere; the result keeps the input's
    dtype. ``value`` is a number or a 0-d tensor (which then gets a gradient).

    >>> import scratchgrad as sg
    >>> x = sg.tensor([1.0, -2.0, 3.0])
    >>> sg.masked_fill(x, x < 0, 0.0)
    tensor([1., 0., 3.])
    """
    x = to_tensor(input)
    mask = _mask(mask, "masked_fill")
    _common_shape("masked_fill", x, mask)
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got a "
                             f"tensor of shape {value.shape}")
        v = cast(value, x._data.dtype)
    else:
        xp = get_array_module(x._data)
        v = as_tensor_like(xp.asarray(value).astype(x._data.dtype), x)
    return where(mask, v, x)


def masked_select(input: Any, mask: Any) -> Tensor:
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor (the two broadcast
    together first).

    >>> import scratchgrad as sg
    >>> x = sg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> sg.masked_select(x, sg.tensor([True, False]))
    tensor([1., 3.])
    """
    x = to_tensor(input)
    mask = _mask(mask, "masked_select")
    shape = _common_shape("masked_select", x, mask) or (1,)  # a 0-d pair selects from 1-D
    x, mask = broadcast_to(x, shape), broadcast_to(mask, shape)
    return GetItem(mask._data)(x)


# ---------------------------------------------------------------------- sorting
class Argsort(Function):
    """The indices that sort ``x`` along ``dim`` (int64, no gradient), the first ``k`` of them
    when ``k`` is given (topk). Always a stable sort, so results are deterministic: equal
    values keep their order, in descending order too. NaN counts as the largest value.
    A Function so that ``scratchgrad.compile`` records the sort and redoes it at each replay.
    """

    differentiable = False

    def __init__(self, dim: int, descending: bool, k: int | None = None) -> None:
        self.dim, self.descending, self.k = dim, descending, k

    def forward(self, x):
        xp = get_array_module(x)
        if self.descending:  # sort the reversed input ascending, then reverse the order back
            n = x.shape[self.dim]
            order = xp.argsort(xp.flip(x, self.dim), axis=self.dim, kind="stable")
            idx = (n - 1) - xp.flip(order, self.dim)
        else:
            idx = xp.argsort(x, axis=self.dim, kind="stable")
        if self.k is not None:
            idx = idx[(slice(None),) * self.dim + (slice(0, self.k),)]
        return idx.astype(np.int64, copy=False)


def _sorted(x: Tensor, dim: int, descending: bool, op: str, k: int | None = None
            ) -> values_indices:
    if x.ndim == 0:
        normalize_dim(dim, 0, op)
        out = _sorted(reshape(x, (1,)), 0, descending, op, k)
        return values_indices(reshape(out.values, ()), reshape(out.indices, ()))
    d = normalize_dim(dim, x.ndim, op)
    with _config.no_grad():  # integer indices: no graph
        indices = Argsort(d, descending, k)(x)
    return values_indices(_take(x, d, indices._data), indices)


def sort(input: Any, dim: int = -1, descending: bool = False, *, stable: bool = False
         ) -> values_indices:
    """``(values, indices)`` of ``input`` sorted along ``dim``; the values are
    differentiable. The sort is always stable (``stable`` is accepted for PyTorch's sake).

    >>> import scratchgrad as sg
    >>> sg.sort(sg.tensor([3.0, 1.0, 2.0]), descending=True)
    values_indices(values=tensor([3., 2., 1.]), indices=tensor([0, 2, 1]))
    """
    return _sorted(to_tensor(input), dim, descending, "sort")


def argsort(input: Any, dim: int = -1, descending: bool = False, *, stable: bool = False
            ) -> Tensor:
    """The int64 indices that sort ``input`` along ``dim`` (a stable sort).

    >>> import scratchgrad as sg
    >>> sg.argsort(sg.tensor([3.0, 1.0, 2.0]))
    tensor([1, 2, 0])
    """
    return _sorted(to_tensor(input), dim, descending, "argsort").indices


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
         ) -> values_indices:
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along
    ``dim``, always in sorted order; ties keep their order.

    >>> import scratchgrad as sg
    >>> sg.topk(sg.tensor([1.0, 5.0, 3.0, 4.0]), 2)
    values_indices(values=tensor([5., 4.]), indices=tensor([1, 3]))
    """
    x = to_tensor(input)
    n = x.shape[normalize_dim(dim, x.ndim, "topk")] if x.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for dimension {dim} of size {n} of "
                         f"the input of shape {x.shape} (expected 0 <= k <= {n})")
    return _sorted(x, dim, largest, "topk", k)


# ---------------------------------------------------------------------- nonzero
class NonZero(Function):
    """Indices of the nonzero elements (int64, no gradient): one ``(n, ndim)`` array, or with
    ``as_tuple`` one 1-D array per dimension. A Function so that ``scratchgrad.compile``
    records it."""

    differentiable = False

    def __init__(self, as_tuple: bool) -> None:
        self.as_tuple = as_tuple

    def forward(self, x):
        xp = get_array_module(x)
        if not self.as_tuple:
            return xp.argwhere(x).astype(np.int64, copy=False)
        found = xp.nonzero(x.reshape(1) if x.ndim == 0 else x)
        return tuple(i.astype(np.int64, copy=False) for i in found)

    def shape_depends_on(self, x):
        return (x,)  # as many rows as nonzero elements


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:
    """The indices of the nonzero elements, as an int64 tensor of shape (n, ndim); with
    ``as_tuple=True``, a tuple of one 1-D tensor per dimension (usable as an index).

    >>> import scratchgrad as sg
    >>> sg.nonzero(sg.tensor([[0.0, 1.0], [2.0, 0.0]]))
    tensor([[0, 1],
            [1, 0]])
    """
    x = to_tensor(input)
    with _config.no_grad():
        out = NonZero(as_tuple)(x)
    return out if not as_tuple or isinstance(out, tuple) else (out,)


def argwhere(input: Any) -> Tensor:
    """The indices of the nonzero elements, shape (n, ndim): :func:`nonzero`.

    >>> import scratchgrad as sg
    >>> sg.argwhere(sg.tensor([0, 3, 0, 4]))
    tensor([[1],
            [3]])
    """
    return nonzero(input)


class Unique(Function):
    """The distinct values of the input (along ``axis``: its distinct slices), sorted; where
    each element went (int64); how often each value occurs (int64). No gradient."""

    differentiable = False

    def __init__(self, axis: int | None) -> None:
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        values, inverse, counts = xp.unique(x, return_inverse=True, return_counts=True,
                                            axis=self.axis)
        if self.axis is None:
            inverse = inverse.reshape(x.shape)
        return values, inverse.astype(np.int64), counts.astype(np.int64)

    def shape_depends_on(self, x):
        return (x,)  # as many values as are distinct


def unique(input: Any, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values of ``input`` (flattened; with ``dim``, the distinct slices along
    it), sorted; with ``return_inverse`` also where each element went, with
    ``return_counts`` how often each value occurs (PyTorch's ``unique``). Not differentiable.

    >>> import scratchgrad as sg
    >>> sg.unique(sg.tensor([3, 1, 3, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    x = to_tensor(input)
    axis = None if dim is None else normalize_dim(dim, x.ndim, "unique")
    with _config.no_grad():
        values, inverse, counts = Unique(axis)(x)
    out = [values]
    if return_inverse:
        out.append(inverse)
    if return_counts:
        out.append(counts)
    return out[0] if len(out) == 1 else tuple(out)


class BinCount(Function):
    """How often each value 0, 1, ... occurs in the 1-D non-negative integer input (with
    weights, their sums; float32 weights give float32). No gradient."""

    differentiable = False

    def __init__(self, minlength: int) -> None:
        self.minlength = minlength

    def forward(self, x, w=None):
        counts = get_array_module(x).bincount(x, weights=w, minlength=self.minlength)
        if w is None:
            return counts.astype(np.int64)
        if w.dtype == np.float32:
            return counts.astype(np.float32)  # NumPy sums the weights in float64
        return counts

    def shape_depends_on(self, x, w=None):
        return (x,)  # the length is the largest value + 1


def bincount(input: Any, weights: Any = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in the 1-D non-negative integer ``input`` (with
    ``weights``, their sums instead); length ``max(input) + 1`` or ``minlength``. Not
    differentiable.

    >>> import scratchgrad as sg
    >>> sg.bincount(sg.tensor([0, 2, 2]))
    tensor([1, 0, 2])
    """
    x = to_tensor(input)
    if x.ndim != 1 or x._data.dtype.kind not in "iu":
        raise ValueError(f"bincount: expected a 1-D integer tensor, got shape {x.shape} and "
                         f"dtype {x.dtype}")
    if x._data.size and int(x._data.min()) < 0:
        raise ValueError(f"bincount: the input must be non-negative, found {int(x._data.min())}")
    inputs = [x]
    if weights is not None:
        w = to_tensor(weights)
        if w.shape != x.shape:
            raise ValueError(f"bincount: weights of shape {w.shape} must match the input's "
                             f"shape {x.shape}")
        inputs.append(w)
    with _config.no_grad():
        return BinCount(int(minlength))(*inputs)


# ---------------------------------------------------------------------- index_add
def _index_add_args(input: Any, dim: int, index: Any, source: Any  # noqa: A002
                    ) -> tuple[Tensor, int, Tensor, Tensor]:
    x = to_tensor(input)
    d = normalize_dim(dim, x.ndim, "index_add")
    index = _index(index, "index_add", _INT32_OR_64)
    source = to_tensor(source)
    if index.ndim > 1:
        raise IndexError(f"index_add: the index must be a vector (1-D), got shape "
                         f"{index.shape}")
    if source._data.dtype != x._data.dtype:
        raise TypeError(f"index_add: source of dtype {source.dtype} must have the dtype of "
                        f"the input, {x.dtype}")
    n = index._data.size
    expected = x.shape[:d] + (n,) + x.shape[d + 1:] if x.ndim else ((n,) if source.ndim else ())
    if source.shape != expected:
        raise ValueError(f"index_add: source of shape {source.shape} does not match the input "
                         f"of shape {x.shape} with an index of {n} element(s) along dim {dim} "
                         f"(expected {expected})")
    _check_range("index_add", index._data, x.shape[d] if x.ndim else 1, dim, x.shape)
    return x, d, index, source


def index_add(input: Any, dim: int, index: Any, source: Any, *,  # noqa: A002
              alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at the positions ``index`` along
    ``dim``; repeated indices accumulate. A composition (the gradient scatter of getitem,
    then add), so both ``input`` and ``source`` get gradients.

    >>> import scratchgrad as sg
    >>> sg.index_add(sg.zeros(3), 0, sg.tensor([0, 0, 2]), sg.tensor([1.0, 2.0, 3.0]))
    tensor([3., 0., 3.])
    """
    from .shape import GetItemGrad

    x, d, index, source = _index_add_args(input, dim, index, source)
    if x.ndim == 0:
        return x + (source * alpha if alpha != 1 else source).sum()
    src = source * alpha if alpha != 1 else source
    # the index's own array when it is 1-D (a reshape would be a view the compiler can't trace)
    at = (slice(None),) * d + (index._data if index.ndim == 1 else index._data.reshape(-1),)
    return x + GetItemGrad(at, x.shape)(src)


# ---------------------------------------------------------------------- writes at indices
class IndexPut(Function):
    """A copy of ``input`` with ``values`` written (or with ``accumulate``, added) at the
    NumPy index ``index`` (a tuple of slices and integer arrays, a constant attribute).

    Gradients: ``input`` gets ``gy`` with the overwritten positions zeroed (all of ``gy`` when
    accumulating), ``values`` gets ``gy`` read at the index, summed to its shape."""

    def __init__(self, index: tuple, accumulate: bool = False) -> None:
        self.index, self.accumulate = index, accumulate

    def forward(self, x, v):
        xp = get_array_module(x)
        y = x.copy()
        if self.accumulate:
            add_at(xp, y, self.index, xp.broadcast_to(v, y[self.index].shape))
        else:
            y[self.index] = v
        return y

    def backward(self, gy):
        from .shape import getitem, sum_to

        v = self.inputs[1]
        gx = gy if self.accumulate else IndexPut(self.index)(gy, Tensor._make(
            get_array_module(gy._data).zeros((), gy._data.dtype)))
        return gx, sum_to(getitem(gy, self.index), v._data.shape)


def _index_value(x: Tensor, value: Any, op: str) -> Tensor:
    v = value if isinstance(value, Tensor) else Tensor._from_data(
        get_array_module(x._data).asarray(value, dtype=x._data.dtype))
    if v._data.dtype != x._data.dtype:
        raise TypeError(f"{op}: values of dtype {v.dtype} must have the dtype of the input, "
                        f"{x.dtype}")
    return v


def index_put(input: Any, indices: Any, values: Any,  # noqa: A002
              accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` at ``input[indices]`` (a tuple of index tensors);
    with ``accumulate``, added there, repeats accumulating.

    >>> import scratchgrad as sg
    >>> sg.index_put(sg.zeros(3), (sg.tensor([0, 2]),), sg.tensor(1.0))
    tensor([1., 0., 1.])
    """
    x = to_tensor(input)
    index = tuple(i._data if isinstance(i, Tensor) else np.asarray(i) for i in indices)
    return IndexPut(index, accumulate)(x, _index_value(x, values, "index_put"))


def _along_index(op: str, x: Tensor, dim: int, index: Any) -> tuple:
    d = normalize_dim(dim, x.ndim, op) if x.ndim else 0
    idx = _index(index, op, _INT32_OR_64)
    _check_range(op, idx._data, x.shape[d] if x.ndim else 1, d, x.shape)
    return (slice(None),) * d + (idx._data.reshape(-1),) if x.ndim else ()


def index_fill(input: Any, dim: int, index: Any, value: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with the number ``value`` at ``index`` along ``dim``.

    >>> import scratchgrad as sg
    >>> sg.index_fill(sg.zeros(2, 3), 1, sg.tensor([0, 2]), -1.0)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    x = to_tensor(input)
    return IndexPut(_along_index("index_fill", x, dim, index))(
        x, _index_value(x, value, "index_fill"))


def index_copy(input: Any, dim: int, index: Any, source: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with slice ``i`` of ``source`` along ``dim`` at ``index[i]``.

    >>> import scratchgrad as sg
    >>> sg.index_copy(sg.zeros(3), 0, sg.tensor([2, 0]), sg.tensor([1.0, 2.0]))
    tensor([2., 0., 1.])
    """
    x = to_tensor(input)
    return IndexPut(_along_index("index_copy", x, dim, index))(
        x, _index_value(x, to_tensor(source), "index_copy"))


def take(input: Any, index: Any) -> Tensor:  # noqa: A002
    """The elements of the flattened ``input`` at ``index``, in the shape of ``index``.

    >>> import scratchgrad as sg
    >>> sg.take(sg.tensor([[1.0, 2.0], [3.0, 4.0]]), sg.tensor([0, 3]))
    tensor([1., 4.])
    """
    from .shape import getitem

    x = to_tensor(input)
    idx = _index(index, "take", _INT32_OR_64)
    _check_range("take", idx._data.reshape(-1), x._data.size, 0, x.shape)
    return getitem(reshape(x, (-1,)), idx._data % _max_int(x._data.size, 1))


def _max_int(a: int, b: int) -> int:
    return a if a > b else b


def put(input: Any, index: Any, source: Any, accumulate: bool = False) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``source`` written at the flat positions ``index``.

    >>> import scratchgrad as sg
    >>> sg.put(sg.zeros(2, 2), sg.tensor([3]), sg.tensor([9.0]))
    tensor([[0., 0.],
            [0., 9.]])
    """
    x = to_tensor(input)
    idx = _index(index, "put", _INT32_OR_64)
    _check_range("put", idx._data.reshape(-1), x._data.size, 0, x.shape)
    flat = index_put(reshape(x, (-1,)), (idx._data.reshape(-1) % _max_int(x._data.size, 1),),
                     reshape(to_tensor(source), (-1,)), accumulate)
    return reshape(flat, x.shape)


def masked_scatter(input: Any, mask: Any, source: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with the elements of ``source``, in order, where ``mask`` is True.

    >>> import scratchgrad as sg
    >>> sg.masked_scatter(sg.zeros(4), sg.tensor([True, False, True, False]),
    ...                   sg.tensor([1.0, 2.0, 3.0]))
    tensor([1., 0., 2., 0.])
    """
    from .shape import getitem

    x = to_tensor(input)
    m = _mask(mask, "masked_scatter")
    shape = _common_shape("masked_scatter", x, m)
    mb = broadcast_to(m, shape)
    src = reshape(to_tensor(source), (-1,))
    need = int(mb._data.sum())
    if need > src._data.size:
        raise ValueError(f"masked_scatter: the mask selects {need} elements but source has "
                         f"only {src._data.size}")
    last = _max_int(src._data.size - 1, 0)
    # the i-th True takes source[i]: positions from a running count, an op of its own
    pos = array_op(lambda a: get_array_module(a).clip(
        get_array_module(a).cumsum(a.reshape(-1)).reshape(a.shape) - 1, 0, last), mb)
    picked = reshape(gather(src, 0, reshape(pos, (-1,))), shape)
    return where(mb, picked, broadcast_to(x, shape))


_SCATTER_REDUCE = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def scatter_reduce(input: Any, dim: int, index: Any, src: Any, reduce: str, *,  # noqa: A002
                   include_self: bool = True) -> Tensor:
    """``src`` reduced into a copy of ``input`` at ``index`` along ``dim`` with ``reduce``:
    "sum", "mean" (differentiable, compositions of scatter_add), "prod", "amax" or "amin"
    (values only here: their gradients are not implemented).

    >>> import scratchgrad as sg
    >>> sg.scatter_reduce(sg.zeros(2), 0, sg.tensor([0, 0, 1]), sg.tensor([1.0, 3.0, 5.0]),
    ...                   "mean", include_self=False)
    tensor([2., 5.])
    """
    x, d, idx, s = _scatter_args("scatter_reduce", input, dim, index, src)
    if reduce not in ("sum", "mean", *_SCATTER_REDUCE):
        raise ValueError(f"scatter_reduce: reduce must be 'sum', 'prod', 'mean', 'amax' or "
                         f"'amin', got {reduce!r}")
    base = x if include_self else Scatter(d, idx._data, 0)(x)
    if reduce in ("sum", "mean"):
        total = Scatter(d, idx._data, add=True)(base, s)
        if reduce == "sum":
            return total
        def count(a: Any) -> Any:  # how many values meet at each position, at least 1
            xp = get_array_module(a)
            c = xp.full(a.shape, 1 if include_self else 0, dtype=a.dtype)
            add_at(xp, c, _along(xp, idx._data, d), 1)
            return xp.maximum(c, 1)
        n = array_op(count, x)
        if x._data.dtype.kind != "f":
            return array_op(lambda t, c: t // c, total, n)
        return total / n
    if _config._state.grad_enabled and (x.requires_grad or s.requires_grad):
        raise NotImplementedError(f"scatter_reduce: the gradient of reduce={reduce!r} is not "
                                  "implemented; use 'sum' or 'mean', or detach")
    ufunc = _SCATTER_REDUCE[reduce]

    def fn(a, sv):
        y = a.copy()
        sv = sv[tuple(slice(0, n) for n in idx._data.shape)]
        if not include_self:
            first = np.zeros_like(y, dtype=bool)
            first[_along(np, idx._data, d)] = True
            init = {"prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
            y[first] = init if y.dtype.kind == "f" else (
                np.iinfo(y.dtype).min if reduce == "amax" else
                np.iinfo(y.dtype).max if reduce == "amin" else 1)
        ufunc.at(y, _along(np, idx._data, d), sv)
        return y
    return array_op(fn, x, s)


def unique_consecutive(input: Any, return_inverse: bool = False,  # noqa: A002
                       return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """The elements with consecutive repeats collapsed (over the flattened tensor).

    >>> import scratchgrad as sg
    >>> sg.unique_consecutive(sg.tensor([1, 1, 2, 2, 1]))
    tensor([1, 2, 1])
    """
    if dim is not None:
        raise NotImplementedError("unique_consecutive: dim is not supported; it works on the "
                                  "flattened tensor")
    x = to_tensor(input)
    a = np.asarray(x._data).reshape(-1)
    starts = np.ones(a.shape, dtype=bool)
    starts[1:] = a[1:] != a[:-1]
    out = [Tensor._make(a[starts])]
    if return_inverse:
        out.append(Tensor._make((np.cumsum(starts) - 1).reshape(x.shape).astype(np.int64)))
    if return_counts:
        out.append(Tensor._make(np.diff(np.append(np.flatnonzero(starts), a.size))
                                .astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)
