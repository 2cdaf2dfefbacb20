"""Graph mode (``scratchgrad.graph``): every op against eager mode, forward and gradients;
gradients() against finite differences; the session's plan cache and errors; optimizers;
drawing; the perceptron example."""
from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

import scratchgrad as sg
import scratchgrad.graph as tf
from scratchgrad.graph import ops as graph_ops

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------- the op table
@dataclass
class Case:
    """One graph op: how to build it from placeholders, the same computation in eager mode,
    and its inputs as (shape, kind)."""

    op: str                                  # the graph-mode name this case covers
    graph: Callable[..., Any]
    eager: Callable[..., Any]
    inputs: list = field(default_factory=list)
    grad: bool = True
    id: str = ""


R34, R4, R31, R14, R42 = ((3, 4), "real"), ((4,), "real"), ((3, 1), "real"), ((1, 4), "real"), (
    (4, 2), "real")
P34 = ((3, 4), "pos")
CONST = np.arange(12, dtype=np.float32).reshape(4, 3) / 10  # a NumPy operand (auto-wrapped)

CASES = [
    Case("add", tf.add, sg.add, [R34, R4]),
    Case("subtract", tf.subtract, sg.sub, [R31, R14]),
    Case("multiply", tf.multiply, sg.mul, [R34, R31]),
    Case("divide", tf.divide, sg.div, [R34, P34]),
    Case("truediv", tf.truediv, sg.div, [R4, ((3, 1), "pos")]),
    Case("matmul", tf.matmul, sg.matmul, [R34, R42]),
    Case("matmul", lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
         lambda a, b: sg.matmul(sg.transpose(a, 0, 1), sg.transpose(b, 0, 1)),
         [((4, 3), "real"), ((2, 4), "real")], id="matmul_transposed"),
    Case("negative", tf.negative, sg.neg, [R34]),
    Case("square", tf.square, sg.square, [R34]),
    Case("sqrt", tf.sqrt, sg.sqrt, [P34]),
    Case("exp", tf.exp, sg.exp, [R34]),
    Case("log", tf.log, sg.log, [P34]),
    Case("log1p", tf.log1p, sg.log1p, [P34]),
    Case("sin", tf.sin, sg.sin, [R34]),
    Case("cos", tf.cos, sg.cos, [R34]),
    Case("abs", tf.abs, sg.abs, [R34]),
    Case("sigmoid", tf.sigmoid, sg.sigmoid, [R34]),
    Case("tanh", tf.tanh, sg.tanh, [R34]),
    Case("relu", tf.relu, sg.relu, [R34]),
    Case("leaky_relu", tf.leaky_relu, lambda x: sg.leaky_relu(x, 0.2), [R34]),
    Case("softplus", tf.softplus, sg.softplus, [R34]),
    Case("softmax", tf.softmax, lambda x: sg.softmax(x, dim=-1), [R34]),
    Case("log_softmax", lambda x: tf.log_softmax(x, axis=0),
         lambda x: sg.log_softmax(x, dim=0), [R34]),
    Case("reduce_sum", tf.reduce_sum, sg.sum, [R34]),
    Case("reduce_sum", lambda x: tf.reduce_sum(x, axis=1, keepdims=True),
         lambda x: sg.sum(x, dim=1, keepdim=True), [R34], id="reduce_sum_keepdims"),
    Case("reduce_mean", lambda x: tf.reduce_mean(x, axis=0), lambda x: sg.mean(x, dim=0), [R34]),
    Case("reduce_max", lambda x: tf.reduce_max(x, axis=1), lambda x: sg.amax(x, dim=1), [R34]),
    Case("reduce_min", lambda x: tf.reduce_min(x, axis=[0, 1]),
         lambda x: sg.amin(x, dim=(0, 1)), [R34]),
    Case("reduce_logsumexp", lambda x: tf.reduce_logsumexp(x, axis=-1),
         lambda x: sg.logsumexp(x, dim=-1), [R34]),
    Case("reshape", lambda x: tf.reshape(x, [2, -1]), lambda x: sg.reshape(x, (2, -1)), [R34]),
    Case("transpose", tf.transpose, lambda x: sg.permute(x, (1, 0)), [R34]),
    Case("transpose", lambda x: tf.transpose(x, [2, 0, 1]), lambda x: sg.permute(x, (2, 0, 1)),
         [((2, 3, 4), "real")], id="transpose_perm"),
    Case("expand_dims", lambda x: tf.expand_dims(x, 1), lambda x: sg.unsqueeze(x, 1), [R34]),
    Case("squeeze", lambda x: tf.squeeze(x, axis=1), lambda x: sg.squeeze(x, 1),
         [((3, 1, 4), "real")]),
    Case("concat", lambda a, b: tf.concat([a, b], 1), lambda a, b: sg.cat([a, b], dim=1),
         [((3, 2), "real"), R34]),
    Case("stack", lambda a, b: tf.stack([a, b], axis=1), lambda a, b: sg.stack([a, b], dim=1),
         [R34, R34]),
    Case("maximum", tf.maximum, sg.maximum, [R34, R4]),
    Case("minimum", tf.minimum, sg.minimum, [R34, R34]),
    Case("pow", tf.pow, sg.pow, [P34, R34]),
    Case("pow", lambda x: tf.pow(x, 3), lambda x: sg.pow(x, 3), [R34], id="pow_scalar"),
    Case("where", tf.where, sg.where, [((3, 4), "bool"), R34, R4]),
    Case("clip_by_value", lambda x: tf.clip_by_value(x, -0.5, 0.5),
         lambda x: sg.clamp(x, -0.5, 0.5), [R34]),
    Case("cast", lambda x: tf.cast(x, tf.float64), lambda x: x.to(sg.float64), [R34]),
    Case("identity", tf.identity, lambda x: x, [R34]),
    Case("add_n", lambda a, b, c: tf.add_n([a, b, c]), lambda a, b, c: a + b + c,
         [R34, R34, R4]),
    Case("slice_", lambda x: x[1:, ::2], lambda x: x[1:, ::2], [R34]),
    Case("l2_loss", tf.l2_loss, lambda x: sg.sum(sg.square(x)) * 0.5, [R34]),
    Case("softmax_cross_entropy_with_logits",
         lambda lab, z: tf.nn.softmax_cross_entropy_with_logits(labels=lab, logits=z),
         lambda lab, z: -sg.sum(lab * sg.log_softmax(z, dim=-1), dim=-1),
         [((3, 4), "prob"), R34]),
    Case("sigmoid_cross_entropy_with_logits",
         lambda lab, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=lab, logits=z),
         lambda lab, z: sg.relu(z) - z * lab + sg.log1p(sg.exp(-sg.abs(z))),
         [((3, 4), "unit"), R34]),
    # Python operators, reflected ones and auto-wrapped constants included
    Case("op+", lambda a, b: a + b, lambda a, b: a + b, [R34, R4]),
    Case("op+r", lambda a: 2.0 + a, lambda a: 2.0 + a, [R34]),
    Case("op-", lambda a, b: a - b, lambda a, b: a - b, [R34, R31]),
    Case("op-r", lambda a: 1.5 - a, lambda a: 1.5 - a, [R34]),
    Case("op*", lambda a: a * 3.0, lambda a: a * 3.0, [R34]),
    Case("op*r", lambda a: 3.0 * a, lambda a: 3.0 * a, [R34]),
    Case("op/", lambda a, b: a / b, lambda a, b: a / b, [R34, P34]),
    Case("op/r", lambda a: 1.0 / a, lambda a: 1.0 / a, [P34]),
    Case("op@", lambda a, b: a @ b, lambda a, b: a @ b, [R34, R42]),
    Case("op@r", lambda a: CONST @ a, lambda a: sg.tensor(CONST) @ a, [R34]),
    Case("op**", lambda a: a ** 2, lambda a: a ** 2, [R34]),
    Case("op**r", lambda a: 2.0 ** a, lambda a: 2.0 ** a, [R34]),
    Case("op-unary", lambda a: -a, lambda a: -a, [R34]),
    Case("op-abs", lambda a: abs(a), lambda a: abs(a), [R34]),
    # forward only: no gradient in either mode
    Case("equal", tf.equal, sg.eq, [R34, R34], grad=False),
    Case("not_equal", tf.not_equal, sg.ne, [R34, R4], grad=False),
    Case("less", tf.less, sg.lt, [R34, R4], grad=False),
    Case("less_equal", tf.less_equal, sg.le, [R34, R34], grad=False),
    Case("greater", tf.greater, sg.gt, [R34, R4], grad=False),
    Case("greater_equal", tf.greater_equal, sg.ge, [R34, R34], grad=False),
    Case("op<", lambda a, b: a < b, lambda a, b: a < b, [R34, R4], grad=False),
    Case("op>=", lambda a, b: a >= b, lambda a, b: a >= b, [R34, R4], grad=False),
    Case("argmax", lambda x: tf.argmax(x, axis=1), lambda x: sg.argmax(x, dim=1), [R34],
         grad=False),
    Case("argmin", tf.argmin, lambda x: sg.argmin(x, dim=0), [R34], grad=False),
    Case("stop_gradient", tf.stop_gradient, lambda x: x.detach(), [R34], grad=False),
    Case("zeros_like", tf.zeros_like, sg.zeros_like, [R34], grad=False),
    Case("ones_like", tf.ones_like, sg.ones_like, [R34], grad=False),
]
for _c in CASES:
    _c.id = _c.id or _c.op

