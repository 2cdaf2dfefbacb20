"""Shape operations: reshape, transpose, broadcasting, indexing, cat/stack/split, pad, and the
rearrangements built on them (flip, roll, repeat, tile, unbind, narrow, movedim, tril, triu)."""
from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from .. import _config
from .._promotion import promote_types
from ..backend import add_at, get_array_module
from ..function import Function
from ._operands import as_tensor_like
from ..tensor import Tensor
from ._util import constant_array, index_arrays, normalize_dim, quiet, shape_arg, to_tensor


class Reshape(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def __init__(self, shape: tuple) -> None:
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, gy):
        return reshape(gy, self.inputs[0]._data.shape)


class Permute(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def __init__(self, axes: tuple) -> None:
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        return permute(gy, tuple(np.argsort(self.axes)))


class BroadcastTo(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def __init__(self, shape: tuple) -> None:
        self.shape = shape

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.inputs[0]._data.shape)


class SumTo(Function):
    """Sum a broadcast gradient back to ``shape``: the one place broadcasting is undone."""
    reads_values = False  # backward reads shapes and dtypes only

    def __init__(self, shape: tuple) -> None:
        self.shape = shape

    def forward(self, x):
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(self.shape) if s == 1 and x.shape[lead + i] != 1)
        y = quiet.run(x.sum, axis=axes, keepdims=True) if axes else x  # inf + -inf: nan
        return y.reshape(self.shape) if lead else y

    def backward(self, gy):
        return broadcast_to(gy, self.inputs[0]._data.shape)


def _is_basic(index: Any) -> bool:
    """True when ``index`` has no integer arrays (so no element is selected twice)."""
    items = index if isinstance(index, tuple) else (index,)
    for i in items:
        if isinstance(i, (list, np.ndarray)) or hasattr(i, "__array_interface__") or hasattr(
                i, "__cuda_array_interface__"):  # a CuPy array has only the CUDA interface
            if (i.dtype if hasattr(i, "dtype") else np.asarray(i).dtype) != np.bool_:
                return False
    return True


class GetItem(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, gy):
        return GetItemGrad(self.index, self.inputs[0]._data.shape)(gy)

    def shape_depends_on(self, x):
        """x[mask]: as many elements as the mask holds True."""
        items = self.index if isinstance(self.index, tuple) else (self.index,)
        return tuple(i for i in items if getattr(i, "dtype", None) == np.bool_ and i.ndim)


class GetItemGrad(Function):
    """Scatter a gradient back into a zero tensor; repeated indices accumulate."""

    def __init__(self, index: Any, shape: tuple) -> None:
        self.index, self.shape = index, shape

    def forward(self, gy):
        xp = get_array_module(gy)
        gx = xp.zeros(self.shape, dtype=gy.dtype)
        if _is_basic(self.index):
            gx[self.index] = gy
        else:
            quiet.run(add_at, xp, gx, self.index, gy)  # inf + -inf: nan, silently
        return gx

    def backward(self, ggx):
        return getitem(ggx, self.index)


class Concat(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, gy):
        sizes = [x._data.shape[self.axis] for x in self.inputs]
        return split(gy, sizes, self.axis)


class Stack(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, gy):
        lead = (slice(None),) * self.axis
        return tuple(getitem(gy, lead + (i,)) for i in range(len(self.inputs)))


class Split(Function):
    """Several outputs; a missing output gradient counts as zeros."""
    reads_values = False  # backward reads shapes and dtypes only

    def __init__(self, sizes: list[int], axis: int) -> None:
        self.sizes, self.axis = sizes, axis

    def forward(self, x):
        bounds = np.cumsum(self.sizes)[:-1].tolist()  # host ints, fine for CuPy too
        return tuple(np.split(x, bounds, axis=self.axis))

    def backward(self, *gys):
        x = self.inputs[0]._data
        parts = []
        for size, g in zip(self.sizes, gys):
            if g is None:
                shape = list(x.shape)
                shape[self.axis] = size
                g = Tensor._make(get_array_module(x).zeros(shape, dtype=x.dtype))
            parts.append(g)
        return cat(parts, self.axis)


