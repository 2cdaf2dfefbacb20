"""Graph-mode op constructors with TensorFlow 1's names and arguments.

Each constructor makes one :class:`~scratchgrad.graph.core.Operation` that stores an eager op
function of scratchgrad (``sg.matmul``, ``sg.sum``, ...) with its static keyword arguments:
TF's ``axis``/``keepdims`` become the eager ``dim``/``keepdim``. Where TF's signature doesn't
map onto one eager call (``concat`` takes a list, ``matmul`` has ``transpose_a``) a small
private adapter built from eager ops is stored instead. Composite ops (the cross-entropies)
are built from primitive nodes. Static shapes (with None for unknown dimensions) and dtypes are
inferred where cheap, and broadcasting mismatches are reported while the graph is built.

>>> import scratchgrad.graph as tf
>>> with tf.Graph().as_default():
...     x = tf.placeholder(shape=(None, 3))
...     w = tf.Variable(tf.random_normal([3, 2], seed=0))
...     y = tf.reduce_sum(tf.matmul(x, w), axis=1, keepdims=True)
>>> y.type, y.shape, y.fn.__name__, y.kwargs
('Sum', (None, 1), 'sum', {'dim': 1, 'keepdim': True})
"""
from __future__ import annotations

import builtins
import functools
import types
from typing import Any, Callable, Sequence

import numpy as np

from .. import factory
from .. import ops as eager
from .._promotion import (float_dtype, promote_types, scalar_dtype, scalar_power_dtype,
                          sum_dtype, true_divide_dtype)
from ..tensor import Tensor, as_dtype
from .core import Constant, Graph, Operation, Variable, get_default_graph, shape_str

__all__ = [
    "eager_op", "add", "subtract", "multiply", "divide", "truediv", "matmul", "negative",
    "square", "sqrt", "exp", "log", "log1p", "sin", "cos", "sigmoid", "tanh", "relu",
    "leaky_relu", "softplus", "softmax", "log_softmax", "reduce_sum", "reduce_mean",
    "reduce_max", "reduce_min", "reduce_logsumexp", "reshape", "transpose", "expand_dims",
    "squeeze", "concat", "stack", "maximum", "minimum", "pow", "abs", "where", "clip_by_value",
    "cast", "identity", "stop_gradient", "add_n", "zeros_like", "ones_like", "zeros", "ones",
    "random_normal", "random_uniform", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "argmax", "argmin", "slice_", "softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits", "l2_loss", "nn",
]


# ---------------------------------------------------------------------- building blocks
def _graph_of(values: Sequence[Any]) -> Graph:
    for v in values:
        if isinstance(v, Operation):
            return v.graph
    return get_default_graph()


def _nodes(values: Sequence[Any]) -> list[Operation]:
    """Nodes stay; anything else becomes a ``Const`` in the graph of the other operands, with
    the eager dtype rules (``x * 2.0`` keeps a float64 ``x`` in float64)."""
    graph = _graph_of(values)
    like = next((v.dtype for v in values if isinstance(v, Operation)), None)
    out = []
    for v in values:
        if isinstance(v, Operation):
            out.append(v)
        else:
            dt = scalar_dtype(v, like) if isinstance(v, (bool, int, float)) else None
            out.append(Constant(v._data if isinstance(v, Tensor) else v, dt, graph=graph))
    return out


def eager_op(fn: Callable[..., Any], inputs: Sequence[Any], name: str | None = None,
             op_type: str | None = None, shape: Any = None, dtype: Any = None,
             differentiable: bool = True, **kwargs: Any) -> Operation:
    """Wrap any eager function of tensors as a graph node: at run time the session calls
    ``fn(*input_values, **kwargs)``, and ``gradients()`` differentiates it with the eager
    backward rules. This is how every op below is made.

    >>> import scratchgrad as sg
    >>> from scratchgrad.graph import Graph, Session, constant
    >>> with Graph().as_default():
    ...     y = eager_op(sg.leaky_relu, [constant([-1.0, 1.0])], negative_slope=0.5)
    ...     Session().run(y).tolist()
    [-0.5, 1.0]
    """
    nodes = _nodes(inputs)
    op_type = op_type or "".join(p.title() for p in fn.__name__.strip("_").split("_"))
    return Operation(op_type, nodes, fn, kwargs, name or fn.__name__.strip("_"), shape, dtype,
                     differentiable, graph=_graph_of(nodes))


