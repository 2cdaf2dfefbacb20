"""Shape operations: reshape, transpose, broadcasting, indexing, cat/stack/split, pad."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import _config
from ..backend import add_at, get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import index_arrays, normalize_dim, shape_arg, to_tensor


class Reshape(Function):
    def __init__(self, shape: tuple) -> None:
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, gy):
        return reshape(gy, self.inputs[0].data.shape)


class Permute(Function):
    def __init__(self, axes: tuple) -> None:
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        return permute(gy, tuple(np.argsort(self.axes)))


class BroadcastTo(Function):
    def __init__(self, shape: tuple) -> None:
        self.shape = shape

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.inputs[0].data.shape)


class SumTo(Function):
    """Sum a broadcast gradient back to ``shape``: the one place broadcasting is undone."""

    def __init__(self, shape: tuple) -> None:
        self.shape = shape

    def forward(self, x):
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(self.shape) if s == 1 and x.shape[lead + i] != 1)
        y = x.sum(axis=axes, keepdims=True) if axes else x
        return y.reshape(self.shape) if lead else y

    def backward(self, gy):
        return broadcast_to(gy, self.inputs[0].data.shape)


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
    def __init__(self, index: Any) -> None:
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, gy):
        return GetItemGrad(self.index, self.inputs[0].data.shape)(gy)


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
            add_at(xp, gx, self.index, gy)
        return gx

    def backward(self, ggx):
        return getitem(ggx, self.index)


class Concat(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, gy):
        sizes = [x.data.shape[self.axis] for x in self.inputs]
        return split(gy, sizes, self.axis)


class Stack(Function):
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, gy):
        lead = (slice(None),) * self.axis
        return tuple(getitem(gy, lead + (i,)) for i in range(len(self.inputs)))


class Split(Function):
    """Several outputs; a missing output gradient counts as zeros."""

    def __init__(self, sizes: list[int], axis: int) -> None:
        self.sizes, self.axis = sizes, axis

    def forward(self, x):
        bounds = np.cumsum(self.sizes)[:-1].tolist()  # host ints, fine for CuPy too
        return tuple(np.split(x, bounds, axis=self.axis))

    def backward(self, *gys):
        x = self.inputs[0].data
        parts = []
        for size, g in zip(self.sizes, gys):
            if g is None:
                shape = list(x.shape)
                shape[self.axis] = size
                g = Tensor._make(get_array_module(x).zeros(shape, dtype=x.dtype))
            parts.append(g)
        return cat(parts, self.axis)


class Pad(Function):
    def __init__(self, widths: tuple, value: float) -> None:
        self.widths, self.value = widths, value

    def forward(self, x):
        return np.pad(x, self.widths, mode="constant", constant_values=self.value)

    def backward(self, gy):
        index = tuple(slice(lo, gy.data.shape[i] - hi) for i, (lo, hi) in enumerate(self.widths))
        return getitem(gy, index)


class Clone(Function):
    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


class Cast(Function):
    def __init__(self, dtype: Any) -> None:
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return cast(gy, self.inputs[0].data.dtype)


# ---------------------------------------------------------------------- functions
def sum_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Sum ``x`` down to ``shape`` (the inverse of broadcasting); a no-op when equal."""
    shape = tuple(shape)
    if x.data.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, x.data.shape[lead:])):
        raise ValueError(f"sum_to: can't sum a tensor of shape {x.shape} to {shape}: the target "
                         "must broadcast to the tensor's shape")
    return SumTo(shape)(x)


def reshape(x: Any, *shape: Any) -> Tensor:
    """A tensor with the same data and a new shape; one dimension may be -1.

    >>> import scratchgrad as sg
    >>> sg.reshape(sg.arange(6), (2, -1)).shape
    (2, 3)
    """
    x = to_tensor(x)
    shape = shape_arg(shape, "reshape")
    if x.data.shape == shape:
        return x
    known = [s for s in shape if s != -1]
    n_known = int(np.prod(known)) if known else 1
    if shape.count(-1) > 1 or any(s < -1 for s in shape) or (
            -1 in shape and (n_known == 0 or x.data.size % n_known)) or (
            -1 not in shape and n_known != x.data.size):
        raise RuntimeError(f"reshape: shape {shape} is invalid for a tensor of shape {x.shape} "
                           f"({x.data.size} elements)")
    return Reshape(shape)(x)


view = reshape


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
    x = to_tensor(x)
    shape = tuple(shape)
    if x.data.shape == shape:
        return x
    try:
        np.broadcast_shapes(x.shape, shape)
        if np.broadcast_shapes(x.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"broadcast_to: can't broadcast a tensor of shape {x.shape} to "
                         f"{shape}") from None
    return BroadcastTo(shape)(x)


def expand(x: Any, *shape: Any) -> Tensor:
    """Broadcast to ``shape``; -1 keeps a dimension as it is (PyTorch's ``expand``)."""
    x = to_tensor(x)
    shape = shape_arg(shape, "expand")
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: target shape {shape} has fewer dimensions than {x.shape}")
    full = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return broadcast_to(x, full)


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]`` with ints, slices, None, ..., integer arrays and boolean masks.

    >>> import scratchgrad as sg
    >>> sg.arange(5.0)[[0, 0, 2]]
    tensor([0., 0., 2.])
    """
    x = to_tensor(x)
    index = index_arrays(index)
    if isinstance(index, list):
        index = np.asarray(index)
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
    dtypes = {t_.data.dtype for t_ in ts}
    if len(dtypes) == 1:
        return ts
    floats = [d for d in dtypes if d.kind == "f"]
    target = np.result_type(*floats) if floats else np.result_type(*dtypes)
    return [t_ if t_.data.dtype == target else cast(t_, target) for t_ in ts]


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


def pad(x: Any, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad with a constant. ``pad`` lists (left, right) pairs from the last dimension
    backwards, as in ``torch.nn.functional.pad``.

    >>> import scratchgrad as sg
    >>> sg.pad(sg.ones(2, 2), (1, 1)).shape
    (2, 4)
    """
    x = to_tensor(x)
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; only 'constant'")
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


def clone(x: Any) -> Tensor:
    """A copy that stays in the graph."""
    return Clone()(to_tensor(x))


def cast(x: Tensor, dtype: Any) -> Tensor:
    """Convert to ``dtype``; differentiable between floating-point types."""
    dtype = np.dtype(dtype)
    if x.data.dtype == dtype:
        return x
    if dtype.kind != "f" and x.requires_grad:
        with _config.no_grad():  # integer results leave the graph
            return Cast(dtype)(x)
    return Cast(dtype)(x)


def to_device(x: Tensor, device: Any) -> Tensor:
    """Move to another device (differentiable; see scratchgrad/_transfer.py)."""
    from .._transfer import to_device as _to_device  # noqa: PLC0415  (device code lives there)

    return _to_device(x, device)
