"""``Session``: run the part of a graph that some fetches need, with fed values.

``run(fetches, feed_dict)`` turns the fetches into a *plan*, cached per (fetch set, set of fed
nodes): the nodes the fetches need (an iterative walk that stops at fed nodes), sorted by
creation index, which is a topological order because a node can only take older nodes as
inputs. Each step calls the node's eager op function on the values of its inputs, so every
node is computed once per run. Forward nodes whose gradient nodes are in the plan run with
autograd recording, on fresh leaves (``requires_grad=True``) that share their inputs' data, so
that a gradient node differentiates just that one node; everything else runs under
``no_grad``. Values nobody needs any more are dropped as the plan goes.

>>> import scratchgrad.graph as tf
>>> with tf.Graph().as_default():
...     x = tf.placeholder(shape=(None,), name="x")
...     y = x * x
...     with tf.Session() as sess:
...         sess.run({"y": y, "both": [x, y]}, {x: [1.0, 2.0]})["both"][1].tolist()
[1.0, 4.0]
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .. import _config
from ..tensor import Tensor
from .core import Graph, Operation, Placeholder, Variable, get_default_graph, shape_str
from .gradients import _VJPNode, _vjp

__all__ = ["Session", "InteractiveSession", "get_default_session"]

_LEAF, _PLAIN, _RECORD, _VJP = range(4)


class _SessionStack(threading.local):
    def __init__(self) -> None:
        self.stack: list[Session] = []


_sessions = _SessionStack()


def get_default_session() -> "Session | None":
    """The innermost session entered with ``with``, or None.

    >>> get_default_session() is None
    True
    """
    return _sessions.stack[-1] if _sessions.stack else None


class _Plan:
    """What one fetch set needs: ordered steps, which inputs to record, what to free when."""

    __slots__ = ("steps", "fetch_nodes")

    def __init__(self, steps: list, fetch_nodes: list[Operation]) -> None:
        self.steps = steps            # (kind, node, record positions, nodes to free after)
        self.fetch_nodes = fetch_nodes


class Session:
    """Runs nodes of one graph: ``Session(graph=None)`` (the default graph when None).

    Use it as a context manager (it is then the default session for ``node.eval()``), or call
    ``close()``. ``plan_builds`` counts the plans built so far: a repeated ``run`` with the
    same fetches and the same fed nodes reuses its plan.

    >>> import scratchgrad.graph as tf
    >>> with tf.Graph().as_default():
    ...     a = tf.placeholder(name="a")
    ...     y = a * 2.0
    ...     s = tf.Session()
    ...     [float(s.run(y, {a: v})) for v in (1.0, 2.0)], s.plan_builds
    ([2.0, 4.0], 1)
    """

    def __init__(self, graph: Graph | None = None) -> None:
        self.graph = graph if graph is not None else get_default_graph()
        self.plan_builds = 0
        self._plans: dict[tuple, _Plan] = {}
        self._closed = False

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Free the cached plans; ``run`` fails afterwards."""
        self._closed = True
        self._plans.clear()

    def __enter__(self) -> "Session":
        _sessions.stack.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        if _sessions.stack and _sessions.stack[-1] is self:
            _sessions.stack.pop()
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._plans)} cached plans"
        return f"<Session on {self.graph!r}, {state}>"

    # ------------------------------------------------------------------ run
    def run(self, fetches: Any, feed_dict: dict | None = None) -> Any:
        """Compute ``fetches`` (a node, a node name, or a list/tuple/dict of them, nested) and
        return NumPy arrays in the same structure. ``feed_dict`` maps nodes (or names) to
        values; placeholders must be fed, and any other node may be fed to override it.

        >>> import scratchgrad.graph as tf
        >>> with tf.Graph().as_default():
        ...     x = tf.placeholder(shape=(2,))
        ...     tf.Session().run((x + 1.0, [x]), {x: [0.0, 1.0]})[0].tolist()
        [1.0, 2.0]
        """
        if self._closed:
            raise RuntimeError("Session.run: this session is closed")
        flat: list[Operation] = []
        template = self._flatten(fetches, flat)
        feeds = self._convert_feeds(feed_dict or {})
        key = (tuple(n._id for n in flat), frozenset(n._id for n in feeds))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._build_plan(flat, feeds)
            self.plan_builds += 1
        values = self._execute(plan, feeds)
        results = [self._result(n, values[n]) for n in flat]
        return _unflatten(template, iter(results))

    # ------------------------------------------------------------------ fetches and feeds
    def _node(self, x: Any, role: str) -> Operation:
        if isinstance(x, str):
            x = self.graph.get_operation_by_name(x)
        if not isinstance(x, Operation):
            raise TypeError(f"Session.run: a {role} must be a graph node or a node name, got "
                            f"{type(x).__name__}: {x!r:.60}")
        if x.graph is not self.graph:
            raise ValueError(f"Session.run: {role} '{x.name}' belongs to {x.graph!r}, not to "
                             f"this session's {self.graph!r}")
        return x

    def _flatten(self, fetches: Any, flat: list) -> Any:
        """Collect the fetched nodes into ``flat``; return a template of the structure."""
        if isinstance(fetches, dict):
            return dict, [(k, self._flatten(v, flat)) for k, v in fetches.items()]
        if isinstance(fetches, (list, tuple)):
            return type(fetches), [self._flatten(v, flat) for v in fetches]
        flat.append(self._node(fetches, "fetch"))
        return None

    def _convert_feeds(self, feed_dict: dict) -> dict[Operation, Tensor]:
        feeds: dict[Operation, Tensor] = {}
        for k, v in feed_dict.items():
            node = self._node(k, "feed key")
            a = v._data if isinstance(v, Tensor) else np.asarray(v)
            if node.dtype is not None and a.dtype != node.dtype:
                if not np.can_cast(a.dtype, node.dtype, casting="same_kind"):
                    raise TypeError(f"Session.run: the value fed to '{node.name}' has dtype "
                                    f"{a.dtype}, which can't be safely cast to its dtype "
                                    f"{node.dtype}")
                a = a.astype(node.dtype)
            if isinstance(node, Placeholder) and not _compatible(a.shape, node.shape):
                raise ValueError(f"Session.run: the value fed to placeholder '{node.name}' has "
                                 f"shape {a.shape}, but the placeholder's shape is "
                                 f"{shape_str(node.shape)} (? matches any size)")
            feeds[node] = Tensor._make(a)
        return feeds

    def _result(self, node: Operation, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, tuple):
            return tuple(self._result(node, v) for v in value)
        a = np.asarray(value._data if isinstance(value, Tensor) else value)
        # A variable's array is replaced by updates, never mutated; the copy also keeps the
        # caller from changing the variable through the returned array.
        return a.copy() if isinstance(node, Variable) else a

    # ------------------------------------------------------------------ planning
    def _build_plan(self, fetch_nodes: list[Operation], feeds: dict) -> _Plan:
        needed: set[Operation] = set()
        for root in fetch_nodes:
            stack = [root]
            while stack:
                n = stack.pop()
                if n in needed:
                    continue
                needed.add(n)
                if n in feeds:
                    continue
                if isinstance(n, Placeholder):
                    via = "" if n is root else f" (needed by fetch '{root.name}')"
                    raise RuntimeError(
                        f"Session.run: placeholder '{n.name}' (shape {shape_str(n.shape)}, "
                        f"{n.dtype}) must be fed a value to compute '{root.name}'{via}; pass "
                        f"feed_dict={{{n.name}: ...}}")
                stack.extend(n.inputs)
        order = sorted((n for n in needed if n not in feeds), key=lambda n: n._id)
        record: dict[Operation, set[int]] = {}
        for n in order:
            if isinstance(n, _VJPNode) and n.forward not in feeds:
                record.setdefault(n.forward, set()).update(n.wrt)
        last_use: dict[Operation, int] = {}
        for i, n in enumerate(order):
            for x in n.inputs:
                last_use[x] = i
        keep = set(fetch_nodes)
        free: list[list[Operation]] = [[] for _ in order]
        for x, i in last_use.items():
            if x not in keep:
                free[i].append(x)
        steps = []
        for i, n in enumerate(order):
            if not n.inputs and n.fn is None:
                kind = _LEAF
            elif isinstance(n, _VJPNode):
                kind = _VJP
            else:
                kind = _RECORD if n in record else _PLAIN
            steps.append((kind, n, tuple(sorted(record.get(n, ()))), tuple(free[i])))
        return _Plan(steps, fetch_nodes)

    # ------------------------------------------------------------------ execution
    def _execute(self, plan: _Plan, feeds: dict) -> dict:
        values: dict[Operation, Any] = dict(feeds)
        records: dict[Operation, tuple] = {}
        with _config.no_grad():
            for kind, node, positions, free in plan.steps:
                args: list = []
                try:
                    if kind == _LEAF:
                        out = node._read()
                    else:
                        args = [values[x] for x in node.inputs]
                        if kind == _PLAIN:
                            out = node.fn(*args, **node.kwargs)
                        elif kind == _RECORD:
                            leaves = list(args)
                            for p in positions:
                                a = args[p]
                                if isinstance(a, Tensor) and a._data.dtype.kind == "f":
                                    leaves[p] = Tensor._make(a._data, requires_grad=True)
                            with _config.enable_grad():
                                out = node.fn(*leaves, **node.kwargs)
                            records[node] = (out, leaves)
                        else:
                            out = _vjp(records.get(node.forward), *args[1:], wrt=node.wrt)
                except Exception as e:  # name the node: the eager message alone is anonymous
                    raise _node_error(node, args, e) from e
                values[node] = out
                for x in free:
                    values.pop(x, None)
        return values