def _broadcast(op: str, *shapes: Any) -> Any:
    """Broadcast static shapes that may hold None; an impossible pair fails at build time."""
    if builtins.any(s is None for s in shapes):
        return None
    n = builtins.max(len(s) for s in shapes)
    out = []
    for i in range(-n, 0):
        dims = [s[i] for s in shapes if len(s) >= -i]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"{op}: shapes {', '.join(shape_str(s) for s in shapes)} can't be "
                             f"broadcast together (dimension {i} has sizes {sorted(known)})")
        out.append(known.pop() if known else None if None in dims else 1)
    return tuple(out)


def _binary(fn: Callable, op_type: str, x: Any, y: Any, name: str | None,
            dtype: Any = "promote", differentiable: bool = True) -> Operation:
    a, b = _nodes([x, y])
    if dtype == "promote":
        dtype = promote_types(a.dtype, b.dtype)
    return Operation(op_type, (a, b), fn, {}, name or fn.__name__, _broadcast(fn.__name__,
                     a.shape, b.shape), dtype, differentiable, graph=a.graph)


def _unary(fn: Callable, op_type: str, x: Any, name: str | None, dtype: Any = "same",
           default_name: str | None = None, **kwargs: Any) -> Operation:
    """A one-input node; ``dtype`` is a dtype, ``"same"`` as the input, or ``"float"`` for the
    float functions (exp, log, ...), which compute an integer input in the default dtype."""
    (a,) = _nodes([x])
    if isinstance(dtype, str):
        dtype = a.dtype if dtype == "same" else float_dtype(a.dtype)
    return Operation(op_type, (a,), fn, kwargs, name or default_name or fn.__name__, a.shape,
                     dtype, graph=a.graph)


# ---------------------------------------------------------------------- arithmetic
def add(x: Any, y: Any, name: str | None = None) -> Operation:
    """``x + y`` with broadcasting (eager ``sg.add``).

    >>> from scratchgrad.graph import Graph, placeholder
    >>> with Graph().as_default():
    ...     add(placeholder(shape=(None, 1)), placeholder(shape=(4,))).shape
    (None, 4)
    """
    return _binary(eager.add, "Add", x, y, name)


def subtract(x: Any, y: Any, name: str | None = None) -> Operation:
    """``x - y`` (eager ``sg.sub``)."""
    return _binary(eager.sub, "Sub", x, y, name)


def multiply(x: Any, y: Any, name: str | None = None) -> Operation:
    """``x * y`` elementwise (eager ``sg.mul``)."""
    return _binary(eager.mul, "Mul", x, y, name)


def divide(x: Any, y: Any, name: str | None = None) -> Operation:
    """``x / y``, true division (eager ``sg.div``; integers give float32)."""
    a, b = _nodes([x, y])
    dt = true_divide_dtype(promote_types(a.dtype, b.dtype))
    return _binary(eager.div, "RealDiv", a, b, name, dt)


truediv = divide


def _matmul_t(a: Tensor, b: Tensor, *, transpose_a: bool, transpose_b: bool) -> Tensor:
    """``matmul`` with TF1's transpose flags, from eager ``transpose`` and ``matmul``."""
    if transpose_a:
        a = eager.transpose(a, -2, -1)
    if transpose_b:
        b = eager.transpose(b, -2, -1)
    return eager.matmul(a, b)


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False,
           name: str | None = None) -> Operation:
    """Matrix product (batch dimensions broadcast); shapes are checked while building.

    >>> from scratchgrad.graph import Graph, placeholder
    >>> with Graph().as_default():
    ...     matmul(placeholder(shape=(None, 3)), placeholder(shape=(2, 3)),
    ...            transpose_b=True).shape
    (None, 2)
    """
    x, y = _nodes([a, b])
    sa, sb = x.shape, y.shape
    shape = None
    if sa is not None and sb is not None and len(sa) >= 2 and len(sb) >= 2:
        if transpose_a:
            sa = sa[:-2] + (sa[-1], sa[-2])
        if transpose_b:
            sb = sb[:-2] + (sb[-1], sb[-2])
        if sa[-1] is not None and sb[-2] is not None and sa[-1] != sb[-2]:
            raise ValueError(f"matmul: shapes {shape_str(x.shape)} and {shape_str(y.shape)} are "
                             f"not aligned (transpose_a={transpose_a}, transpose_b="
                             f"{transpose_b}): inner dimensions {sa[-1]} and {sb[-2]} differ")
        shape = _broadcast("matmul", sa[:-2], sb[:-2]) + (sa[-2], sb[-1])
    if transpose_a or transpose_b:
        fn, kw = _matmul_t, {"transpose_a": transpose_a, "transpose_b": transpose_b}
    else:
        fn, kw = eager.matmul, {}
    return Operation("MatMul", (x, y), fn, kw, name or "matmul", shape,
                     promote_types(x.dtype, y.dtype), graph=x.graph)


