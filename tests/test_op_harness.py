"""One declarative harness for the op library (issue 2, acceptance 2 and 8).

Each case gives the inputs, the scratchgrad call, a NumPy reference and the PyTorch call.
Every case is checked four ways: forward against NumPy; backward against central finite
differences in float64 (random upstream gradient, random direction); double backward for
twice-differentiable ops; forward and every input gradient against PyTorch at float32
tolerances. A fifth test checks that float32 inputs give float32 outputs and gradients.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.utils import gradcheck, gradgradcheck


@dataclass
class Case:
    name: str
    shapes: list                    # one shape per tensor input
    sg_fn: Callable                 # (*tensors) -> Tensor or tuple
    np_fn: Callable | None          # (*arrays) -> array or tuple (None: no NumPy reference)
    torch_fn: Callable | None       # (torch, *tensors) -> tensor or tuple
    kind: str = "any"               # any | pos | away0 | unit (|x| < 1)
    twice: bool = True              # twice differentiable (gradgradcheck)
    diff: tuple = ()                # indices of differentiable inputs; () = all
    extra: dict = field(default_factory=dict)


def _sample(rng: np.random.Generator, shape: tuple, kind: str) -> np.ndarray:
    x = rng.standard_normal(shape)
    if kind == "pos":
        return rng.uniform(0.5, 2.0, shape)
    if kind == "away0":
        return np.sign(x + 1e-12) * (0.3 + np.abs(x))
    if kind == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    if kind == "distinct":  # well-separated values: no ties for max/min/argmax
        return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.37 - 1.0
    return x


def _softplus_np(x, beta=1.0, threshold=20.0):
    bx = beta * x
    return np.where(bx > threshold, x, np.log1p(np.exp(np.minimum(bx, threshold))) / beta)


def _erf(x):
    return np.vectorize(math.erf)(x)


def _lse(x, axis, keepdims=False):
    m = x.max(axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


IDX = np.array([2, 0, 2, 1, 2])                      # repeated indices: backward accumulates
MASK = np.array([[True, False, True, True], [False, True, False, True], [True] * 4])

CASES = [
    # arithmetic
    Case("add", [(3, 4), (4,)], lambda a, b: a + b, np.add, lambda t, a, b: a + b),
    Case("sub", [(3, 1), (1, 4)], lambda a, b: a - b, np.subtract, lambda t, a, b: a - b),
    Case("mul", [(2, 3, 4), (3, 1)], sg.mul, np.multiply, lambda t, a, b: a * b),
    Case("div", [(3, 4), (3, 4)], lambda a, b: a / b, np.divide, lambda t, a, b: a / b,
         kind="pos"),
    Case("radd_scalar", [(3,)], lambda a: 2.5 + a, lambda a: 2.5 + a, lambda t, a: 2.5 + a),
    Case("rsub_scalar", [(3,)], lambda a: 1 - a, lambda a: 1 - a, lambda t, a: 1 - a),
    Case("rmul_scalar", [(3,)], lambda a: 3 * a, lambda a: 3 * a, lambda t, a: 3 * a),
    Case("rdiv_scalar", [(3,)], lambda a: 2 / a, lambda a: 2 / a, lambda t, a: 2 / a,
         kind="pos"),
    Case("ndarray_left", [(2, 3)], lambda a: np.full((2, 3), 0.5, np.float32) * a, lambda a: 0.5 * a,
         lambda t, a: 0.5 * a),
    Case("neg", [(3, 2)], lambda a: -a, np.negative, lambda t, a: -a),
    Case("abs", [(3, 4)], sg.abs, np.abs, lambda t, a: t.abs(a), kind="away0", twice=False),
    Case("pow_scalar", [(3, 4)], lambda a: a ** 3, lambda a: a ** 3, lambda t, a: a ** 3),
    Case("pow_frac", [(3, 4)], lambda a: a.pow(1.5), lambda a: a ** 1.5,
         lambda t, a: a.pow(1.5), kind="pos"),
    Case("pow_tensor", [(3, 4), (4,)], lambda a, b: a ** b, np.power,
         lambda t, a, b: a ** b, kind="pos"),
    Case("rpow", [(3,)], lambda a: 2.0 ** a, lambda a: 2.0 ** a, lambda t, a: 2.0 ** a),
    Case("square", [(3,)], sg.square, np.square, lambda t, a: t.square(a)),
    # elementwise
    Case("exp", [(3, 4)], sg.exp, np.exp, lambda t, a: t.exp(a)),
    Case("exp_method", [(3, 4)], lambda a: a.exp(), np.exp, lambda t, a: a.exp()),
    Case("log", [(3, 4)], sg.log, np.log, lambda t, a: t.log(a), kind="pos"),
    Case("log1p", [(3, 4)], sg.log1p, np.log1p, lambda t, a: t.log1p(a), kind="pos"),
    Case("sqrt", [(3, 4)], sg.sqrt, np.sqrt, lambda t, a: t.sqrt(a), kind="pos"),
    Case("sin", [(3, 4)], sg.sin, np.sin, lambda t, a: t.sin(a)),
    Case("cos", [(3, 4)], lambda a: a.cos(), np.cos, lambda t, a: a.cos()),
    Case("tanh", [(3, 4)], sg.tanh, np.tanh, lambda t, a: t.tanh(a)),
    Case("sigmoid", [(3, 4)], sg.sigmoid, lambda a: 1 / (1 + np.exp(-a)),
         lambda t, a: t.sigmoid(a)),
    Case("relu", [(3, 4)], sg.relu, lambda a: np.maximum(a, 0), lambda t, a: t.relu(a),
         kind="away0", twice=False),
    Case("leaky_relu", [(3, 4)], lambda a: sg.leaky_relu(a, 0.1),
         lambda a: np.where(a > 0, a, 0.1 * a),
         lambda t, a: t.nn.functional.leaky_relu(a, 0.1), kind="away0", twice=False),
    Case("gelu", [(3, 4)], sg.gelu, lambda a: 0.5 * a * (1 + _erf(a / np.sqrt(2))),
         lambda t, a: t.nn.functional.gelu(a)),
    Case("gelu_tanh", [(3, 4)], lambda a: sg.gelu(a, approximate="tanh"),
         lambda a: 0.5 * a * (1 + np.tanh(np.sqrt(2 / np.pi) * (a + 0.044715 * a ** 3))),
         lambda t, a: t.nn.functional.gelu(a, approximate="tanh")),
    Case("softplus", [(3, 4)], lambda a: sg.softplus(a * 10), lambda a: _softplus_np(a * 10),
         lambda t, a: t.nn.functional.softplus(a * 10)),
    Case("softplus_beta", [(3, 4)], lambda a: sg.softplus(a, beta=2.0),
         lambda a: _softplus_np(a, 2.0), lambda t, a: t.nn.functional.softplus(a, beta=2.0)),
    Case("maximum", [(3, 4), (4,)], sg.maximum, np.maximum, lambda t, a, b: t.maximum(a, b),
         twice=False),
    Case("minimum", [(3, 4), (3, 1)], lambda a, b: a.minimum(b), np.minimum,
         lambda t, a, b: t.minimum(a, b), twice=False),
    Case("clamp", [(3, 4)], lambda a: sg.clamp(a, -0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7),
         lambda t, a: t.clamp(a, -0.5, 0.7), kind="distinct", twice=False),
    Case("clip_method", [(3, 4)], lambda a: a.clip(min=0.1), lambda a: np.maximum(a, 0.1),
         lambda t, a: a.clip(min=0.1), kind="distinct", twice=False),
    Case("where", [(3, 4), (3, 4)], lambda a, b: sg.where(a > 0, a, b),
         lambda a, b: np.where(a > 0, a, b), lambda t, a, b: t.where(a > 0, a, b),
         kind="away0"),
    Case("where_method", [(3, 4)], lambda a: a.where(a > 0, 0.0),
         lambda a: np.where(a > 0, a, 0.0), lambda t, a: a.where(a > 0, 0.0), kind="away0"),
    # reductions
    Case("sum_all", [(3, 4)], sg.sum, np.sum, lambda t, a: a.sum()),
    Case("sum_dim", [(3, 4, 2)], lambda a: a.sum(dim=1), lambda a: a.sum(axis=1),
         lambda t, a: a.sum(dim=1)),
    Case("sum_dims_keep", [(3, 4, 2)], lambda a: a.sum(dim=(0, 2), keepdim=True),
         lambda a: a.sum(axis=(0, 2), keepdims=True), lambda t, a: a.sum(dim=(0, 2), keepdim=True)),
    Case("sum_axis_spelling", [(3, 4)], lambda a: sg.sum(a, axis=-1, keepdims=True),
         lambda a: a.sum(axis=-1, keepdims=True), lambda t, a: a.sum(-1, keepdim=True)),
    Case("mean", [(3, 4)], lambda a: a.mean(dim=0), lambda a: a.mean(axis=0),
         lambda t, a: a.mean(dim=0)),
    Case("mean_all", [(3, 4)], sg.mean, np.mean, lambda t, a: a.mean()),
    Case("var", [(3, 4)], lambda a: a.var(dim=1), lambda a: a.var(axis=1, ddof=1),
         lambda t, a: a.var(dim=1)),
    Case("var_biased_all", [(3, 4)], lambda a: sg.var(a, unbiased=False), np.var,
         lambda t, a: a.var(unbiased=False)),
    Case("std", [(3, 4)], lambda a: a.std(dim=0, keepdim=True),
         lambda a: a.std(axis=0, ddof=1, keepdims=True), lambda t, a: a.std(dim=0, keepdim=True)),
    Case("max_all", [(3, 4)], sg.max, np.max, lambda t, a: a.max(), kind="distinct",
         twice=False),
    Case("max_dim", [(3, 4)], lambda a: sg.max(a, dim=1),
         lambda a: (a.max(axis=1), a.argmax(axis=1)), lambda t, a: t.max(a, dim=1),
         kind="distinct", twice=False),
    Case("min_dim_keep", [(3, 4)], lambda a: a.min(dim=0, keepdim=True),
         lambda a: (a.min(axis=0, keepdims=True), a.argmin(axis=0)[None]),
         lambda t, a: a.min(dim=0, keepdim=True), kind="distinct", twice=False),
    Case("amax", [(3, 4)], lambda a: a.amax(dim=1), lambda a: a.max(axis=1),
         lambda t, a: a.amax(dim=1), kind="distinct", twice=False),
    Case("amin", [(3, 4)], lambda a: sg.amin(a, dim=(0, 1)), lambda a: a.min(),
         lambda t, a: t.amin(a, dim=(0, 1)), kind="distinct", twice=False),
    Case("logsumexp", [(3, 4)], lambda a: sg.logsumexp(a * 30, dim=1),
         lambda a: _lse(a * 30, 1), lambda t, a: t.logsumexp(a * 30, dim=1)),
    Case("softmax", [(3, 4)], lambda a: sg.softmax(a, dim=1), lambda a: _softmax(a, 1),
         lambda t, a: t.softmax(a, dim=1)),
    Case("softmax_dim0_method", [(3, 4)], lambda a: (a * 50).softmax(0),
         lambda a: _softmax(a * 50, 0), lambda t, a: (a * 50).softmax(0)),
    Case("log_softmax", [(2, 3, 4)], lambda a: sg.log_softmax(a * 40, dim=-1),
         lambda a: a * 40 - _lse(a * 40, -1, True), lambda t, a: t.log_softmax(a * 40, dim=-1)),
    Case("scalar_chain", [()], lambda a: (a.exp() * a).sum(), lambda a: np.exp(a) * a,
         lambda t, a: (a.exp() * a).sum()),
    # shape
    Case("reshape", [(3, 4)], lambda a: a.reshape(2, -1), lambda a: a.reshape(2, -1),
         lambda t, a: a.reshape(2, -1)),
    Case("view", [(3, 4)], lambda a: a.view((4, 3)), lambda a: a.reshape(4, 3),
         lambda t, a: a.view(4, 3)),
    Case("flatten", [(2, 3, 4)], lambda a: a.flatten(1), lambda a: a.reshape(2, 12),
         lambda t, a: a.flatten(1)),
    Case("transpose", [(2, 3, 4)], lambda a: a.transpose(0, 2), lambda a: a.transpose(2, 1, 0),
         lambda t, a: a.transpose(0, 2)),
    Case("permute", [(2, 3, 4)], lambda a: sg.permute(a, (1, 2, 0)),
         lambda a: a.transpose(1, 2, 0), lambda t, a: a.permute(1, 2, 0)),
    Case("T", [(3, 4)], lambda a: a.T, lambda a: a.T, lambda t, a: a.T),
    Case("mT", [(2, 3, 4)], lambda a: a.mT, lambda a: np.swapaxes(a, -1, -2),
         lambda t, a: a.mT),
    Case("squeeze", [(3, 1, 4, 1)], lambda a: a.squeeze(1), lambda a: a.squeeze(1),
         lambda t, a: a.squeeze(1)),
    Case("squeeze_all", [(3, 1, 4, 1)], sg.squeeze, np.squeeze, lambda t, a: a.squeeze()),
    Case("unsqueeze", [(3, 4)], lambda a: a.unsqueeze(-1), lambda a: a[..., None],
         lambda t, a: a.unsqueeze(-1)),
    Case("expand", [(3, 1)], lambda a: a.expand(2, 3, 4),
         lambda a: np.broadcast_to(a, (2, 3, 4)), lambda t, a: a.expand(2, 3, 4)),
    Case("broadcast_to", [(4,)], lambda a: sg.broadcast_to(a, (3, 4)),
         lambda a: np.broadcast_to(a, (3, 4)), lambda t, a: t.broadcast_to(a, (3, 4))),
    Case("getitem_int_slice", [(4, 5)], lambda a: a[1, 1:4], lambda a: a[1, 1:4],
         lambda t, a: a[1, 1:4]),
    Case("getitem_none_ellipsis", [(2, 3, 4)], lambda a: a[..., None, ::2],
         lambda a: a[..., None, ::2], lambda t, a: a[..., None, ::2]),
    Case("getitem_int_array", [(3, 4)], lambda a: a[IDX], lambda a: a[IDX],
         lambda t, a: a[t.from_numpy(IDX)]),
    Case("getitem_tensor_pair", [(3, 4)], lambda a: a[sg.tensor([0, 2, 2]), sg.tensor([1, 3, 3])],
         lambda a: a[[0, 2, 2], [1, 3, 3]], lambda t, a: a[t.tensor([0, 2, 2]), t.tensor([1, 3, 3])]),
    Case("getitem_mask", [(3, 4)], lambda a: a[sg.tensor(MASK)], lambda a: a[MASK],
         lambda t, a: a[t.from_numpy(MASK)]),
    Case("cat", [(2, 3), (4, 3)], lambda a, b: sg.cat([a, b]), lambda a, b: np.concatenate([a, b]),
         lambda t, a, b: t.cat([a, b])),
    Case("cat_dim1", [(2, 3), (2, 1)], lambda a, b: sg.cat([a, b], dim=1),
         lambda a, b: np.concatenate([a, b], 1), lambda t, a, b: t.cat([a, b], dim=1)),
    Case("stack", [(2, 3), (2, 3)], lambda a, b: sg.stack([a, b], dim=1),
         lambda a, b: np.stack([a, b], 1), lambda t, a, b: t.stack([a, b], dim=1)),
    Case("split", [(5, 3)], lambda a: a.split(2), lambda a: tuple(np.split(a, [2, 4])),
         lambda t, a: a.split(2)),
    Case("split_sizes", [(2, 6)], lambda a: sg.split(a, [1, 5], dim=1),
         lambda a: tuple(np.split(a, [1], axis=1)), lambda t, a: t.split(a, [1, 5], dim=1)),
    Case("chunk", [(7, 2)], lambda a: a.chunk(3), lambda a: tuple(np.split(a, [3, 6])),
         lambda t, a: a.chunk(3)),
    Case("pad", [(2, 3, 4)], lambda a: sg.pad(a, (1, 2, 0, 1), value=0.5),
         lambda a: np.pad(a, [(0, 0), (0, 1), (1, 2)], constant_values=0.5),
         lambda t, a: t.nn.functional.pad(a, (1, 2, 0, 1), value=0.5)),
    Case("clone", [(3,)], sg.clone, np.copy, lambda t, a: a.clone()),
    # linear algebra
    Case("matmul_2d", [(3, 4), (4, 5)], lambda a, b: a @ b, np.matmul, lambda t, a, b: a @ b),
    Case("matmul_batch_broadcast", [(2, 1, 3, 4), (3, 4, 2)], sg.matmul, np.matmul,
         lambda t, a, b: t.matmul(a, b)),
    Case("matmul_1d_2d", [(4,), (4, 3)], sg.matmul, np.matmul, lambda t, a, b: a @ b),
    Case("matmul_3d_1d", [(2, 3, 4), (4,)], sg.matmul, np.matmul, lambda t, a, b: a @ b),
    Case("matmul_1d_1d", [(4,), (4,)], sg.matmul, np.matmul, lambda t, a, b: a @ b),
    Case("mm", [(3, 4), (4, 2)], sg.mm, np.matmul, lambda t, a, b: t.mm(a, b)),
    Case("mm_method", [(3, 4), (4, 2)], lambda a, b: a.mm(b), np.matmul,
         lambda t, a, b: a.mm(b)),
    Case("dot", [(5,), (5,)], sg.dot, np.dot, lambda t, a, b: t.dot(a, b)),
    Case("t", [(3, 4)], lambda a: a.t(), lambda a: a.T, lambda t, a: a.t()),
]

IDS = [c.name for c in CASES]


def _inputs(case: Case, dtype, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [_sample(rng, s, case.kind).astype(dtype) for s in case.shapes]


def _tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _diff_idx(case: Case) -> tuple:
    return case.diff or tuple(range(len(case.shapes)))


def _differentiable_outputs(outs: tuple) -> list:
    return [o for o in outs if isinstance(o, sg.Tensor) and o.dtype.kind == "f"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_matches_numpy(case):
    arrays = _inputs(case, np.float64)
    got = _tuple(case.sg_fn(*[sg.tensor(a) for a in arrays]))
    want = _tuple(case.np_fn(*arrays))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert g.shape == w.shape, f"{case.name}: shape {g.shape} != {w.shape}"
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-6, atol=1e-7, err_msg=case.name)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_backward_matches_finite_differences(case):
    arrays = _inputs(case, np.float64, seed=1)
    ts = [sg.tensor(a, requires_grad=i in _diff_idx(case)) for i, a in enumerate(arrays)]

    def fn(*xs):
        return tuple(_differentiable_outputs(_tuple(case.sg_fn(*xs))))

    assert gradcheck(fn, ts, eps=1e-6, atol=1e-6, rtol=1e-4, n_directions=3)


@pytest.mark.parametrize("case", [c for c in CASES if c.twice], ids=[c.name for c in CASES
                                                                    if c.twice])
def test_double_backward_matches_finite_differences(case):
    arrays = _inputs(case, np.float64, seed=2)
    ts = [sg.tensor(a, requires_grad=i in _diff_idx(case)) for i, a in enumerate(arrays)]

    def fn(*xs):
        return tuple(_differentiable_outputs(_tuple(case.sg_fn(*xs))))

    assert gradgradcheck(fn, ts, eps=1e-6, atol=1e-5, rtol=1e-3, n_directions=2)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_and_gradients_match_pytorch(case, torch):
    arrays = _inputs(case, np.float32, seed=3)
    diff = _diff_idx(case)
    ours = [sg.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    out_s = _tuple(case.sg_fn(*ours))
    out_t = _tuple(case.torch_fn(torch, *theirs))
    assert len(out_s) == len(out_t)
    rng = np.random.default_rng(4)
    seeds_s, seeds_t, roots_s, roots_t = [], [], [], []
    for o, t in zip(out_s, out_t):
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=f"{case.name}: forward")
        if o.dtype.kind == "f":
            u = rng.standard_normal(o.shape).astype(np.float32)
            roots_s.append(o)
            roots_t.append(t)
            seeds_s.append(sg.tensor(u))
            seeds_t.append(torch.tensor(u))
    sg.autograd.backward(roots_s, seeds_s)
    torch.autograd.backward(roots_t, seeds_t)
    for i in diff:
        np.testing.assert_allclose(ours[i].grad.numpy(), theirs[i].grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=f"{case.name}: gradient of input {i}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_in_float32_out_and_grads(case):
    arrays = _inputs(case, np.float32, seed=5)
    ts = [sg.tensor(a, requires_grad=i in _diff_idx(case)) for i, a in enumerate(arrays)]
    outs = _differentiable_outputs(_tuple(case.sg_fn(*ts)))
    for o in outs:
        assert o.dtype == sg.float32, f"{case.name}: output dtype {o.dtype}"
    sum(o.sum() for o in outs).backward()
    for i in _diff_idx(case):
        assert ts[i].grad.dtype == sg.float32, f"{case.name}: grad dtype {ts[i].grad.dtype}"


def test_every_public_op_has_a_case():
    """Adding an op to the library without a harness case fails here."""
    covered = " ".join(c.name for c in CASES)
    ops = ["add", "sub", "mul", "div", "neg", "abs", "pow", "square", "exp", "log", "log1p",
           "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "gelu", "softplus",
           "maximum", "minimum", "clamp", "clip", "where", "sum", "mean", "var", "std", "max",
           "min", "amax", "amin", "logsumexp", "softmax", "log_softmax", "reshape", "view",
           "flatten", "transpose", "permute", "squeeze", "unsqueeze", "expand", "broadcast_to",
           "getitem", "cat", "stack", "split", "chunk", "pad", "clone", "matmul", "mm", "dot"]
    missing = [op for op in ops if op not in covered]
    assert not missing, f"ops without a harness case: {missing}"


@pytest.mark.parametrize("op", [sg.eq, sg.ne, sg.lt, sg.le, sg.gt, sg.ge])
def test_comparisons_forward_and_no_gradient(op):
    a = sg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    b = sg.tensor([[2.0], [1.0]])
    ref = getattr(np, {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
                       "gt": "greater", "ge": "greater_equal"}[op.__name__])
    out = op(a, b)
    assert out.dtype == sg.bool and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), ref(a.detach().numpy(), b.numpy()))


def test_argmax_argmin_match_numpy_and_torch(torch):
    x = np.random.default_rng(0).permutation(24).reshape(2, 3, 4).astype(np.float32)
    for name in ("argmax", "argmin"):
        for kw in ({}, {"dim": 1}, {"dim": -1, "keepdim": True}):
            ours = getattr(sg, name)(sg.tensor(x), **kw)
            theirs = getattr(torch, name)(torch.tensor(x), **kw)
            assert ours.dtype == sg.int64
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert sg.tensor(x).argmax(axis=2, keepdims=True).shape == (2, 3, 1)
