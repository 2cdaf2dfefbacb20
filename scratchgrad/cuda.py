"""``scratchgrad.cuda``: is a GPU there, and a few helpers, in PyTorch's names.

Everything here works without CuPy: ``is_available()`` is then False (never an exception), and
the helpers are no-ops or say clearly that CUDA is missing.

>>> import scratchgrad as sg
>>> isinstance(sg.cuda.is_available(), bool)
True
"""
from __future__ import annotations

from . import backend as _backend


def is_available() -> bool:
    """True when CuPy is installed and sees an NVIDIA GPU; never raises.

    >>> import scratchgrad as sg
    >>> sg.cuda.is_available() in (True, False)
    True
    """
    return _backend.cuda_available()


def unavailable_reason() -> str | None:
    """Why :func:`is_available` is False, in words (None when a GPU is usable).

    >>> import scratchgrad as sg
    >>> sg.cuda.is_available() or isinstance(sg.cuda.unavailable_reason(), str)
    True
    """
    return _backend.cuda_unavailable_reason()


def device_count() -> int:
    """The number of GPUs CuPy sees (0 without CUDA).

    >>> import scratchgrad as sg
    >>> sg.cuda.device_count() >= 0
    True
    """
    if not is_available():
        return 0
    return int(_backend.cupy_module().cuda.runtime.getDeviceCount())


def get_device_name(index: int = 0) -> str:
    """The GPU's name, e.g. ``"NVIDIA H200"``; a RuntimeError without CUDA."""
    cupy = _backend.cupy_module("cuda.get_device_name")
    name = cupy.cuda.runtime.getDeviceProperties(index)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize() -> None:
    """Wait until the GPU has finished all queued work (for timing; a no-op without CUDA).

    >>> import scratchgrad as sg
    >>> sg.cuda.synchronize()
    """
    if is_available():
        _backend.synchronize()


def manual_seed(seed: int) -> None:
    """Seed the GPU's generator only (``scratchgrad.manual_seed`` seeds CPU and GPU).

    >>> import scratchgrad as sg
    >>> sg.cuda.manual_seed(0)
    """
    from .random import default_generator

    default_generator.manual_seed_cuda(int(seed))


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator: the one GPU's, as :func:`manual_seed` (PyTorch's name for
    multi-GPU programs).

    >>> import scratchgrad as sg
    >>> sg.cuda.manual_seed_all(0)
    """
    manual_seed(seed)


def current_device() -> int:
    """The index of the GPU in use: 0 (one GPU is supported); a RuntimeError without CUDA."""
    _backend.cupy_module("cuda.current_device")
    return 0


def kernels_enabled() -> bool:
    """Whether the hand-written CUDA kernels are used (``SCRATCHGRAD_CUDA_KERNELS=0`` turns them
    off and every op takes its generic CuPy path).

    >>> import scratchgrad as sg
    >>> sg.cuda.kernels_enabled() in (True, False)
    True
    """
    from .kernels import cuda_source as _cuda_kernels

    return _cuda_kernels.enabled()


__all__ = ["is_available", "unavailable_reason", "device_count", "get_device_name",
           "synchronize", "manual_seed", "manual_seed_all", "current_device",
           "kernels_enabled"]


from . import amp  # noqa: E402  (torch.cuda.amp.GradScaler / autocast: the same classes)
