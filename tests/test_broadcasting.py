"""Hypothesis: every binary op over mutually broadcastable shapes (issue 2, acceptance 3).

The forward equals NumPy's, and each gradient has exactly its input's shape (broadcasting is
undone by the one shared sum_to).
"""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import scratchgrad as sg

BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "pow": (lambda a, b: a ** b, np.power),
    "maximum": (sg.maximum, np.maximum),
    "minimum": (sg.minimum, np.minimum),
    "where": (lambda a, b: sg.where(a > 1.0, a, b), lambda a, b: np.where(a > 1.0, a, b)),
}

shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4)


@settings(max_examples=30, deadline=None)
@given(op=st.sampled_from(sorted(BINARY)), shapes=shapes, seed=st.integers(0, 2**16))
def test_binary_ops_broadcast(op, shapes, seed):
    sg_fn, np_fn = BINARY[op]
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a = rng.uniform(0.5, 2.0, sa).astype(np.float32)   # positive: pow and div are defined
    b = rng.uniform(0.5, 2.0, sb).astype(np.float32)
    ta, tb = sg.tensor(a, requires_grad=True), sg.tensor(b, requires_grad=True)
    y = sg_fn(ta, tb)
    np.testing.assert_allclose(y.detach().numpy(), np_fn(a, b), rtol=1e-6)
    assert y.shape == shapes.result_shape and y.dtype == sg.float32
    y.backward(sg.ones(y.shape))
    assert ta.grad.shape == sa and tb.grad.shape == sb
    assert ta.grad.dtype == sg.float32 and tb.grad.dtype == sg.float32


@settings(max_examples=30, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3),
       n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3), seed=st.integers(0, 99))
def test_matmul_batch_broadcast(shapes, n, k, m, seed):
    rng = np.random.default_rng(seed)
    sa = shapes.input_shapes[0] + (n, k)
    sb = shapes.input_shapes[1] + (k, m)
    a, b = rng.standard_normal(sa).astype(np.float32), rng.standard_normal(sb).astype(np.float32)
    ta, tb = sg.tensor(a, requires_grad=True), sg.tensor(b, requires_grad=True)
    y = ta @ tb
    np.testing.assert_allclose(y.detach().numpy(), a @ b, rtol=1e-5, atol=1e-6)
    y.sum().backward()
    assert ta.grad.shape == sa and tb.grad.shape == sb
