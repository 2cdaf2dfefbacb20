"""The graph data structure: ``Graph``, its nodes (``Operation`` and the leaf kinds
``Placeholder``, ``Variable``, ``Constant``) and the default-graph stack.

A node is both TF1's ``Operation`` and its single output ``Tensor``: it stores the eager op
function that computes it (``scratchgrad.matmul``), the static keyword arguments of that call,
and its input nodes. Nodes are immutable once made and can only take existing nodes as inputs,
so the order of creation is a topological order of the graph: the session and ``gradients()``
sort by creation index instead of searching.

>>> import scratchgrad.graph as tf
>>> g = tf.Graph()
>>> with g.as_default():
...     x = tf.placeholder(name="x")
...     y = x * 2.0 + 1.0
>>> y.name, [n.name for n in y.inputs], g.get_operation_by_name("x") is x
('add', ['mul', 'Const_1'], True)
"""
from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ..tensor import Tensor, as_dtype

__all__ = [
    "Graph", "Operation", "Placeholder", "Variable", "Constant", "get_default_graph",
    "reset_default_graph", "name_scope", "placeholder", "constant", "global_variables",
    "trainable_variables", "global_variables_initializer", "variables_initializer",
]


class Graph:
    """A define-and-run computational graph: nodes in creation order, unique names, variables.

    >>> g = Graph()
    >>> with g.as_default():
    ...     a = constant(1.0, name="a")
    ...     b = constant(2.0, name="a")
    >>> a.name, b.name, len(g.get_operations())
    ('a', 'a_1', 2)
    """

    def __init__(self) -> None:
        self._ops: list[Operation] = []
        self._by_name: dict[str, Operation] = {}
        self._used: dict[str, int] = {}   # name or scope -> next suffix to try
        self._scopes: list[str] = []
        self._variables: list[Variable] = []

    # ------------------------------------------------------------------ default graph
    @contextlib.contextmanager
    def as_default(self) -> Iterator["Graph"]:
        """Make this graph the default one inside a ``with`` block (per thread).

        >>> g = Graph()
        >>> with g.as_default():
        ...     get_default_graph() is g
        True
        """
        _stack().append(self)
        try:
            yield self
        finally:
            _stack().pop()

    # ------------------------------------------------------------------ names
    @contextlib.contextmanager
    def name_scope(self, name: str) -> Iterator[str]:
        """Prefix the names of the nodes made inside with ``name/`` (made unique like TF1).

        >>> g = Graph()
        >>> with g.as_default(), g.name_scope("layer"):
        ...     constant(0.0).name
        'layer/Const'
        """
        scope = self.unique_name(name)
        saved = self._scopes
        self._scopes = scope.split("/")
        try:
            yield scope
        finally:
            self._scopes = saved

    def unique_name(self, name: str) -> str:
        """The full name (with the current scope) for ``name``, suffixed ``_1``, ``_2``, ...
        when already taken in this graph.

        >>> g = Graph()
        >>> g.unique_name("add"), g.unique_name("add"), g.unique_name("add")
        ('add', 'add_1', 'add_2')
        """
        if not name or not isinstance(name, str):
            raise ValueError(f"Graph.unique_name: a node name must be a non-empty string, "
                             f"got {name!r}")
        full = "/".join(self._scopes + [name])
        if full not in self._used:
            self._used[full] = 1
            return full
        i = self._used[full]
        while f"{full}_{i}" in self._used:
            i += 1
        self._used[full] = i + 1
        self._used[f"{full}_{i}"] = 1
        return f"{full}_{i}"

    # ------------------------------------------------------------------ lookup
    def get_operation_by_name(self, name: str) -> "Operation":
        """The node called ``name`` (TF1 also accepts ``"name:0"``, so do we).

        >>> g = Graph()
        >>> with g.as_default():
        ...     x = placeholder(name="x")
        >>> g.get_operation_by_name("x:0") is x
        True
        """
        key = name[:-2] if name.endswith(":0") else name
        try:
            return self._by_name[key]
        except KeyError:
            near = [n for n in self._by_name if key.split("/")[-1] in n][:5]
            hint = f"; similar names: {near}" if near else ""
            raise KeyError(f"Graph.get_operation_by_name: no node named {name!r} in this "
                           f"graph of {len(self._ops)} nodes{hint}") from None

    def get_operations(self) -> list["Operation"]:
        """All nodes, in creation (= topological) order."""
        return list(self._ops)

    def global_variables(self) -> list["Variable"]:
        """Every ``Variable`` of this graph, trainable or not, in creation order."""
        return list(self._variables)

    def trainable_variables(self) -> list["Variable"]:
        """The ``Variable`` nodes made with ``trainable=True``, in creation order."""
        return [v for v in self._variables if v.trainable]

    def __len__(self) -> int:
        return len(self._ops)

    def __repr__(self) -> str:
        return f"<Graph of {len(self._ops)} nodes at {id(self):#x}>"

    def _add(self, op: "Operation", name: str) -> None:
        op.name = self.unique_name(name)
        op._id = len(self._ops)
        self._ops.append(op)
        self._by_name[op.name] = op
        if isinstance(op, Variable):
            self._variables.append(op)


