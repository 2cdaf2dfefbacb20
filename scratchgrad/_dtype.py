"""The dtypes: their names, PyTorch's aliases (``"float"``, ``"long"``...), the default float
dtype and how user data picks its dtype (Python floats become the default dtype, Python ints
int64, NumPy arrays keep theirs)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ._size import Size
from .backend import get_array_module

float32 = np.dtype("float32")
float64 = np.dtype("float64")
float16 = np.dtype("float16")
int64 = np.dtype("int64")
int32 = np.dtype("int32")
uint8 = np.dtype("uint8")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
bool_ = np.dtype("bool")

_DTYPE_ALIASES = {
    "float": float32, "float32": float32, "double": float64, "float64": float64,
    "half": float16, "float16": float16, "long": int64, "int64": int64, "int": int32,
    "int32": int32, "uint8": uint8, "bool": bool_,
}

_DEFAULT_FLOAT = float32


def set_default_dtype(d: Any) -> None:
    """Make ``d`` (a floating-point dtype) the dtype of tensors made from Python floats, of the
    float factories (``zeros``, ``rand``, ``arange(0.5, ...)``, ...) and of ``Tensor(...)``, as
    ``torch.set_default_dtype``. Layers still create float32 parameters unless told a dtype.

    >>> import scratchgrad as sg
    >>> sg.set_default_dtype(sg.float64)
    >>> sg.tensor([1.5]).dtype, sg.zeros(1).dtype
    (dtype('float64'), dtype('float64'))
    >>> sg.set_default_dtype(sg.float32)
    """
    global _DEFAULT_FLOAT
    dt = as_dtype(d)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the "
                        f"default type, got {dt}")
    _DEFAULT_FLOAT = dt


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python floats: float32 unless :func:`set_default_dtype`
    said otherwise.

    >>> import scratchgrad as sg
    >>> sg.get_default_dtype()
    dtype('float32')
    """
    return _DEFAULT_FLOAT


def as_dtype(dtype: Any) -> np.dtype:
    """Normalise a dtype given as a NumPy dtype, a Python type or a name (``"float32"``)."""
    if isinstance(dtype, str):
        try:
            return _DTYPE_ALIASES[dtype]
        except KeyError:
            raise TypeError(f"unknown dtype {dtype!r}; expected one of {sorted(_DTYPE_ALIASES)}")
    if dtype is float:
        return _DEFAULT_FLOAT
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    return np.dtype(dtype)


def _default_dtype_for(array: np.ndarray, from_python: bool) -> np.dtype | None:
    """PyTorch's rule: Python floats become the default dtype (float32); Python ints int64;
    NumPy keeps its dtype."""
    kind = array.dtype.kind
    if from_python:
        if kind == "f":
            return _DEFAULT_FLOAT
        if kind in "iu":
            return int64
        if kind == "b":
            return None
    if kind in "fiub":
        return None
    raise TypeError(f"tensor: unsupported data of dtype {array.dtype}; expected numbers or booleans")


def to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Turn user data (list, scalar, array; a Tensor's array) into an array with PyTorch's
    dtype rules."""
    xp = get_array_module(data)
    if dtype is not None:
        return xp.asarray(data, dtype=as_dtype(dtype))
    from_python = not hasattr(data, "dtype")
    array = xp.asarray(data)
    target = _default_dtype_for(array, from_python)
    if target is not None and target != array.dtype:
        array = array.astype(target)
    return array


def legacy_array(args: tuple, dtype: Any) -> Any:
    """The array of ``Tensor(*args)``, PyTorch's legacy constructor: no argument, sizes
    (``Tensor(2, 3)``, zeros here where PyTorch leaves memory uninitialised) or one piece of
    data (a sequence or array, converted to the default dtype). (A tensor argument, aliased,
    is the caller's case.)"""
    target = get_default_dtype() if dtype is None else as_dtype(dtype)
    if not args:
        return np.empty((0,), target)
    sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
    if all(type(n) is int for n in sizes):
        if any(n < 0 for n in sizes):
            raise ValueError(f"Tensor: expected non-negative sizes, got {sizes}")
        return np.zeros(sizes, target)
    if len(args) > 1:
        raise TypeError(f"Tensor: expected sizes (ints) or one sequence of data, got "
                        f"{len(args)} arguments of types "
                        f"{', '.join(type(a).__name__ for a in args)}")
    data = args[0]
    if isinstance(data, (bool, float, complex, np.generic)):
        raise TypeError(f"Tensor: data must be a sequence (got {type(data).__name__}); "
                        f"scratchgrad.tensor({data!r}) makes a 0-d tensor")
    array = get_array_module(data).asarray(data)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"Tensor: unsupported data of dtype {array.dtype}")
    return array.astype(target, copy=False)
