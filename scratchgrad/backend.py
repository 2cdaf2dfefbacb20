"""The array module behind tensors: NumPy on the CPU (CuPy on a GPU, see issue 7).

This is the one place that decides which array library an operation uses. Ops call
``get_array_module(x)`` once and then use only names NumPy and CuPy share.
"""
from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

import numpy as np


def _keep_freed_memory() -> bool:
    """Ask glibc to keep freed large blocks instead of returning them to the kernel.

    Training allocates and frees the same large arrays every step (im2col matrices,
    activations). By default glibc serves each with a fresh mmap and unmaps it on free, so
    every step pays page faults on memory it just released; profiles put that at about a
    quarter of a CNN step. Raising the mmap and trim thresholds makes freed blocks reusable,
    as PyTorch's caching allocator does. Set SCRATCHGRAD_NO_MALLOPT=1 to opt out.
    """
    if not sys.platform.startswith("linux") or os.environ.get("SCRATCHGRAD_NO_MALLOPT"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 1 << 30)
                    and libc.mallopt(m_trim_threshold, 4 << 30))
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False


MALLOPT_APPLIED = _keep_freed_memory()


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