# Constructors that make no op from inputs (leaves, random draws) or are aliases/namespaces.
NOT_OPS = {"eager_op", "nn", "zeros", "ones", "random_normal", "random_uniform"}


def _value(shape: tuple, kind: str, rng: np.random.Generator, dtype: Any) -> np.ndarray:
    if kind == "bool":
        return rng.random(shape) > 0.5
    if kind == "pos":
        return rng.uniform(0.5, 2.0, shape).astype(dtype)
    if kind == "unit":
        return rng.uniform(0.0, 1.0, shape).astype(dtype)
    if kind == "prob":
        e = np.exp(rng.standard_normal(shape))
        return (e / e.sum(-1, keepdims=True)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def test_the_op_table_covers_every_graph_op():
    ops = set(graph_ops.__all__) - NOT_OPS
    covered = {c.op for c in CASES}
    assert ops <= covered, f"graph ops without a parity case: {sorted(ops - covered)}"
    for name in ("relu", "sigmoid", "tanh", "softmax", "log_softmax", "leaky_relu",
                 "softplus", "l2_loss", "softmax_cross_entropy_with_logits",
                 "sigmoid_cross_entropy_with_logits"):
        assert getattr(tf.nn, name) is getattr(tf, name)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_op_matches_eager_forward_and_gradients(case: Case):
    rng = np.random.default_rng(len(case.id))
    values = [_value(s, k, rng, np.float32) for s, k in case.inputs]
    eager_in = [sg.tensor(v, requires_grad=v.dtype.kind == "f") for v in values]
    eager_out = case.eager(*eager_in)

    with tf.Graph().as_default():
        phs = [tf.placeholder(v.dtype, shape=v.shape, name=f"in{i}")
               for i, v in enumerate(values)]
        y = case.graph(*phs)
        if y.shape is not None:  # static shape inference, where it is done, is right
            assert y.shape == eager_out.shape, (y.shape, eager_out.shape)
        if y.dtype is not None:
            assert y.dtype == eager_out.dtype
        feed = dict(zip(phs, values))
        if not case.grad:
            got = tf.Session().run(y, feed)
            np.testing.assert_array_equal(got, eager_out.detach().numpy())
            if case.op == "stop_gradient":
                assert tf.gradients(y, phs) == [None]
            return
        gy_value = rng.standard_normal(eager_out.shape).astype(eager_out.dtype)
        gy = tf.placeholder(gy_value.dtype, shape=gy_value.shape, name="gy")
        floats = [p for p in phs if p.dtype.kind == "f"]
        grads = tf.gradients(y, floats, grad_ys=gy)
        got_y, got_grads = tf.Session().run((y, grads), {**feed, gy: gy_value})

    np.testing.assert_allclose(got_y, eager_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert got_y.dtype == eager_out.dtype
    want = sg.autograd.grad(eager_out, [t for t in eager_in if t.requires_grad],
                            grad_outputs=sg.tensor(gy_value), allow_unused=True)
    for p, g, w in zip(floats, got_grads, want):
        if w is None:
            assert g is None or not g.any(), p.name
            continue
        assert g.shape == w.shape and g.dtype == w.dtype, (p.name, g.shape, w.shape)
        np.testing.assert_allclose(g, w.numpy(), rtol=1e-5, atol=1e-6, err_msg=p.name)


# ---------------------------------------------------------------------- gradients()
def _fd_check(build: Callable, x_shape: tuple) -> None:
    """gradients() of sum(gy * y) against central differences, float64, every component."""
    rng = np.random.default_rng(1)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, shape=x_shape, name="x")
        y = build(x)
        x0 = rng.standard_normal(x_shape)
        sess = tf.Session()
        gy = rng.standard_normal(sess.run(y, {x: x0}).shape)
        (gx,) = tf.gradients(y, [x], grad_ys=[gy])
        analytic = sess.run(gx, {x: x0})
        num = np.zeros_like(x0)
        eps = 1e-6
        for i in np.ndindex(*x_shape):
            d = np.zeros_like(x0)
            d[i] = eps
            diff = sess.run(y, {x: x0 + d}) - sess.run(y, {x: x0 - d})
            num[i] = (diff * gy).sum() / (2 * eps)
        np.testing.assert_allclose(analytic, num, rtol=1e-6, atol=1e-8)
        assert sess.plan_builds == 2  # one for y, one for the gradient: plans are reused


def test_gradients_x_cubed_plus_x_is_3x2_plus_1():
    _fd_check(lambda x: x * x * x + x, (5,))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, name="x")
        (g,) = tf.gradients(x * x * x + x, x)
        assert float(tf.Session().run(g, {x: 2.0})) == 13.0


