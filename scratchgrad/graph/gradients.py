"""``gradients(ys, xs)``: add the nodes that compute d(sum of ys)/d(each x) to the graph.

The backward pass is built symbolically, in reverse topological order (decreasing creation
index, never breadth-first), over the nodes that lie on a path from some x to some y:

* a node's incoming gradient is the sum of its contributions (one per consumer, plus the seed
  when it is a y): one contribution is used as is, several are summed by an explicit ``AddN``
  node, so a node used at several depths (``x*x*x + x``) gets its full gradient before its own
  gradient node is made;
* for each differentiable node ``N`` with inputs on such a path, one gradient node
  (``<Type>Grad``, a ``_VJPNode``) is made, with inputs ``N``, the upstream gradient and ``N``'s
  inputs, followed by one ``GradientSelect`` node per input that needs a gradient.

No backward rule is written here: at run time the gradient node calls
``sg.autograd.grad(N's eager value, N's input leaves, grad_outputs=upstream,
allow_unused=True)``, the very rules of eager mode (which also reduce broadcasting with
``sum_to``). The session evaluates ``N`` with autograd recording on fresh leaves for this.

A node fed in ``feed_dict`` is a constant for that run: no gradient flows through it to its
inputs (their contribution through it is zero). Differentiating gradient nodes again (second
order) is not supported in graph mode; eager mode's ``create_graph=True`` does it.

>>> import scratchgrad.graph as tf
>>> with tf.Graph().as_default():
...     x = tf.placeholder(name="x")
...     y = x * x * x + x
...     (dx,) = tf.gradients(y, [x])
...     float(tf.Session().run(dx, {x: 2.0}))   # 3 * 2**2 + 1
13.0
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import grad
from ..tensor import Tensor
from .core import Constant, Operation

__all__ = ["gradients"]


class _VJPNode(Operation):
    """The gradient node of one forward node: its value is a tuple of input gradients (the
    vector-Jacobian product), computed by the eager backward rules at run time."""

    def __init__(self, forward: Operation, upstream: Operation, wrt: tuple[int, ...],
                 name: str) -> None:
        super().__init__(f"{forward.type}Grad", (forward, upstream) + forward.inputs, None,
                         {"wrt": wrt}, name, None, None, differentiable=False,
                         graph=forward.graph)
        self.forward = forward
        self.wrt = wrt


def _vjp(record: tuple | None, gy: Tensor, *input_values: Any, wrt: tuple[int, ...]
         ) -> tuple[Tensor | None, ...]:
    """Run time of a gradient node: the eager backward of the recorded forward call.

    ``record`` is ``(value, leaves)`` from the session, or None when the forward node was fed
    (then it is a constant and the gradients are zeros).
    """
    if record is None or gy is None:  # fed forward node, or no gradient reached it
        return tuple(_zeros(input_values[i]) for i in wrt)
    out, leaves = record
    targets = [leaves[i] for i in wrt]
    usable = [isinstance(t, Tensor) and t.requires_grad for t in targets]
    grads: list = [None] * len(targets)
    if isinstance(out, Tensor) and out.requires_grad and any(usable):
        got = grad(out, [t for t, u in zip(targets, usable) if u],
                   grad_outputs=gy, allow_unused=True)
        it = iter(got)
        grads = [next(it) if u else None for u in usable]
    return tuple(g if g is not None else _zeros(input_values[i]) for g, i in zip(grads, wrt))


def _zeros(value: Any) -> Tensor | None:
    if not isinstance(value, Tensor) or value._data.dtype.kind != "f":
        return None
    return Tensor._make(np.zeros_like(value._data))


def _select(grads: tuple, *, index: int) -> Tensor | None:
    """Pick one input's gradient out of a gradient node's tuple."""
    return grads[index]


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def gradients(ys: Any, xs: Any, grad_ys: Any = None, name: str = "gradients"
              ) -> list[Operation | None]:
    """Nodes for ``d(sum(ys))/d(x)`` for each ``x`` in ``xs``; None where ``x`` is not
    connected to any ``y``. ``grad_ys`` (nodes or arrays, one per y) weights the ys; the
    default is ones. Always returns a list, as TF1 does.

    >>> import scratchgrad.graph as tf
    >>> with tf.Graph().as_default():
    ...     w = tf.Variable([[1.0], [2.0], [3.0]])
    ...     x = tf.placeholder(shape=(3, 4))
    ...     gw, gz = tf.gradients(tf.reduce_sum(w + x), [w, tf.constant(0.0)])
    >>> gw.shape, gz
    ((3, 1), None)
    """
    ys, xs = _as_list(ys), _as_list(xs)
    for role, nodes in (("ys", ys), ("xs", xs)):
        for n in nodes:
            if not isinstance(n, Operation):
                raise TypeError(f"gradients: every element of {role} must be a graph node, got "
                                f"{type(n).__name__}")
    graph = ys[0].graph
    for n in ys + xs:
        if n.graph is not graph:
            raise ValueError(f"gradients: node '{n.name}' belongs to {n.graph!r}, but "
                             f"'{ys[0].name}' belongs to {graph!r}")
    if grad_ys is not None:
        grad_ys = _as_list(grad_ys)
        if len(grad_ys) != len(ys):
            raise ValueError(f"gradients: got {len(ys)} ys but {len(grad_ys)} grad_ys")

    # The nodes on a path x -> y: ancestors of the ys (an iterative walk) that descend from an
    # x (one sweep in creation order, which is topological).
    ancestors: set[Operation] = set()
    stack = list(ys)
    while stack:
        n = stack.pop()
        if n not in ancestors:
            ancestors.add(n)
            stack.extend(n.inputs)
    x_set = set(xs)
    on_path: set[Operation] = set()
    for n in sorted(ancestors, key=lambda n: n._id):
        if n in x_set or any(i in on_path for i in n.inputs):
            on_path.add(n)

    pending: dict[Operation, list[Operation]] = {}
    result: dict[Operation, Operation] = {}
    with graph.as_default(), graph.name_scope(name):
        for k, y in enumerate(ys):
            if y not in on_path:
                continue
            if grad_ys is None or grad_ys[k] is None:
                seed = _seed_ones(y)
            elif isinstance(grad_ys[k], Operation):
                seed = grad_ys[k]
            else:
                seed = Constant(grad_ys[k], y.dtype, name=f"{y.name}_grad_seed", graph=graph)
            pending.setdefault(y, []).append(seed)

        for n in sorted(on_path, key=lambda n: n._id, reverse=True):
            contribs = [c for c in pending.pop(n, []) if c is not None]
            if not contribs:
                continue
            g = contribs[0] if len(contribs) == 1 else _ops.add_n(
                contribs, name=f"{n.name}_grad/AddN")
            if n in x_set:
                result[n] = g
            wrt = tuple(i for i, x in enumerate(n.inputs) if x in on_path and _floating(x))
            if not wrt:
                continue
            if isinstance(n, _VJPNode) or n.type == "GradientSelect":
                raise NotImplementedError(
                    f"gradients: '{n.name}' is a gradient node; graph mode does not "
                    "differentiate gradients (second order): use eager mode with "
                    "sg.autograd.grad(..., create_graph=True)")
            if not n.differentiable:
                continue
            vjp = _VJPNode(n, g, wrt, f"{n.name}_grad/{n.type}Grad")
            for k, i in enumerate(wrt):
                x = n.inputs[i]
                sel = Operation("GradientSelect", (vjp,), _select, {"index": k},
                                f"{n.name}_grad/d_{x.name.split('/')[-1]}", x.shape, x.dtype,
                                differentiable=False, graph=graph)
                pending.setdefault(x, []).append(sel)
    return [result.get(x) for x in xs]


def _floating(x: Operation) -> bool:
    return x.dtype is None or x.dtype.kind == "f"


def _seed_ones(y: Operation) -> Operation:
    """The default seed d(y)/d(y): ones of y's shape, made at run time."""
    return _ops.ones_like(y, name=f"{y.name}_grad/OnesLike")


from . import ops as _ops  # noqa: E402