def negative(x: Any, name: str | None = None) -> Operation:
    """``-x`` (eager ``sg.neg``)."""
    return _unary(eager.neg, "Neg", x, name, default_name="neg")


def pow(x: Any, y: Any, name: str | None = None) -> Operation:  # noqa: A001  (TF1's name)
    """``x ** y``. A Python-number exponent stays a static argument (eager ``x ** 2``), so no
    gradient is computed for it; a node exponent gets one.

    >>> from scratchgrad.graph import Graph, placeholder
    >>> with Graph().as_default():
    ...     p = pow(placeholder(), 3)
    >>> p.inputs[0].type, p.kwargs
    ('Placeholder', {'exponent': 3})
    """
    if isinstance(y, (int, float)) and not isinstance(y, bool) and isinstance(x, Operation):
        return _unary(eager.pow, "Pow", x, name, scalar_power_dtype(x.dtype, y), exponent=y)
    return _binary(eager.pow, "Pow", x, y, name)


def square(x: Any, name: str | None = None) -> Operation:
    """``x * x`` (eager ``sg.square``)."""
    return _unary(eager.square, "Square", x, name)


def sqrt(x: Any, name: str | None = None) -> Operation:
    """Elementwise square root."""
    return _unary(eager.sqrt, "Sqrt", x, name, "float")


def exp(x: Any, name: str | None = None) -> Operation:
    """Elementwise ``e ** x``."""
    return _unary(eager.exp, "Exp", x, name, "float")


def log(x: Any, name: str | None = None) -> Operation:
    """Elementwise natural logarithm."""
    return _unary(eager.log, "Log", x, name, "float")


def log1p(x: Any, name: str | None = None) -> Operation:
    """``log(1 + x)``, accurate for small ``x``."""
    return _unary(eager.log1p, "Log1p", x, name, "float")


def sin(x: Any, name: str | None = None) -> Operation:
    """Elementwise sine."""
    return _unary(eager.sin, "Sin", x, name, "float")


def cos(x: Any, name: str | None = None) -> Operation:
    """Elementwise cosine."""
    return _unary(eager.cos, "Cos", x, name, "float")


def abs(x: Any, name: str | None = None) -> Operation:  # noqa: A001
    """Elementwise absolute value."""
    return _unary(eager.abs, "Abs", x, name)


def sigmoid(x: Any, name: str | None = None) -> Operation:
    """``1 / (1 + exp(-x))``."""
    return _unary(eager.sigmoid, "Sigmoid", x, name, "float")


def tanh(x: Any, name: str | None = None) -> Operation:
    """Hyperbolic tangent."""
    return _unary(eager.tanh, "Tanh", x, name, "float")


def relu(features: Any, name: str | None = None) -> Operation:
    """``max(x, 0)``."""
    return _unary(eager.relu, "Relu", features, name)


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Operation:
    """``x`` where positive, ``alpha * x`` elsewhere (TF1's default alpha is 0.2)."""
    return _unary(eager.leaky_relu, "LeakyRelu", features, name, "float",
                  negative_slope=alpha)


def softplus(features: Any, name: str | None = None) -> Operation:
    """``log(1 + exp(x))``, stable."""
    return _unary(eager.softplus, "Softplus", features, name, "float")


def maximum(x: Any, y: Any, name: str | None = None) -> Operation:
    """Elementwise larger of ``x`` and ``y``."""
    return _binary(eager.maximum, "Maximum", x, y, name)


def minimum(x: Any, y: Any, name: str | None = None) -> Operation:
    """Elementwise smaller of ``x`` and ``y``."""
    return _binary(eager.minimum, "Minimum", x, y, name)