def test_gradients_nested_sigmoid_with_skip_to_the_input():
    _fd_check(lambda x: tf.sigmoid(tf.sigmoid(tf.sigmoid(x))) + x, (4,))


def test_gradients_diamond():
    def diamond(x):
        a = x * 2.0
        b = tf.exp(x)
        return tf.sin(a) * b + a   # x -> a, x -> b, (a, b) -> product, a used twice
    _fd_check(diamond, (2, 3))


def test_gradients_skip_connection_through_two_layers():
    W0 = np.random.default_rng(2).standard_normal((3, 3)) * 0.5

    def net(x):
        W = tf.constant(W0, name="W")
        h1 = tf.tanh(x @ W)
        h2 = tf.tanh(h1 @ W) + x          # the skip connection jumps over two layers
        return tf.reduce_sum(h2 * h1, axis=1)
    _fd_check(net, (2, 3))


def test_gradients_with_respect_to_a_variable_by_finite_differences():
    rng = np.random.default_rng(3)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, shape=(4, 3))
        W = tf.Variable(rng.standard_normal((3, 2)), name="W")
        b = tf.Variable(np.zeros(2), name="b")
        h = tf.tanh(x @ W + b)
        loss = tf.reduce_mean(h * h) + tf.reduce_sum(W * W)
        gW, gb = tf.gradients(loss, [W, b])
        sess = tf.Session()
        xv = rng.standard_normal((4, 3))
        W0 = W.value
        num = np.zeros_like(W0)
        for i in np.ndindex(*W0.shape):
            d = np.zeros_like(W0)
            d[i] = 1e-6
            # feeding a Variable overrides its value for one run
            num[i] = (sess.run(loss, {x: xv, W: W0 + d}) -
                      sess.run(loss, {x: xv, W: W0 - d})) / 2e-6
        np.testing.assert_allclose(sess.run(gW, {x: xv}), num, rtol=1e-6, atol=1e-8)
        assert sess.run(gb, {x: xv}).shape == (2,)


