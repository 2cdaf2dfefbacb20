"""Tuned NumPy paths of the neural-network ops in ``ops/nn.py`` and ``ops/elementwise.py``
(normalization, losses, activations): the same results as the reference with fewer passes
over memory and fewer fresh arrays.

Most are first-order gradients on arrays: the reference backward is written in Tensor ops so
that it also builds a graph (``create_graph=True``), which costs a node, a wrapper and a fresh
array per step; without a graph the same formula runs here in place. They are written with
NumPy's functions, to which CuPy arrays dispatch, so those without a NumPy-only call (their
predicates say which) serve CuPy arrays too. The Numba (``numba_cpu``) and CuPy (``cupy``)
modules import this one before registering their kernels for the same ops, so theirs,
registered later, are asked first.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..backend import get_array_module
from ..ops._util import quiet
from ..ops.elementwise import ReLU
from ..ops.nn import BatchNorm, CrossEntropy, EmbeddingBackward, LayerNorm, Linear
from . import register_backward, register_forward


def _is_numpy(_op: Any, x: Any, *_: Any) -> bool:
    return type(x) is np.ndarray


def _normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any,
            loc: float = 0.0, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale + loc).astype(dtype)


# ---------------------------------------------------------------------- linear
def linear_grads(g: Any, x: Any, W: Any, need: tuple[bool, ...]) -> tuple:
    """Linear's first-order gradients on arrays for the inputs whose ``need`` flag is set
    (x, W and, when ``need`` has three flags, b); None for the others. The backward kernel
    below and ``scratchgrad.compile``'s replay both use it."""
    return (g @ W if need[0] else None, g.T @ x if need[1] else None,
            *((g.sum(axis=0) if need[2] else None,) if len(need) == 3 else ()))


def _linear_examples() -> list:
    from ..nn import functional as F  # noqa: PLC0415  (nn builds on the ops)

    rng = np.random.default_rng(0)
    cases = []
    for dtype in (np.float32, np.float64):
        x, W, b = _normal(rng, (5, 3), dtype), _normal(rng, (4, 3), dtype), _normal(rng, (4,),
                                                                                   dtype)
        cases.append(([x, W, b], lambda t: F.linear(t[0], t[1], t[2])))
        cases.append(([x, W], lambda t: F.linear(t[0], t[1])))
        cases.append(([x, W], lambda t: F.linear(t[0], t[1].detach())))  # no weight gradient
    return cases


@register_backward(Linear, examples=_linear_examples, exact=True)
def linear_backward(op: Linear, gy: Any) -> tuple:
    """The same products as the reference on the arrays, without a graph node each."""
    x, W = op.inputs[0]._data, op.inputs[1]._data
    return quiet.run(linear_grads, gy, x, W, tuple(t.requires_grad for t in op.inputs))


# ---------------------------------------------------------------------- ReLU
def _relu_examples() -> list:
    x = np.array([[-1.0, 0.0, 2.0], [np.nan, 3.0, -0.0]])
    return [([x.astype(dtype)], lambda t: t[0].relu()) for dtype in (np.float32, np.float64)]


@register_backward(ReLU, examples=_relu_examples, exact=True)
def relu_backward(op: ReLU, gy: Any) -> Any:
    """``where(x <= 0, 0, gy)`` in one pass, without a float copy of the mask."""
    return np.where(op.inputs[0]._data <= 0, 0, gy)