def where(condition: Any, x: Any, y: Any, name: str | None = None) -> Operation:
    """``x`` where the bool ``condition`` holds, else ``y`` (TF1's ``where_v2`` broadcasting).

    >>> from scratchgrad.graph import Graph, Session, constant
    >>> with Graph().as_default():
    ...     v = constant([-1.0, 2.0])
    ...     Session().run(where(v > 0.0, v, 0.0)).tolist()
    [0.0, 2.0]
    """
    c, a, b = _nodes([condition, x, y])
    if c.dtype is not None and c.dtype != np.bool_:
        raise TypeError(f"where: the condition '{c.name}' must be bool, got {c.dtype}")
    return Operation("Select", (c, a, b), eager.where, {}, name or "where",
                     _broadcast("where", c.shape, a.shape, b.shape),
                     promote_types(a.dtype, b.dtype), graph=c.graph)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any,
                  name: str | None = None) -> Operation:
    """Clamp into ``[min, max]``: numbers stay static (eager ``clamp``), nodes use
    ``minimum(maximum(t, min), max)``."""
    if isinstance(clip_value_min, (int, float)) and isinstance(clip_value_max, (int, float)):
        return _unary(eager.clamp, "ClipByValue", t, name, default_name="clip_by_value",
                      min=clip_value_min, max=clip_value_max)
    return minimum(maximum(t, clip_value_min), clip_value_max, name=name)


# ---------------------------------------------------------------------- reductions
def _reduced_shape(shape: Any, axis: Any, keepdims: bool, op: str) -> Any:
    if shape is None:
        return None
    n = len(shape)
    if axis is None:
        return (1,) * n if keepdims else ()
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -builtins.max(n, 1) <= a < builtins.max(n, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a node of shape "
                             f"{shape_str(shape)}")
    axes = {a % builtins.max(n, 1) for a in axes}
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _reduce(fn: Callable, op_type: str, tf_name: str, x: Any, axis: Any, keepdims: bool,
            name: str | None, dtype: Any = "same") -> Operation:
    (a,) = _nodes([x])
    if isinstance(axis, list):
        axis = tuple(axis)
    shape = _reduced_shape(a.shape, axis, keepdims, tf_name)
    dt = a.dtype if dtype == "same" else dtype
    return Operation(op_type, (a,), fn, {"dim": axis, "keepdim": bool(keepdims)},
                     name or tf_name.replace("reduce_", ""), shape, dt, graph=a.graph)


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Operation:
    """Sum over ``axis`` (all axes when None); ``keepdims`` keeps them with size 1.

    >>> from scratchgrad.graph import Graph, placeholder
    >>> with Graph().as_default():
    ...     reduce_sum(placeholder(shape=(None, 3, 4)), axis=[0, 2]).shape
    (3,)
    """
    x = _nodes([input_tensor])[0]
    return _reduce(eager.sum, "Sum", "reduce_sum", x, axis, keepdims, name, sum_dtype(x.dtype))


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                name: str | None = None) -> Operation:
    """Mean over ``axis`` (floating-point inputs, as eager ``sg.mean``)."""
    return _reduce(eager.mean, "Mean", "reduce_mean", input_tensor, axis, keepdims, name)


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Operation:
    """Maximum over ``axis`` (eager ``sg.amax``: tied maxima share the gradient, as in TF)."""
    return _reduce(eager.amax, "Max", "reduce_max", input_tensor, axis, keepdims, name)


def reduce_min(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Operation:
    """Minimum over ``axis`` (eager ``sg.amin``)."""
    return _reduce(eager.amin, "Min", "reduce_min", input_tensor, axis, keepdims, name)


def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                     name: str | None = None) -> Operation:
    """``log(sum(exp(x)))`` over ``axis`` without overflow."""
    x = _nodes([input_tensor])[0]
    return _reduce(eager.logsumexp, "LogSumExp", "reduce_logsumexp", x, axis, keepdims, name,
                   float_dtype(x.dtype))


def softmax(logits: Any, axis: int = -1, name: str | None = None) -> Operation:
    """``exp(x) / sum(exp(x))`` along ``axis`` (eager ``sg.softmax(x, dim=axis)``)."""
    return _unary(eager.softmax, "Softmax", logits, name, dim=axis)


def log_softmax(logits: Any, axis: int = -1, name: str | None = None) -> Operation:
    """``log(softmax(x))`` along ``axis``, stable."""
    return _unary(eager.log_softmax, "LogSoftmax", logits, name, dim=axis)


def argmax(input: Any, axis: int | None = None, name: str | None = None  # noqa: A002
           ) -> Operation:
    """Index of the largest value along ``axis`` (int64; TF1 reads ``axis=None`` as 0)."""
    axis = 0 if axis is None else axis
    (a,) = _nodes([input])
    return Operation("ArgMax", (a,), eager.argmax, {"dim": axis}, name or "argmax",
                     _reduced_shape(a.shape, axis, False, "argmax"), np.int64,
                     differentiable=False, graph=a.graph)


