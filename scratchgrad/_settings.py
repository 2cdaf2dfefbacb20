"""Process-wide settings, in PyTorch's names: how tensors print, how many threads NumPy's BLAS
uses, and the deterministic-algorithms switch.

Unlike ``_config`` (thread-local: no_grad, the train flag), these hold for the whole process,
as they do in PyTorch.
"""
from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np


# ---------------------------------------------------------------------- printing
@dataclass
class PrintOptions:
    """What :func:`set_printoptions` sets; ``Tensor.__repr__`` reads it."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


print_options = PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=sys.maxsize, edgeitems=3, linewidth=80),
}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print, as ``torch.set_printoptions``: digits after the point
    (``precision``), the element count above which a tensor is summarised with ``...``
    (``threshold``), how many items each summarised dimension keeps at each end
    (``edgeitems``), the line width, a ``profile`` (``"default"``, ``"short"``, ``"full"``)
    whose values the other arguments override, and ``sci_mode`` (True: always scientific
    notation, False: never, None: NumPy decides). Arguments left at None keep their value.

    >>> import scratchgrad as sg
    >>> sg.set_printoptions(precision=2)
    >>> sg.tensor([1.23456, 2.5])
    tensor([1.23, 2.50])
    >>> sg.set_printoptions(profile="default")
    >>> sg.tensor([1.23456, 2.5])
    tensor([1.2346, 2.5000])
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; expected one of "
                             f"{sorted(_PROFILES)}")
        for name, value in _PROFILES[profile].items():
            setattr(print_options, name, value)
        print_options.sci_mode = None
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(print_options, name, value)
    if sci_mode is not None or profile is not None:
        print_options.sci_mode = sci_mode


def format_array(a: np.ndarray, prefix: str) -> str:
    """The values of a tensor as its repr shows them, under the current print options."""
    opts = print_options
    p = opts.precision
    formatter = None
    if a.dtype.kind == "f" and opts.sci_mode is not None:
        if opts.sci_mode:
            formatter = {"float_kind": lambda v: np.format_float_scientific(
                v, precision=p, unique=False)}
        else:
            formatter = {"float_kind": lambda v: np.format_float_positional(
                v, precision=p, unique=False, trim="k")}
    # Digits after the point only when some value needs them: tensor([1., 2.]) as PyTorch.
    fixed = a.dtype.kind == "f" and a.size and not np.all(np.isnan(a) | (a == np.round(a)))
    text = np.array2string(a, separator=", ", prefix=prefix, precision=p,
                           floatmode="fixed" if fixed else "maxprec",
                           threshold=opts.threshold, edgeitems=opts.edgeitems,
                           max_line_width=opts.linewidth, formatter=formatter)
    return text.replace(", ..., ", ",  ..., ")  # PyTorch's spacing around a summary


def dtype_name(dtype: np.dtype) -> str:
    """``scratchgrad.float32``: a dtype as a tensor's repr names it (PyTorch: torch.float32)."""
    return f"scratchgrad.{np.dtype(dtype).name}"


# ---------------------------------------------------------------------- threads
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_num_threads: int | None = None  # what set_num_threads asked for, without threadpoolctl


def _threadpools() -> Any:
    try:
        import threadpoolctl  # noqa: PLC0415  (optional)
    except ImportError:
        return None
    return threadpoolctl


def set_num_threads(n: int) -> None:
    """Limit the threads of NumPy's BLAS (matrix products, convolutions by im2col) and of
    OpenMP pools loaded in the process, as ``torch.set_num_threads`` limits PyTorch's intra-op
    threads (scratchgrad's other work runs in the Python thread). It uses ``threadpoolctl``
    when installed, which changes the pools already loaded; without it, it sets
    ``OMP_NUM_THREADS`` and friends, which reach only libraries loaded later and child
    processes, and warns.

    >>> import scratchgrad as sg
    >>> n = sg.get_num_threads()
    >>> sg.set_num_threads(1); sg.get_num_threads()
    1
    >>> sg.set_num_threads(n)
    """
    global _num_threads
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n}")
    _num_threads = n
    pools = _threadpools()
    if pools is None:
        for var in _THREAD_VARS:
            os.environ[var] = str(n)
        warnings.warn("set_num_threads: threadpoolctl is not installed, so NumPy's BLAS keeps "
                      "the threads it started with; only libraries loaded from now on (and "
                      "child processes) see the new limit (pip install threadpoolctl)",
                      RuntimeWarning, stacklevel=2)
        return
    pools.threadpool_limits(limits=n)


def get_num_threads() -> int:
    """The number of threads NumPy's BLAS uses (the largest of its pools, as threadpoolctl
    reports them); without threadpoolctl, the last :func:`set_num_threads`, else
    ``OMP_NUM_THREADS``, else the number of CPUs.

    >>> import scratchgrad as sg
    >>> sg.get_num_threads() >= 1
    True
    """
    pools = _threadpools()
    if pools is not None:
        counts = [p["num_threads"] for p in pools.threadpool_info() if p["user_api"] == "blas"]
        if counts:
            return max(counts)
    if _num_threads is not None:
        return _num_threads
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    except ValueError:
        return os.cpu_count() or 1


# ---------------------------------------------------------------------- determinism
_deterministic = False
_deterministic_warn_only = False


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms only, as ``torch.use_deterministic_algorithms``.

    On the CPU every scratchgrad op is deterministic already (NumPy, one order of
    summation), so the switch changes nothing there; it is recorded so that programs that set
    it run, and :func:`are_deterministic_algorithms_enabled` reads it back.

    >>> import scratchgrad as sg
    >>> sg.use_deterministic_algorithms(True); sg.are_deterministic_algorithms_enabled()
    True
    >>> sg.use_deterministic_algorithms(False)
    """
    global _deterministic, _deterministic_warn_only
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: expected a bool, got "
                        f"{type(mode).__name__}")
    _deterministic, _deterministic_warn_only = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """Whether :func:`use_deterministic_algorithms` turned the switch on."""
    return _deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether the switch was turned on with ``warn_only=True``."""
    return _deterministic and _deterministic_warn_only


# ---------------------------------------------------------------------- float32 matmul precision
_matmul_precision = "highest"


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``"highest"``, ``"high"`` or ``"medium"``, as ``torch.set_float32_matmul_precision``.

    PyTorch may then use TF32 or bfloat16 inside float32 matrix products on GPUs; scratchgrad's
    products stay in float32, so the setting is stored and read back, nothing more.

    >>> import scratchgrad as sg
    >>> sg.set_float32_matmul_precision("high"); sg.get_float32_matmul_precision()
    'high'
    >>> sg.set_float32_matmul_precision("highest")
    """
    global _matmul_precision
    if precision not in ("highest", "high", "medium"):
        raise ValueError(f"set_float32_matmul_precision: expected 'highest', 'high' or "
                         f"'medium', got {precision!r}")
    _matmul_precision = precision


def get_float32_matmul_precision() -> str:
    """What :func:`set_float32_matmul_precision` recorded (``"highest"`` at start)."""
    return _matmul_precision
