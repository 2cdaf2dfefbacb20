"""PyTorch's legacy tensor types: ``FloatTensor``, ``LongTensor``, ... as books and older code
use them.

Each is a constructor (``sg.FloatTensor([1, 2])``, ``sg.LongTensor(3)``) that makes an ordinary
:class:`~scratchgrad.Tensor` of its dtype with the rules of ``Tensor(...)``; and
``isinstance(x, sg.FloatTensor)`` is True for a float32 tensor on the CPU, as in PyTorch. They
are not subclasses of Tensor (neither are PyTorch's): a tensor's type is always Tensor.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, as_dtype


class _LegacyType(type):
    """The metaclass of the legacy types: calling one builds a Tensor of its dtype, and
    ``isinstance`` looks at a tensor's dtype and device."""

    dtype: np.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        return Tensor(*args, dtype=cls.dtype, device=device)

    def __instancecheck__(cls, obj: Any) -> bool:
        return (isinstance(obj, Tensor) and obj._data.dtype == cls.dtype
                and obj.device.type == "cpu")


def _legacy(name: str, dtype: str) -> _LegacyType:
    doc = (f"PyTorch's legacy constructor of {dtype} tensors: ``{name}(data)`` or "
           f"``{name}(*sizes)``; ``isinstance(x, {name})`` for a {dtype} tensor on the CPU.")
    cls = _LegacyType(name, (), {"dtype": np.dtype(dtype), "__doc__": doc,
                                 "__module__": "scratchgrad"})
    return cls


FloatTensor = _legacy("FloatTensor", "float32")
DoubleTensor = _legacy("DoubleTensor", "float64")
HalfTensor = _legacy("HalfTensor", "float16")
LongTensor = _legacy("LongTensor", "int64")
IntTensor = _legacy("IntTensor", "int32")
ByteTensor = _legacy("ByteTensor", "uint8")
BoolTensor = _legacy("BoolTensor", "bool")

_TYPES = (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ByteTensor, BoolTensor)
_BY_DTYPE = {t.dtype: t for t in _TYPES}
_BY_NAME = {t.__name__: t for t in _TYPES}


def type_name(x: Tensor) -> str:
    """``x.type()``: ``'scratchgrad.FloatTensor'``, ``'scratchgrad.cuda.FloatTensor'``."""
    legacy = _BY_DTYPE.get(x._data.dtype)
    name = legacy.__name__ if legacy is not None else f"{x._data.dtype.name}Tensor"
    where = "" if x.device.type == "cpu" else "cuda."
    return f"scratchgrad.{where}{name}"


def dtype_of(spec: Any) -> np.dtype:
    """The dtype ``x.type(spec)`` converts to: a legacy type, its name (``'torch.LongTensor'``,
    ``'scratchgrad.LongTensor'``) or a dtype."""
    if isinstance(spec, _LegacyType):
        return spec.dtype
    if isinstance(spec, str) and spec.endswith("Tensor"):
        legacy = _BY_NAME.get(spec.rsplit(".", 1)[-1])
        if legacy is None:
            raise TypeError(f"type: unknown tensor type {spec!r}; expected one of "
                            f"{sorted(_BY_NAME)}")
        return legacy.dtype
    return as_dtype(spec)