class Pad(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def __init__(self, widths: tuple, value: float) -> None:
        self.widths, self.value = widths, value

    def forward(self, x):
        return np.pad(x, self.widths, mode="constant", constant_values=self.value)

    def backward(self, gy):
        index = tuple(slice(lo, gy._data.shape[i] - hi) for i, (lo, hi) in enumerate(self.widths))
        return getitem(gy, index)


class Clone(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


class Cast(Function):
    reads_values = False  # backward reads shapes and dtypes only
    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return cast(gy, self.inputs[0]._data.dtype)


# ---------------------------------------------------------------------- functions
def sum_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Sum ``x`` down to ``shape`` (the inverse of broadcasting); a no-op when equal."""
    shape = tuple(shape)
    if x._data.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, x._data.shape[lead:])):
        raise ValueError(f"sum_to: can't sum a tensor of shape {x.shape} to {shape}: the target "
                         "must broadcast to the tensor's shape")
    return SumTo(shape)(x)


def reshape(x: Any, *shape: Any) -> Tensor:
    """A tensor with the same data and a new shape; one dimension may be -1.

    >>> import scratchgrad as sg
    >>> sg.reshape(sg.arange(6), (2, -1)).shape
    (2, 3)
    """
    return _reshape(to_tensor(x), shape_arg(shape, "reshape"), "reshape")


def _reshape(x: Tensor, shape: tuple[int, ...], op: str) -> Tensor:
    """reshape, view, view_as, reshape_as: the check, with ``op`` (what the user called) named
    in the error."""
    if x._data.shape == shape:
        return x
    known = [s for s in shape if s != -1]
    n_known = int(np.prod(known)) if known else 1
    if shape.count(-1) > 1 or any(s < -1 for s in shape) or (
            -1 in shape and (n_known == 0 or x._data.size % n_known)) or (
            -1 not in shape and n_known != x._data.size):
        raise RuntimeError(f"{op}: shape {shape} is invalid for a tensor of shape {x.shape} "
                           f"({x._data.size} elements)")
    return Reshape(shape)(x)


def view(x: Any, *shape: Any) -> Tensor:
    """``x.view(shape)``: the same data seen with a new shape, without a copy (PyTorch's
    ``view``). A tensor that is a view of another one (made by ``transpose``, ``permute``,
    ``expand``, slicing, ...) can only take shapes its strides can express; otherwise this
    raises, as PyTorch does, and ``reshape`` (which copies when it must) is the answer.

    A tensor computed by an op is never refused, even when NumPy laid its result out in
    another order than PyTorch would have (a few ops here return, say, a transposed
    result): it is reshaped, with a copy if needed, so that PyTorch code keeps running. So
    is ``(x.t() * 2)``, which PyTorch refuses (its result keeps the transposed strides).

    >>> import scratchgrad as sg
    >>> sg.arange(6).view(2, 3).shape
    (2, 3)
    >>> sg.arange(6).view(2, 3).t().view(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    RuntimeError: view: size (-1,) is not compatible with the input's size (3, 2) and ...
    """
    return _view(to_tensor(x), shape_arg(shape, "view"), "view")


def _view(x: Tensor, shape: tuple[int, ...], op: str) -> Tensor:
    """view and view_as: the stride check, with ``op`` (what the user called) named."""
    a = x._data
    # A view shares its base's version counter, made for the base's array (_share_version)
    if not a.flags.c_contiguous and x._vc is not None and x._vc.owner != id(a):
        new = _resolve(shape, a.size)
        if new is not None and not _viewable(a.shape, a.strides, new):
            strides = tuple(st // a.itemsize for st in a.strides)
            raise RuntimeError(
                f"{op}: size {shape} is not compatible with the input's size {a.shape} and "
                f"stride {strides} (at least one dimension spans across two contiguous "
                f"subspaces); use .reshape(...) instead, which copies the data when it must")
    return _reshape(x, shape, op)


def _resolve(shape: tuple, size: int) -> tuple | None:
    """``shape`` with its -1 worked out for ``size`` elements; None when it doesn't fit
    (reshape then raises its own error)."""
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if shape.count(-1) == 1 and known and size % known == 0:
        return tuple(size // known if s == -1 else s for s in shape)
    return shape if known == size and -1 not in shape else None


def _viewable(shape: tuple, strides: tuple, new_shape: tuple) -> bool:
    """Whether an array of ``shape`` and ``strides`` can be seen as ``new_shape`` without a
    copy. Its dimensions fall into chunks, runs of neighbours that lie one after the other in
    memory (dimension i continues i-1 when stride[i-1] == stride[i] * shape[i]); the new shape
    fits when its dimensions, taken in order, multiply out to those chunks one by one.
    Dimensions of size 1 go anywhere."""
    if 0 in shape:
        return True
    chunks: list[int] = []
    previous = None
    for n, st in zip(shape, strides):
        if n == 1:
            continue
        if chunks and previous == st * n:
            chunks[-1] *= n
        else:
            chunks.append(n)
        previous = st
    sizes = [n for n in new_shape if n != 1]
    i = 0
    for chunk in chunks:
        product = 1
        while product < chunk and i < len(sizes):
            product *= sizes[i]
            i += 1
        if product != chunk:
            return False
    return i == len(sizes)


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    x = to_tensor(x)
    if x.ndim == 0:
        return reshape(x, (1,))
    s = normalize_dim(start_dim, x.ndim, "flatten")
    e = normalize_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return reshape(x, shape)


def permute(x: Any, *dims: Any) -> Tensor:
    """Reorder dimensions: ``permute(x, (2, 0, 1))``."""
    x = to_tensor(x)
    dims = shape_arg(dims, "permute") if dims else ()
    if sorted(normalize_dim(d, x.ndim, "permute") for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} "
                         f"dimensions of a tensor of shape {x.shape}")
    axes = tuple(normalize_dim(d, x.ndim, "permute") for d in dims)
    if axes == tuple(range(x.ndim)):
        return x
    return Permute(axes)(x)


def transpose(x: Any, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    x = to_tensor(x)
    if x.ndim < 2:
        return x
    a = normalize_dim(dim0, x.ndim, "transpose")
    b = normalize_dim(dim1, x.ndim, "transpose")
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return permute(x, tuple(axes))


def t(x: Any) -> Tensor:
    """Transpose of a matrix (a vector or scalar is returned as is)."""
    x = to_tensor(x)
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape {x.shape}; "
                         "use transpose or mT")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def squeeze(x: Any, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1 (only ``dim`` when given)."""
    x = to_tensor(x)
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        drop = {normalize_dim(d, x.ndim, "squeeze") for d in dims} if x.ndim else set()
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in drop and s == 1))
    return reshape(x, shape)


def unsqueeze(x: Any, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    x = to_tensor(x)
    d = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def broadcast_to(x: Any, shape: Sequence[int]) -> Tensor:
    """Repeat ``x`` along dimensions of size 1 (and new leading ones) to reach ``shape``."""
    return _broadcast(to_tensor(x), tuple(shape), "broadcast_to")


def expand(x: Any, *shape: Any) -> Tensor:
    """Broadcast to ``shape``; -1 keeps a dimension as it is (PyTorch's ``expand``).

    >>> import scratchgrad as sg
    >>> sg.ones(3, 1).expand(2, -1, 4).shape
    (2, 3, 4)
    """
    return _expand(to_tensor(x), shape_arg(shape, "expand"), "expand")


def _expand(x: Tensor, shape: tuple[int, ...], op: str) -> Tensor:
    """expand and expand_as: -1 resolved, then :func:`_broadcast` naming ``op``."""
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"{op}: can't expand a tensor of shape {x.shape} to {shape}: the "
                         f"target has {len(shape)} dimension(s), expected at least {x.ndim}")
    for i, s in enumerate(shape):
        if s < -1:
            raise ValueError(f"{op}: size {s} at dimension {i} of {shape} is invalid (expected "
                             "a size >= 0, or -1 to keep a dimension's size)")
        if s == -1 and i < lead:
            raise ValueError(f"{op}: -1 at dimension {i} of {shape} keeps no size: dimension "
                             f"{i} is a new leading one for a tensor of shape {x.shape}")
    full = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return _broadcast(x, full, op)


def _broadcast(x: Tensor, shape: tuple[int, ...], op: str) -> Tensor:
    """broadcast_to, expand, expand_as: the check, naming ``op`` and the first dimension
    that does not fit."""
    if x._data.shape == shape:
        return x
    lead = len(shape) - x.ndim
    cant = f"{op}: can't {'broadcast' if op == 'broadcast_to' else 'expand'} a tensor of shape " \
           f"{x.shape} to {shape}"
    if any(s < 0 for s in shape):
        raise ValueError(f"{cant}: sizes must be non-negative")
    if lead < 0:
        raise ValueError(f"{cant}: the target has {len(shape)} dimension(s), expected at least "
                         f"{x.ndim}")
    for i, n in enumerate(x.shape):
        if n != 1 and n != shape[lead + i]:
            raise ValueError(f"{cant}: dimension {lead + i} has size {n}, expected 1 or "
                             f"{shape[lead + i]}")
    return BroadcastTo(shape)(x)


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]`` with ints, slices, None, ..., integer arrays and boolean masks.

    >>> import scratchgrad as sg
    >>> sg.arange(5.0)[[0, 0, 2]]
    tensor([0., 0., 2.])
    """
    x = to_tensor(x)
    index = index_arrays(index)
    if isinstance(index, list):
        index = constant_array(np.asarray(index))
    try:
        return GetItem(index)(x)
    except IndexError as e:
        reason = str(e).split(f"{x.dtype}: ", 1)[-1]  # NumPy's words, without Function's prefix
        raise IndexError(f"getitem: index {index!r} is invalid for a tensor of shape "
                         f"{x.shape}: {reason}") from None


def _check_same(tensors: Sequence[Tensor], axis: int, op: str, stacked: bool) -> None:
    ref = tensors[0].shape
    for i, t_ in enumerate(tensors[1:], 1):
        a = ref if stacked else ref[:axis] + ref[axis + 1:]
        b = t_.shape if stacked else t_.shape[:axis] + t_.shape[axis + 1:]
        if len(t_.shape) != len(ref) or a != b:
            what = "all shapes equal" if stacked else f"equal shapes except in dim {axis}"
            raise ValueError(f"{op}: tensor {i} has shape {t_.shape} but tensor 0 has shape "
                             f"{ref}; expected {what}")


def cat(tensors: Sequence[Any], dim: int = 0, *, axis: Any = None) -> Tensor:
    """Join tensors along an existing dimension.

    >>> import scratchgrad as sg
    >>> sg.cat([sg.zeros(2, 1), sg.ones(2, 2)], dim=1).shape
    (2, 3)
    """
    if axis is not None:
        dim = axis
    ts = [to_tensor(x) for x in tensors]
    if not ts:
        raise ValueError("cat: expected a non-empty list of tensors")
    d = normalize_dim(dim, ts[0].ndim, "cat")
    _check_same(ts, d, "cat", False)
    ts = _common_dtype(ts)
    if len(ts) == 1:
        return ts[0]
    return Concat(d)(*ts)


concatenate = cat


def stack(tensors: Sequence[Any], dim: int = 0, *, axis: Any = None) -> Tensor:
    """Join tensors of equal shape along a new dimension."""
    if axis is not None:
        dim = axis
    ts = [to_tensor(x) for x in tensors]
    if not ts:
        raise ValueError("stack: expected a non-empty list of tensors")
    d = normalize_dim(dim, ts[0].ndim + 1, "stack")
    _check_same(ts, d, "stack", True)
    return Stack(d)(*_common_dtype(ts))


def _common_dtype(ts: list[Tensor]) -> list[Tensor]:
    dtypes = {t_._data.dtype for t_ in ts}
    if len(dtypes) == 1:
        return ts
    target = promote_types(*dtypes)
    return [t_ if t_._data.dtype == target else cast(t_, target) for t_ in ts]


def split(x: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into pieces of ``split_size`` (the last may be smaller) or of the given sizes."""
    x = to_tensor(x)
    d = normalize_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
        if not sizes:
            sizes = [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} add up to {sum(sizes)}, but dim {dim} of "
                             f"shape {x.shape} has {n} elements")
    if len(sizes) == 1:
        return (x,)
    out = Split(sizes, d)(x)
    return out if isinstance(out, tuple) else (out,)


