"""Small helpers shared by the op files: argument normalisation, nothing numerical."""
from __future__ import annotations

from typing import Any

from .. import _config
from ..tensor import Tensor, get_default_dtype


def to_tensor(x: Any) -> Tensor:
    """Accept array-likes where a tensor is expected (``scratchgrad.exp([1.0, 2.0])``)."""
    return x if isinstance(x, Tensor) else Tensor._from_data(x)


def to_float_tensor(x: Any) -> Tensor:
    """Like :func:`to_tensor`, with integer and bool tensors turned into the default dtype
    (float32): PyTorch's rule for exp, log, sqrt, sin, sigmoid... (``exp(int64 tensor)`` is
    float32)."""
    x = to_tensor(x)
    if x.data.dtype.kind == "f":
        return x
    return Tensor._make(x.data.astype(get_default_dtype()))


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """A dimension index in ``[0, ndim)``, with a clear error naming the op."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension {dim} is out of range for a tensor with {ndim} "
                         f"dimension(s) (expected in [{-n}, {n - 1}])")
    return dim % n


def reduce_axes(dim: Any, axis: Any, keepdim: Any, keepdims: Any, ndim: int, op: str
                ) -> tuple[tuple[int, ...] | None, bool]:
    """Merge PyTorch's ``dim``/``keepdim`` with NumPy's ``axis``/``keepdims``."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dim is None:
        return None, bool(keepdim)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if ndim == 0:
        for d in dims:
            if d not in (0, -1):
                normalize_dim(d, 0, op)
        return (), bool(keepdim)
    return tuple(sorted(normalize_dim(d, ndim, op) for d in dims)), bool(keepdim)


def shape_arg(shape: tuple, op: str) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: expected a shape of integers, got {shape!r}") from None


def index_arrays(index: Any) -> Any:
    """Replace tensors inside an index by their arrays (``x[mask]``, ``x[idx, :]``)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list) and any(isinstance(i, Tensor) for i in index):
        return [i.data if isinstance(i, Tensor) else i for i in index]
    return index


def constant_array(array: Any) -> Any:
    """Mark an array an op makes from shapes or Python values alone (ranges, triangle masks,
    an index list) as a constant of the trace while ``scratchgrad.compile`` traces, so that the
    op stays compiled: the tracer refuses arrays of unknown origin as op attributes, since one
    computed from data would be replayed stale. A no-op otherwise."""
    tracer = _config._state.tracer
    if tracer is not None:
        tracer.constant(array)
    return array
