"""The array module behind tensors: NumPy on the CPU, CuPy on an NVIDIA GPU.

This is the one place that decides which array library an operation uses, and the only file
that imports CuPy (lazily: it is an optional extra). Ops call ``get_array_module(x)`` once and
then use only names NumPy and CuPy share; for the few they spell differently (``np.add.at``,
``as_strided``) this file has a helper taking ``xp``.
"""
from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

import numpy as np


_malloc_tuned: list[bool] = []  # [result] once keep_freed_memory() has run


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed large blocks for reuse instead of returning them to the kernel;
    True when the setting is in effect. Called by the command line, ``Trainer.fit`` and the
    benchmarks; importing scratchgrad changes nothing in the process.

    Training allocates and frees the same large arrays every step (im2col matrices,
    activations). By default glibc serves each with a fresh mmap and unmaps it on free, so
    every step pays page faults on memory it just released. Raising the mmap and trim
    thresholds makes freed blocks reusable, as PyTorch's caching allocator does (the effect on
    a CNN step is in ``docs/performance.md``). The cost: memory freed by the process stays
    with it. ``SCRATCHGRAD_NO_MALLOPT=1`` in the environment opts out; off Linux/glibc it
    does nothing and returns False. Calling it again changes nothing.

    >>> isinstance(keep_freed_memory(), bool)
    True
    """
    if _malloc_tuned:
        return _malloc_tuned[0]
    ok = False
    if sys.platform.startswith("linux") and not os.environ.get("SCRATCHGRAD_NO_MALLOPT"):
        try:
            libc = ctypes.CDLL("libc.so.6")
            m_trim_threshold, m_mmap_threshold = -1, -3  # from <malloc.h>
            ok = bool(libc.mallopt(m_mmap_threshold, 1 << 30)
                      and libc.mallopt(m_trim_threshold, 4 << 30))
        except (OSError, AttributeError):  # not glibc (musl): nothing to tune
            ok = False
    _malloc_tuned.append(ok)
    return ok


class device:
    """Where a tensor's data lives, in PyTorch's shape: ``device("cpu")``, ``device("cuda")``,
    ``device("cuda:0")``, ``device("cuda", 0)``.

    Compares equal to its name, so ``x.device == "cpu"`` works. The index is informational: one
    GPU is supported, and ``"cuda"`` equals ``"cuda:0"``.

    >>> device("cpu").type
    'cpu'
    >>> str(device("cuda", 0))
    'cuda:0'
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
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")

# ---------------------------------------------------------------------------- CuPy, lazily
# CuPy is imported on first use only: ``import scratchgrad`` must stay fast and must work where
# CuPy is missing or broken (no driver, wrong CUDA version), so every failure is caught here
# and turned into "CUDA is not available", with the reason kept for error messages.
_cupy: Any = None
_cupy_reason: str | None = None  # why CUDA is unavailable, once probed
_probed = False


def _probe() -> None:
    global _cupy, _cupy_reason, _probed
    if _probed:
        return
    _probed = True
    if os.environ.get("SCRATCHGRAD_DISABLE_CUDA"):
        _cupy_reason = "SCRATCHGRAD_DISABLE_CUDA is set"
        return
    try:
        import cupy  # noqa: PLC0415  (optional GPU dependency)
    except Exception as e:  # ImportError, or a CuPy that fails to load its CUDA libraries
        _cupy_reason = (f"CuPy is not installed or failed to import ({type(e).__name__}: {e}); "
                        "pip install 'scratchgrad[cuda12]' (or [cuda13])")
        return
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # no driver, no device: CuPy raises CUDARuntimeError
        _cupy_reason = f"CuPy found no usable GPU ({type(e).__name__}: {e})"
        return
    if count < 1:
        _cupy_reason = "CuPy found no GPU"
        return
    _cupy = cupy


def cuda_available() -> bool:
    """True when CuPy imports and sees at least one GPU; never raises.

    >>> isinstance(cuda_available(), bool)
    True
    """
    _probe()
    return _cupy is not None


def cuda_unavailable_reason() -> str | None:
    """Why :func:`cuda_available` is False (None when it is True)."""
    _probe()
    return _cupy_reason


def cupy_module(op: str = "cuda") -> Any:
    """The ``cupy`` module, or a RuntimeError naming ``op`` and saying why CUDA is missing."""
    _probe()
    if _cupy is None:
        raise RuntimeError(f"{op}: CUDA is not available: {_cupy_reason}. "
                           "Use device='cpu' (scratchgrad.cuda.is_available() is False)")
    return _cupy


def _is_cuda_array(x: Any) -> bool:
    # By module name, so that telling the device of an array never imports CuPy.
    return type(x).__module__.startswith("cupy")


def get_array_module(x: Any = None):
    """Return the array module (``numpy`` or ``cupy``) that holds ``x``.

    >>> get_array_module(np.zeros(2)) is np
    True
    """
    if type(x) is np.ndarray or x is None:
        return np
    if _is_cuda_array(x):
        return cupy_module("get_array_module")
    return np


def array_module(dev: Any = None):
    """The array module for a device (``None`` and ``"cpu"`` give NumPy).

    >>> array_module("cpu") is np
    True
    """
    if dev is None:
        return np
    dev = dev if isinstance(dev, device) else device(dev)
    return np if dev.type == "cpu" else cupy_module(f"device {dev}")