def test_gradients_are_built_in_reverse_topological_order():
    with tf.Graph().as_default() as g:
        x = tf.placeholder(name="x")
        a = tf.sigmoid(x)
        b = tf.sigmoid(a)
        y = b * a + x * b   # depths differ: a BFS would reach a before all of b's consumers
        tf.gradients(y, x)
        forwards = [op.forward._id for op in g.get_operations() if op.type.endswith("Grad")]
        assert forwards == [5, 4, 3, 2, 1]   # add, mul_1, mul, b, a: one each
        assert any(op.type == "AddN" for op in g.get_operations())


def test_broadcast_gradient_has_the_variables_shape():
    with tf.Graph().as_default():
        v = tf.Variable(np.ones((3, 1), np.float32), name="v")
        x = tf.placeholder(tf.float32, shape=(3, 4), name="x")
        (gv,) = tf.gradients(tf.reduce_sum((v + x) * x), [v])
        assert gv.shape == (3, 1)
        xv = np.arange(12, dtype=np.float32).reshape(3, 4)
        got = tf.Session().run(gv, {x: xv})
        assert got.shape == (3, 1) and got.dtype == np.float32
        np.testing.assert_allclose(got, xv.sum(1, keepdims=True))


def test_gradients_of_unconnected_inputs_are_none_and_of_fed_nodes_zero():
    with tf.Graph().as_default():
        x = tf.placeholder(name="x")
        z = tf.placeholder(name="z")
        h = tf.exp(x)
        y = h * 3.0
        gx, gz = tf.gradients(y, [x, z])
        assert gz is None
        sess = tf.Session()
        assert float(sess.run(gx, {x: 0.0})) == pytest.approx(3.0)
        # a fed node is a constant for that run: nothing flows through it
        assert float(sess.run(gx, {x: 0.0, h: 5.0})) == 0.0
        assert tf.gradients(tf.stop_gradient(x) * 2.0, x) == [None]


