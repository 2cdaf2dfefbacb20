"""``scratchgrad.compile``: trace an eager function once per input signature, replay the plan.

The first call with a new signature (the shapes, dtypes and ``requires_grad`` of the tensor
arguments, the values of the other arguments, the grad mode) runs the function eagerly while a
:class:`~scratchgrad.jit.trace.Tracer` records it; the record becomes an optimised
:class:`~scratchgrad.jit.program.Program`. Later calls with that signature replay the program,
as long as its guards hold: every module the function called is still in the same
``train()``/``eval()`` mode and every tensor it read still has the same ``requires_grad``;
otherwise it is traced again.

What a replay repeats: the ops (forward and backward), in-place tensor methods, ``.grad = ...``
and the ``@opaque`` library calls (``optimizer.step()``, ``zero_grad()``, scheduler steps,
gradient clipping). What it does not: plain Python code. A function whose Python code looks at
tensor values (``if loss.item() > 1:``, ``print(loss.item())``), draws random numbers outside
an op, or computes on ``._data`` with NumPy is run eagerly instead, with a warning that says why.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

from .. import _config
from .._policy import EAGER
from ..tensor import Tensor
from .program import Program
from .trace import Tracer

__all__ = ["compile", "CompiledFunction"]

_state = _config._state
_EAGER = object()


class _Entry:
    __slots__ = ("program", "modules", "ext")

    def __init__(self, program: Program, modules: list, ext: list) -> None:
        self.program = program
        self.modules = modules  # (module, training flag when traced)
        self.ext = ext          # (tensor, requires_grad when traced)

    def holds(self) -> bool:
        for m, training in self.modules:
            if m.training is not training:
                return False
        for t, rg in self.ext:
            if t.requires_grad is not rg:
                return False
        return True


class CompiledFunction:
    """The compiled form of ``fn``: call it like ``fn``. ``traces`` counts the traces made,
    ``programs`` the cached programs (one per signature).

    >>> import scratchgrad as sg
    >>> f = sg.compile(lambda x: (x * x).sum())
    >>> f(sg.tensor([1.0, 2.0])).item(), f(sg.tensor([3.0, 4.0])).item(), f.traces
    (5.0, 25.0, 1)
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.traces = 0
        self._cache: dict[Any, Any] = {}
        functools.update_wrapper(self, fn, updated=())

    @property
    def programs(self) -> list[Program]:
        return [e.program for e in self._cache.values() if isinstance(e, _Entry)]

    def plot(self, path: str = "compiled.png", index: int = -1) -> str:
        """Draw the plan of a cached signature (the latest by default) with Graphviz."""
        from ..graph.draw import plot_graph

        return plot_graph(self.graph(index), path)

    def graph(self, index: int = -1) -> Any:
        """The plan of a cached signature as a ``scratchgrad.graph.Graph``.

        >>> import scratchgrad as sg
        >>> f = sg.compile(lambda x: x.tanh().sum())
        >>> _ = f(sg.ones(2))
        >>> [op.type for op in f.graph().get_operations()]
        ['Placeholder', 'Tanh', 'Sum']
        """
        programs = self.programs
        if not programs:
            raise RuntimeError("CompiledFunction.graph: nothing traced yet; call the function "
                               "first")
        return programs[index].to_graph()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _state.policy is not EAGER:  # called from a function being traced: inline it
            return self.fn(*args, **kwargs)
        tensors: list[Tensor] = []
        try:
            if kwargs or not all(type(a) is Tensor for a in args):
                key = (_signature(args, tensors), _signature(kwargs, tensors),
                       _state.grad_enabled)
            else:  # the common call, tensors only: _signature's key, made without recursion
                tensors = list(args)
                key = (("tuple",) + tuple([("T", a._data.shape, a._data.dtype,
                                            a.requires_grad) for a in args]),
                       ("dict",), _state.grad_enabled)
        except TypeError:
            return self.fn(*args, **kwargs)  # an argument we can't key on: stay eager
        entry = self._cache.get(key)
        if entry is _EAGER:
            return self.fn(*args, **kwargs)
        if entry is not None and entry.holds():
            return entry.program.run([t._data for t in tensors], tensors)
        return self._trace(key, tensors, args, kwargs)

    def _trace(self, key: Any, tensors: list[Tensor], args: tuple, kwargs: dict) -> Any:
        self.traces += 1
        tracer = Tracer()
        arg_vids = [tracer.new_value(t._data, ("arg", i)) for i, t in enumerate(tensors)]
        _state.policy = tracer
        try:
            result = self.fn(*args, **kwargs)
        finally:
            _state.policy = EAGER
        backward_ran = any(n.kind == "vjp" for n in tracer.nodes)
        _state.policy = tracer  # outputs are read as values of the trace
        try:
            template = _flatten(result, tracer, backward_ran)
        finally:
            _state.policy = EAGER
        meta = dict(tracer.meta)
        tracer.finish()
        if tracer.invalid is not None:
            self._cache[key] = _EAGER
            warnings.warn(f"scratchgrad.compile: {getattr(self.fn, '__name__', 'function')} "
                          f"runs eagerly for this input signature: {tracer.invalid}",
                          RuntimeWarning, stacklevel=3)
            return result
        tracer.release()
        program = Program(tracer, arg_vids, template, meta,
                          {id(t): i for i, t in enumerate(tensors)})
        self._cache[key] = _Entry(program, list(tracer.modules.values()),
                                  [(t, t.requires_grad) for t in tracer.externals.values()])
        return _detached(result)


