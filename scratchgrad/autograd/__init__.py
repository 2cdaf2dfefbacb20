"""Reverse-mode automatic differentiation: the backward engine, ``grad()`` and custom functions.

The engine walks the graph from the outputs back to the leaves. Functions are taken from a
heap ordered by generation (the longest path from a leaf), highest first, so that a node's
gradient is complete, summed over all its consumers, before its own backward runs. It is a
loop, not a recursion: a chain of 100,000 operations works.
"""
from __future__ import annotations

import heapq
from typing import Any

from .. import _config
from .._policy import EAGER as _EAGER
from .._policy import Policy
from ..backend import get_array_module
from ..function import Function as _Node
from ..kernels import _BACKWARD, backward_for
from ..tensor import Tensor, _VersionCounter

__all__ = ["backward", "grad", "Function", "FunctionCtx", "Variable", "functional", "gradcheck",
           "gradgradcheck", "set_detect_anomaly",
           "detect_anomaly", "is_anomaly_enabled"]


def _as_seq(x: Any) -> list:
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _seed(root: Tensor, gradient: Any) -> Tensor:
    if not root.requires_grad:
        raise RuntimeError(
            f"backward: the tensor of shape {root.shape} does not require grad and has no "
            "grad_fn; did you compute it under no_grad or from tensors with requires_grad=False?")
    if gradient is None:
        if root._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs; this output "
                f"has shape {root.shape}, so pass gradient= a tensor of that shape")
        return Tensor._make(get_array_module(root._data).ones_like(root._data))
    g = (gradient if isinstance(gradient, Tensor)
         else Tensor._from_data(gradient, dtype=root.dtype))
    if g.shape != root.shape:
        raise RuntimeError(f"backward: gradient has shape {g.shape} but the output has shape "
                           f"{root.shape}; they must match")
    if g.requires_grad:  # part of a graph (create_graph=True): keep the link
        return g if g.dtype == root.dtype else g.to(root.dtype)
    # a private copy: the engine may hand the seed to a leaf's .grad, updated in place later
    return Tensor._make(g._data.astype(root.dtype, copy=True))


def _run(roots: list[Tensor], seeds: list[Tensor], create_graph: bool,
         capture: dict[int, Any] | None, retain_graph: bool | None = None) -> None:
    """The engine. With ``capture`` (id(tensor) -> gradient), gradients of those tensors are
    collected there and no ``.grad`` is touched; otherwise leaves accumulate into ``.grad``.

    Before each op's backward runs, the versions of what it reads are checked against those
    recorded by its forward (an in-place change since then would make the gradient silently
    wrong). Unless ``retain_graph`` (default: ``create_graph``), each op is marked as used,
    and a second backward through it raises."""
    if retain_graph is None:
        retain_graph = create_graph
    anomaly = _config._state.anomaly
    policy = _config._state.policy.for_backward(create_graph)  # eager, or what records it
    # The ops whose backward goes through the dispatch point (vjp): those with kernels in a
    # first-order pass, none while building a graph of the gradients, every op for a
    # recorder. The others run their own backward here directly, one call less.
    dispatched = (_ALWAYS_VJP if policy is not _EAGER else _NONE if create_graph
                  else _BACKWARD)
    heap: list = []
    pending: dict[_Node, list] = {}
    counter = 0
    handed: set[int] = set()  # arrays given to a leaf's .grad in this pass (avoid aliasing)

    def accumulate(x: Tensor, gx: Tensor) -> None:
        nonlocal counter
        c = x.creator
        if c is None:
            if x._hooks:
                hooked = _run_hooks(x, gx, policy)
                if hooked is not gx and not create_graph:  # may be an array the hook keeps
                    hooked = Tensor._make(hooked._data.copy())
                gx = hooked
            if capture is not None:
                key = id(x)
                if key in capture:
                    prev = capture[key]
                    capture[key] = gx if prev is None else _add(prev, gx, create_graph, policy)
                return
            policy.leaf_grad(x, gx, create_graph, handed)
            return
        slot = pending.get(c)
        if slot is None:
            slot = pending[c] = [None] * len(c.outputs)
            counter += 1
            heapq.heappush(heap, (-c.generation, counter, c))
        k = x._out_index
        slot[k] = gx if slot[k] is None else _add(slot[k], gx, create_graph, policy)

    with _config.set_grad_enabled(create_graph):
        for r, s in zip(roots, seeds):
            accumulate(r, s)
        while heap:
            fn = heapq.heappop(heap)[2]
            gys = pending.pop(fn)
            for i, ref in enumerate(fn.outputs):
                o = ref()
                if o is None or gys[i] is None:
                    continue
                if o._hooks:
                    gys[i] = _run_hooks(o, gys[i], policy)
                if capture is not None and id(o) in capture:
                    capture[id(o)] = gys[i]
                if o._retains_grad and capture is None:
                    policy.unrecordable("retain_grad() on an intermediate tensor")
                    o.grad = gys[i] if o.grad is None else \
                        _add(o.grad, gys[i], create_graph, policy)
            if fn._released:
                raise RuntimeError(_SECOND_TIME.format(name=_node_name(fn)))
            if fn.reads_values and fn._stamp != _VersionCounter.last:
                _check_versions(fn)  # something changed in place since fn's forward
            if type(fn) in dispatched:
                gxs = policy.backward(fn, gys, create_graph)
            else:
                gxs = fn.backward(*gys)
            if not retain_graph:
                fn._released = True
                if fn.saved_attributes:
                    policy.free_saved(fn)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            if anomaly:
                _check_nan(fn, gxs)
            for x, gx in zip(fn.inputs, gxs):
                if gx is None or not x.requires_grad:
                    continue
                if gx._data.dtype != x._data.dtype:
                    gx = gx.to(x._data.dtype)
                if gx._data.shape != x._data.shape:
                    raise RuntimeError(
                        f"{type(fn).__name__}.backward returned a gradient of shape "
                        f"{gx.shape} for an input of shape {x.shape} (a bug in that op)")
                accumulate(x, gx)