def argmin(input: Any, axis: int | None = None, name: str | None = None  # noqa: A002
           ) -> Operation:
    """Index of the smallest value along ``axis`` (int64; ``axis=None`` means 0)."""
    axis = 0 if axis is None else axis
    (a,) = _nodes([input])
    return Operation("ArgMin", (a,), eager.argmin, {"dim": axis}, name or "argmin",
                     _reduced_shape(a.shape, axis, False, "argmin"), np.int64,
                     differentiable=False, graph=a.graph)


# ---------------------------------------------------------------------- comparisons
def equal(x: Any, y: Any, name: str | None = None) -> Operation:
    """Elementwise ``x == y`` (bool, no gradient). ``==`` on nodes stays identity, as in TF1."""
    return _binary(eager.eq, "Equal", x, y, name, np.bool_, differentiable=False)


def not_equal(x: Any, y: Any, name: str | None = None) -> Operation:
    """Elementwise ``x != y`` (bool, no gradient)."""
    return _binary(eager.ne, "NotEqual", x, y, name, np.bool_, differentiable=False)


def less(x: Any, y: Any, name: str | None = None) -> Operation:
    """Elementwise ``x < y`` (bool, no gradient)."""
    return _binary(eager.lt, "Less", x, y, name, np.bool_, differentiable=False)


def less_equal(x: Any, y: Any, name: str | None = None) -> Operation:
    """Elementwise ``x <= y`` (bool, no gradient)."""
    return _binary(eager.le, "LessEqual", x, y, name, np.bool_, differentiable=False)


def greater(x: Any, y: Any, name: str | None = None) -> Operation:
    """Elementwise ``x > y`` (bool, no gradient)."""
    return _binary(eager.gt, "Greater", x, y, name, np.bool_, differentiable=False)


def greater_equal(x: Any, y: Any, name: str | None = None) -> Operation:
    """Elementwise ``x >= y`` (bool, no gradient)."""
    return _binary(eager.ge, "GreaterEqual", x, y, name, np.bool_, differentiable=False)


# ---------------------------------------------------------------------- shapes
def _reshape(x: Tensor, *, shape: tuple) -> Tensor:
    """Eager ``reshape`` with the shape as a keyword (how the node stores it)."""
    return eager.reshape(x, shape)