def test_second_order_in_graph_mode_is_a_clear_error():
    with tf.Graph().as_default():
        x = tf.placeholder(name="x")
        (g,) = tf.gradients(x * x * x, x)
        with pytest.raises(NotImplementedError, match="second order"):
            tf.gradients(g, x)


# ---------------------------------------------------------------------- session
def test_session_returns_the_fetch_structure_as_numpy():
    with tf.Graph().as_default():
        x = tf.placeholder(shape=(None,), name="x")
        y = x * 2.0
        with tf.Session() as sess:
            out = sess.run({"a": [x, (y,)], "b": y, "c": "x"}, {"x": [1.0, 2.0]})
            assert isinstance(out["a"], list) and isinstance(out["a"][1], tuple)
            assert isinstance(out["b"], np.ndarray) and out["b"].tolist() == [2.0, 4.0]
            assert out["c"].dtype == np.float32
            assert y.eval({x: [3.0]}).tolist() == [6.0]


def test_session_caches_plans_per_fetch_set_and_fed_nodes():
    with tf.Graph().as_default():
        x = tf.placeholder(name="x")
        h = x + 1.0
        y = h * 2.0
        sess = tf.Session()
        for v in range(5):
            assert float(sess.run(y, {x: float(v)})) == 2.0 * (v + 1)
        assert sess.plan_builds == 1
        sess.run([y, h], {x: 1.0})
        sess.run([y, h], {x: 2.0})
        assert sess.plan_builds == 2
        assert float(sess.run(y, {h: 10.0})) == 20.0   # a different fed set: a new plan
        assert sess.plan_builds == 3


def test_session_computes_only_what_is_needed_each_node_once():
    calls = []

    def counted(t):
        calls.append(1)
        return t * 1.0

    def bomb(t):
        raise AssertionError("this node is not needed and must not run")

    with tf.Graph().as_default():
        x = tf.placeholder(name="x")
        c = tf.eager_op(counted, [x], name="counted")
        tf.eager_op(bomb, [c], name="bomb")
        y = c * c + c          # three consumers of c
        sess = tf.Session()
        assert float(sess.run(y, {x: 2.0})) == 6.0
        assert len(calls) == 1
        sess.run([y, c, (y, c)], {x: 2.0})
        assert len(calls) == 2
        assert float(sess.run(y, {c: 3.0})) == 12.0   # fed: not evaluated at all
        assert len(calls) == 2