class _Everything:
    """Contains every op: a recorder sees each backward step."""

    def __contains__(self, _: Any) -> bool:
        return True


_ALWAYS_VJP = _Everything()
_NONE: dict = {}


def vjp(fn: _Node, gys: list, create_graph: bool = False) -> Any:
    """The backward dispatch point: ``fn``'s input gradients for the upstream gradients
    ``gys``. A first-order pass (no graph of the gradients is built) uses a kernel registered
    for the op when one accepts these arrays (:mod:`scratchgrad.kernels`); otherwise, and
    always with ``create_graph``, the op's own ``backward`` in Tensor ops."""
    if not create_graph and type(fn) in _BACKWARD:
        arrays = [None if g is None else g._data for g in gys]
        kernel = backward_for(fn, arrays)
        if kernel is not None:
            gxs = kernel(fn, *arrays)
            if type(gxs) is not tuple:
                return None if gxs is None else Tensor._make(gxs)
            return tuple(None if g is None else Tensor._make(g) for g in gxs)
    return fn.backward(*gys)


_SECOND_TIME = (
    "{name}: Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the graph are "
    "freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need "
    "to backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


def _node_name(fn: _Node) -> str:
    return fn.name()  # PyTorch's form, SqrtBackward0


def _check_versions(fn: _Node) -> None:
    """Raise PyTorch's error if an input or output of ``fn`` was changed in place after the
    forward recorded it: its backward would read the new values and be silently wrong."""
    saved = fn._versions
    for i, t in enumerate(fn.inputs):
        if (vc := t._vc) is not None:
            then = 0 if saved is None else saved[i]
            if vc.value != then:
                raise _modified(fn, t, f"input {i}", vc.value, then)
    saved = fn._out_versions
    for i, ref in enumerate(fn.outputs):
        if (t := ref()) is not None and (vc := t._vc) is not None:
            then = 0 if saved is None else saved[i]
            if vc.value != then:
                raise _modified(fn, t, f"output {i}", vc.value, then)


def _modified(fn: _Node, t: Tensor, which: str, now: int, then: int) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {which} of {_node_name(fn)}, a {t.dtype} tensor of shape "
        f"{tuple(t.shape)}, is at version {now}; expected version {then} instead. Hint: "
        f"the in-place change (add_, mul_, zero_, copy_, x[...] = ..., +=, an optimizer's "
        f"step, ...) happened between the forward and this backward, directly or through a "
        f"view or a detach() of the tensor; do it after backward(), or on a clone().")


def _run_hooks(x: Tensor, gx: Tensor, policy: Policy) -> Tensor:
    """The gradient ``gx`` of ``x`` through the hooks registered on ``x`` (register_hook)."""
    policy.unrecordable("a gradient hook (Tensor.register_hook)")
    for hook in list(x._hooks.values()):
        new = hook(gx)
        if new is None:
            continue
        if not isinstance(new, Tensor):
            raise TypeError(f"register_hook: a hook returned a {type(new).__name__}; expected "
                            f"None or a Tensor of shape {gx.shape}")
        if new.shape != gx.shape:
            raise RuntimeError(f"register_hook: a hook changed the gradient's shape from "
                               f"{gx.shape} to {new.shape}")
        gx = new if new.dtype == gx.dtype else new.to(gx.dtype)
    return gx