def reshape(tensor: Any, shape: Sequence[int], name: str | None = None) -> Operation:
    """A new shape for the same values; one dimension may be -1.

    >>> from scratchgrad.graph import Graph, placeholder
    >>> with Graph().as_default():
    ...     reshape(placeholder(shape=(4, 6)), [2, -1]).shape
    (2, 12)
    """
    (a,) = _nodes([tensor])
    shape = tuple(int(d) for d in shape)
    out: Any = tuple(None if d == -1 else d for d in shape)
    if a.shape is not None and None not in a.shape:
        n = int(np.prod(a.shape))
        known = int(np.prod([d for d in shape if d != -1]))
        if (-1 not in shape and known != n) or (-1 in shape and (known == 0 or n % known)):
            raise ValueError(f"reshape: can't reshape a node of shape {shape_str(a.shape)} "
                             f"({n} elements) to {shape}")
        out = tuple(n // known if d == -1 else d for d in shape)
    return Operation("Reshape", (a,), _reshape, {"shape": shape}, name or "reshape", out,
                     a.dtype, graph=a.graph)


def _transpose(x: Tensor, *, perm: tuple | None) -> Tensor:
    """Eager ``permute``; ``perm=None`` reverses the dimensions (TF1's default)."""
    return eager.permute(x, tuple(range(x.ndim - 1, -1, -1)) if perm is None else perm)


def transpose(a: Any, perm: Sequence[int] | None = None, name: str | None = None
              ) -> Operation:
    """Permute dimensions (all reversed when ``perm`` is None)."""
    (x,) = _nodes([a])
    perm = None if perm is None else tuple(int(p) for p in perm)
    shape = None
    if x.shape is not None:
        p = perm if perm is not None else tuple(range(len(x.shape) - 1, -1, -1))
        if sorted(q % builtins.max(len(x.shape), 1) for q in p) != list(range(len(x.shape))):
            raise ValueError(f"transpose: perm {perm} is not a permutation of the dimensions "
                             f"of a node of shape {shape_str(x.shape)}")
        shape = tuple(x.shape[q] for q in p)
    return Operation("Transpose", (x,), _transpose, {"perm": perm}, name or "transpose", shape,
                     x.dtype, graph=x.graph)


def expand_dims(input: Any, axis: int, name: str | None = None) -> Operation:  # noqa: A002
    """Insert a dimension of size 1 at ``axis`` (eager ``unsqueeze``)."""
    (x,) = _nodes([input])
    shape = None
    if x.shape is not None:
        d = axis % (len(x.shape) + 1)
        shape = x.shape[:d] + (1,) + x.shape[d:]
    return Operation("ExpandDims", (x,), eager.unsqueeze, {"dim": axis}, name or "expand_dims",
                     shape, x.dtype, graph=x.graph)


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Operation:  # noqa: A002
    """Remove dimensions of size 1 (only those in ``axis`` when given)."""
    (x,) = _nodes([input])
    if isinstance(axis, list):
        axis = tuple(axis)
    shape = None
    if x.shape is not None and (axis is not None or None not in x.shape):
        drop = set(range(len(x.shape))) if axis is None else {
            a % builtins.max(len(x.shape), 1) for a in ((axis,) if isinstance(axis, int)
                                                         else axis)}
        shape = tuple(d for i, d in enumerate(x.shape) if not (i in drop and d == 1))
    return Operation("Squeeze", (x,), eager.squeeze, {"dim": axis}, name or "squeeze", shape,
                     x.dtype, graph=x.graph)


def _concat(*values: Tensor, dim: int) -> Tensor:
    """Eager ``cat`` over the positional inputs."""
    return eager.cat(values, dim=dim)


def _stack(*values: Tensor, dim: int) -> Tensor:
    """Eager ``stack`` over the positional inputs."""
    return eager.stack(values, dim=dim)


def concat(values: Sequence[Any], axis: int, name: str | None = None) -> Operation:
    """Join nodes along an existing ``axis``.

    >>> from scratchgrad.graph import Graph, placeholder
    >>> with Graph().as_default():
    ...     concat([placeholder(shape=(None, 2)), placeholder(shape=(None, 3))], 1).shape
    (None, 5)
    """
    xs = _nodes(list(values))
    shape = None
    shapes = [x.shape for x in xs]
    if builtins.all(s is not None for s in shapes) and len({len(s) for s in shapes}) == 1:
        d = axis % builtins.max(len(shapes[0]), 1)
        out = []
        for i, col in enumerate(zip(*shapes)):
            known = {c for c in col if c is not None}
            if i == d:
                out.append(None if None in col else builtins.sum(col))
            elif len(known) > 1:
                raise ValueError(f"concat: shapes {', '.join(shape_str(s) for s in shapes)} "
                                 f"must be equal except along axis {axis}")
            else:
                out.append(known.pop() if known else None)
        shape = tuple(out)
    return Operation("ConcatV2", xs, _concat, {"dim": axis}, name or "concat", shape,
                     promote_types(*[x.dtype for x in xs]), graph=xs[0].graph)


def stack(values: Sequence[Any], axis: int = 0, name: str | None = None) -> Operation:
    """Join nodes of equal shape along a new ``axis``."""
    xs = _nodes(list(values))
    shape = None
    s0 = xs[0].shape
    if builtins.all(x.shape == s0 for x in xs) and s0 is not None:
        d = axis % (len(s0) + 1)
        shape = s0[:d] + (len(xs),) + s0[d:]
    return Operation("Pack", xs, _stack, {"dim": axis}, name or "stack", shape,
                     promote_types(*[x.dtype for x in xs]), graph=xs[0].graph)


def _getitem(x: Tensor, *, index: Any) -> Tensor:
    """Eager indexing ``x[index]`` with a static index."""
    return x[index]


def slice_(input_: Any, index: Any, name: str | None = None) -> Operation:
    """``node[index]`` with a static index (ints, slices, Ellipsis, None, int arrays)."""
    (x,) = _nodes([input_])
    return Operation("StridedSlice", (x,), _getitem, {"index": index}, name or "strided_slice",
                     None, x.dtype, graph=x.graph)


# ---------------------------------------------------------------------- misc
def _cast(x: Tensor, *, dtype: np.dtype) -> Tensor:
    """Eager ``Tensor.to(dtype)``."""
    return x.to(dtype)


def cast(x: Any, dtype: Any, name: str | None = None) -> Operation:
    """Convert to ``dtype``; differentiable only between floating-point dtypes."""
    (a,) = _nodes([x])
    dt = as_dtype(dtype)
    diff = dt.kind == "f" and (a.dtype is None or a.dtype.kind == "f")
    return Operation("Cast", (a,), _cast, {"dtype": dt}, name or "Cast", a.shape, dt, diff,
                     graph=a.graph)


def _identity(x: Tensor) -> Tensor:
    """The input itself."""
    return x


def identity(input: Any, name: str | None = None) -> Operation:  # noqa: A002
    """The same value under a new name (gradient passes through unchanged)."""
    return _unary(_identity, "Identity", input, name, default_name="Identity")


def _stop_gradient(x: Tensor) -> Tensor:
    """Eager ``detach``."""
    return x.detach()


def stop_gradient(input: Any, name: str | None = None) -> Operation:  # noqa: A002
    """The same value, but ``gradients()`` treats it as a constant."""
    (a,) = _nodes([input])
    return Operation("StopGradient", (a,), _stop_gradient, {}, name or "StopGradient", a.shape,
                     a.dtype, differentiable=False, graph=a.graph)


def _add_n(*xs: Tensor | None) -> Tensor | None:
    """Sum of the positional inputs with eager ``add`` (None, a missing gradient, is skipped)."""
    present = [x for x in xs if x is not None]
    return functools.reduce(eager.add, present) if present else None


def add_n(inputs: Sequence[Any], name: str | None = None) -> Operation:
    """Elementwise sum of a list of nodes (``gradients()`` uses it to sum contributions).

    >>> from scratchgrad.graph import Graph, Session, constant
    >>> with Graph().as_default():
    ...     Session().run(add_n([constant(1.0), constant(2.0), constant(3.0)])).item()
    6.0
    """
    xs = _nodes(list(inputs))
    if not xs:
        raise ValueError("add_n: expected a non-empty list of nodes")
    return Operation("AddN", xs, _add_n, {}, name or "AddN",
                     _broadcast("add_n", *[x.shape for x in xs]),
                     promote_types(*[x.dtype for x in xs]), graph=xs[0].graph)


def zeros_like(tensor: Any, dtype: Any = None, name: str | None = None) -> Operation:
    """Zeros with the shape of ``tensor`` (computed at run time)."""
    (a,) = _nodes([tensor])
    dt = a.dtype if dtype is None else as_dtype(dtype)
    return Operation("ZerosLike", (a,), factory.zeros_like, {"dtype": dtype},
                     name or "zeros_like", a.shape, dt, differentiable=False, graph=a.graph)


def ones_like(tensor: Any, dtype: Any = None, name: str | None = None) -> Operation:
    """Ones with the shape of ``tensor`` (computed at run time)."""
    (a,) = _nodes([tensor])
    dt = a.dtype if dtype is None else as_dtype(dtype)
    return Operation("OnesLike", (a,), factory.ones_like, {"dtype": dtype}, name or "ones_like",
                     a.shape, dt, differentiable=False, graph=a.graph)


def zeros(shape: Sequence[int], dtype: Any = np.float32, name: str | None = None) -> Constant:
    """A constant of zeros."""
    return Constant(np.zeros(tuple(shape), as_dtype(dtype)), None, name or "zeros")


def ones(shape: Sequence[int], dtype: Any = np.float32, name: str | None = None) -> Constant:
    """A constant of ones."""
    return Constant(np.ones(tuple(shape), as_dtype(dtype)), None, name or "ones")


def _random_normal(*, shape: tuple, mean: float, stddev: float, dtype: np.dtype,
                   rng: Any) -> Tensor:
    """Fresh normal draws (scratchgrad's global generator when ``rng`` is None)."""
    if rng is None:
        z = factory.randn(*shape, dtype=dtype)._data
    else:
        z = np.asarray(rng.standard_normal(shape), dtype=dtype)
    return Tensor._make(np.asarray(z * stddev + mean, dtype=dtype))


def _random_uniform(*, shape: tuple, minval: float, maxval: float, dtype: np.dtype,
                    rng: Any) -> Tensor:
    """Fresh uniform draws in ``[minval, maxval)``."""
    if rng is None:
        u = factory.rand(*shape, dtype=dtype)._data
    else:
        u = np.asarray(rng.random(shape), dtype=dtype)
    return Tensor._make(np.asarray(u * (maxval - minval) + minval, dtype=dtype))


def random_normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0,
                  dtype: Any = np.float32, seed: int | None = None,
                  name: str | None = None) -> Operation:
    """New normal samples at every run. With ``seed`` the node has its own generator (the same
    sequence in every process); without, it draws from ``sg.manual_seed``'s generator.

    >>> from scratchgrad.graph import Graph, Session
    >>> with Graph().as_default():
    ...     Session().run(random_normal([2, 3], seed=1)).shape
    (2, 3)
    """
    shape = tuple(int(d) for d in shape)
    rng = None if seed is None else np.random.default_rng(seed)
    return Operation("RandomStandardNormal", (), _random_normal,
                     {"shape": shape, "mean": float(mean), "stddev": float(stddev),
                      "dtype": as_dtype(dtype), "rng": rng}, name or "random_normal", shape,
                     dtype, differentiable=False)


