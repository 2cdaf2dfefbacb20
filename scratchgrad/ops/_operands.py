"""Operands of the ops: Python scalars and arrays turned into tensors next to a tensor, with
PyTorch's dtype promotion (``_promotion``), and computations on arrays with no gradient
(comparisons, counts) recorded so that the compiler replays them."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _config
from .._policy import EAGER as _EAGER
from .._promotion import promote_types, scalar_dtype
from ..function import Function
from ..tensor import Tensor, get_default_dtype

_state = _config._state


def _scalar_dtype(value: Any, like: np.dtype) -> np.dtype:
    """The dtype a Python scalar takes next to a tensor of dtype ``like`` (PyTorch's rule:
    scalars never widen a float32 tensor; a float next to an integer tensor gives the default
    dtype, float32)."""
    return scalar_dtype(value, like)


def as_tensor_like(value: Any, like: Tensor) -> Tensor:
    """Wrap a scalar or array as a constant tensor with ``like``'s dtype family and device."""
    if isinstance(value, Tensor):
        return value
    xp = np if type(like._data) is np.ndarray else _array_module(like)
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, (bool, int, float)):
        array = xp.asarray(value, dtype=_scalar_dtype(value, like._data.dtype))
    else:
        array = xp.asarray(value)
        if not hasattr(value, "dtype") and array.dtype == np.float64:
            array = array.astype(get_default_dtype())  # a Python list of floats
    if _state.policy is not _EAGER:  # a recorder: a scalar or data is the same at every call
        _state.policy.constant(array)
    return Tensor._make(array)


def _array_module(t: Tensor):
    from ..backend import get_array_module

    return get_array_module(t._data)


def _promoted(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """PyTorch's promotion for two tensors: a float beats an integer or bool whatever its width,
    so ``int64 tensor + float32 tensor`` is float32 (NumPy would say float64)."""
    da, db = a._data.dtype, b._data.dtype
    if da == db or (da.kind == "f" and db.kind == "f"):
        return a, b  # two floats: NumPy promotes in forward, the engine casts gradients back
    from .shape import Cast  # a Function, so that scratchgrad.compile sees the cast

    t = promote_types(da, db)
    return (a if da == t else Cast(t)(a), b if db == t else Cast(t)(b))


def binary_operands(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Turn the operands of a binary op into two tensors with promoted dtypes."""
    if type(a) is not Tensor and not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            b = Tensor._from_data(b)
        a = as_tensor_like(a, b)
    elif type(b) is not Tensor and not isinstance(b, Tensor):
        b = as_tensor_like(b, a)
    if a._data.dtype != b._data.dtype:
        return _promoted(a, b)
    return a, b


class ArrayOp(Function):
    """A computation on arrays with no gradient (a comparison, argmax, a count), recorded as
    an op while ``scratchgrad.compile`` traces, so that a replay computes it again from that
    call's values: made directly, outside any op, its result would be a constant of the trace
    and a replay would reuse it stale. ``fn`` maps the input arrays to the output array."""

    differentiable = False

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def forward(self, *arrays):
        return self.fn(*arrays)

    def name(self) -> str:
        return getattr(self.fn, "__name__", "ArrayOp")


def array_op(fn: Any, *inputs: Tensor) -> Tensor:
    """``fn(*arrays)`` of the inputs' arrays as a tensor that records no graph: directly on the
    eager path (no op object), as an :class:`ArrayOp` while ``scratchgrad.compile`` traces.

    >>> import numpy as np, scratchgrad as sg
    >>> array_op(np.greater, sg.tensor([1.0, -1.0]), sg.tensor(0.0))
    tensor([ True, False])
    """
    if _state.policy is _EAGER:  # nothing records: no op object needed
        return Tensor._make(fn(*[x._data for x in inputs]))
    prev = _state.grad_enabled
    _state.grad_enabled = False
    try:
        return ArrayOp(fn)(*inputs)
    finally:
        _state.grad_enabled = prev