def device_of(array: Any) -> device:
    """The device of a raw array.

    >>> device_of(np.zeros(2))
    device(type='cpu')
    """
    if type(array) is np.ndarray or not _is_cuda_array(array):
        return CPU
    dev = getattr(array, "device", None)
    return device("cuda", getattr(dev, "id", 0))


def to_device_array(array: Any, dev: Any) -> Any:
    """``array`` on device ``dev``: copied between host and GPU when needed, else itself.

    >>> a = np.zeros(2); to_device_array(a, "cpu") is a
    True
    """
    dev = dev if isinstance(dev, device) else device(dev)
    on_cuda = _is_cuda_array(array)
    if dev.type == "cpu":
        return array.get() if on_cuda else array
    cupy = cupy_module(f"to({dev})")
    if on_cuda:
        return array
    return cupy.asarray(array)


# Where factories put tensors when no device= is given (PyTorch's set_default_device); None
# means the CPU. The test suite's ``device`` fixture sets it, so that every tensor a test makes
# lands on the device under test.
_default_device: device | None = None


def set_default_device(dev: Any) -> None:
    """Make factories (``tensor``, ``zeros``, ``randn``, ``Tensor(...)``...) create on ``dev``
    when no ``device=`` is given; ``None`` or ``"cpu"`` restores the CPU.

    >>> set_default_device("cpu"); get_default_device()
    device(type='cpu')
    """
    global _default_device
    dev = None if dev is None else dev if isinstance(dev, device) else device(dev)
    if dev is not None and dev.type == "cuda":
        cupy_module("set_default_device")  # fail now, clearly, not at the first tensor
    _default_device = None if dev is None or dev.type == "cpu" else dev


def get_default_device() -> device:
    """The device factories create on when no ``device=`` is given."""
    return _default_device or CPU


def to_numpy(array: Any) -> np.ndarray:
    """A host NumPy array for any array (a no-op on the CPU).

    >>> to_numpy(np.ones(1))
    array([1.])
    """
    return array.get() if _is_cuda_array(array) else np.asarray(array)


def like(value: Any, array: Any) -> Any:
    """``value`` ready to be written into ``array``: itself on the CPU; on the GPU, host data
    copied to the device first (CuPy refuses a NumPy array on the right of ``a[...] = v``).

    >>> a = np.zeros(2); v = np.ones(2); like(v, a) is v
    True
    """
    if type(array) is np.ndarray or not _is_cuda_array(array) or _is_cuda_array(value):
        return value
    if isinstance(value, (int, float, bool, complex)):
        return value
    return cupy_module("copy to the GPU").asarray(value)


def check_same_device(op: str, arrays: Any) -> None:
    """Raise a RuntimeError naming ``op`` and both devices when ``arrays`` live on different
    devices (the check behind every op; only run when some input is not a NumPy array).

    >>> check_same_device("add", [np.zeros(1), np.ones(1)])
    """
    kinds = {type(a) for a in arrays}
    if len(kinds) == 1:  # the common case on a GPU: every input a CuPy array
        return
    first = None
    for a in arrays:
        if a is None or isinstance(a, (int, float, bool, np.generic)):
            continue
        d = device_of(a)
        if first is None:
            first = d
        elif d.type != first.type:
            raise RuntimeError(f"{op}: expected all tensors on the same device, got "
                               f"{first} and {d}")


# ---------------------------------------------------------------------------- shared helpers
# Names NumPy and CuPy spell differently, or that CuPy lacks. Ops call these with the ``xp``
# they already hold, so the CPU path is NumPy's own function, unchanged.
def add_at(xp: Any, target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` with repeated indices accumulating (``np.add.at``).

    >>> t = np.zeros(3); add_at(np, t, np.array([0, 0, 2]), 1.0); t
    array([2., 0., 1.])
    """
    if xp is np:
        np.add.at(target, index, values)
    elif hasattr(xp.add, "at"):  # CuPy >= 12: atomic adds
        xp.add.at(target, index, values)
    else:
        import cupyx  # noqa: PLC0415  (ships with CuPy; older name of the same operation)

        cupyx.scatter_add(target, index, values)


def as_strided(xp: Any, x: Any, shape: tuple, strides: tuple, writeable: bool = True) -> Any:
    """A view of ``x`` with the given shape and byte strides (numpy.lib's as_strided).

    >>> as_strided(np, np.arange(4), (3, 2), (8, 8)).tolist()
    [[0, 1], [1, 2], [2, 3]]
    """
    if xp is np:
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=writeable)
    return xp.lib.stride_tricks.as_strided(x, shape, strides)


def put_along_axis(xp: Any, target: Any, indices: Any, values: Any, axis: int) -> None:
    """``np.put_along_axis``; on CuPy through a flat index (older CuPy lacks it)."""
    if xp is np or hasattr(xp, "put_along_axis"):
        xp.put_along_axis(target, indices, values, axis=axis)
        return
    axis = axis % target.ndim
    grids = xp.ogrid[tuple(slice(0, n) for n in indices.shape)]
    index = tuple(indices if k == axis else grids[k] for k in range(target.ndim))
    target[index] = values


def synchronize() -> None:
    """Wait for the GPU to finish queued work (a no-op without CUDA); for timing."""
    if _probed and _cupy is not None:
        _cupy.cuda.Device().synchronize()