def random_uniform(shape: Sequence[int], minval: float = 0.0, maxval: float = 1.0,
                   dtype: Any = np.float32, seed: int | None = None,
                   name: str | None = None) -> Operation:
    """New uniform samples in ``[minval, maxval)`` at every run (``seed`` as in
    :func:`random_normal`)."""
    shape = tuple(int(d) for d in shape)
    rng = None if seed is None else np.random.default_rng(seed)
    return Operation("RandomUniform", (), _random_uniform,
                     {"shape": shape, "minval": float(minval), "maxval": float(maxval),
                      "dtype": as_dtype(dtype), "rng": rng}, name or "random_uniform", shape,
                     dtype, differentiable=False)


def _assign_value(value: Tensor, *, variable: Variable, mode: str) -> Tensor:
    """Set (``assign``), add to or subtract from a variable; the new value is the result."""
    v = value._data
    if mode == "add":
        v = variable._value + v
    elif mode == "sub":
        v = variable._value - v
    variable._set(np.asarray(v, dtype=variable._value.dtype))
    return Tensor._make(variable._value)


def _assign(variable: Variable, value: Any, mode: str, name: str | None) -> Operation:
    """The node behind ``Variable.assign``/``assign_add``/``assign_sub``."""
    (v,) = _nodes([value]) if isinstance(value, Operation) else [
        Constant(value, variable.dtype, graph=variable.graph)]
    op_type = {"assign": "Assign", "add": "AssignAdd", "sub": "AssignSub"}[mode]
    return Operation(op_type, (v,), _assign_value, {"variable": variable, "mode": mode},
                     name or f"{variable.name}/{op_type}", variable.shape, variable.dtype,
                     differentiable=False, graph=variable.graph)