def test_session_error_unfed_placeholder_names_it_and_the_fetch():
    with tf.Graph().as_default():
        x = tf.placeholder(shape=(None, 2), name="images")
        loss = tf.reduce_sum(x * 2.0, name="loss")
        with pytest.raises(RuntimeError, match=r"placeholder 'images'.*'loss'"):
            tf.Session().run(loss)


def test_session_error_feed_shape_names_both_shapes():
    with tf.Graph().as_default():
        x = tf.placeholder(shape=(None, 2), name="x")
        sess = tf.Session()
        assert sess.run(x, {x: np.zeros((7, 2))}).shape == (7, 2)   # None is free
        with pytest.raises(ValueError, match=r"\(3, 3\).*\(\?, 2\)"):
            sess.run(x * 1.0, {x: np.zeros((3, 3))})
        with pytest.raises(ValueError, match=r"\(2,\).*\(\?, 2\)"):
            sess.run(x, {x: np.zeros(2)})


def test_session_error_feed_dtype_that_cant_be_cast():
    with tf.Graph().as_default():
        i = tf.placeholder(tf.int32, shape=(2,), name="idx")
        f = tf.placeholder(tf.float32, name="f")
        sess = tf.Session()
        with pytest.raises(TypeError, match=r"'idx'.*float64.*int32"):
            sess.run(i, {i: [0.5, 1.5]})
        assert sess.run(f, {f: np.float64(1.5)}).dtype == np.float32   # same kind: cast
        assert sess.run(i, {i: [1, 2]}).dtype == np.int32


def test_session_error_nodes_of_another_graph():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf.placeholder(name="a")
    with g2.as_default():
        b = tf.placeholder(name="b")
        sess = tf.Session()
    assert sess.graph is g2
    with pytest.raises(ValueError, match="fetch 'a' belongs to"):
        sess.run(a, {b: 1.0})
    with pytest.raises(ValueError, match="feed key 'a' belongs to"):
        sess.run(b, {b: 1.0, a: 1.0})
    with pytest.raises(ValueError, match="can't be combined"):
        tf.add(a, b)


def test_session_errors_name_the_failing_node_and_closed_sessions():
    with tf.Graph().as_default():
        x = tf.placeholder(name="x")
        y = tf.reshape(x, [2, 2], name="square_me")
        sess = tf.Session()
        with pytest.raises(RuntimeError, match=r"node 'square_me' \(Reshape\) failed"):
            sess.run(y, {x: np.zeros(3)})
        sess.close()
        with pytest.raises(RuntimeError, match="closed"):
            sess.run(x, {x: 1.0})


def test_build_time_shape_errors():
    with tf.Graph().as_default():
        a = tf.placeholder(shape=(None, 3))
        with pytest.raises(ValueError, match=r"add: shapes \(\?, 3\), \(4,\)"):
            a + tf.placeholder(shape=(4,))
        with pytest.raises(ValueError, match="not aligned"):
            tf.matmul(a, tf.placeholder(shape=(2, 5)))


# ---------------------------------------------------------------------- graph structure
def test_names_consumers_and_default_graphs():
    tf.reset_default_graph()
    x = tf.placeholder(name="x")
    y = x + 1.0
    z = tf.add(y, x)
    g = tf.get_default_graph()
    assert (y.name, z.name) == ("add", "add_1")
    assert g.get_operation_by_name("add_1") is z and y.graph is g
    assert x.consumers() == [y, z] and z.inputs == (y, x)
    with pytest.raises(KeyError, match="no node named 'nope'"):
        g.get_operation_by_name("nope")
    with g.name_scope("layer"):
        assert tf.constant(0.0).name == "layer/Const"
    g2 = tf.Graph()
    with g2.as_default():
        assert tf.get_default_graph() is g2 and tf.constant(1.0).graph is g2
        with pytest.raises(RuntimeError, match="reset_default_graph"):
            tf.reset_default_graph()
    assert tf.get_default_graph() is g
    tf.reset_default_graph()
    assert tf.get_default_graph() is not g
    with pytest.raises(TypeError, match="no value until a Session"):
        bool(y)