# ---------------------------------------------------------------------- embedding
def scatter_rows(indices: np.ndarray, rows: np.ndarray, num: int,
                 padding_idx: int | None) -> np.ndarray:
    """The reference's ``_scatter_rows`` (sum ``rows[i]`` into row ``indices[i]`` of a
    (num, dim) zero matrix) by a stable sort and ``np.add.reduceat`` over runs of equal
    indices: several times faster than ``np.add.at``, and as deterministic (``reduceat`` may
    group the terms of a sum differently: the last bits can differ from the reference's)."""
    out = np.zeros((num, rows.shape[1]), dtype=rows.dtype)
    if indices.size == 0:
        return out
    order = np.argsort(indices, kind="stable")
    sorted_idx = indices[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_idx[1:] != sorted_idx[:-1])))
    out[sorted_idx[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    if padding_idx is not None:
        out[padding_idx] = 0
    return out


def _embedding_examples() -> list:
    from ..nn import functional as F  # noqa: PLC0415

    rng = np.random.default_rng(1)
    idx = rng.integers(0, 6, (4, 5))
    cases = []
    for dtype in (np.float32, np.float64):
        W = _normal(rng, (7, 3), dtype)
        cases.append(([W, idx], lambda t: F.embedding(t[1], t[0])))
        cases.append(([W, idx], lambda t: F.embedding(t[1], t[0], padding_idx=2)))
    return cases


@register_forward(EmbeddingBackward, when=_is_numpy, examples=_embedding_examples)
def embedding_grad(op: EmbeddingBackward, gy: np.ndarray) -> np.ndarray:
    return scatter_rows(op.indices.reshape(-1), gy.reshape(-1, gy.shape[-1]), op.num,
                        op.padding_idx)


# ---------------------------------------------------------------------- normalisation
def _einsum_sum(ndim: int, axes: tuple[int, ...], operands: int) -> str:
    """einsum subscripts that sum the product of ``operands`` arrays over ``axes``: one pass
    with no temporary array (``(a * b).sum(axes)`` makes the product first)."""
    letters = "abcdefghijklmnopqrstuvwxyz"[:ndim]
    kept = "".join(c for i, c in enumerate(letters) if i not in axes)
    return ",".join([letters] * operands) + "->" + kept


def _stat(op: Any, *arrays: Any) -> Any:
    """Mean over ``op.axes`` of the product of ``arrays``, with kept dims."""
    x = arrays[0]
    count = int(np.prod([x.shape[a] for a in op.axes]))
    keep = tuple(1 if i in op.axes else s for i, s in enumerate(x.shape))
    if len(arrays) == 1 and x.dtype == np.float32:
        # The mean accumulates in float64, as the reference's (CuPy: a float64 sum).
        total = (np.einsum(_einsum_sum(x.ndim, op.axes, 1), x, dtype=np.float64)
                 if type(x) is np.ndarray else x.sum(axis=op.axes, dtype=np.float64))
        return (total * (1.0 / max(count, 1))).astype(x.dtype).reshape(keep)
    total = np.einsum(_einsum_sum(x.ndim, op.axes, len(arrays)), *arrays)
    return (total * (1.0 / max(count, 1))).reshape(keep)


def _normalize(op: Any, x: Any, *wb: Any) -> Any:
    mean = _stat(op, x)
    y = x - mean
    var = _stat(op, y, y)
    invstd = 1 / np.sqrt(var + op.eps)
    if op.has_w and op.param_axes == op.axes:
        # BatchNorm: invstd and w are both per channel, one scale and one pass
        y *= invstd * wb[0].reshape(op.param_shape)
    else:
        y *= invstd
        if op.has_w:
            y *= wb[0].reshape(op.param_shape)
    if op.has_b:
        y += wb[-1].reshape(op.param_shape)
    op.save_statistics(x, mean, var, invstd)
    return y


def _batch_norm_examples() -> list:
    from ..nn import functional as F  # noqa: PLC0415

    rng = np.random.default_rng(2)
    cases = []
    for dtype in (np.float32, np.float64):
        x = _normal(rng, (6, 3, 4, 5), dtype, loc=40.0, scale=3.0)
        w, b = _normal(rng, (3,), dtype), _normal(rng, (3,), dtype)
        cases.append(([x, w, b], lambda t: F.batch_norm(t[0], None, None, t[1], t[2],
                                                        training=True)))
        cases.append(([x[:, :, 0]], lambda t: F.batch_norm(t[0], None, None, training=True)))
        cases.append(([x, b], lambda t: F.batch_norm(t[0], None, None, None, t[1],
                                                     training=True)))
    return cases


def _layer_norm_examples() -> list:
    from ..nn import functional as F  # noqa: PLC0415

    rng = np.random.default_rng(3)
    cases = []
    for dtype in (np.float32, np.float64):
        x = _normal(rng, (4, 3, 6), dtype, loc=-5.0, scale=2.0)
        w, b = _normal(rng, (3, 6), dtype), _normal(rng, (3, 6), dtype)
        cases.append(([x, w, b], lambda t: F.layer_norm(t[0], (3, 6), t[1], t[2])))
        cases.append(([x], lambda t: F.layer_norm(t[0], (6,))))
        cases.append(([x, w[0]], lambda t: F.layer_norm(t[0], (6,), t[1])))
    return cases


@register_forward(LayerNorm, name="numpy_nn.layer_norm_forward",
                  examples=_layer_norm_examples)
@register_forward(BatchNorm, name="numpy_nn.batch_norm_forward",
                  examples=_batch_norm_examples)
def normalize_forward(op: Any, x: Any, *wb: Any) -> Any:
    """The statistics by ``np.einsum`` (one pass, no temporary), the normalisation in place
    in the output's buffer: one new large array where the reference makes three."""
    return quiet.run(_normalize, op, x, *wb)  # inf or nan in a group: nan, silently


@register_backward(LayerNorm, examples=_layer_norm_examples)
def layer_norm_backward(op: LayerNorm, gy: Any) -> tuple:
    """First-order backward from the saved statistics, in place (parameters per element):
    two new large arrays where the reference, which recomputes the statistics, makes many."""
    return quiet.run(_layer_norm_backward, op, gy)


def _layer_norm_backward(op: Any, g: Any) -> tuple:
    x = op.inputs[0]._data
    xhat = x - op.mean
    xhat *= op.invstd
    grads: list = [None]
    sub = _einsum_sum(x.ndim, op.param_axes, 2)
    if op.has_w:  # before gx, which is computed in xhat's buffer
        w = op.inputs[1]
        grads.append(np.einsum(sub, g, xhat).reshape(w.shape) if w.requires_grad else None)
    if op.has_b:
        b = op.inputs[-1]
        sum_only = sub.split(",")[0] + "->" + sub.split("->")[1]
        grads.append(np.einsum(sum_only, g).reshape(b.shape) if b.requires_grad else None)
    if op.inputs[0].requires_grad:
        gxhat = g * op.inputs[1]._data.reshape(op.param_shape) if op.has_w else g
        # gx = invstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat)), in place
        gx = xhat
        gx *= _stat(op, gxhat, xhat)
        np.subtract(gxhat, gx, out=gx)
        gx -= _stat(op, gxhat)
        gx *= op.invstd
        grads[0] = gx
    return tuple(grads)


def batch_norm_grads(op: Any, x: Any, sum_g: Any, sum_gxhat: Any,
                     grad_input: Callable[[Any, Any, Any], Any]) -> tuple:
    """BatchNorm's gradients from the per-channel sums of g and of g * xhat (those are the
    bias's and the weight's gradients). With w and b constant over each normalised group the
    mean of w * g over a group is w times the mean of g, and the input's gradient folds into
    per-channel constants:

        gx = k * (g - sum(g) / M - xhat * sum(g * xhat) / M),    k = w * invstd,

    that is ``(g * k - a) + (x - mean) * b``, which ``grad_input(k, a, b)`` computes (in
    NumPy here, in a compiled loop in ``numba_cpu``)."""
    shape = op.param_shape
    count = max(int(np.prod([x.shape[a] for a in op.axes])), 1)
    invstd = op.invstd.reshape(shape)
    grads: list = [None]
    if op.has_w:
        w = op.inputs[1]
        grads.append(sum_gxhat.reshape(w.shape).astype(x.dtype, copy=False)
                     if w.requires_grad else None)
    if op.has_b:
        b = op.inputs[-1]
        grads.append(sum_g.reshape(b.shape).astype(x.dtype, copy=False)
                     if b.requires_grad else None)
    if op.inputs[0].requires_grad:
        k = invstd * op.inputs[1]._data.reshape(shape) if op.has_w else invstd
        a, b = k * (sum_g / count), -k * invstd * (sum_gxhat / count)
        grads[0] = grad_input(k, a, b)
    return tuple(grads)


@register_backward(BatchNorm, when=lambda op, gy: op.param_axes == op.axes,
                   examples=_batch_norm_examples)
def batch_norm_backward(op: BatchNorm, gy: Any) -> tuple:
    """First-order backward from the saved statistics and per-channel constants (see
    :func:`batch_norm_grads`): seven passes over the activation, one temporary (x - mean),
    where the reference makes eleven."""
    return quiet.run(_batch_norm_backward, op, gy)


def _batch_norm_backward(op: Any, g: Any) -> tuple:
    x = op.inputs[0]._data
    shape = op.param_shape
    sub = _einsum_sum(x.ndim, op.axes, 2)
    sum_only = sub.split(",")[0] + "->" + sub.split("->")[1]
    xc = x - op.mean
    sum_g = np.einsum(sum_only, g).reshape(shape)
    sum_gxhat = np.einsum(sub, g, xc).reshape(shape) * op.invstd.reshape(shape)

    def grad_input(k: Any, a: Any, b: Any) -> Any:
        gx = np.multiply(g, k)
        gx -= a
        gx += np.multiply(xc, b, out=xc)
        return gx

    return batch_norm_grads(op, x, sum_g, sum_gxhat, grad_input)


# ---------------------------------------------------------------------- cross-entropy
def cross_entropy_upstream(op: CrossEntropy, gy: Any) -> Any:
    """CrossEntropy's upstream gradient on arrays, as the reference's ``_upstream``: per row
    (M,) for reduction "none", else a scalar with mean's 1/denom (0 if every target was
    ignored: no input influenced the loss)."""
    if op.reduction == "none":
        return gy.reshape(-1)
    if op.reduction == "mean":
        return gy * (float(1 / op.denom) if op.denom else 0.0)
    return gy


def _cross_entropy_examples() -> list:
    from ..nn import functional as F  # noqa: PLC0415

    rng = np.random.default_rng(4)
    target = rng.integers(0, 5, 9)
    target[3] = -100
    cases = []
    for dtype in (np.float32, np.float64):
        x = _normal(rng, (9, 5), dtype, scale=3.0)
        w = (rng.random(5) + 0.5).astype(dtype)
        for reduction in ("mean", "sum", "none"):
            cases.append(([x, target], lambda t, r=reduction: F.cross_entropy(
                t[0], t[1], reduction=r)))
            cases.append(([x, target, w], lambda t, r=reduction: F.cross_entropy(
                t[0], t[1], weight=t[2].detach(), reduction=r)))
        cases.append(([x, target], lambda t: F.cross_entropy(t[0], t[1], label_smoothing=0.2)))
        cases.append(([x, target, w], lambda t: F.cross_entropy(
            t[0], t[1], weight=t[2].detach(), label_smoothing=0.1, reduction="sum")))
        cases.append(([x, np.maximum(target, 0)], lambda t: F.cross_entropy(t[0], t[1])))
    return cases


@register_backward(CrossEntropy, examples=_cross_entropy_examples)
def cross_entropy_backward(op: CrossEntropy, gy: Any) -> Any:
    """``(softmax(x) * Q - q) * g`` with softmax from the forward's saved ``row_max`` and
    ``log_sum``, in one (M, C) array and without building q."""
    x = op.inputs[0]._data
    return quiet.run(_cross_entropy_grad, op, x, op.targets, cross_entropy_upstream(op, gy))


def _cross_entropy_grad(op: Any, x: Any, t: Any, g: Any) -> Any:
    M, C = x.shape
    gx = x - op.row_max
    gx -= op.log_sum
    np.exp(gx, out=gx)  # softmax
    rows = get_array_module(x).arange(M)
    if t.plain and op.eps == 0:  # (softmax - one_hot) * g, the general formula's order
        g = g[:, None] if op.reduction == "none" else g
        gx *= g
        gx[rows, t.safe] -= g[:, 0] if op.reduction == "none" else g
        return gx
    row = (1 - op.eps) * t.w_t  # Q, the total target weight of each row
    if op.eps > 0:
        w_total = C if op.weight is None else op.weight.sum()
        row = row + (op.eps / C) * w_total * t.valid
    gx *= (row * g)[:, None]
    gx[rows, t.safe] -= (1 - op.eps) * t.w_t * g
    if op.eps > 0:
        spread = ((op.eps / C) * t.valid * g)[:, None]
        gx -= spread if op.weight is None else spread * op.weight
    return gx

