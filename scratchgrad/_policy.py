"""The policy: what the library does at the few points where a recorder may step in.

Everything the library does that a recorder (``scratchgrad.compile``'s tracer) has to see
passes through one object, the active policy ``_config._state.policy`` (per thread): an op's
call, each step of a backward pass, an in-place change, a library call recorded as a whole, a
constant made from Python values, a read of a tensor's values by Python. The default policy,
:data:`EAGER`, an instance of this :class:`Policy`, just does the thing: that is eager mode.
``scratchgrad.jit.trace.Tracer`` is the other one: it installs itself while a function is
traced and writes down each event as it lets it happen.

Where the library reports:

* ``Function.__call__``                 -> :meth:`Policy.call` (when the policy isn't EAGER)
* the backward engine (``autograd``)    -> :meth:`~Policy.for_backward`, ``backward``, ``add``,
  ``leaf_grad``, :meth:`~Policy.seed`, :meth:`~Policy.free_saved`, :meth:`~Policy.unrecordable`
* in-place Tensor methods, ``.grad =`` (``_config.mutating``)   -> :meth:`~Policy.mutate`
* ``_config.opaque`` library calls (an optimizer's step)        -> :meth:`~Policy.opaque`
* tensors made from data, factories, scalars wrapped as tensors -> :meth:`~Policy.constant`
* ``item()``, ``bool()``, ``numpy()``   -> :meth:`~Policy.read`; a module's call ->
  :meth:`~Policy.module`; a random draw outside an op -> :meth:`~Policy.unrecordable`

Ops never call the policy. What a recorder must know about an op it reads from the op itself:
``Function.pure`` (forward changes state besides its outputs), ``Function.shape_depends_on``
(which values decide the shapes of the outputs: nonzero, unique, ``x[mask]``). An array an op
function makes from shapes or Python values alone goes through ``ops._util.constant_array``.

This module imports nothing from the library, so that everything can import it.
"""
from __future__ import annotations

from typing import Any, Callable


class Policy:
    """The eager policy: each method does what eager mode does at that point (most of them
    nothing). A recorder subclasses it and overrides what it records.

    Three steps of the backward pass are the engine's own functions, set on this class by
    ``scratchgrad.autograd`` when it is imported (the engine imports this module, not the
    other way round), so that eager backward calls them with no layer in between:

    * ``backward(fn, gys, create_graph)``: the input gradients of the op ``fn`` for the output
      gradients ``gys`` (``autograd.vjp``);
    * ``add(a, b)``: two gradients of one tensor summed (no graph);
    * ``leaf_grad(x, gx, create_graph, handed)``: ``gx`` added into the leaf ``x``'s ``.grad``
      (``autograd.to_leaf``).
    """

    backward: Callable[..., Any]
    add: Callable[..., Any]
    leaf_grad: Callable[..., Any]

    # ------------------------------------------------------------------ forward
    def call(self, fn: Any, inputs: tuple) -> Any:
        """Run the op ``fn`` on ``inputs`` (Tensors). ``Function.__call__`` runs a call itself
        while the policy is :data:`EAGER` and hands it here only otherwise."""
        raise NotImplementedError("Function.__call__ runs an op itself under the eager policy")

    # ------------------------------------------------------------------ backward
    def for_backward(self, create_graph: bool) -> "Policy":
        """The policy for one backward pass: a recorder that can't record a pass building a
        graph of its gradients (``create_graph=True``) gives the eager one for it."""
        return self

    def seed(self, gradient: Any, seed: Any) -> Any:
        """The tensor a backward pass starts from, made from the user's ``gradient`` (None:
        ones)."""
        return seed

    def free_saved(self, fn: Any) -> None:
        """A backward without ``retain_graph`` is done with ``fn``: drop what its forward kept
        only for backward. (A recorder keeps it: a plan runs the same op objects again.)"""
        fn.free_saved()

    # ------------------------------------------------------------------ side effects
    def mutate(self, t: Any, method: Callable, args: tuple, kwargs: dict) -> Any:
        """``method(t, *args, **kwargs)``: an in-place method of ``t``, or ``t.grad = ...``."""
        return method(t, *args, **kwargs)

    def opaque(self, method: Callable, args: tuple, kwargs: dict) -> Any:
        """``method(*args, **kwargs)``: a library call whose effect ops don't show (an
        optimizer's step, a scheduler's step, gradient clipping)."""
        return method(*args, **kwargs)

    def constant(self, array: Any) -> None:
        """``array`` was made from Python values or shapes alone (a factory, a scalar operand,
        ``sg.tensor(data)``): its value would be the same at every call."""

    def read(self, t: Any, what: str) -> None:
        """Python is about to look at ``t``'s values (``what``: ``"item()"``...)."""

    def module(self, m: Any) -> None:
        """The module ``m`` is called (what it does may depend on ``m.training``)."""

    def unrecordable(self, why: str) -> None:
        """Python code runs here whose effect no recorded step would repeat (a gradient hook,
        a random draw outside an op, ``retain_grad()`` on an intermediate)."""


EAGER = Policy()
