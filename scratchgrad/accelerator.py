"""``scratchgrad.accelerator``: is there an accelerator, which, how many, in PyTorch's names
(``torch.accelerator``). The one accelerator scratchgrad drives is an NVIDIA GPU through CuPy;
without it every answer says "none", and nothing here raises.

>>> import scratchgrad as sg
>>> device = sg.accelerator.current_accelerator() or sg.device("cpu")
>>> device.type in ("cpu", "cuda")
True
"""
from __future__ import annotations

from . import cuda as _cuda
from .backend import device


def is_available() -> bool:
    """True when an accelerator (a CUDA GPU that CuPy sees) is usable.

    >>> import scratchgrad as sg
    >>> sg.accelerator.is_available() == sg.cuda.is_available()
    True
    """
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """``device("cuda")`` when a GPU is usable, else None (scratchgrad knows of no other
    accelerator, so ``check_available`` changes nothing).

    >>> import scratchgrad as sg
    >>> sg.accelerator.current_accelerator() in (None, sg.device("cuda"))
    True
    """
    return device("cuda") if _cuda.is_available() else None


def device_count() -> int:
    """How many accelerators there are (0 without CUDA).

    >>> import scratchgrad as sg
    >>> sg.accelerator.device_count() == sg.cuda.device_count()
    True
    """
    return _cuda.device_count()


def current_device_index() -> int:
    """The index of the accelerator in use: 0 (one GPU is supported), -1 without one."""
    return 0 if _cuda.is_available() else -1


def synchronize() -> None:
    """Wait for the accelerator's queued work (a no-op without one)."""
    _cuda.synchronize()


__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "synchronize"]
