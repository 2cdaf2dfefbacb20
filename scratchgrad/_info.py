"""Facts about dtypes and objects, under PyTorch's names: finfo, iinfo, is_tensor, numel.

>>> import scratchgrad as sg
>>> sg.finfo(sg.float16).max, sg.iinfo(sg.int32).max, sg.is_tensor(sg.ones(1))
(65504.0, 2147483647, True)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, get_default_dtype

__all__ = ["finfo", "iinfo", "is_tensor"]


class finfo:  # noqa: N801  (PyTorch's name)
    """Limits of a floating dtype (the default dtype when none is given), as Python floats."""

    def __init__(self, dtype: Any = None) -> None:
        info = np.finfo(get_default_dtype() if dtype is None else dtype)
        self.dtype = np.dtype(info.dtype)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, "
                f"eps={self.eps}, smallest_normal={self.tiny}, tiny={self.tiny}, "
                f"dtype={self.dtype})")


class iinfo:  # noqa: N801  (PyTorch's name)
    """Limits of an integer dtype, as Python ints."""

    def __init__(self, dtype: Any) -> None:
        info = np.iinfo(dtype)
        self.dtype = np.dtype(info.dtype)
        self.bits, self.max, self.min = int(info.bits), int(info.max), int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def is_tensor(obj: Any) -> bool:
    """True for a scratchgrad tensor (a Parameter too)."""
    return isinstance(obj, Tensor)

