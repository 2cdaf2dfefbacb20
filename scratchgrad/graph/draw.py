"""Pictures of graph-mode graphs, with the conventions of eager mode's ``sg.utils.to_dot``:
values (tensors) are ellipses labelled with shape and dtype, operations are grey boxes.

Leaves (placeholders, variables, constants) are ellipses only: trainable variables light blue
like eager leaves that require grad, the others orange. An operation is a box labelled with
its type and name, followed by the ellipse of its output; nodes that produce no tensor
(gradient tuples, train and init ops) are boxes only. Gradient and training nodes have dashed
boxes, so the backward part built by ``gradients()`` stands out. ``None`` dimensions print as
``?``.

>>> import scratchgrad.graph as tf
>>> with tf.Graph().as_default():
...     x = tf.placeholder(shape=(None, 2), name="x")
...     y = tf.sigmoid(x @ tf.Variable([[1.0], [2.0]], name="w"))
>>> dot = to_dot(y)
>>> "MatMul" in dot and "?x1 float32" in dot
True
"""
from __future__ import annotations

from typing import Any

from ..utils.dot import render_dot
from .core import Constant, Graph, Operation, Placeholder, Variable
from .gradients import _VJPNode

__all__ = ["to_dot", "plot_graph"]

_DASHED = ("GradientSelect", "NoOp", "Assign", "AssignAdd", "AssignSub")


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _shape(node: Operation) -> str:
    if node.shape is None:
        return "?"
    return "x".join("?" if d is None else str(d) for d in node.shape) or "scalar"


def _value_label(node: Operation, verbose: bool, with_name: bool) -> str:
    dtype = "?" if node.dtype is None else str(node.dtype)
    info = f"{_shape(node)} {dtype}"
    if with_name:
        return f"{_esc(node.name)}\\n{info}" if verbose else _esc(node.name)
    return info if verbose else ""


def _collect(graph_or_fetches: Any) -> list[Operation]:
    if isinstance(graph_or_fetches, Graph):
        return graph_or_fetches.get_operations()
    roots: list[Operation] = []
    stack = [graph_or_fetches]
    while stack:  # fetch structures: nodes, lists, tuples, dicts
        f = stack.pop()
        if isinstance(f, dict):
            stack.extend(f.values())
        elif isinstance(f, (list, tuple)):
            stack.extend(f)
        elif isinstance(f, Operation):
            roots.append(f)
        else:
            raise TypeError(f"to_dot: expected a Graph, a node or a structure of nodes, got "
                            f"{type(f).__name__}")
    seen: set[Operation] = set()
    stack = roots
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(n.inputs)
    return sorted(seen, key=lambda n: n._id)


def to_dot(graph_or_fetches: Any, verbose: bool = True) -> str:
    """Graphviz DOT text of a whole ``Graph``, or of the nodes that some fetches need."""
    nodes = _collect(graph_or_fetches)
    lines = ["digraph g {", "  rankdir=LR;"]
    out_of: dict[Operation, str] = {}   # where edges from a node's value start
    for n in nodes:
        if isinstance(n, (Placeholder, Variable, Constant)):
            trainable = isinstance(n, Variable) and n.trainable
            color = "lightblue" if trainable else "orange"
            lines.append(f'  n{n._id} [label="{_value_label(n, verbose, True)}", '
                         f'color={color}, style=filled];')
            out_of[n] = f"n{n._id}"
            continue
        dashed = (isinstance(n, _VJPNode) or n.type in _DASHED or n.type.startswith("Apply")
                  or n.type.endswith("Grad"))
        style = '"filled,dashed"' if dashed else "filled"
        label = f"{n.type}\\n{_esc(n.name)}" if verbose else n.type
        lines.append(f'  f{n._id} [label="{label}", shape=box, color=lightgrey, '
                     f'style={style}];')
        for x in n.inputs:
            lines.append(f"  {out_of[x]} -> f{n._id};")
        if isinstance(n, _VJPNode) or n.type == "NoOp" or n.type.startswith("Apply") or \
                (n.type.endswith("Grad") and n.shape is None):
            out_of[n] = f"f{n._id}"        # no tensor: a tuple of gradients, or nothing
        else:
            lines.append(f'  t{n._id} [label="{_value_label(n, verbose, False)}", '
                         'color=orange, style=filled];')
            lines.append(f"  f{n._id} -> t{n._id};")
            out_of[n] = f"t{n._id}"
    lines.append("}")
    return "\n".join(lines) + "\n"


def plot_graph(fetches: Any, path: str = "graph.png", verbose: bool = True) -> str:
    """Draw a graph (or what some fetches need) to an image file with Graphviz.

    >>> import scratchgrad.graph as tf  # doctest: +SKIP
    >>> with tf.Graph().as_default():  # doctest: +SKIP
    ...     plot_graph(tf.tanh(tf.placeholder()), "tanh.png")
    'tanh.png'
    """
    return render_dot(to_dot(fetches, verbose), path)