def test_static_shapes_propagate_none():
    with tf.Graph().as_default():
        x = tf.placeholder(shape=(None, 3))
        W = tf.Variable(np.zeros((3, 5), np.float32))
        h = tf.relu(x @ W + tf.Variable(np.zeros(5, np.float32)))
        assert h.shape == (None, 5) and h.dtype == np.float32
        assert tf.reduce_mean(h, axis=0).shape == (5,)
        assert tf.concat([h, h], 0).shape == (None, 5)
        assert (x * 2.0).dtype == np.float32 and (x * 2).dtype == np.float32


# ---------------------------------------------------------------------- optimizers
def _quadratic(opt: Any, steps: int = 50) -> tuple[list[float], np.ndarray]:
    with tf.Graph().as_default():
        target = tf.constant([1.0, -2.0, 3.0])
        w = tf.Variable(np.zeros(3, np.float32), name="w")
        loss = tf.reduce_sum(tf.square(w - target))
        train_op = opt.minimize(loss)
        sess = tf.Session()
        losses = []
        for _ in range(steps):
            losses.append(float(sess.run(loss)))
            assert sess.run(train_op) is None
        assert w.value.dtype == np.float32   # hyperparameters never widen float32
        return losses, w.value


@pytest.mark.parametrize("make", [lambda: tf.train.GradientDescentOptimizer(0.1),
                                  lambda: tf.train.MomentumOptimizer(0.05, 0.9),
                                  lambda: tf.train.MomentumOptimizer(0.05, 0.9, True),
                                  lambda: tf.train.AdamOptimizer(0.1)],
                         ids=["sgd", "momentum", "nesterov", "adam"])
def test_optimizers_decrease_a_quadratic(make):
    losses, _ = _quadratic(make(), 60)
    assert losses[-1] < 0.05 * losses[0]