class _GraphStack(threading.local):
    def __init__(self) -> None:
        self.stack: list[Graph] = []


_default = Graph()
_local = _GraphStack()


def _stack() -> list[Graph]:
    return _local.stack


def get_default_graph() -> Graph:
    """The graph that new nodes go into: the innermost ``as_default()``, else the global one.

    >>> isinstance(get_default_graph(), Graph)
    True
    """
    s = _local.stack
    return s[-1] if s else _default


def reset_default_graph() -> None:
    """Replace the global default graph by an empty one (not allowed inside ``as_default``).

    >>> reset_default_graph(); len(get_default_graph())
    0
    """
    global _default
    if _local.stack:
        raise RuntimeError("reset_default_graph: can't reset the default graph inside a "
                           "`with graph.as_default():` block; leave the block first")
    _default = Graph()


def name_scope(name: str) -> Any:
    """``graph.name_scope(name)`` on the default graph.

    >>> with Graph().as_default(), name_scope("loss"):
    ...     constant(1.0).name
    'loss/Const'
    """
    return get_default_graph().name_scope(name)


# ---------------------------------------------------------------------- shapes and dtypes
def shape_str(shape: Any) -> str:
    """``(None, 3)`` for humans: ``(?, 3)``; an unknown rank is ``<unknown>``."""
    if shape is None:
        return "<unknown>"
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ("," if len(shape) == 1
                                                                           else "") + ")"