def chunk(x: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces of (nearly) equal size, as PyTorch does."""
    x = to_tensor(x)
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x.shape[normalize_dim(dim, x.ndim, "chunk")]
    size = -(-n // chunks) if n else 1
    return split(x, max(size, 1), dim)


# F.pad's modes that repeat the input's own values, as NumPy's np.pad names them
_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(x: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None
        ) -> Tensor:
    """Pad with a constant, or (``mode`` ``'reflect'``, ``'replicate'``, ``'circular'``) with
    the input's own values. ``pad`` lists (left, right) pairs from the last dimension
    backwards, as in ``torch.nn.functional.pad``. The non-constant modes are an index along
    each padded dimension, so their gradient sums into the positions that were repeated.

    >>> import scratchgrad as sg
    >>> sg.pad(sg.ones(2, 2), (1, 1)).shape
    (2, 4)
    >>> sg.pad(sg.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    """
    x = to_tensor(x)
    if mode in _PAD_MODES:
        return _pad_by_index(x, pad, mode)
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; expected 'constant', "
                                  "'reflect', 'replicate' or 'circular'")
    value = 0.0 if value is None else value
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected an even number of at most {2 * x.ndim} values for a "
                         f"tensor of shape {x.shape}, got {tuple(pad)}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        lo, hi = int(pad[2 * i]), int(pad[2 * i + 1])
        if lo < 0 or hi < 0:
            raise ValueError(f"pad: negative padding {tuple(pad)} is not supported")
        widths[x.ndim - 1 - i] = (lo, hi)
    return Pad(tuple(widths), value)(x)


def _pad_by_index(x: Tensor, pad: Sequence[int], mode: str) -> Tensor:
    n = len(pad) // 2
    if len(pad) % 2 or not 1 <= n <= 3 or x.ndim not in (n + 1, n + 2):
        raise NotImplementedError(f"pad: mode {mode!r} pads the last n = 1, 2 or 3 dimensions of "
                                  f"an (n + 1)-D or (n + 2)-D input: got {len(pad)} values for "
                                  f"shape {x.shape}")
    for i in range(n):
        d = x.ndim - 1 - i
        lo, hi, size = int(pad[2 * i]), int(pad[2 * i + 1]), x.shape[d]
        if min(lo, hi) < 0:
            raise ValueError(f"pad: negative padding {tuple(pad)} is not supported")
        limit = size - 1 if mode == "reflect" else size if mode == "circular" else None
        if limit is not None and max(lo, hi) > limit:
            raise ValueError(f"pad: {mode} padding ({lo}, {hi}) must be at most {limit} for "
                             f"dimension {d} of size {size}")
        if size == 0:
            raise ValueError(f"pad: {mode} padding needs a non-empty dimension {d}")
        idx = np.pad(np.arange(size), (lo, hi), mode=_PAD_MODES[mode])
        x = getitem(x, (slice(None),) * d + (constant_array(idx),))
    return x


def clone(x: Any) -> Tensor:
    """A copy that stays in the graph."""
    return Clone()(to_tensor(x))


def cast(x: Tensor, dtype: Any) -> Tensor:
    """Convert to ``dtype``; differentiable between floating-point types."""
    dtype = np.dtype(dtype)
    if x._data.dtype == dtype:
        return x
    if dtype.kind != "f" and x.requires_grad:
        with _config.no_grad():  # integer results leave the graph
            return Cast(dtype)(x)
    return Cast(dtype)(x)


def to_device(x: Tensor, device: Any) -> Tensor:
    """Move to another device (differentiable; see scratchgrad/_transfer.py)."""
    from .._transfer import to_device as _to_device  # noqa: PLC0415  (device code lives there)

    return _to_device(x, device)


# ---------------------------------------------------------------------- rearranging
# Built from the ops above (getitem, cat, reshape, broadcast_to, permute, where), so each gets
# its gradient and double backward from them.
def _dims(dims: Any) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple (``f(x, 1)`` and ``f(x, (0, 1))`` alike)."""
    return (int(dims),) if isinstance(dims, (int, np.integer)) else tuple(int(d) for d in dims)


def _unique_dims(dims: tuple, ndim: int, op: str, what: str = "dims") -> list[int]:
    ds = [normalize_dim(d, ndim, op) for d in dims]
    for d in ds:
        if ds.count(d) > 1:
            raise ValueError(f"{op}: dim {d} appears more than once in {what} {dims}")
    return ds


def flip(input: Any, dims: Any) -> Tensor:
    """Reverse the order of the elements along ``dims``.

    >>> import scratchgrad as sg
    >>> sg.flip(sg.arange(4.0).reshape(2, 2), (0, 1))
    tensor([[3., 2.],
            [1., 0.]])
    """
    x = to_tensor(input)
    ds = _unique_dims(_dims(dims), x.ndim, "flip")
    if not ds or x.ndim == 0:
        return x
    # a copy, as PyTorch's flip makes: a reversed view would alias the input
    return clone(getitem(x, tuple(slice(None, None, -1) if k in ds else slice(None)
                                  for k in range(x.ndim))))


def narrow(input: Any, dim: int, start: int, length: int) -> Tensor:
    """The ``length`` elements along ``dim`` from ``start`` on (a negative start counts from
    the end).

    >>> import scratchgrad as sg
    >>> sg.narrow(sg.arange(5.0), 0, -3, 2)
    tensor([2., 3.])
    """
    x = to_tensor(input)
    if x.ndim == 0:
        raise IndexError("narrow: can't narrow a 0-d tensor")
    d = normalize_dim(dim, x.ndim, "narrow")
    n, start, length = x.shape[d], operator.index(start), operator.index(length)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range for dimension {dim} of size "
                         f"{n} of a tensor of shape {x.shape} (expected in [{-n}, {n}])")
    if length < 0:
        raise ValueError(f"narrow: length must be non-negative, got {length}")
    start %= n if n else 1
    if start + length > n:
        raise ValueError(f"narrow: start ({start}) + length ({length}) exceeds the size {n} of "
                         f"dimension {dim} of a tensor of shape {x.shape}")
    return getitem(x, (slice(None),) * d + (slice(start, start + length),))


def roll(input: Any, shifts: Any, dims: Any = None) -> Tensor:
    """Shift the elements along ``dims`` circularly (over the flattened tensor when ``dims``
    is None): what leaves at one end comes back at the other.

    >>> import scratchgrad as sg
    >>> sg.roll(sg.arange(5.0), 2)
    tensor([3., 4., 0., 1., 2.])
    """
    x = to_tensor(input)
    shifts = _dims(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise ValueError(f"roll: without dims, shifts must be one number, got {shifts}")
        return reshape(roll(reshape(x, (-1,)), shifts, 0), x.shape)
    dims = _dims(dims)
    if len(shifts) != len(dims) or not dims:
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same, nonzero, "
                         "length")
    if x.ndim == 0:
        normalize_dim(dims[0], 0, "roll")
    for s, dim in zip(shifts, dims):
        d = normalize_dim(dim, x.ndim, "roll")
        n = x.shape[d]
        s = s % n if n else 0
        if s:
            x = cat([narrow(x, d, n - s, s), narrow(x, d, 0, n - s)], d)
    return x


def repeat(input: Any, *sizes: Any) -> Tensor:
    """Tile ``input`` ``sizes[i]`` times along dimension i, adding leading dimensions when
    ``sizes`` has more (``Tensor.repeat``; PyTorch has no function of that name).

    >>> import scratchgrad as sg
    >>> sg.tensor([1.0, 2.0]).repeat(2, 2)
    tensor([[1., 2., 1., 2.],
            [1., 2., 1., 2.]])
    """
    x = to_tensor(input)
    reps = shape_arg(sizes, "repeat")
    if len(reps) < x.ndim:
        raise ValueError(f"repeat: {len(reps)} repeat sizes {reps} can't be fewer than the "
                         f"{x.ndim} dimensions of a tensor of shape {x.shape}")
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat: repeat sizes must be non-negative, got {reps}")
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    if all(r == 1 for r in reps):
        return reshape(x, shape)
    # (n0, n1) -> (1, n0, 1, n1) -> (r0, n0, r1, n1) -> (r0 * n0, r1 * n1)
    pairs = [v for n in shape for v in (1, n)]
    big = [v for r, n in zip(reps, shape) for v in (r, n)]
    return reshape(broadcast_to(reshape(x, pairs), big), tuple(r * n for r, n in zip(reps,
                                                                                       shape)))


def tile(input: Any, dims: Any) -> Tensor:
    """Repeat ``input`` ``dims[i]`` times along dimension i; missing leading entries of
    ``dims`` count as 1.

    >>> import scratchgrad as sg
    >>> sg.tile(sg.tensor([[1.0, 2.0]]), (2,))
    tensor([[1., 2., 1., 2.]])
    """
    x = to_tensor(input)
    reps = shape_arg((dims,), "tile") if not isinstance(dims, int) else (dims,)
    return repeat(x, (1,) * (x.ndim - len(reps)) + reps)


def repeat_interleave(input: Any, repeats: int, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (of the flattened tensor when
    ``dim`` is None). Only an integer ``repeats`` is supported.

    >>> import scratchgrad as sg
    >>> sg.repeat_interleave(sg.tensor([1.0, 2.0]), 2)
    tensor([1., 1., 2., 2.])
    """
    x = to_tensor(input)
    if isinstance(repeats, Tensor) or not isinstance(repeats, (int, np.integer)):
        raise NotImplementedError("repeat_interleave: only an int repeats is supported, got "
                                  f"{type(repeats).__name__}; per-element repeats are not")
    r = int(repeats)
    if r < 0:
        raise ValueError(f"repeat_interleave: repeats must be non-negative, got {r}")
    if dim is None or x.ndim == 0:
        if dim is not None:
            normalize_dim(dim, 1, "repeat_interleave")
        x, d = reshape(x, (-1,)), 0
    else:
        d = normalize_dim(dim, x.ndim, "repeat_interleave")
    n = x.shape[d]
    if output_size is not None and output_size != n * r:
        raise ValueError(f"repeat_interleave: output_size {output_size} is not {n * r}, the "
                         f"size of dimension {d} ({n}) times repeats ({r})")
    y = broadcast_to(unsqueeze(x, d + 1), x.shape[:d + 1] + (r,) + x.shape[d + 1:])
    return reshape(y, x.shape[:d] + (n * r,) + x.shape[d + 1:])


def unbind(input: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, as a tuple of tensors without that dimension.

    >>> import scratchgrad as sg
    >>> sg.unbind(sg.tensor([[1.0, 2.0], [3.0, 4.0]]), 1)
    (tensor([1., 3.]), tensor([2., 4.]))
    """
    x = to_tensor(input)
    if x.ndim == 0:
        raise IndexError(f"unbind: dimension {dim} is out of range for a tensor with no "
                         "dimensions")
    d = normalize_dim(dim, x.ndim, "unbind")
    if x.shape[d] == 0:
        return ()
    return tuple(squeeze(p, d) for p in split(x, 1, d))


def movedim(input: Any, source: Any, destination: Any) -> Tensor:
    """Move dimensions ``source`` to positions ``destination``; the others keep their order.

    >>> import scratchgrad as sg
    >>> sg.movedim(sg.zeros(2, 3, 4), 0, -1).shape
    (3, 4, 2)
    """
    x = to_tensor(input)
    src, dst = _dims(source), _dims(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {src} and destination {dst} must have the same "
                         "number of dims")
    n = x.ndim
    src = _unique_dims(src, n, "movedim", "source")
    dst = _unique_dims(dst, n, "movedim", "destination")
    order: list = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(k for k in range(n) if k not in src)
    return permute(x, tuple(o if o is not None else next(rest) for o in order))


def _triangle(x: Any, diagonal: int, lower: bool, op: str) -> Tensor:
    from .arithmetic import where  # noqa: PLC0415  (arithmetic imports this module)

    x = to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"{op}: expected a tensor with at least 2 dimensions, got shape "
                         f"{x.shape}")
    xp = get_array_module(x._data)
    m, n = x.shape[-2:]
    keep = xp.tri(m, n, diagonal, dtype=bool) if lower else ~xp.tri(m, n, diagonal - 1,
                                                                     dtype=bool)
    zero = as_tensor_like(False if x._data.dtype == np.bool_ else 0, x)
    return where(Tensor._make(constant_array(keep)), x, zero)


def tril(input: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions (on and below diagonal ``diagonal``);
    zeros elsewhere.

    >>> import scratchgrad as sg
    >>> sg.tril(sg.ones(2, 3))
    tensor([[1., 0., 0.],
            [1., 1., 0.]])
    """
    return _triangle(input, diagonal, True, "tril")


def triu(input: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions (on and above diagonal ``diagonal``);
    zeros elsewhere.

    >>> import scratchgrad as sg
    >>> sg.triu(sg.ones(2, 3), 1)
    tensor([[0., 1., 1.],
            [0., 0., 1.]])
    """
    return _triangle(input, diagonal, False, "triu")


# ---------------------------------------------------------------------- stacking and grids
concat = cat


def _tensors(tensors: Sequence[Any], op: str) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a sequence of tensors, got a single tensor")
    ts = [to_tensor(x) for x in tensors]
    if not ts:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    return ts


def _at_least(x: Tensor, ndim: int) -> Tensor:
    """NumPy's atleast_1d/2d/3d: (n,) -> (1, n) -> (1, n, 1); (m, n) -> (m, n, 1)."""
    if x.ndim >= ndim:
        return x
    if x.ndim == 0:
        return reshape(x, (1,) * ndim)
    if x.ndim == 1:
        return reshape(x, (1, x.shape[0]) + (1,) * (ndim == 3))
    return reshape(x, x.shape + (1,))


def hstack(tensors: Sequence[Any]) -> Tensor:
    """Join horizontally: along dim 0 for 1-D tensors (0-d count as 1-D), else along dim 1.

    >>> import scratchgrad as sg
    >>> sg.hstack([sg.tensor([1.0, 2.0]), sg.tensor([3.0])])
    tensor([1., 2., 3.])
    """
    ts = [_at_least(t_, 1) for t_ in _tensors(tensors, "hstack")]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Any]) -> Tensor:
    """Join vertically (along dim 0), 1-D tensors becoming rows.

    >>> import scratchgrad as sg
    >>> sg.vstack([sg.tensor([1.0, 2.0]), sg.tensor([3.0, 4.0])]).shape
    (2, 2)
    """
    return cat([_at_least(t_, 2) for t_ in _tensors(tensors, "vstack")], 0)


