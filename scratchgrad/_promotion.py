"""The dtype rules of scratchgrad's ops, on dtypes alone, written once.

Eager mode applies them to the arrays of its operands (``ops._operands.binary_operands``, ``div``,
``pow``, ``sum``, ``cat``, the float functions such as ``exp``); graph mode applies the same
functions to the static dtypes of its nodes (``scratchgrad.graph.ops``), so that the dtype a
node announces while the graph is built is the dtype of the value the session computes.

The rules are PyTorch's where it differs from NumPy:

- a Python scalar never widens a tensor: ``float32 tensor * 2.0`` is float32, and
  ``int32 tensor + 1`` is int32 (NumPy 1.x would let a large scalar widen it);
- a float beats an integer or bool of any width: ``int64 + float32`` is float32 (NumPy says
  float64);
- true division of integers, and a float or negative power of an integer, give float32;
- ``exp``, ``log``, ``sqrt``, ... of an integer give the default float dtype;
- ``sum`` of bools and integers accumulates in 64 bits.

Every function accepts None for "unknown" (a graph node whose dtype isn't known while the graph
is built) and then answers None. All but :func:`promote_types` return a float dtype unchanged,
so the eager ops test ``dtype.kind == "f"`` inline and call them only for other dtypes: the
float case is the common one, and it then costs no call.

>>> import numpy as np
>>> promote_types(np.dtype(np.int64), np.dtype(np.float32))
dtype('float32')
>>> scalar_dtype(2.0, np.dtype(np.float32)), true_divide_dtype(np.dtype(np.int32))
(dtype('float32'), dtype('float32'))
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import float32, get_default_dtype, int64

uint64 = np.dtype(np.uint64)

__all__ = ["scalar_dtype", "promote_types", "true_divide_dtype", "scalar_power_dtype",
           "float_dtype", "sum_dtype"]


def scalar_dtype(value: Any, like: np.dtype | None) -> np.dtype | None:
    """The dtype a Python scalar takes next to an operand of dtype ``like``: a bool takes
    ``like``; an int takes ``like`` (int64 next to a bool); a float takes ``like`` if it is a
    float, else the default dtype (float32). So a scalar never widens the other operand.

    >>> scalar_dtype(3, np.dtype(np.uint8)), scalar_dtype(0.5, np.dtype(np.int32))
    (dtype('uint8'), dtype('float32'))
    """
    if like is None:
        return None
    if isinstance(value, bool):
        return like
    if isinstance(value, int):
        return int64 if like.kind == "b" else like
    if isinstance(value, float):
        return like if like.kind == "f" else get_default_dtype()
    return np.asarray(value).dtype


def promote_types(*dtypes: np.dtype | None) -> np.dtype | None:
    """The common dtype of operands: the widest float if any operand is a float (so an int64
    next to a float32 gives float32, where NumPy says float64), else NumPy's promotion of the
    integers and bools.

    >>> promote_types(np.dtype(np.int16), np.dtype(np.uint8), np.dtype(np.bool_))
    dtype('int16')
    """
    if any(d is None for d in dtypes):
        return None
    floats = [d for d in dtypes if d.kind == "f"]
    return np.result_type(*floats) if floats else np.result_type(*dtypes)


def true_divide_dtype(dtype: np.dtype | None) -> np.dtype | None:
    """The dtype of ``x / y`` for operands promoted to ``dtype``: floats keep theirs, integers
    and bools divide in float32."""
    if dtype is None:
        return None
    return dtype if dtype.kind == "f" else float32


def scalar_power_dtype(dtype: np.dtype | None, exponent: int | float) -> np.dtype | None:
    """The dtype of ``x ** exponent`` for a Python-number exponent: an integer or bool ``x``
    stays in its dtype for a non-negative int exponent and computes in float32 otherwise (a
    negative or fractional power of an integer is not an integer).

    >>> scalar_power_dtype(np.dtype(np.int32), 2), scalar_power_dtype(np.dtype(np.int32), -1)
    (dtype('int32'), dtype('float32'))
    """
    if dtype is not None and dtype.kind in "iub" and (isinstance(exponent, float)
                                                       or exponent < 0):
        return float32
    return dtype


def float_dtype(dtype: np.dtype | None) -> np.dtype | None:
    """The dtype a float function (``exp``, ``log``, ``sqrt``, ``sigmoid``, ...) computes in:
    floats keep theirs, integers and bools take the default dtype (float32)."""
    if dtype is None:
        return None
    return dtype if dtype.kind == "f" else get_default_dtype()


def sum_dtype(dtype: np.dtype | None) -> np.dtype | None:
    """The dtype ``sum`` accumulates in, and returns, without ``dtype=``: int64 for bools and
    signed integers of any width, uint64 for unsigned integers (NumPy's accumulator; PyTorch
    would say int64); floats keep theirs."""
    if dtype is None:
        return None
    return int64 if dtype.kind in "bi" else uint64 if dtype.kind == "u" else dtype
