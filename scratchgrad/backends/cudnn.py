"""``scratchgrad.backends.cudnn``: PyTorch's cuDNN switches, stored so that programs setting
them run. scratchgrad's GPU convolutions are its own kernels on CuPy, not cuDNN's, so the
flags change nothing: ``deterministic`` (GPU results here are already the same run to run
but for scatter-adds), ``benchmark`` (there are no algorithms to choose from), ``enabled``.

>>> import scratchgrad as sg
>>> sg.backends.cudnn.benchmark = True
>>> sg.backends.cudnn.benchmark
True
>>> sg.backends.cudnn.benchmark = False
"""
from __future__ import annotations

from .. import backend as _backend

deterministic = False
benchmark = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    """True where scratchgrad's GPU backend is (CuPy sees a CUDA GPU), the condition under
    which PyTorch code that asks goes on to use the GPU; False otherwise.

    >>> import scratchgrad as sg
    >>> sg.backends.cudnn.is_available() == sg.cuda.is_available()
    True
    """
    return _backend.cuda_available()


def version() -> int | None:
    """None: scratchgrad links no cuDNN (PyTorch gives None without one, too)."""
    return None


__all__ = ["deterministic", "benchmark", "enabled", "allow_tf32", "is_available", "version"]