# ---------------------------------------------------------------------- losses (composites)
def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1,
                                      name: str | None = None) -> Operation:
    """Per-example ``-sum(labels * log_softmax(logits), axis)``, built from primitive nodes.
    As in TF's ``..._v2``, gradients flow into ``labels`` too (wrap them in
    :func:`stop_gradient` for TF1's original behaviour).

    >>> from scratchgrad.graph import Graph, Session, constant
    >>> with Graph().as_default():
    ...     ce = softmax_cross_entropy_with_logits([[0.0, 1.0]], constant([[0.0, 0.0]]))
    ...     round(float(Session().run(ce)[0]), 4)
    0.6931
    """
    labels_, logits_ = _nodes([labels, logits])
    return negative(reduce_sum(multiply(labels_, log_softmax(logits_, axis)), axis=axis),
                    name=name or "softmax_cross_entropy_with_logits")


def sigmoid_cross_entropy_with_logits(labels: Any, logits: Any,
                                      name: str | None = None) -> Operation:
    """Elementwise ``max(x, 0) - x * z + log(1 + exp(-|x|))`` (TF's stable formula) for
    logits ``x`` and labels ``z``, built from primitive nodes."""
    z, x = _nodes([labels, logits])
    return add(subtract(relu(x), multiply(x, z)), log1p(exp(negative(abs(x)))),
               name=name or "logistic_loss")


def l2_loss(t: Any, name: str | None = None) -> Operation:
    """``sum(t ** 2) / 2``."""
    return multiply(reduce_sum(square(t)), 0.5, name=name or "L2Loss")


# TF1's ``tf.nn`` namespace: the same functions under their ``nn.`` names, listed explicitly.
nn = types.SimpleNamespace(
    relu=relu, leaky_relu=leaky_relu, sigmoid=sigmoid, tanh=tanh, softplus=softplus,
    softmax=softmax, log_softmax=log_softmax, l2_loss=l2_loss,
    softmax_cross_entropy_with_logits=softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits_v2=softmax_cross_entropy_with_logits,
    sigmoid_cross_entropy_with_logits=sigmoid_cross_entropy_with_logits,
)