def _two_steps(opt: Any) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Two steps on loss = sum(w**3 * x); returns w0, x and w after each step."""
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, shape=(3,))
        w0 = np.array([0.5, -1.0, 2.0])
        w = tf.Variable(w0, name="w")
        train_op = opt.minimize(tf.reduce_sum(w * w * w * x))
        sess = tf.Session()
        xv = np.array([1.0, 2.0, -0.5])
        after = []
        for _ in range(2):
            sess.run(train_op, {x: xv})
            after.append(w.value)
        return w0, xv, after


def test_gradient_descent_update_equals_the_hand_formula():
    w0, x, (w1, w2) = _two_steps(tf.train.GradientDescentOptimizer(0.1))
    h1 = w0 - 0.1 * 3 * w0 ** 2 * x
    np.testing.assert_allclose(w1, h1, rtol=1e-12)
    np.testing.assert_allclose(w2, h1 - 0.1 * 3 * h1 ** 2 * x, rtol=1e-12)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_update_equals_tf1_formula(nesterov):
    lr, mu = 0.1, 0.9
    w0, x, (w1, w2) = _two_steps(tf.train.MomentumOptimizer(lr, mu, use_nesterov=nesterov))
    w, acc = w0.copy(), np.zeros(3)
    for got in (w1, w2):
        g = 3 * w ** 2 * x
        acc = mu * acc + g
        w = w - lr * (g + mu * acc if nesterov else acc)
        np.testing.assert_allclose(got, w, rtol=1e-12)


def test_adam_update_equals_tf1_formula():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-3   # a large epsilon makes its placement matter
    w0, x, (w1, w2) = _two_steps(tf.train.AdamOptimizer(lr, b1, b2, eps))
    w, m, v = w0.copy(), np.zeros(3), np.zeros(3)
    for t, got in enumerate((w1, w2), 1):
        g = 3 * w ** 2 * x
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr_t * m / (np.sqrt(v) + eps)
        np.testing.assert_allclose(got, w, rtol=1e-12)


def test_optimizer_var_list_slots_and_initializer():
    with tf.Graph().as_default() as g:
        w = tf.Variable(1.0, name="w")
        frozen = tf.Variable(2.0, name="frozen", trainable=False)
        tf.Variable(5.0, name="unused")
        loss = tf.square(w * frozen)
        opt = tf.train.AdamOptimizer(0.1)
        pairs = opt.compute_gradients(loss)
        assert [v.name for _, v in pairs] == ["w"]
        step = tf.Variable(0, name="global_step", trainable=False)
        train_op = opt.apply_gradients(pairs, global_step=step)
        names = {v.name for v in g.global_variables()}
        assert {"w/Adam", "w/Adam_1", "beta1_power", "beta2_power"} <= names
        init = tf.global_variables_initializer()
        sess = tf.Session()
        for _ in range(3):
            sess.run(train_op)
        assert int(sess.run(step)) == 3 and float(sess.run(w)) < 1.0
        sess.run(init)
        assert float(sess.run(w)) == 1.0 and int(sess.run(step)) == 0
        assert float(opt.get_slot(w, "m").value) == 0.0
        with pytest.raises(ValueError, match="no trainable Variable"):
            tf.train.GradientDescentOptimizer(0.1).minimize(tf.square(frozen))


def test_learning_rate_can_be_a_fed_node():
    with tf.Graph().as_default():
        lr = tf.placeholder(tf.float32, shape=(), name="lr")
        w = tf.Variable(1.0)
        train_op = tf.train.GradientDescentOptimizer(lr).minimize(tf.square(w))
        sess = tf.Session()
        sess.run(train_op, {lr: 0.25})
        assert float(sess.run(w)) == 0.5
        sess.run(train_op, {lr: 0.0})
        assert float(sess.run(w)) == 0.5


def test_random_ops_variables_initialised_from_nodes_and_interactive_session():
    with tf.Graph().as_default():
        r = tf.random_normal([2, 3], mean=1.0, stddev=0.0, seed=3)
        w = tf.Variable(tf.random_uniform([4], -1.0, 1.0, seed=0), name="w")
        assert w.value.shape == (4,) and np.all(np.abs(w.value) <= 1.0)
        sess = tf.InteractiveSession()
        try:
            assert r.eval().tolist() == [[1.0] * 3] * 2 and r.dtype == np.float32
            u = tf.random_uniform([1000])
            a, b = u.eval(), u.eval()
            assert not np.array_equal(a, b) and 0.0 <= a.min() and a.max() < 1.0
        finally:
            sess.close()
        assert tf.get_default_session() is None


def test_fetched_variable_values_are_snapshots():
    with tf.Graph().as_default():
        w = tf.Variable([1.0, 2.0])
        train_op = tf.train.GradientDescentOptimizer(0.5).minimize(tf.reduce_sum(w))
        sess = tf.Session()
        before, _ = sess.run([w, train_op])
        before[0] = 100.0                        # changing the copy changes nothing
        assert sess.run(w).tolist() == [0.5, 1.5]


# ---------------------------------------------------------------------- drawing, example
def test_to_dot_draws_tensors_as_ellipses_and_ops_as_boxes(tmp_path):
    with tf.Graph().as_default() as g:
        x = tf.placeholder(shape=(None, 2), name="x")
        w = tf.Variable(np.ones((2, 1), np.float32), name="w")
        loss = tf.reduce_mean(tf.sigmoid(x @ w))
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        dot = tf.to_dot(loss)
        assert "MatMul" in dot and "?x1 float32" in dot and "shape=box" in dot
        assert "lightblue" in dot and "Grad" not in dot   # only what the fetch needs
        full = tf.to_dot(g)
        assert "MatMulGrad" in full and "dashed" in full
        if shutil.which("dot"):
            path = tf.plot_graph(train_op, str(tmp_path / "graph.png"))
            with open(path, "rb") as f:
                assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_perceptron_example_smoke(tmp_path):
    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location(
        "graph_perceptron", os.path.join(ROOT, "examples", "graph_perceptron.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main(["--steps", "3", "--out", str(tmp_path)])
    for name in ("perceptron.png", "mlp.png"):
        path = tmp_path / name
        assert path.exists() and path.read_bytes()[:4] == b"\x89PNG"
    assert 0.0 <= result["mlp_accuracy"] <= 1.0
