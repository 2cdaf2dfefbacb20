"""Thread-local switches: whether autograd records operations.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and as
decorators, exactly like their PyTorch namesakes. The state is per thread, so a DataLoader
worker thread or a second training thread never flips the mode of another.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable


class _State(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        # The active ``scratchgrad.compile`` tracer, or None. The tracer sets it back to None
        # while it runs an op's own code, so only the calls a user's function makes are seen.
        self.tracer: Any = None
        self.rng_draws = 0  # counts draws from the library's generators (random.rng)
        # autograd.detect_anomaly: ops record where they were made; backward checks for NaN.
        self.anomaly = False


_state = _State()


def is_grad_enabled() -> bool:
    """Return True when new operations are recorded for autograd.

    >>> import scratchgrad as sg
    >>> sg.is_grad_enabled()
    True
    """
    return _state.grad_enabled


class set_grad_enabled:
    """Turn gradient recording on or off, as a function, context manager or decorator.

    >>> import scratchgrad as sg
    >>> with sg.set_grad_enabled(False):
    ...     sg.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        self._prev: list[bool] = []
        # Like PyTorch, calling set_grad_enabled(False) outside a `with` takes effect at once.
        if type(self) is set_grad_enabled:
            self._prev.append(_state.grad_enabled)
            _state.grad_enabled = self.mode

    def __enter__(self) -> None:
        if type(self) is not set_grad_enabled:
            self._prev.append(_state.grad_enabled)
            _state.grad_enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        _state.grad_enabled = self._prev.pop()

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _state.grad_enabled
            _state.grad_enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _state.grad_enabled = prev

        return wrapper


class no_grad(set_grad_enabled):
    """Record nothing inside: use it for evaluation and for hand-written parameter updates.

    Works as ``with no_grad():``, ``@no_grad()`` and ``@no_grad``.

    >>> import scratchgrad as sg
    >>> w = sg.ones(3, requires_grad=True)
    >>> with sg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    def __new__(cls, fn: Callable | None = None):
        self = super().__new__(cls)
        if callable(fn):  # used as a bare decorator: @no_grad
            self.__init__()
            return self(fn)
        return self

    def __init__(self, fn: Callable | None = None) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record operations again inside a ``no_grad`` region.

    >>> import scratchgrad as sg
    >>> with sg.no_grad(), sg.enable_grad():
    ...     sg.is_grad_enabled()
    True
    """

    def __new__(cls, fn: Callable | None = None):
        self = super().__new__(cls)
        if callable(fn):
            self.__init__()
            return self(fn)
        return self

    def __init__(self, fn: Callable | None = None) -> None:
        super().__init__(True)


class inference_mode(set_grad_enabled):
    """PyTorch's ``inference_mode``: here the same as :class:`no_grad` (in-place changes still
    count in the version counters, which cost one integer per change). ``inference_mode(False)``
    leaves recording as it is set outside. Works as ``with``, ``@inference_mode()`` and
    ``@inference_mode``.

    >>> import scratchgrad as sg
    >>> with sg.inference_mode():
    ...     (sg.ones(2, requires_grad=True) * 2).requires_grad
    False
    """

    def __new__(cls, mode: Any = True):
        self = super().__new__(cls)
        if callable(mode):  # used as a bare decorator: @inference_mode
            self.__init__()
            return self(mode)
        return self

    def __init__(self, mode: Any = True) -> None:
        super().__init__(False)
        self._off = mode is False  # inference_mode(False): no change

    def __enter__(self) -> None:
        self._prev.append(_state.grad_enabled)
        if not self._off:
            _state.grad_enabled = False

    def __call__(self, fn: Callable) -> Callable:
        return fn if self._off else super().__call__(fn)


def opaque(method: Callable) -> Callable:
    """Mark a library call whose effect a trace can't see op by op (an optimizer's step, a
    scheduler's step, gradient clipping): ``scratchgrad.compile`` records the call as one step
    of the plan and makes the same call when it replays. Outside a trace it costs one check.
    """
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tracer = _state.tracer
        if tracer is None:
            return method(*args, **kwargs)
        return tracer.opaque(method, args, kwargs)

    return wrapper