def dstack(tensors: Sequence[Any]) -> Tensor:
    """Join along the third dimension, after making each tensor at least 3-D.

    >>> import scratchgrad as sg
    >>> sg.dstack([sg.tensor([1.0, 2.0]), sg.tensor([3.0, 4.0])]).shape
    (1, 2, 2)
    """
    return cat([_at_least(t_, 3) for t_ in _tensors(tensors, "dstack")], 2)


def column_stack(tensors: Sequence[Any]) -> Tensor:
    """Join as columns: 0-d and 1-D tensors become columns (n, 1), then all join along dim 1.

    >>> import scratchgrad as sg
    >>> sg.column_stack([sg.tensor([1.0, 2.0]), sg.tensor([[3.0], [4.0]])])
    tensor([[1., 3.],
            [2., 4.]])
    """
    ts = [reshape(t_, (-1, 1)) if t_.ndim <= 1 else t_
          for t_ in _tensors(tensors, "column_stack")]
    return cat(ts, 1)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 0-d or 1-D tensors: with ``indexing="ij"`` output k varies along
    dimension k; with ``"xy"`` the first two dimensions are swapped (Cartesian). Without
    ``indexing``, "ij" with PyTorch's warning that it will be required. Each output is a
    broadcast of its input, so gradients sum back.

    >>> import scratchgrad as sg
    >>> X, Y = sg.meshgrid(sg.tensor([1.0, 2.0]), sg.tensor([3.0, 4.0, 5.0]), indexing="ij")
    >>> X.shape, Y[0]
    ((2, 3), tensor([3., 4., 5.]))
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    ts = _tensors(tensors, "meshgrid")
    if indexing is None:
        import warnings

        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument; using indexing='ij'", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for i, t_ in enumerate(ts):
        if t_.ndim > 1:
            raise ValueError(f"meshgrid: expected 0-d or 1-D tensors, tensor {i} has shape "
                             f"{t_.shape}")
        if t_.dtype != ts[0].dtype:
            raise TypeError(f"meshgrid: expected tensors of one dtype, got {ts[0].dtype} and "
                            f"{t_.dtype}")
    ts = [reshape(t_, (-1,)) for t_ in ts]
    swap = indexing == "xy" and len(ts) >= 2
    order = [1, 0] + list(range(2, len(ts))) if swap else list(range(len(ts)))
    sizes = [ts[k].shape[0] for k in order]
    grids = []
    for k, t_ in enumerate(ts):
        pos = order.index(k)
        shape = [1] * len(ts)
        shape[pos] = t_.shape[0]
        grids.append(broadcast_to(reshape(t_, tuple(shape)), tuple(sizes)))
    return tuple(grids)


