"""Anomaly detection (PyTorch's ``torch.autograd.anomaly_mode``): while it is on, every op
records where it was created, and backward stops at the first gradient that holds a NaN."""
from __future__ import annotations

from typing import Any

from .. import _config
from ..backend import get_array_module

__all__ = ["is_anomaly_enabled", "set_detect_anomaly", "detect_anomaly"]


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on (in this thread)."""
    return _config._state.anomaly


class set_detect_anomaly:
    """Turn anomaly detection on or off, at once or for a ``with`` block (PyTorch's
    ``torch.autograd.set_detect_anomaly``).

    While on, every op records the stack of the forward call that made it, and backward
    raises at the first op whose gradient holds a NaN, naming the op and showing the line
    that created it. It slows every op down (a stack walk each), so it is for debugging;
    off, it costs one flag test per op.

    >>> import scratchgrad as sg
    >>> x = sg.tensor([-1.0, 4.0], requires_grad=True)
    >>> with set_detect_anomaly(True):
    ...     y = sg.sqrt(x) * 0.0
    ...     y.sum().backward()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.
    SqrtBackward0 was created at ...
    """

    def __init__(self, mode: bool = True, check_nan: bool = True) -> None:
        self._prev = _config._state.anomaly
        _config._state.anomaly = bool(mode) and bool(check_nan)

    def __enter__(self) -> "set_detect_anomaly":
        return self

    def __exit__(self, *exc: Any) -> None:
        _config._state.anomaly = self._prev


class detect_anomaly(set_detect_anomaly):
    """Anomaly detection for a ``with`` block (PyTorch's ``torch.autograd.detect_anomaly``);
    see :class:`set_detect_anomaly`.

    >>> import scratchgrad as sg
    >>> with detect_anomaly():
    ...     is_anomaly_enabled()
    True
    >>> is_anomaly_enabled()
    False
    """

    def __init__(self, check_nan: bool = True) -> None:
        self._check = bool(check_nan)

    def __enter__(self) -> "detect_anomaly":
        self._prev = _config._state.anomaly
        _config._state.anomaly = self._check
        return self


def _check_nan(fn: Any, gxs: tuple) -> None:
    """In anomaly mode: raise at the first backward that returns NaN, showing where the op
    was created."""
    for i, (x, g) in enumerate(zip(fn.inputs, gxs)):
        if g is None or not x.requires_grad:  # computed but not used: not an anomaly
            continue
        xp = get_array_module(g._data)
        if g._data.dtype.kind in "fc" and bool(xp.isnan(g._data).any()):
            raise RuntimeError(f"Function '{fn.name()}' returned nan values in its {i}th "
                               f"output.{_forward_trace(fn)}")


def _forward_trace(fn: Any) -> str:
    stack = getattr(fn, "_stack", None)
    if not stack:
        return (" (the op was created before anomaly detection was enabled: no forward "
                "trace)")
    import os  # noqa: PLC0415
    import traceback  # noqa: PLC0415

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    user = [f for f in stack if not os.path.abspath(f.filename).startswith(package)]
    where = user[-1] if user else stack[-1]
    return (f"\n{fn.name()} was created at {where.filename}:{where.lineno}: "
            f"{(where.line or '').strip()}\nTraceback of the forward call that created it:\n"
            + "".join(traceback.format_list(stack)).rstrip())