def compile(fn: Callable[..., Any] | None = None) -> Any:
    """Compile ``fn`` (a forward pass, or a whole training step with ``backward()`` and
    ``optimizer.step()``) into a traced, optimised plan; usable as a decorator.

    >>> import scratchgrad as sg
    >>> @sg.compile
    ... def f(x):
    ...     return (x.exp() + x.exp()).sum()   # one exp after common-subexpression elimination
    >>> round(f(sg.zeros(3)).item(), 4)
    6.0
    """
    if fn is None:
        return compile
    return CompiledFunction(fn)


# ---------------------------------------------------------------------- signatures
def _signature(obj: Any, tensors: list[Tensor]) -> Any:
    """A hashable description of the arguments; collects their tensors in order."""
    if isinstance(obj, Tensor):
        tensors.append(obj)
        return ("T", obj._data.shape, obj._data.dtype, obj.requires_grad)
    if type(obj) in (tuple, list):
        return (type(obj).__name__,) + tuple(_signature(o, tensors) for o in obj)
    if type(obj) is dict:
        return ("dict",) + tuple((k, _signature(obj[k], tensors)) for k in obj)
    if obj is None or type(obj) in (int, float, bool, str):
        return (type(obj).__name__, obj)
    return ("id", id(obj))  # modules, optimizers, functions: the same object


def _flatten(result: Any, tracer: Tracer, backward_ran: bool) -> Any:
    if isinstance(result, Tensor):
        if result.creator is not None and not backward_ran:
            tracer.invalidate("it returns a tensor that requires grad, and a replay records "
                              "no graph to backpropagate through; compile the whole training "
                              "step (forward, backward, optimizer.step()), or call it under "
                              "no_grad()")
        return ("T", tracer.value_of(result))
    if type(result) in (tuple, list):
        return (type(result).__name__, [_flatten(r, tracer, backward_ran) for r in result])
    if type(result) is dict:
        return ("dict", {k: _flatten(v, tracer, backward_ran) for k, v in result.items()})
    if result is None or type(result) in (int, float, bool, str):
        return ("py", result)
    tracer.invalidate(f"it returns a {type(result).__name__}, which a replay can't rebuild")
    return ("py", None)


def _detached(result: Any) -> Any:
    """What a replay returns: the same structure, tensors cut from the graph."""
    if isinstance(result, Tensor):
        return result.detach() if result.requires_grad else result
    if type(result) in (tuple, list):
        return type(result)(_detached(r) for r in result)
    if type(result) is dict:
        return {k: _detached(v) for k, v in result.items()}
    return result