# ---------------------------------------------------------------------- diagonals, splits, turns
# Compositions of getitem, pad, permute and narrow: their gradients (and double backward) are
# those of the primitives, exactly.
def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal of the matrices in dims ``dim1`` and ``dim2`` (above it for ``offset`` >
    0), as a new last dimension.

    >>> import scratchgrad as sg
    >>> sg.diagonal(sg.arange(9.0).reshape(3, 3), 1)
    tensor([1., 5.])
    """
    x = to_tensor(input)
    d1, d2 = normalize_dim(dim1, x.ndim, "diagonal"), normalize_dim(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 must differ, both are {dim1}")
    y = movedim(x, (d1, d2), (-2, -1))
    rows, cols = y.shape[-2], y.shape[-1]
    r0, c0 = (0, offset) if offset >= 0 else (-offset, 0)
    n = _max_int(0, min(rows - r0, cols - c0))
    i = np.arange(n)
    return getitem(y, (Ellipsis, i + r0, i + c0))


def _max_int(a: int, b: int) -> int:
    return a if a > b else b


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Matrices (in dims ``dim1``, ``dim2`` of the result) whose ``offset`` diagonal is the
    last dimension of ``input``; zeros elsewhere.

    >>> import scratchgrad as sg
    >>> sg.diag_embed(sg.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    x = to_tensor(input)
    n = x.shape[-1] if x.ndim else 1
    m = n + abs(offset)
    eye = Tensor._from_data(get_array_module(x._data).eye(m, k=offset, dtype=x._data.dtype))
    padded = pad(x, (0, abs(offset)))
    out = (unsqueeze(padded, -1) if offset >= 0 else unsqueeze(padded, -2)) * eye
    nd = out.ndim
    d1, d2 = normalize_dim(dim1, nd, "diag_embed"), normalize_dim(dim2, nd, "diag_embed")
    if d1 == d2:
        raise ValueError(f"diag_embed: dim1 and dim2 must differ, both are {dim1}")
    return movedim(out, (nd - 2, nd - 1), (d1, d2))


def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None,  # noqa: A002
         append: Any = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (after ``prepend`` and ``append`` are
    joined on).

    >>> import scratchgrad as sg
    >>> sg.diff(sg.tensor([1.0, 4.0, 9.0]))
    tensor([3., 5.])
    """
    x = to_tensor(input)
    d = normalize_dim(dim, x.ndim, "diff")
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = cat([to_tensor(p) for p in parts], d)
    for _ in range(n):
        k = x.shape[d]
        if k == 0:
            break
        x = narrow(x, d, 1, k - 1) - narrow(x, d, 0, k - 1)
        if x._data.dtype.kind == "b":
            x = Tensor._make(x._data != 0)
    return x


