"""Define-and-run graph mode in TensorFlow 1's names: build a graph, then ``Session.run`` it.

>>> import scratchgrad.graph as tf
>>> with tf.Graph().as_default():
...     x = tf.placeholder(tf.float32, shape=(None, 2), name="x")
...     w = tf.Variable([[1.0], [-1.0]], name="w")
...     loss = tf.reduce_mean(tf.square(tf.matmul(x, w)))
...     train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
...     with tf.Session() as sess:
...         before = sess.run(loss, {x: [[1.0, 0.0]]})
...         _ = sess.run(train_op, {x: [[1.0, 0.0]]})
...         after = sess.run(loss, {x: [[1.0, 0.0]]})
>>> float(before), round(float(after), 4)
(1.0, 0.64)

Design: one op library for both modes
-------------------------------------
A graph node (:class:`Operation`) stores the *eager* op function that computes it
(``sg.matmul``, ``sg.sum``, ...), the static keyword arguments of the call (TF's ``axis`` and
``keepdims`` turned into ``dim`` and ``keepdim``) and its input nodes; there is no second
implementation of any op. ``Session.run`` builds a plan per fetch set (cached: the needed nodes
in creation order, which is topological since nodes only take older nodes as inputs) and
evaluates each node once by calling that eager function on ``Tensor`` values.

``gradients(ys, xs)`` adds gradient nodes to the graph, made in reverse topological order, with
explicit ``AddN`` nodes where a node has several consumers. A gradient node holds no backward
formula: at run time it calls ``sg.autograd.grad(value, input_leaves, grad_outputs=upstream,
allow_unused=True)`` on the eager value of its forward node, so graph mode applies exactly the
backward rules of eager mode, broadcasting reduction (``sum_to``) included. For this the
session evaluates the forward nodes whose gradient nodes are in the plan with autograd
recording, on fresh leaves marked ``requires_grad`` (only the inputs that need a gradient);
every other node runs under ``no_grad``.

Trade-off: graph mode pays eager mode's per-node overhead (a ``Function`` object, an autograd
record, a small backward pass per gradient node) on top of the plan's own loop; it buys TF1's
programming model (placeholders, sessions, symbolic gradients that can be drawn and fetched),
not speed. The compiler (later work) is meant to be the fast path: it will take the same graph
and generate a fused plan on raw arrays.

Differences from TF1 worth knowing: a ``Variable`` holds its value from construction (running
``global_variables_initializer()`` is optional and resets variables to their initial values);
the value lives in the variable, shared by all sessions; a node is at once TF1's
``Operation`` and its single output ``Tensor``; a node fed in ``feed_dict`` is a constant for
that run, so no gradient flows through it; second-order gradients are eager-only;
``Optimizer.minimize(loss, var_list)`` takes ``var_list`` second.
"""
from ..tensor import bool_, float16, float32, float64, int32, int64, uint8
from . import train
from .core import (Constant, Graph, Operation, Placeholder, Variable, constant,
                   get_default_graph, global_variables, global_variables_initializer,
                   name_scope, placeholder, reset_default_graph, trainable_variables,
                   variables_initializer)
from .draw import plot_graph, to_dot
from .gradients import gradients
from .ops import (abs, add, add_n, argmax, argmin, cast, clip_by_value, concat, cos, divide,
                  eager_op, equal, exp, expand_dims, greater, greater_equal, identity, l2_loss,
                  leaky_relu, less, less_equal, log, log1p, log_softmax, matmul, maximum,
                  minimum, multiply, negative, nn, not_equal, ones, ones_like, pow,
                  random_normal, random_uniform, reduce_logsumexp, reduce_max, reduce_mean,
                  reduce_min, reduce_sum, relu, reshape, sigmoid,
                  sigmoid_cross_entropy_with_logits, sin, softmax,
                  softmax_cross_entropy_with_logits, softplus, sqrt, square, squeeze, stack,
                  stop_gradient, subtract, tanh, transpose, truediv, where, zeros, zeros_like)
from .session import InteractiveSession, Session, get_default_session

__all__ = [
    "Graph", "Operation", "Placeholder", "Variable", "Constant", "Session",
    "InteractiveSession", "get_default_session", "get_default_graph", "reset_default_graph",
    "name_scope", "placeholder", "constant", "global_variables", "trainable_variables",
    "global_variables_initializer", "variables_initializer", "gradients", "train", "nn",
    "to_dot", "plot_graph", "eager_op",
    "abs", "add", "add_n", "argmax", "argmin", "cast", "clip_by_value", "concat", "cos",
    "divide", "equal", "exp", "expand_dims", "greater", "greater_equal", "identity", "l2_loss",
    "leaky_relu", "less", "less_equal", "log", "log1p", "log_softmax", "matmul", "maximum",
    "minimum", "multiply", "negative", "not_equal", "ones", "ones_like", "pow",
    "random_normal", "random_uniform", "reduce_logsumexp", "reduce_max", "reduce_mean",
    "reduce_min", "reduce_sum", "relu", "reshape", "sigmoid",
    "sigmoid_cross_entropy_with_logits", "sin", "softmax", "softmax_cross_entropy_with_logits",
    "softplus", "sqrt", "square", "squeeze", "stack", "stop_gradient", "subtract", "tanh",
    "transpose", "truediv", "where", "zeros", "zeros_like",
    "float16", "float32", "float64", "int32", "int64", "uint8", "bool_",
]
