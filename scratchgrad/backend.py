"""The array module behind tensors: NumPy on the CPU (CuPy on a GPU, see issue 7).

This is the one place that decides which array library an operation uses. Ops call
``get_array_module(x)`` once and then use only names NumPy and CuPy share.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class device:
    """Where a tensor's data lives, in PyTorch's shape: ``device("cpu")``, ``device("cuda")``.

    Compares equal to its name, so ``x.device == "cpu"`` works.

    >>> device("cpu").type
    'cpu'
    """

    __slots__ = ("type", "index")

    def __init__(self, spec: "str | device" = "cpu", index: int | None = None) -> None:
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        name, _, idx = str(spec).partition(":")
        if name not in ("cpu", "cuda"):
            raise ValueError(f"device: expected 'cpu' or 'cuda', got {spec!r}")
        self.type = name
        self.index = int(idx) if idx else index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type

    def __hash__(self) -> int:
        return hash(self.type)

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"

    def __str__(self) -> str:
        return self.type


CPU = device("cpu")


def get_array_module(x: Any = None):
    """Return the array module (``numpy`` or ``cupy``) that holds ``x``.

    >>> get_array_module(np.zeros(2)) is np
    True
    """
    cls = type(x)
    if cls is np.ndarray or x is None:
        return np
    if cls.__module__.startswith("cupy"):
        import cupy  # noqa: PLC0415  (optional GPU dependency)

        return cupy
    return np


def device_of(array: Any) -> device:
    """The device of a raw array."""
    return CPU if get_array_module(array) is np else device("cuda")