def to_leaf(x: Tensor, gx: Tensor, create_graph: bool, handed: set[int]) -> None:
    """Add the gradient ``gx`` into the leaf ``x``'s ``.grad``.

    The first gradient is handed over without a copy unless it is a view, read-only, or was
    already handed to another leaf in this pass (``handed``: ids of such arrays), since the
    optimizer later updates ``.grad`` in place. Later ones are added in place.
    """
    if x.grad is None:
        if not create_graph:
            d = gx._data
            if d.base is not None or id(d) in handed or not d.flags.writeable:
                gx = Tensor._make(d.copy())
            handed.add(id(gx._data))
            gx = Tensor._make(gx._data) if gx.creator is not None else gx
        x.grad = gx
    elif create_graph:
        x.grad = x.grad + gx
    else:
        g = x.grad
        if g.creator is None and g._data.flags.writeable and g._data.base is None:
            g._data += gx._data
        else:
            x.grad = Tensor._make(g._data + gx._data)


def _add(a: Tensor, b: Tensor, create_graph: bool, policy: Policy) -> Tensor:
    return a + b if create_graph else policy.add(a, b)


def _sum(a: Tensor, b: Tensor) -> Tensor:
    """Two gradients of one tensor summed, with no graph: the eager policy's ``add``."""
    return Tensor._make(a._data + b._data)


# The eager policy's steps of the backward pass are the engine's own functions (the policy's
# module can't import the engine, which imports it): eager mode calls them directly.
Policy.backward = staticmethod(vjp)
Policy.add = staticmethod(_sum)
Policy.leaf_grad = staticmethod(to_leaf)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves.

    >>> import scratchgrad as sg
    >>> x = sg.tensor(2.0, requires_grad=True)
    >>> backward(x ** 3); x.grad.item()
    12.0
    """
    roots = _as_seq(tensors)
    grads = [None] * len(roots) if grad_tensors is None else _as_seq(grad_tensors)
    if len(grads) != len(roots):
        raise ValueError(f"backward: got {len(roots)} tensors but {len(grads)} gradients")
    policy = _config._state.policy
    seeds = [policy.seed(g, _seed(r, g)) for r, g in zip(roots, grads)]
    _run(roots, seeds, create_graph, None, retain_graph)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) without touching any ``.grad``.

    With ``create_graph=True`` the result is itself differentiable (Newton's method, gradient
    penalties).

    >>> import scratchgrad as sg
    >>> x = sg.tensor(3.0, requires_grad=True)
    >>> (g,) = grad(x ** 2, x, create_graph=True)
    >>> g.item(), grad(g, x)[0].item()
    (6.0, 2.0)
    """
    outs = _as_seq(outputs)
    ins = _as_seq(inputs)
    for i, x in enumerate(ins):
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad; only tensors with "
                               "requires_grad=True can be differentiated with respect to")
    grads = [None] * len(outs) if grad_outputs is None else _as_seq(grad_outputs)
    policy = _config._state.policy
    seeds = [policy.seed(g, _seed(r, g)) for r, g in zip(outs, grads)]
    capture: dict[int, Any] = {id(x): None for x in ins}
    _run(outs, seeds, create_graph, capture, retain_graph)
    result = []
    for i, x in enumerate(ins):
        g = capture[id(x)]
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {x.shape}) was not used to compute the "
                               "outputs; pass allow_unused=True to get None for it")
        if g is not None and not create_graph and g.creator is not None:
            g = g.detach()
        result.append(g)
    return tuple(result)


# PyTorch's torch.autograd also hands out the grad-mode switches, its deprecated Variable
# wrapper and the gradient checks.
from .._config import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: E402

__all__ += ["enable_grad", "inference_mode", "no_grad", "set_grad_enabled", "Variable",
            "gradcheck", "gradgradcheck"]


from .anomaly_mode import (_check_nan, detect_anomaly, is_anomaly_enabled,  # noqa: E402
                           set_detect_anomaly)
from .function import Function, FunctionCtx  # noqa: E402
from .variable import Variable, gradcheck, gradgradcheck  # noqa: E402
from . import functional  # noqa: E402  (needs grad above)