def select(input: Any, dim: int, index: int) -> Tensor:  # noqa: A002
    """The slice at ``index`` along ``dim``, that dimension removed (``x[:, index]`` for dim 1).

    >>> import scratchgrad as sg
    >>> sg.select(sg.arange(6.0).reshape(2, 3), 1, -1)
    tensor([2., 5.])
    """
    x = to_tensor(input)
    d = normalize_dim(dim, x.ndim, "select")
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select: index {index} is out of range for dimension {dim} of size "
                         f"{n}")
    return getitem(x, (slice(None),) * d + (operator.index(index),))


def unflatten(input: Any, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1).

    >>> import scratchgrad as sg
    >>> sg.unflatten(sg.zeros(2, 6), 1, (2, 3)).shape
    (2, 2, 3)
    """
    x = to_tensor(input)
    d = normalize_dim(dim, x.ndim, "unflatten")
    return reshape(x, x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


def tensor_split(input: Any, indices_or_sections: Any,  # noqa: A002
                 dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``n`` nearly equal parts (the first ones one longer), or at the given indices.

    >>> import scratchgrad as sg
    >>> [t.tolist() for t in sg.tensor_split(sg.arange(5.0), 2)]
    [[0.0, 1.0, 2.0], [3.0, 4.0]]
    """
    x = to_tensor(input)
    d = normalize_dim(dim, x.ndim, "tensor_split")
    size = x.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError(f"tensor_split: sections must be positive, got {k}")
        q, r = divmod(size, k)
        bounds = [i * q + min(i, r) for i in range(k + 1)]
    else:
        bounds = [0] + [min(max(int(i) if i >= 0 else size + int(i), 0), size)
                        for i in indices_or_sections] + [size]
    return tuple(narrow(x, d, lo, max(hi - lo, 0)) if hi > lo else
                 narrow(x, d, min(lo, size), 0)
                 for lo, hi in zip(bounds[:-1], bounds[1:]))