class InteractiveSession(Session):
    """A session that makes itself the default on creation (TF1's notebook helper)."""

    def __init__(self, graph: Graph | None = None) -> None:
        super().__init__(graph)
        _sessions.stack.append(self)

    def close(self) -> None:
        if self in _sessions.stack:
            _sessions.stack.remove(self)
        super().close()


def _compatible(shape: tuple, static: Any) -> bool:
    if static is None:
        return True
    return len(shape) == len(static) and all(s is None or s == d for s, d in zip(static, shape))


def _unflatten(template: Any, it: Any) -> Any:
    if template is None:
        return next(it)
    kind, items = template
    if kind is dict:
        return {k: _unflatten(t, it) for k, t in items}
    values = [_unflatten(t, it) for t in items]
    if kind is list:
        return values
    if kind is tuple:
        return tuple(values)
    if hasattr(kind, "_fields"):  # a namedtuple
        return kind(*values)
    return kind(values)


def _node_error(node: Operation, args: list, e: Exception) -> Exception:
    desc = ", ".join(f"{tuple(a.shape)} {a.dtype}" if isinstance(a, Tensor) else type(a).__name__
                     for a in args)
    msg = (f"Session.run: node '{node.name}' ({node.type}) failed"
           f"{' on inputs ' + desc if args else ''}: {e}")
    try:
        return type(e)(msg)
    except Exception:
        return RuntimeError(msg)
