"""Thread-local switches: whether autograd records operations, and the active policy.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and as
decorators, exactly like their PyTorch namesakes. The state is per thread, so a DataLoader
worker thread or a second training thread never flips the mode of another.

:func:`opaque` and :func:`mutating` mark the library calls that report to the policy
(:mod:`scratchgrad._policy`) as a whole: an optimizer's step, an in-place tensor method.
"""
from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable

from ._policy import EAGER, Policy


class _State(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        # Who the library reports to (scratchgrad._policy): EAGER, or a recorder such as
        # scratchgrad.compile's tracer, which sets it back to EAGER while it runs an op's own
        # code, so that only the calls a user's function makes are seen.
        self.policy: Policy = EAGER
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
    scheduler's step, gradient clipping): the policy runs it (``Policy.opaque``), so that
    ``scratchgrad.compile`` records the call as one step of the plan and makes the same call
    when it replays.
    """
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _state.policy.opaque(method, args, kwargs)

    return wrapper


def mutating(method: Callable | None = None, *, data: bool = True) -> Callable:
    """Mark an in-place method of Tensor (``add_``, ``x[i] = v``; ``data=False``: a change that
    leaves the data alone, ``.grad = ...``): under the eager policy it just runs; otherwise the
    policy runs it (``Policy.mutate``), so that ``scratchgrad.compile`` replays the call.

    The wrapper has the method's own parameters: a ``*args, **kwargs`` one would pack a tuple
    and a dict at every call, which costs several times the check on the library's in-place
    operators (``x += y``). ``data`` is kept on the method as ``changes_data``.

    >>> class Box:
    ...     def __init__(self): self.v = 0
    ...     @mutating
    ...     def add_(self, k, *, twice=False):
    ...         self.v += 2 * k if twice else k
    ...         return self
    >>> Box().add_(3, twice=True).v
    6
    """
    if method is None:
        return lambda m: mutating(m, data=data)
    # For ``def add_(self, other, alpha=1)`` the wrapper is (its defaults copied after):
    #     def add_(self, other, alpha):
    #         if _state.policy is _EAGER:
    #             return _method(self, other, alpha)
    #         return _state.policy.mutate(self, _method, (other, alpha), {})
    params = list(inspect.signature(method).parameters.values())
    me = params[0].name
    head, args, kwargs, star = [me], [], [], None
    for p in params[1:]:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            head.append(p.name)
            args.append(p.name)
        elif p.kind is p.VAR_POSITIONAL:
            star = p.name
            head.append("*" + star)
        elif p.kind is p.KEYWORD_ONLY:
            if star is None and not kwargs:
                head.append("*")
            head.append(p.name)
            kwargs.append(p.name)
        else:
            raise TypeError(f"mutating: {method.__qualname__} takes **{p.name}; name the "
                            "keywords it accepts")
    positional = args + ([f"*{star}"] if star else [])
    call = ", ".join([me] + positional + [f"{k}={k}" for k in kwargs])
    packed = "(" + "".join(a + ", " for a in positional) + ")"
    named = "{" + ", ".join(f"{k!r}: {k}" for k in kwargs) + "}"
    source = (f"def {method.__name__}({', '.join(head)}):\n"
              f"    if _state.policy is _EAGER:\n"
              f"        return _method({call})\n"
              f"    return _state.policy.mutate({me}, _method, {packed}, {named})\n")
    scope = {"_state": _state, "_EAGER": EAGER, "_method": method}
    exec(source, scope)  # noqa: S102  (source built above from the method's parameter names)
    wrapper = scope[method.__name__]
    wrapper.__defaults__ = method.__defaults__
    wrapper.__kwdefaults__ = method.__kwdefaults__
    method.changes_data = data
    return functools.update_wrapper(wrapper, method)
