"""Kernels: the fast implementations of ops, kept beside the reference in ``ops/``.

``ops/`` is the math a learner reads: per op one ``forward`` on arrays and one ``backward`` in
Tensor ops. A kernel is another implementation of one op's forward, or of its first-order
backward on arrays, that gives the same result faster under some condition (a dtype, a size,
NumPy rather than CuPy arrays, Numba being installed). It registers itself here for that op
class with a ``when`` predicate, and the engine picks it at one of exactly two points:

- ``Function.__call__`` asks :func:`forward_for` and runs the kernel or the op's ``forward``;
- the backward pass asks :func:`backward_for` (only when no graph of the gradients is being
  built: a kernel works on arrays, so it is first-order) and runs the kernel or the op's
  ``backward``.

The contracts, so that any mix of kernels and reference code gives the same gradients:

- a forward kernel is called as ``fn(op, *arrays)`` and returns what ``op.forward`` would,
  setting the same attributes on ``op`` that the op's backward reads;
- a backward kernel is called as ``fn(op, *gys)`` with the upstream gradients as arrays (None
  for an output that got none) and returns one array per input (None where an input needs no
  gradient), a bare array for a single input.

``SCRATCHGRAD_KERNELS=reference`` in the environment, or :func:`disable`, turns every kernel off:
everything then runs the reference, the learner's mode and the oracle the kernels are tested
against (``tests/test_kernels.py``).

>>> import scratchgrad as sg
>>> with sg.kernels.reference():
...     sg.kernels.enabled()
False
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator

__all__ = ["Kernel", "register_forward", "register_backward", "forward_for", "backward_for",
           "enable", "disable", "enabled", "reference", "registered"]


@dataclass(frozen=True)
class Kernel:
    """One registered kernel: ``fn`` replaces ``op``'s ``kind`` ("forward" or "backward")
    when ``when(op_object, *arrays)`` is true (the inputs' arrays for a forward, the upstream
    gradients' for a backward)."""

    op: type
    kind: str
    fn: Callable[..., Any]
    when: Callable[..., bool]
    name: str
    # For the tests: ``examples()`` yields ``(arrays, run)`` pairs, ``run(tensors)`` a
    # computation on Tensors made from ``arrays`` that reaches this kernel; ``exact``: the
    # kernel promises the reference's result bit for bit (else float rounding).
    examples: Callable[[], Any] | None = None
    exact: bool = False

    def __repr__(self) -> str:
        return f"<kernel {self.name}: {self.op.__name__}.{self.kind}>"


def _always(*_: Any) -> bool:
    return True


# Every registered kernel, in registration order, and the two tables the engine reads (op class
# -> its kernels). The tables are emptied while kernels are disabled, so that a disabled
# registry costs the engine one failed dict lookup, as an op without kernels does.
_all: list[Kernel] = []
_FORWARD: dict[type, tuple[Kernel, ...]] = {}
_BACKWARD: dict[type, tuple[Kernel, ...]] = {}
_on = [os.environ.get("SCRATCHGRAD_KERNELS", "").strip().lower() != "reference"]


def _register(op: type, kind: str, when: Callable[..., bool] | None, name: str | None,
              examples: Callable[[], Any] | None,
              exact: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    if not isinstance(op, type):
        raise TypeError(f"register_{kind}: expected an op class, got {op!r}")

    def add(fn: Callable[..., Any]) -> Callable[..., Any]:
        k = Kernel(op, kind, fn, when or _always,
                   name or f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}", examples, exact)
        _all.append(k)
        _rebuild()
        return fn

    return add


def register_forward(op: type, *, when: Callable[..., bool] | None = None,
                     name: str | None = None, examples: Callable[[], Any] | None = None,
                     exact: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: ``fn(op_object, *arrays)`` computes ``op``'s forward when
    ``when(op_object, *arrays)`` holds. Kernels registered later for the same op are asked
    first. ``examples`` and ``exact`` are for the tests (see :class:`Kernel`).

    >>> import numpy as np, scratchgrad as sg
    >>> from scratchgrad.ops.elementwise import Exp
    >>> @register_forward(Exp, when=lambda op, x: x.dtype == np.float16, name="doc.exp16")
    ... def exp16(op, x):
    ...     return np.exp(x.astype(np.float32)).astype(np.float16)  # in float32, rounded
    >>> sg.exp(sg.zeros(2, dtype=sg.float16)).tolist()
    [1.0, 1.0]
    >>> _all[:] = [k for k in _all if k.name != "doc.exp16"]; _rebuild()  # unregister
    """
    return _register(op, "forward", when, name, examples, exact)


def register_backward(op: type, *, when: Callable[..., bool] | None = None,
                      name: str | None = None, examples: Callable[[], Any] | None = None,
                      exact: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: ``fn(op_object, *gy_arrays)`` computes ``op``'s first-order gradients on
    arrays when ``when(op_object, *gy_arrays)`` holds."""
    return _register(op, "backward", when, name, examples, exact)


def _rebuild() -> None:
    _FORWARD.clear()
    _BACKWARD.clear()
    if not _on[0]:
        return
    for k in reversed(_all):  # the latest registration first
        table = _FORWARD if k.kind == "forward" else _BACKWARD
        table[k.op] = table.get(k.op, ()) + (k,)


def forward_for(op: Any, arrays: list) -> Callable[..., Any] | None:
    """The forward kernel to run for ``op`` on ``arrays``, or None for the op's own."""
    for k in _FORWARD.get(type(op), ()):
        if k.when(op, *arrays):
            return k.fn
    return None


def backward_for(op: Any, gys: list) -> Callable[..., Any] | None:
    """The first-order backward kernel for ``op`` given the upstream gradient arrays, or None
    for the op's own ``backward``."""
    for k in _BACKWARD.get(type(op), ()):
        if k.when(op, *gys):
            return k.fn
    return None


def enabled() -> bool:
    """Whether kernels are used (False under ``SCRATCHGRAD_KERNELS=reference``).

    >>> was = enabled(); disable(); enabled()
    False
    >>> enable(); enabled()
    True
    >>> disable() if not was else None
    """
    return _on[0]


def enable() -> None:
    """Use the registered kernels again (the default)."""
    _on[0] = True
    _rebuild()


def disable() -> None:
    """Run every op on its reference code in ``ops/``."""
    _on[0] = False
    _rebuild()


@contextlib.contextmanager
def reference() -> Iterator[None]:
    """Run the block on the reference ops (kernels off), then restore the previous setting."""
    was = _on[0]
    disable()
    try:
        yield
    finally:
        if was:
            enable()


def registered() -> list[Kernel]:
    """Every registered kernel, enabled or not (the test suite checks each against the
    reference).

    >>> sorted({k.kind for k in registered()})
    ['backward', 'forward']
    """
    _load()
    return list(_all)


_loaded = [False]


def _load() -> None:
    """Import the kernel modules, which register themselves. Each imports what it needs
    (Numba, CuPy) lazily, at its first call, so that loading the registry costs little."""
    if _loaded[0]:
        return
    _loaded[0] = True
    from . import _modules  # noqa: F401,PLC0415