def _norm_shape(shape: Any, what: str) -> Any:
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        out = tuple(None if d is None or d == -1 else int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: a shape is a sequence of ints and None, got {shape!r}") from None
    if any(d is not None and d < 0 for d in out):
        raise ValueError(f"{what}: dimensions must be >= 0 or None, got {shape!r}")
    return out


def _value_array(value: Any, dtype: Any) -> np.ndarray:
    """Turn user data into an array with the eager rules (Python floats become float32)."""
    return Tensor._from_data(value, dtype=None if dtype is None else as_dtype(dtype))._data


# ---------------------------------------------------------------------- nodes
class Operation:
    """A graph node: an eager op function, its static keyword arguments and its input nodes.

    It stands for TF1's ``Operation`` and for its one output ``Tensor`` (``node.op`` is the node
    itself). Python operators build new nodes; ``bool(node)`` is an error, as in TF1, because a
    node has no value until a session runs it.

    >>> with Graph().as_default():
    ...     x = placeholder(shape=(None, 3), name="x")
    ...     y = -(2.0 * x) ** 2
    >>> y.type, y.shape, y.dtype, x.consumers()[0].name
    ('Neg', (None, 3), dtype('float32'), 'mul')
    """

    # Let ``ndarray + node`` reach Operation.__radd__ instead of NumPy iterating the node.
    __array_ufunc__ = None
    __array_priority__ = 1000

    graph: Graph
    name: str
    _id: int

    def __init__(self, op_type: str, inputs: Sequence["Operation"] = (),
                 fn: Callable[..., Any] | None = None, kwargs: dict | None = None,
                 name: str | None = None, shape: Any = None, dtype: Any = None,
                 differentiable: bool = True, graph: Graph | None = None) -> None:
        inputs = tuple(inputs)
        for i, x in enumerate(inputs):
            if not isinstance(x, Operation):
                raise TypeError(f"{op_type}: input {i} must be a graph node, got "
                                f"{type(x).__name__}")
        if graph is None:
            graph = inputs[0].graph if inputs else get_default_graph()
        for x in inputs:
            if x.graph is not graph:
                raise ValueError(f"{op_type}: input '{x.name}' belongs to {x.graph!r}, not to "
                                 f"{graph!r} where this node is made; nodes of two graphs "
                                 "can't be combined")
        self.graph = graph
        self.type = op_type
        self.inputs = inputs
        self.fn = fn
        self.kwargs = dict(kwargs or {})
        self.shape = _norm_shape(shape, op_type)
        self.dtype = None if dtype is None else as_dtype(dtype)
        self.differentiable = differentiable
        self._consumers: list[Operation] = []
        graph._add(self, name or op_type)
        for x in inputs:
            x._consumers.append(self)

    # ------------------------------------------------------------------ TF1 accessors
    @property
    def op(self) -> "Operation":
        """The node itself (TF1 code writes ``tensor.op.name``)."""
        return self

    def consumers(self) -> list["Operation"]:
        """The nodes that take this one as an input, in creation order."""
        return list(self._consumers)

    def get_shape(self) -> Any:
        """The static shape: a tuple with None for unknown dimensions, or None (unknown rank)."""
        return self.shape

    def eval(self, feed_dict: dict | None = None, session: Any = None) -> Any:
        """``session.run(self, feed_dict)`` with the default session (``with Session():``).

        >>> from scratchgrad.graph import Session
        >>> with Graph().as_default():
        ...     c = constant(3.0)
        ...     with Session():
        ...         float(c.eval())
        3.0
        """
        from .session import get_default_session

        sess = session or get_default_session()
        if sess is None:
            raise RuntimeError(f"eval: node '{self.name}' needs a session: pass session= or "
                               "call it inside `with Session():`")
        return sess.run(self, feed_dict)

    def _read(self) -> Tensor:
        """The value of a leaf node (placeholders, variables, constants) during a run."""
        raise NotImplementedError(f"{self.type} '{self.name}' is not a leaf")

    def __repr__(self) -> str:
        dt = "?" if self.dtype is None else str(self.dtype)
        return (f"<{type(self).__name__} '{self.name}' type={self.type} "
                f"shape={shape_str(self.shape)} dtype={dt}>")

    def __bool__(self) -> bool:
        raise TypeError(f"bool: node '{self.name}' has no value until a Session runs it; use "
                        "graph ops such as where() instead of Python `if`")

    def __iter__(self) -> Iterator[Any]:
        # Without this, Python would iterate through __getitem__ and build nodes forever.
        raise TypeError(f"iter: node '{self.name}' can't be iterated while the graph is built")

    def __len__(self) -> int:
        raise TypeError(f"len: node '{self.name}' has no length while the graph is built; "
                        "use node.shape")

    # ------------------------------------------------------------------ operators
    def __add__(self, other: Any) -> "Operation":
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> "Operation":
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> "Operation":
        return _ops.subtract(self, other)

    def __rsub__(self, other: Any) -> "Operation":
        return _ops.subtract(other, self)

    def __mul__(self, other: Any) -> "Operation":
        return _ops.multiply(self, other)

    def __rmul__(self, other: Any) -> "Operation":
        return _ops.multiply(other, self)

    def __truediv__(self, other: Any) -> "Operation":
        return _ops.divide(self, other)

    def __rtruediv__(self, other: Any) -> "Operation":
        return _ops.divide(other, self)

    def __matmul__(self, other: Any) -> "Operation":
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> "Operation":
        return _ops.matmul(other, self)

    def __pow__(self, other: Any) -> "Operation":
        return _ops.pow(self, other)

    def __rpow__(self, other: Any) -> "Operation":
        return _ops.pow(other, self)

    def __neg__(self) -> "Operation":
        return _ops.negative(self)

    def __pos__(self) -> "Operation":
        return self

    def __abs__(self) -> "Operation":
        return _ops.abs(self)

    def __lt__(self, other: Any) -> "Operation":
        return _ops.less(self, other)

    def __le__(self, other: Any) -> "Operation":
        return _ops.less_equal(self, other)

    def __gt__(self, other: Any) -> "Operation":
        return _ops.greater(self, other)

    def __ge__(self, other: Any) -> "Operation":
        return _ops.greater_equal(self, other)

    def __getitem__(self, index: Any) -> "Operation":
        return _ops.slice_(self, index)

    # == and hash stay identity-based (as in TF1), so nodes can be dict keys and feed keys.


class Placeholder(Operation):
    """A node whose value is fed at each run: ``placeholder(float32, (None, 2), name="x")``.

    >>> with Graph().as_default():
    ...     x = placeholder(shape=[None, 2])
    >>> x.type, x.shape
    ('Placeholder', (None, 2))
    """

    def __init__(self, dtype: Any = np.float32, shape: Any = None,
                 name: str | None = None) -> None:
        super().__init__("Placeholder", (), None, None, name or "Placeholder",
                         shape, dtype if dtype is not None else np.float32,
                         differentiable=True)

    def _read(self) -> Tensor:
        raise RuntimeError(f"placeholder '{self.name}' must be fed")


class Constant(Operation):
    """A node with a fixed value: ``constant([1.0, 2.0])``."""

    def __init__(self, value: Any, dtype: Any = None, name: str | None = None,
                 graph: Graph | None = None) -> None:
        array = _value_array(value, dtype)
        super().__init__("Const", (), None, None, name or "Const", array.shape, array.dtype,
                         differentiable=True, graph=graph)
        self.value = array

    def _read(self) -> Tensor:
        return Tensor._make(self.value)


class Variable(Operation):
    """A node that holds a value across runs, changed by optimizers and ``assign``.

    The value lives in the ``Variable`` object (not in a session, unlike TF1) and exists from
    construction: running ``global_variables_initializer()`` is optional and resets every
    variable to its initial value, as re-running it does in TF1. ``initial_value`` may be an
    array-like, a callable returning one, or a graph node needing no feeds (run once, now).

    >>> from scratchgrad.graph import Session
    >>> with Graph().as_default():
    ...     w = Variable([[1.0], [2.0]], name="w")
    ...     step = w.assign_add([[1.0], [1.0]])
    ...     with Session() as s:
    ...         _ = s.run(step)
    ...         s.run(w).ravel().tolist()
    [2.0, 3.0]
    """

    def __init__(self, initial_value: Any, name: str | None = None, trainable: bool = True,
                 dtype: Any = None) -> None:
        if callable(initial_value) and not isinstance(initial_value, Operation):
            initial_value = initial_value()
        if isinstance(initial_value, Operation):
            from .session import Session

            initial_value = Session(initial_value.graph).run(initial_value)
        array = _value_array(initial_value, dtype)
        super().__init__("VariableV2", (), None, None, name or "Variable", array.shape,
                         array.dtype, differentiable=True)
        self.trainable = bool(trainable)
        self.initial_value = array.copy()
        self._value = array.copy()

    def _read(self) -> Tensor:
        return Tensor._make(self._value)

    @property
    def value(self) -> np.ndarray:
        """A copy of the current value (changing it does not change the variable)."""
        return self._value.copy()

    def load(self, value: Any, session: Any = None) -> None:
        """Set the value now (TF1's ``Variable.load``); the shape must stay the same.

        >>> with Graph().as_default():
        ...     v = Variable(0.0)
        >>> v.load(5.0); float(v.value)
        5.0
        """
        self._set(_value_array(value, self.dtype))

    def _set(self, array: np.ndarray) -> None:
        # Replaced, never mutated: arrays fetched earlier keep the values they had.
        array = np.asarray(array)  # NumPy turns 0-d results into scalars
        if array.shape != self._value.shape:
            raise ValueError(f"Variable '{self.name}': new value has shape {array.shape}, "
                             f"expected {self._value.shape}")
        if array.dtype != self._value.dtype:
            array = array.astype(self._value.dtype)
        self._value = array

    def assign(self, value: Any, name: str | None = None) -> Operation:
        """A node that, when run, sets the variable to ``value`` and gives the new value."""
        return _ops._assign(self, value, "assign", name)

    def assign_add(self, delta: Any, name: str | None = None) -> Operation:
        """A node that, when run, adds ``delta`` to the variable and gives the new value."""
        return _ops._assign(self, delta, "add", name)

    def assign_sub(self, delta: Any, name: str | None = None) -> Operation:
        """A node that, when run, subtracts ``delta`` and gives the new value."""
        return _ops._assign(self, delta, "sub", name)

    @property
    def initializer(self) -> Operation:
        """A node that resets this variable to its initial value when run."""
        return variables_initializer([self], name=f"{self.name}/Assign")


# ---------------------------------------------------------------------- leaf constructors
def placeholder(dtype: Any = np.float32, shape: Any = None, name: str | None = None
                ) -> Placeholder:
    """A value fed at run time; ``None`` in ``shape`` marks a free dimension.

    >>> with Graph().as_default():
    ...     placeholder(shape=(None, 784), name="images").shape
    (None, 784)
    """
    return Placeholder(dtype, shape, name)


def constant(value: Any, dtype: Any = None, name: str | None = None) -> Constant:
    """A node with a fixed value (Python floats become float32, as in eager mode).

    >>> with Graph().as_default():
    ...     constant([1.0, 2.0]).dtype
    dtype('float32')
    """
    return Constant(value, dtype, name)


def global_variables(graph: Graph | None = None) -> list[Variable]:
    """All variables of the (default) graph."""
    return (graph or get_default_graph()).global_variables()


def trainable_variables(graph: Graph | None = None) -> list[Variable]:
    """The trainable variables of the (default) graph."""
    return (graph or get_default_graph()).trainable_variables()


def _reset_variables(*values: Any, variables: tuple) -> None:
    for v in variables:
        v._set(v.initial_value.copy())


def variables_initializer(var_list: Sequence[Variable], name: str = "init") -> Operation:
    """A node that resets the given variables to their initial values; it fetches as None."""
    var_list = tuple(var_list)
    graph = var_list[0].graph if var_list else get_default_graph()
    return Operation("NoOp", (), _reset_variables, {"variables": var_list}, name,
                     differentiable=False, graph=graph)


def global_variables_initializer(graph: Graph | None = None) -> Operation:
    """TF1's ``init`` op. Variables here already hold their initial value, so running it is
    optional; when run, it resets every variable of the graph (slots of optimizers included)
    to its initial value.

    >>> from scratchgrad.graph import Session
    >>> with Graph().as_default():
    ...     v = Variable(1.0)
    ...     init = global_variables_initializer()
    ...     v.load(7.0)
    ...     with Session() as s:
    ...         _ = s.run(init)
    ...         float(s.run(v))
    1.0
    """
    graph = graph or get_default_graph()
    return Operation("NoOp", (), _reset_all, {"graph": graph}, "init", differentiable=False,
                     graph=graph)


def _reset_all(*values: Any, graph: Graph) -> None:
    # The variables at run time, so that slots made after this node are reset too.
    _reset_variables(variables=tuple(graph.global_variables()))


from . import ops as _ops  # noqa: E402  (ops builds on the classes above)