def _split_by(op: str, x: Any, sections: Any, dim: int, min_ndim: int) -> tuple[Tensor, ...]:
    x = to_tensor(x)
    if x.ndim < min_ndim:
        raise ValueError(f"{op}: expected a tensor with at least {min_ndim} dims, got "
                         f"{x.ndim}")
    if isinstance(sections, (int, np.integer)) and x.shape[dim] % int(sections):
        raise ValueError(f"{op}: dimension {dim} of size {x.shape[dim]} is not divisible "
                         f"into {sections} equal parts")
    return tensor_split(x, sections, dim)


def hsplit(input: Any, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """Split along dim 1 (dim 0 for a 1-d tensor).

    >>> import scratchgrad as sg
    >>> [t.shape for t in sg.hsplit(sg.zeros(2, 4), 2)]
    [(2, 2), (2, 2)]
    """
    x = to_tensor(input)
    return _split_by("hsplit", x, indices_or_sections, 1 if x.ndim > 1 else 0, 1)


def vsplit(input: Any, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """Split along dim 0 (a tensor of at least 2 dims).

    >>> import scratchgrad as sg
    >>> [t.shape for t in sg.vsplit(sg.zeros(4, 2), 2)]
    [(2, 2), (2, 2)]
    """
    return _split_by("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Any, indices_or_sections: Any) -> tuple[Tensor, ...]:  # noqa: A002
    """Split along dim 2 (a tensor of at least 3 dims).

    >>> import scratchgrad as sg
    >>> [t.shape for t in sg.dsplit(sg.zeros(1, 1, 4), 2)]
    [(1, 1, 2), (1, 1, 2)]
    """
    return _split_by("dsplit", input, indices_or_sections, 2, 3)


def rot90(input: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:  # noqa: A002
    """Rotate by 90 degrees ``k`` times in the plane ``dims``, from the first towards the second.

    >>> import scratchgrad as sg
    >>> sg.rot90(sg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[2., 4.],
            [1., 3.]])
    """
    x = to_tensor(input)
    if len(dims) != 2:
        raise ValueError(f"rot90: expected 2 dims, got {tuple(dims)}")
    d0, d1 = (normalize_dim(d, x.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise ValueError(f"rot90: the dims must differ, got {tuple(dims)}")
    k %= 4
    if k == 1:
        return transpose(flip(x, (d1,)), d0, d1)
    if k == 2:
        return flip(x, (d0, d1))
    if k == 3:
        return transpose(flip(x, (d0,)), d0, d1)
    return clone(x)


def fliplr(input: Any) -> Tensor:  # noqa: A002
    """Reverse dim 1 (left to right).

    >>> import scratchgrad as sg
    >>> sg.fliplr(sg.tensor([[1.0, 2.0]]))
    tensor([[2., 1.]])
    """
    x = to_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"fliplr: expected at least 2 dims, got {x.ndim}")
    return flip(x, (1,))


def flipud(input: Any) -> Tensor:  # noqa: A002
    """Reverse dim 0 (up to down).

    >>> import scratchgrad as sg
    >>> sg.flipud(sg.tensor([1.0, 2.0]))
    tensor([2., 1.])
    """
    x = to_tensor(input)
    if x.ndim < 1:
        raise ValueError("flipud: expected at least 1 dim, got a 0-d tensor")
    return flip(x, (0,))


def ravel(input: Any) -> Tensor:  # noqa: A002
    """The elements as a 1-d tensor (``reshape(-1)``).

    >>> import scratchgrad as sg
    >>> sg.ravel(sg.zeros(2, 3)).shape
    (6,)
    """
    return reshape(to_tensor(input), (-1,))


def swapaxes(input: Any, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    """NumPy's name for :func:`transpose`.

    >>> import scratchgrad as sg
    >>> sg.swapaxes(sg.zeros(2, 3), 0, 1).shape
    (3, 2)
    """
    return transpose(input, axis0, axis1)


swapdims = swapaxes
moveaxis = movedim


def unfold(input: Any, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last
    dimension (Tensor.unfold).

    >>> import scratchgrad as sg
    >>> sg.arange(5.0).unfold(0, 2, 2)
    tensor([[0., 1.],
            [2., 3.]])
    """
    x = to_tensor(input)
    d = normalize_dim(dimension, x.ndim, "unfold") if x.ndim else 0
    n = x.shape[d] if x.ndim else 1
    if size > n or size < 0 or step <= 0:
        raise ValueError(f"unfold: size {size} and step {step} don't fit dimension {dimension} "
                         f"of size {n}")
    starts = np.arange(0, n - size + 1, step)
    idx = starts[:, None] + np.arange(size)
    y = getitem(movedim(x, d, -1), (Ellipsis, idx)) if x.ndim else reshape(x, (1, 1))
    return movedim(y, -2, d) if x.ndim else y.reshape(1)


def narrow_copy(input: Any, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """:func:`narrow` as a copy.

    >>> import scratchgrad as sg
    >>> sg.narrow_copy(sg.arange(4.0), 0, 1, 2)
    tensor([1., 2.])
    """
    return clone(narrow(input, dim, start, length))


def split_with_sizes(input: Any, split_sizes: Sequence[int], dim: int = 0  # noqa: A002
                     ) -> tuple[Tensor, ...]:
    """:func:`split` into parts of the given sizes.

    >>> import scratchgrad as sg
    >>> [t.shape for t in sg.split_with_sizes(sg.zeros(5), [2, 3])]
    [(2,), (3,)]
    """
    return split(input, list(split_sizes), dim)


unsafe_split = split
unsafe_split_with_sizes = split_with_sizes
unsafe_chunk = chunk


def diagflat(input: Any, offset: int = 0) -> Tensor:  # noqa: A002
    """A matrix with the flattened ``input`` on its ``offset`` diagonal.

    >>> import scratchgrad as sg
    >>> sg.diagflat(sg.tensor([[1.0], [2.0]]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    return diag_embed(reshape(to_tensor(input), (-1,)), offset)


def _scatter_into(x: Tensor, index: tuple, src: Any, op: str) -> Tensor:
    from .indexing import IndexPut

    src = to_tensor(src)
    want = x._data[index].shape
    if src.shape != want:
        raise ValueError(f"{op}: src of shape {src.shape} does not match the shape {want} of "
                         "the slice it replaces")
    if src._data.dtype != x._data.dtype:
        raise TypeError(f"{op}: src of dtype {src.dtype} must have the input's dtype {x.dtype}")
    return IndexPut(index)(x, src)


def select_scatter(input: Any, src: Any, dim: int, index: int) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` at ``select(dim, index)``.

    >>> import scratchgrad as sg
    >>> sg.select_scatter(sg.zeros(2, 2), sg.ones(2), 0, 1)
    tensor([[0., 0.],
            [1., 1.]])
    """
    x = to_tensor(input)
    d = normalize_dim(dim, x.ndim, "select_scatter")
    return _scatter_into(x, (slice(None),) * d + (operator.index(index),), src,
                         "select_scatter")


def slice_scatter(input: Any, src: Any, dim: int = 0, start: int | None = None,  # noqa: A002
                  end: int | None = None, step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` at the slice ``start:end:step`` of ``dim``.

    >>> import scratchgrad as sg
    >>> sg.slice_scatter(sg.zeros(4), sg.ones(2), 0, 0, None, 2)
    tensor([1., 0., 1., 0.])
    """
    x = to_tensor(input)
    d = normalize_dim(dim, x.ndim, "slice_scatter")
    return _scatter_into(x, (slice(None),) * d + (slice(start, end, step),), src,
                         "slice_scatter")


def diagonal_scatter(input: Any, src: Any, offset: int = 0, dim1: int = 0,  # noqa: A002
                     dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` on the diagonal that :func:`diagonal` reads.

    >>> import scratchgrad as sg
    >>> sg.diagonal_scatter(sg.zeros(2, 2), sg.ones(2))
    tensor([[1., 0.],
            [0., 1.]])
    """
    x = to_tensor(input)
    d1, d2 = (normalize_dim(d, x.ndim, "diagonal_scatter") for d in (dim1, dim2))
    y = movedim(x, (d1, d2), (-2, -1))
    rows, cols = y.shape[-2], y.shape[-1]
    r0, c0 = (0, offset) if offset >= 0 else (-offset, 0)
    i = np.arange(_max_int(0, min(rows - r0, cols - c0)))
    y = _scatter_into(y, (Ellipsis, i + r0, i + c0), src, "diagonal_scatter")
    return movedim(y, (-2, -1), (d1, d2))
