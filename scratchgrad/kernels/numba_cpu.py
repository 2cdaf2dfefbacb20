"""Fused CPU kernels: one loop over memory where NumPy makes a dozen passes.

An optimizer update in NumPy is a chain of elementwise calls, each a full pass over the
parameter, its gradient and its state: Adam makes 13. Inside a training loop those passes are
the largest cost of a small model's step (``docs/performance.md``). A loop that reads each
element once and does the whole update in registers moves a tenth of the memory. The same
holds for max pooling (four strided passes and a mask per window offset) and batch norm
(five passes forward, seven backward).

NumPy cannot express such a loop; Numba (an optional extra, ``pip install 'scratchgrad[fast]'``)
compiles one written in Python. This file is the only one that imports Numba, lazily, at the
first fused call: without it, or with ``SCRATCHGRAD_FUSED=0`` in the environment, the
predicates below are false and the NumPy kernels or the reference run instead. A kernel is
used only for arrays of at least :data:`MIN_ELEMENTS`. The public names (through
``scratchgrad.fused``) are :func:`available`, :func:`warm_up` and :data:`MIN_ELEMENTS`. The
loops serve the kernels registered at the end of their sections (max pooling, batch norm, the
recurrent layers' time steps), the optimizers' fused updates (``kernels/optim.py``) and the
compiler (``jit.program``: the loss with its gradient, bias with ReLU).

The optimizer and pooling kernels do, element by element, exactly the operations of the NumPy
path, in the same order and in the array's dtype (the scalars are cast to it first, as NumPy
casts a Python float), and Numba compiles them without fast-math or fused multiply-adds. So
their results are the same bit for bit; the tests check that against the NumPy path. Two
exceptions: the optimizers store a subnormal state value as zero (section "subnormal state":
the NumPy path's arithmetic on such numbers is slow, see docs/performance.md), and the batch
norm's sums accumulate in float64 in an order of LLVM's choosing (section below), so its
statistics agree with the NumPy path's to float32 rounding.
"""
from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np

__all__ = ["available", "warm_up", "MIN_ELEMENTS"]

#: Elements below which callers keep NumPy's path: a parameter group's total for the
#: optimizers (``fused=None``), the input for pooling and batch norm. Loading Numba and the
#: cached kernels takes about a second once per process; a toy model (a few hundred weights)
#: never earns it back, a model with a 784x128 layer does within a few thousand steps.
MIN_ELEMENTS = 1 << 15

_kernels: dict[str, Callable[..., Any]] = {}
# The smallest normal number of each float dtype (see "subnormal state").
_TINY = {np.dtype(t): float(np.finfo(t).tiny) for t in (np.float32, np.float64)}
_EMPTY = {np.dtype(t): np.empty(0, t) for t in (np.float32, np.float64)}  # "no such array"
_status: list[bool] = []  # [available?], decided at the first question


def available() -> bool:
    """True when fused kernels can run: Numba imports and ``SCRATCHGRAD_FUSED`` is not 0.

    >>> import scratchgrad as sg
    >>> isinstance(sg.fused.available(), bool)
    True
    """
    if not _status:
        ok = os.environ.get("SCRATCHGRAD_FUSED", "1").strip().lower() not in ("0", "false",
                                                                                 "no", "off")
        if ok:
            try:
                import numba  # noqa: F401
            except Exception:  # missing, or built for another NumPy: NumPy's path then
                ok = False
        _status.append(ok)
    return _status[0]


def worth_it(params: list[Any]) -> bool:
    """Whether ``fused=None`` should fuse the update of a group of parameters: Numba is there
    and the group holds at least :data:`MIN_ELEMENTS` elements."""
    total = 0
    for p in params:
        total += p._data.size
    return total >= MIN_ELEMENTS and available()


def applies(*arrays: Any) -> bool:
    """True when a fused kernel can take these arrays in place: NumPy, C-contiguous, of one
    float dtype (float32 or float64). Anything else (CuPy arrays, strided views) stays on the
    NumPy path."""
    dtype = arrays[0].dtype
    if dtype != np.float32 and dtype != np.float64:
        return False
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != dtype or not a.flags.c_contiguous:
            return False
    return True


def warm_up() -> bool:
    """Load Numba and every kernel now, for float32 and float64, instead of at the first fused
    step; return :func:`available`. The first time on a machine this compiles (the result
    is cached on disk), afterwards it only loads, once per process (its time and the memory
    Numba and LLVM take: docs/performance.md). Handy before timing a loop.

    >>> import scratchgrad as sg
    >>> sg.fused.warm_up() == sg.fused.available()
    True
    """
    if not available():
        return False
    for dtype in (np.float32, np.float64):
        a = np.zeros(1, dtype)
        kw = dict(lr=0.0, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                  maximize=False)
        sgd_update(a, a.copy(), None, first=False, **kw)
        adam_update(a, a.copy(), a.copy(), a.copy(), None, lr=0.0, beta1=0.9, beta2=0.999,
                    eps=1e-8, weight_decay=0.0, decoupled=False, maximize=False,
                    step_size=0.0, bias_correction2_sqrt=1.0)
        rmsprop_update(a, a.copy(), a.copy(), None, None, lr=0.0, alpha=0.99, eps=1e-8,
                       weight_decay=0.0, momentum=0.0, maximize=False)
        adagrad_update(a, a.copy(), a.copy(), clr=0.0, eps=1e-10, weight_decay=0.0,
                       maximize=False)
        x = np.zeros((1, 1, 2, 2), dtype)
        y, index = np.empty((1, 1, 1, 1), dtype), np.empty((1, 1, 1, 1), np.uint8)
        max_pool2d_2x2(x, y, index)
        max_pool2d_2x2(x, y, None)
        max_pool2d_2x2_grad(y, index, x)
        mean, var = batch_norm_stats(x)
        batch_norm_apply(x, mean, var, var)
        batch_norm_grad_sums(x, x, mean)
        batch_norm_grad_input(x, x, mean, var, var, var)
        h = np.zeros((1, 2), dtype)
        cross_entropy_with_grad(h, np.zeros(1, np.int64), -100)
        bias_relu(h, h[0], h)
        relu_grad(h, h)
        relu_grad_colsum(h, h)
        g = np.zeros((4, 1, 2), dtype)
        c = np.zeros((2, 2), dtype)
        lstm_gates(g, 0, c, 0, 1, np.zeros(8, dtype))
        lstm_grad_step(g, 0, c[:1], c, 0, None, c[0], c[1], np.zeros((1, 4), dtype),
                       np.zeros((2, 1), dtype))
        xw, hs = np.zeros((1, 1, 3), dtype), np.zeros((2, 1, 1), dtype)
        rz, nn = np.zeros((1, 1, 2), dtype), np.zeros((1, 1, 1), dtype)
        gru_step(0, xw, xw[0], xw[0, 0], rz, 0)
        gru_step(1, xw, xw[0], rz, nn, 0, np.zeros(2, dtype))
        gru_step(2, hs, 0, 1, nn, rz, 0)
        gru_grad_step(rz, nn, xw, hs, 0, None, hs[0], xw, xw.copy(), hs[1], 0)
    return True


def _jit(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    from numba import njit

    # cache=True: compiled once per machine, then loaded from __pycache__ (or Numba's user
    # cache when the package folder is read-only); where neither is writable Numba refuses to
    # cache, and the kernel is compiled in each process instead.
    try:
        return njit(cache=True, nogil=True, error_model="numpy", **options)(fn)
    except RuntimeError:
        return njit(cache=False, nogil=True, error_model="numpy", **options)(fn)


def _compile(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    kernel = _kernels.get(name)
    if kernel is None:
        # No fastmath: no reassociation and no contraction into fused multiply-adds, so each
        # operation rounds as NumPy's does.
        kernel = _kernels[name] = _jit(fn)
    return kernel


# ---------------------------------------------------------------------- subnormal state
# An optimizer's running averages decay geometrically where the gradient is zero: Adam's first
# moment by 0.9 a step, so a weight whose input is rarely nonzero (a border pixel) takes its
# average below float32's smallest normal number, 1.2e-38, some 800 steps after its last
# gradient. Below that the number is subnormal, and x86 processors take a slow microcode path
# for every multiply and add that reads or makes one (a tenth of the moments subnormal, as in
# the Fashion-MNIST MLP after some 750 steps, makes Adam's NumPy update of the 784x128 weight
# several times slower: docs/performance.md). NumPy and PyTorch pay that too (PyTorch's cure,
# torch.set_flush_denormal, flips a processor flag for the whole thread). The kernels store
# a subnormal state value (moment, momentum buffer, square average) as zero instead. The
# parameter update moves by lr * m / (sqrt(v) + eps), some 1e-34 for such an m, below the
# rounding of any parameter larger than 1e-27, so weights stay what the NumPy path makes
# them; only the state arrays differ, in values below 1.2e-38 (2.2e-308 in float64).
# ---------------------------------------------------------------------- Adam / AdamW
# Flags of the Adam kernel, one int (each argument costs Numba's dispatcher a type check).
_MAXIMIZE, _LERP_LOW, _AMSGRAD = 1, 2, 4


def _adam_loop(x, g, m, v, vmax, c, flags):  # pragma: no cover - compiled by Numba
    # One element at a time, the operations of Adam._update (the reference), in its order.
    # c: the scalars in the arrays' dtype (see adam_update).
    decay, wd, w, b2, omb2, neg_step, bc2s, eps = c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
    tiny, zero = c[8], c[9]
    neg = (flags & 1) != 0
    lerp_low = (flags & 2) != 0
    amsgrad = (flags & 4) != 0
    for i in range(x.size):
        xi = x[i]
        if decay != 1:           # decoupled weight decay: x *= 1 - lr * weight_decay
            xi = xi * decay
        gi = g[i]
        if neg:                  # maximize
            gi = -gi
        if wd != 0:              # coupled weight decay: g + x * weight_decay
            gi = gi + xi * wd
        mi = m[i]
        d = gi - mi              # lerp, in PyTorch's two forms
        if lerp_low:
            mi = mi + d * w
        else:
            mi = gi - d * w
        if abs(mi) < tiny:       # subnormal: flushed (see "Subnormal state")
            mi = zero
        m[i] = mi
        vi = v[i] * b2 + (gi * omb2) * gi   # PyTorch's addcmul: (value * g) * g
        if vi < tiny:
            vi = zero
        v[i] = vi
        if amsgrad:              # np.maximum: NaN wins
            a = vmax[i]
            if vi > a or vi != vi:
                a = vi
            vmax[i] = a
            vi = a
        denom = np.sqrt(vi) / bc2s + eps
        x[i] = xi + (mi * neg_step) / denom


def adam_kernel() -> Callable[..., Any]:
    """The compiled Adam loop: ``kernel(x, g, m, v, vmax, c, flags)`` on flat arrays, with
    ``c, flags`` from :func:`adam_constants` (``vmax`` is ``v`` without AMSGrad)."""
    return _kernels.get("adam") or _compile("adam", _adam_loop)


def adam_constants(dtype: Any, *, lr: float, beta1: float, beta2: float, eps: float,
                   weight_decay: float, decoupled: bool, maximize: bool, amsgrad: bool,
                   step_size: float, bias_correction2_sqrt: float) -> tuple[np.ndarray, int]:
    """The scalars of one Adam step in ``dtype`` (as NumPy casts Python floats in the NumPy
    path) and the kernel's flags."""
    weight = 1.0 - beta1
    lerp_low = abs(weight) < 0.5
    c = np.array((1.0 - lr * weight_decay if decoupled and weight_decay != 0 else 1.0,
                  0.0 if decoupled else weight_decay, weight if lerp_low else 1.0 - weight,
                  beta2, 1.0 - beta2, -step_size, bias_correction2_sqrt, eps, _TINY[dtype],
                  0.0), dtype)
    return c, maximize * _MAXIMIZE | lerp_low * _LERP_LOW | amsgrad * _AMSGRAD


def adam_update(x: np.ndarray, g: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
                max_exp_avg_sq: np.ndarray | None, *, lr: float, beta1: float, beta2: float,
                eps: float, weight_decay: float, decoupled: bool, maximize: bool,
                step_size: float, bias_correction2_sqrt: float) -> None:
    """One Adam/AdamW update of ``x`` and its state, in place, in one pass (see
    :meth:`scratchgrad.optim.Adam`). The arrays must pass :func:`applies`."""
    kernel = _kernels.get("adam") or adam_kernel()
    c, flags = adam_constants(x.dtype, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                              weight_decay=weight_decay, decoupled=decoupled,
                              maximize=maximize, amsgrad=max_exp_avg_sq is not None,
                              step_size=step_size, bias_correction2_sqrt=bias_correction2_sqrt)
    v = exp_avg_sq.reshape(-1)
    vmax = v if max_exp_avg_sq is None else max_exp_avg_sq.reshape(-1)
    kernel(x.reshape(-1), g.reshape(-1), exp_avg.reshape(-1), v, vmax, c, flags)


# ---------------------------------------------------------------------- SGD
_FIRST, _PLAIN_SUM, _NESTEROV = 2, 4, 8  # and _MAXIMIZE


def _sgd_loop(x, g, buf, c, flags):  # pragma: no cover - compiled by Numba
    # One element at a time, the operations of SGD._update (the reference), in its order.
    wd, momentum, damp, lr, tiny, zero = c[0], c[1], c[2], c[3], c[4], c[5]
    neg = (flags & 1) != 0
    first = (flags & 2) != 0
    plain_sum = (flags & 4) != 0
    nesterov = (flags & 8) != 0
    for i in range(x.size):
        gi = g[i]
        if neg:                  # maximize
            gi = -gi
        if wd != 0:              # g + x * weight_decay
            gi = gi + x[i] * wd
        if momentum != 0:
            if first:            # the buffer starts as a copy of g
                b = gi
            elif plain_sum:      # dampening 0: buf * momentum + g
                b = buf[i] * momentum + gi
            else:
                b = buf[i] * momentum + gi * damp
            if abs(b) < tiny:    # subnormal: flushed (see "Subnormal state")
                b = zero
            buf[i] = b
            if nesterov:
                gi = gi + b * momentum
            else:
                gi = b
        x[i] = x[i] - gi * lr


def sgd_update(x: np.ndarray, g: np.ndarray, momentum_buffer: np.ndarray | None, *,
               first: bool, lr: float, momentum: float, dampening: float,
               weight_decay: float, nesterov: bool, maximize: bool) -> None:
    """One SGD update of ``x`` (and its momentum buffer, filled when ``first``), in place, in
    one pass (see :class:`scratchgrad.optim.SGD`). The arrays must pass :func:`applies`."""
    kernel = _kernels.get("sgd") or _compile("sgd", _sgd_loop)
    flat = x.reshape(-1)
    buf = flat if momentum_buffer is None else momentum_buffer.reshape(-1)
    c = np.array((weight_decay, momentum, 1.0 - dampening, lr, _TINY[x.dtype], 0.0),
                 x.dtype)
    flags = (maximize * _MAXIMIZE | first * _FIRST | (dampening == 0) * _PLAIN_SUM
             | nesterov * _NESTEROV)
    kernel(flat, g.reshape(-1), buf, c, flags)


# ---------------------------------------------------------------------- max pooling
# 2x2 windows with stride 2 (no padding, no dilation): the pooling of nearly every CNN.
# MaxPool2dOp's NumPy path scans each window's offsets k = 0..3 with m = np.maximum(cur, v)
# and moves the index to k where m != cur. With no NaN that is the first maximum (a strict
# ">" scan); a NaN anywhere makes the result NaN and, since NaN != NaN, the index the last
# offset, 3. The loop below does exactly that, without a branch per element.
def _max_pool_2x2_loop(x, y, index, with_index):  # pragma: no cover - compiled by Numba
    N, C, OH, OW = y.shape
    for n in range(N):
        for c in range(C):
            for oh in range(OH):
                r0 = x[n, c, 2 * oh]
                r1 = x[n, c, 2 * oh + 1]
                yo = y[n, c, oh]
                io = index[n, c, oh] if with_index else index[0, 0, 0]
                for ow in range(OW):
                    a = r0[2 * ow]
                    b = r0[2 * ow + 1]
                    c2 = r1[2 * ow]
                    d = r1[2 * ow + 1]
                    cur = a
                    k = 0
                    gt = b > cur
                    cur = b if gt else cur
                    k = 1 if gt else k
                    gt = c2 > cur
                    cur = c2 if gt else cur
                    k = 2 if gt else k
                    gt = d > cur
                    cur = d if gt else cur
                    k = 3 if gt else k
                    nan = (a != a) | (b != b) | (c2 != c2) | (d != d)
                    yo[ow] = (a + b + c2 + d) if nan else cur
                    if with_index:
                        io[ow] = 3 if nan else k


def pool_2x2_applies(x: Any, kernel: tuple[int, int], stride: tuple[int, int],
                     padding: tuple[int, int], dilation: tuple[int, int],
                     input_size: int | None = None) -> bool:
    """Whether :func:`max_pool2d_2x2` (or its gradient, given the pooling's output as ``x``
    and its input's ``input_size``) takes this pooling: 2x2 windows, stride 2, no padding or
    dilation, 4-d NumPy floats, an input large enough to repay loading Numba."""
    size = x.size if input_size is None else input_size
    return (kernel == (2, 2) and stride == (2, 2) and padding == (0, 0)
            and dilation == (1, 1) and type(x) is np.ndarray and x.ndim == 4
            and x.dtype in (np.float32, np.float64) and size >= MIN_ELEMENTS
            and available())


def max_pool2d_2x2(x: np.ndarray, y: np.ndarray, index: np.ndarray | None) -> None:
    """2x2 max pooling with stride 2 of ``x`` (N, C, H, W) into ``y`` (N, C, H//2, W//2),
    with each window's argmax offset (0-3, PyTorch's order) into ``index`` when given: the
    values and indices of ``MaxPool2dOp``'s NumPy path, in one pass."""
    kernel = _kernels.get("max_pool_2x2") or _compile("max_pool_2x2", _max_pool_2x2_loop)
    with_index = index is not None
    kernel(x, y, index if with_index else np.empty((1, 1, 1, 1), np.uint8), with_index)


def _max_pool_2x2_grad_loop(gy, index, gx, zero):  # pragma: no cover - compiled by Numba
    # Every position of every window: gy times (offset == index), as the NumPy path's
    # np.multiply(gy, mask) writes them (so -0.0 for a negative gy, NaN spread as there).
    # Flat indices into C-contiguous arrays, and a product rather than a choice of v or
    # v * 0: each was the faster form (docs/performance.md, max pooling).
    N, C, OH, OW = gy.shape
    H, W = gx.shape[2], gx.shape[3]
    z = zero[0]
    one = z + 1
    g = gy.reshape(-1)
    ix = index.reshape(-1)
    out = gx.reshape(-1)
    for p in range(N * C):
        for oh in range(OH):
            o = (p * OH + oh) * OW
            r0 = (p * H + 2 * oh) * W
            r1 = r0 + W
            for ow in range(OW):
                v = g[o + ow]
                k = ix[o + ow]
                out[r0 + 2 * ow] = v * (one if k == 0 else z)
                out[r0 + 2 * ow + 1] = v * (one if k == 1 else z)
                out[r1 + 2 * ow] = v * (one if k == 2 else z)
                out[r1 + 2 * ow + 1] = v * (one if k == 3 else z)


def max_pool2d_2x2_grad(gy: np.ndarray, index: np.ndarray, gx: np.ndarray) -> None:
    """The input gradient of :func:`max_pool2d_2x2`, written into ``gx`` (N, C, H, W; any
    content), in one pass. All three arrays C-contiguous."""
    kernel = _kernels.get("max_pool_2x2_grad") or _compile("max_pool_2x2_grad",
                                                            _max_pool_2x2_grad_loop)
    kernel(gy, index, gx, np.zeros(1, gx.dtype))
    OH, OW = gy.shape[2:]
    gx[:, :, 2 * OH:] = 0  # an odd height or width: the last row or column is in no window
    gx[:, :, :, 2 * OW:] = 0


# The kernels of ops.conv's MaxPool2dOp and MaxPool2dGrad (the NumPy paths they replace are
# the reference and kernels/numpy_conv.py, which leaves these cases to the loops above).
from ..ops.conv import MaxPool2dGrad, MaxPool2dOp, _PoolGeom  # noqa: E402
from . import register_forward  # noqa: E402


def max_pool_2x2_takes(op: MaxPool2dOp, x: Any) -> bool:
    """Whether :func:`max_pool2d_forward_2x2` takes this MaxPool2dOp call."""
    return pool_2x2_applies(x, op.k, op.s, op.p, op.d)


def max_pool_2x2_grad_takes(op: MaxPool2dGrad, gy: Any) -> bool:
    """Whether :func:`max_pool2d_grad_forward_2x2` takes this MaxPool2dGrad call: the 2x2
    pooling of a large enough NumPy input, a C-contiguous gy and a NumPy argmax."""
    g = op.geom
    N, C, H, W = g.x_shape
    return (pool_2x2_applies(gy, (g.KH, g.KW), (g.sh, g.sw), (g.ph, g.pw), (g.dh, g.dw),
                             N * C * H * W)
            and gy.flags.c_contiguous and type(op.index) is np.ndarray)


def max_pool2d_forward_2x2(op: MaxPool2dOp, x: np.ndarray) -> np.ndarray:
    """MaxPool2dOp's forward in one compiled pass: its values and argmax offsets."""
    op.geom = g = _PoolGeom(x.shape, op.k, op.s, op.p, op.d)
    y = np.empty(x.shape[:2] + (g.OH, g.OW), dtype=x.dtype)
    op.index = np.empty(y.shape, np.uint8) if op.with_index else None
    max_pool2d_2x2(x, y, op.index)
    return y


def max_pool2d_grad_forward_2x2(op: MaxPool2dGrad, gy: np.ndarray) -> np.ndarray:
    """MaxPool2dGrad's forward in one compiled pass."""
    gx = np.empty(op.geom.x_shape, dtype=gy.dtype)  # every element is written
    max_pool2d_2x2_grad(gy, op.index, gx)
    return gx


def _max_pool_examples() -> list:
    """2x2 pooling of inputs of at least MIN_ELEMENTS, even and odd sizes, with ties (ReLU
    zeros), a NaN and infinities; a Fortran-ordered input."""
    from ..ops.conv import max_pool2d  # noqa: PLC0415

    if not available():
        import unittest  # noqa: PLC0415

        raise unittest.SkipTest("Numba is not installed or SCRATCHGRAD_FUSED=0")
    out = []
    for dtype in (np.float32, np.float64):
        for n, shape in enumerate([(4, 8, 32, 34), (3, 8, 37, 41)]):
            x = np.maximum(np.random.default_rng(n).standard_normal(shape), 0).astype(dtype)
            x[0, 0, 0, :8] = [np.nan, 1, 2, 0, 5, np.nan, -np.inf, np.inf]
            out.append(([x], lambda t: max_pool2d(t[0], 2)))
        out.append(([np.asfortranarray(x)], lambda t: max_pool2d(t[0], 2)))
    return out


# The loops do the NumPy path's operations in its order: bit for bit.
register_forward(MaxPool2dOp, when=max_pool_2x2_takes, examples=_max_pool_examples,
                 exact=True)(max_pool2d_forward_2x2)
register_forward(MaxPool2dGrad, when=max_pool_2x2_grad_takes, examples=_max_pool_examples,
                 exact=True)(max_pool2d_grad_forward_2x2)


# ---------------------------------------------------------------------- batch normalisation
# Per-channel statistics and the normalisation of an (N, C, L) view of a C-contiguous input:
# BatchNorm in training mode, ops.nn.BatchNorm. Sums accumulate in float64 (the NumPy path
# accumulates the mean in float64 and the variance in the input's dtype), in any order: the
# reductions are compiled with reassociation allowed, so LLVM vectorises them. The results
# therefore differ from the NumPy path's in the last bits of the statistics (tests compare
# both with PyTorch); the elementwise parts do the NumPy path's operations in its order.
def _bn_stats_loop(x, mean, var):  # pragma: no cover - compiled by Numba
    N, C, L = x.shape
    inv = 1.0 / max(N * L, 1)
    for c in range(C):
        s = 0.0
        for n in range(N):
            for i in range(L):
                s += np.float64(x[n, c, i])
        mean[c] = s * inv                # cast to the input's dtype, as the NumPy path's
        m = mean[c]
        q = 0.0
        for n in range(N):
            for i in range(L):
                d = np.float64(x[n, c, i] - m)   # x - mean in the input's dtype first
                q += d * d
        var[c] = q * inv


def _bn_apply_loop(x, y, mean, scale, shift, has_shift):  # pragma: no cover - compiled by Numba
    N, C, L = x.shape
    for n in range(N):
        for c in range(C):
            m = mean[c]
            a = scale[c]
            b = shift[c]
            for i in range(L):
                v = (x[n, c, i] - m) * a     # as the NumPy path: (x - mean) * (invstd * w)
                y[n, c, i] = v + b if has_shift else v


def _bn_grad_sums_loop(g, x, mean, sum_g, sum_gxc):  # pragma: no cover - compiled by Numba
    N, C, L = x.shape
    for c in range(C):
        m = mean[c]
        s = 0.0
        t = 0.0
        for n in range(N):
            for i in range(L):
                gi = np.float64(g[n, c, i])
                s += gi
                t += gi * np.float64(x[n, c, i] - m)
        sum_g[c] = s
        sum_gxc[c] = t


def _bn_grad_input_loop(g, x, gx, mean, k, a, b):  # pragma: no cover - compiled by Numba
    N, C, L = x.shape
    for n in range(N):
        for c in range(C):
            m, kc, ac, bc = mean[c], k[c], a[c], b[c]
            for i in range(L):
                # the NumPy path's gx = g * k; gx -= a; xc *= b; gx += xc
                gx[n, c, i] = (g[n, c, i] * kc - ac) + (x[n, c, i] - m) * bc


def _compile_reduction(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    kernel = _kernels.get(name)
    if kernel is None:
        kernel = _kernels[name] = _jit(fn, fastmath={"reassoc"})
    return kernel


def batch_norm_applies(x: Any, axes: tuple[int, ...], param_axes: tuple[int, ...]) -> bool:
    """Whether the fused batch norm takes ``x``: statistics per channel (dim 1) over every
    other dim, a C-contiguous NumPy float array of at least :data:`MIN_ELEMENTS`."""
    return (type(x) is np.ndarray and x.ndim >= 2 and axes == param_axes
            and axes == (0,) + tuple(range(2, x.ndim)) and x.dtype in (np.float32, np.float64)
            and x.flags.c_contiguous and x.size >= MIN_ELEMENTS and available())


def _as_ncl(a: np.ndarray) -> np.ndarray:
    return a.reshape(a.shape[0], a.shape[1], -1)


def batch_norm_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of ``x`` (N, C, *), in ``x``'s dtype."""
    kernel = _compile_reduction("bn_stats", _bn_stats_loop)
    C = x.shape[1]
    mean, var = np.empty(C, x.dtype), np.empty(C, x.dtype)
    kernel(_as_ncl(x), mean, var)
    return mean, var


def batch_norm_apply(x: np.ndarray, mean: np.ndarray, scale: np.ndarray,
                     shift: np.ndarray | None) -> np.ndarray:
    """``(x - mean) * scale + shift`` per channel (C-sized vectors), a new array."""
    kernel = _kernels.get("bn_apply") or _compile("bn_apply", _bn_apply_loop)
    y = np.empty_like(x)
    kernel(_as_ncl(x), _as_ncl(y), mean, scale, mean if shift is None else shift,
           shift is not None)
    return y


def batch_norm_grad_sums(g: np.ndarray, x: np.ndarray,
                         mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per channel, in float64: sum(g) and sum(g * (x - mean))."""
    kernel = _compile_reduction("bn_grad_sums", _bn_grad_sums_loop)
    C = x.shape[1]
    sum_g, sum_gxc = np.empty(C), np.empty(C)
    kernel(_as_ncl(g), _as_ncl(x), mean, sum_g, sum_gxc)
    return sum_g, sum_gxc


def batch_norm_grad_input(g: np.ndarray, x: np.ndarray, mean: np.ndarray, k: np.ndarray,
                          a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(g * k - a) + (x - mean) * b`` per channel (C-sized vectors), a new array."""
    kernel = _kernels.get("bn_grad_input") or _compile("bn_grad_input", _bn_grad_input_loop)
    gx = np.empty_like(x)
    kernel(_as_ncl(g), _as_ncl(x), _as_ncl(gx), mean, k, a, b)
    return gx


# numpy_nn registers its batch-norm kernels first, so the compiled ones below, registered
# later, are asked before them.
from . import numpy_nn as _numpy_nn  # noqa: E402
from . import register_backward, register_forward  # noqa: E402
from ..ops._util import quiet  # noqa: E402
from ..ops.nn import BatchNorm  # noqa: E402


def _batch_norm_examples() -> list:
    """Batches of at least :data:`MIN_ELEMENTS`, float32 and float64 (skipped without Numba)."""
    if not available():
        import unittest  # noqa: PLC0415  (pytest reads its SkipTest)

        raise unittest.SkipTest("the compiled batch norm needs Numba")
    from ..nn import functional as F  # noqa: PLC0415

    rng = np.random.default_rng(6)
    cases = []
    for dtype in (np.float32, np.float64):
        x = (rng.standard_normal((16, 4, 24, 24)) * 3 + 40).astype(dtype)
        w, b = rng.standard_normal(4).astype(dtype), rng.standard_normal(4).astype(dtype)
        assert x.size >= MIN_ELEMENTS
        cases.append(([x, w, b], lambda t: F.batch_norm(t[0], None, None, t[1], t[2],
                                                        training=True)))
        cases.append(([x, b], lambda t: F.batch_norm(t[0], None, None, None, t[1],
                                                     training=True)))
        cases.append(([x.reshape(16 * 24, 4, 24)], lambda t: F.batch_norm(
            t[0], None, None, training=True)))
    return cases


@register_forward(BatchNorm, name="numba_cpu.batch_norm_forward",
                  when=lambda op, x, *wb: batch_norm_applies(x, op.axes, op.param_axes),
                  examples=_batch_norm_examples)
def batch_norm_forward_kernel(op: Any, x: np.ndarray, *wb: np.ndarray) -> np.ndarray:
    """BatchNorm in three compiled passes: the mean, the variance around it, then the
    normalisation; the NumPy kernel's formulas and per-channel constants, the sums in
    float64."""
    return quiet.run(_batch_norm_forward, op, x, *wb)


def _batch_norm_forward(op: Any, x: np.ndarray, *wb: np.ndarray) -> np.ndarray:
    shape = op.param_shape
    mean, var = batch_norm_stats(x)
    mean, var = mean.reshape(shape), var.reshape(shape)
    invstd = 1 / np.sqrt(var + op.eps)
    scale = invstd * wb[0].reshape(shape) if op.has_w else invstd
    y = batch_norm_apply(x, mean.reshape(-1), scale.reshape(-1),
                         wb[-1].reshape(-1) if op.has_b else None)
    op.save_statistics(x, mean, var, invstd)
    return y


def _batch_norm_grad_applies(op: Any, g: Any) -> bool:
    x = op.inputs[0]._data
    return (type(g) is np.ndarray and batch_norm_applies(x, op.axes, op.param_axes)
            and g.dtype == x.dtype and g.flags.c_contiguous)


@register_backward(BatchNorm, name="numba_cpu.batch_norm_backward",
                   when=_batch_norm_grad_applies, examples=_batch_norm_examples)
def batch_norm_backward_kernel(op: Any, g: np.ndarray) -> tuple:
    """BatchNorm's first-order backward in two compiled passes: the per-channel sums, then
    the input's gradient (``numpy_nn.batch_norm_grads`` turns the sums into the gradients)."""
    return quiet.run(_batch_norm_backward, op, g)


def _batch_norm_backward(op: Any, g: np.ndarray) -> tuple:
    x = op.inputs[0]._data
    shape, mean = op.param_shape, op.mean.reshape(-1)
    sum_g, sum_gxc = (s.astype(x.dtype).reshape(shape)
                      for s in batch_norm_grad_sums(g, x, mean))
    sum_gxhat = sum_gxc * op.invstd.reshape(shape)
    return _numpy_nn.batch_norm_grads(
        op, x, sum_g, sum_gxhat,
        lambda k, a, b: batch_norm_grad_input(g, x, mean, k.reshape(-1), a.reshape(-1),
                                              b.reshape(-1)))



# ---------------------------------------------------------------------- softmax cross-entropy
# The loss and its gradient together, for the compiler (scratchgrad.jit.program): a compiled
# training step knows that the loss's backward follows its forward, so one pass over the
# (M, C) logits computes both, where the op makes some ten NumPy calls forward (each a cold
# code path inside a training loop) and four backward. The exponentials in the logits' dtype
# (as the op's), their sums and the loss in float64: the loss and the softmax agree with the
# op's to rounding (the tests compare). A scalar exp (no SVML here) is several times slower
# per element than NumPy's vectorised one, so the compiler fuses small losses only.
def _cross_entropy_loop(x, t, ignore_index, grad, out, sc, bias, gb):  # pragma: no cover
    # out[0] = sum of the rows' losses, out[1] = rows counted, out[2] = first bad row or -1.
    # sc (x's dtype): [upstream gradient, 1 for a mean (then 1/count) or 0 for a sum, flag]:
    # with the flag set the gradient is scaled as the op's backward scales it, in the dtype.
    # bias (C,) or empty: added to each row of x first, in place (the Linear before the loss
    # left it). gb (C,) or empty: the scaled gradient summed over rows (that bias's gradient).
    M, C = x.shape
    total = 0.0
    count = 0
    out[2] = -1.0
    for i in range(M):
        if bias.size:
            for j in range(C):
                x[i, j] = x[i, j] + bias[j]
        ti = t[i]
        if ti == ignore_index:
            for j in range(C):
                grad[i, j] = 0.0
            continue
        if ti < 0 or ti >= C:
            out[2] = i
            return
        mx = x[i, 0]
        for j in range(1, C):
            if x[i, j] > mx or x[i, j] != x[i, j]:  # np.max: NaN wins
                mx = x[i, j]
        s = 0.0
        for j in range(C):
            e = np.exp(x[i, j] - mx)  # in x's dtype, as the op's np.exp; summed in float64
            grad[i, j] = e
            s += e
        total += np.log(s) - (np.float64(x[i, ti]) - mx)
        inv = 1.0 / s
        for j in range(C):
            grad[i, j] = grad[i, j] * inv
        grad[i, ti] -= 1.0
        count += 1
    out[0] = total
    out[1] = count
    if sc[2] != 0:
        if sc[1] != 0:  # mean: upstream * (1 / count), rounded to the dtype as NumPy does
            sc[1] = 1.0 / count if count else 0.0
        else:
            sc[1] = 1.0
        f = sc[0] * sc[1]
        for i in range(M):
            for j in range(C):
                grad[i, j] = grad[i, j] * f
        if gb.size:  # as NumPy's sum(axis=0): from +0.0, row after row
            for j in range(C):
                gb[j] = 0.0
            for i in range(M):
                for j in range(C):
                    gb[j] += grad[i, j]


def cross_entropy_with_grad(x: np.ndarray, target: np.ndarray, ignore_index: int,
                            upstream: float | None = None, mean: bool = False,
                            bias: np.ndarray | None = None,
                            bias_grad: np.ndarray | None = None
                            ) -> tuple[float, int, np.ndarray, int]:
    """Softmax cross-entropy of (M, C) logits ``x`` with class indices ``target`` (rows whose
    target is ``ignore_index`` count for nothing): the sum of the rows' losses, the number of
    rows counted, and the gradient of that sum with respect to ``x`` (``softmax(x) - onehot``,
    zero on ignored rows), an (M, C) array of ``x``'s dtype; given the ``upstream`` gradient
    (known ahead: a backward from the loss itself) that gradient comes scaled by it, and for a
    ``mean`` by 1 / rows counted, already. ``bias`` (C,), when given, is first added to the
    rows of ``x`` in place (a Linear before the loss left it to this pass); ``bias_grad``
    (C,), given with ``upstream``, receives the gradient summed over the rows. The fourth
    result is -1, or the first row whose target is neither a class nor ``ignore_index``
    (nothing else is then meaningful): the caller raises."""
    kernel = _kernels.get("cross_entropy") or _compile("cross_entropy", _cross_entropy_loop)
    grad = np.empty(x.shape, x.dtype)
    out = np.empty(3)
    sc = np.array((0.0 if upstream is None else upstream, mean, upstream is not None), x.dtype)
    none = _EMPTY[x.dtype]
    kernel(x, target, ignore_index, grad, out, sc, none if bias is None else bias,
           none if bias_grad is None or upstream is None else bias_grad)
    return float(out[0]), int(out[1]), grad, int(out[2])


# ---------------------------------------------------------------------- linear + ReLU
# Also for the compiler: relu(x @ W.T + b) makes the bias add (inside Linear's forward) and
# the ReLU two passes and two cold calls; its backward, gy * (h > 0), two more. One loop
# each, with NumPy's results: np.maximum(h, 0) (NaN stays NaN, -0.0 becomes 0.0) and the
# product with the mask as 1.0 or 0.0 (so inf or NaN times a masked 0 is NaN, as in NumPy).
def _bias_relu_loop(h, b, y, zero):  # pragma: no cover - compiled by Numba
    M, N = h.shape
    z = zero[0]
    for i in range(M):
        for j in range(N):
            v = h[i, j] + b[j]
            h[i, j] = v
            y[i, j] = v if v > z or v != v else z


def bias_relu(h: np.ndarray, b: np.ndarray, y: np.ndarray) -> None:
    """``h += b`` (b broadcast over the rows of the (M, N) ``h``) and ``y = max(h, 0)``, in
    one pass; ``y`` may be ``h``. C-contiguous NumPy arrays of one float dtype."""
    kernel = _kernels.get("bias_relu") or _compile("bias_relu", _bias_relu_loop)
    kernel(h, b, y, np.zeros(1, h.dtype))


def _relu_grad_loop(gy, x, gx, c):  # pragma: no cover - compiled by Numba
    z = c[0]
    for i in range(x.size):
        gx[i] = z if x[i] <= z else gy[i]


def relu_grad(gy: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``where(x <= 0, 0, gy)`` (ReLU's backward: gy where x is nan too), a new array, in
    one pass (C-contiguous arrays of one dtype)."""
    kernel = _kernels.get("relu_grad") or _compile("relu_grad", _relu_grad_loop)
    gx = np.empty_like(gy)
    kernel(gy.reshape(-1), x.reshape(-1), gx.reshape(-1), np.zeros(1, gy.dtype))
    return gx


def _relu_grad_colsum_loop(gy, x, gx, gb, c):  # pragma: no cover - compiled by Numba
    # gx = where(x <= 0, 0, gy) on (M, N), and gb = gx.sum(axis=0) as NumPy sums it: from
    # +0.0 (so a column of -0.0 sums to +0.0), each row added in order, in the dtype.
    z = c[0]
    M, N = gx.shape
    for j in range(N):
        v = z if x[0, j] <= z else gy[0, j]
        gx[0, j] = v
        gb[j] = z + v
    for i in range(1, M):
        for j in range(N):
            v = z if x[i, j] <= z else gy[i, j]
            gx[i, j] = v
            gb[j] += v


def relu_grad_colsum(gy: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``gx = where(x <= 0, 0, gy)`` and ``gx.sum(axis=0)`` (the bias gradient of the Linear
    before the ReLU) in one pass; (M, N) C-contiguous arrays of one dtype, M >= 1."""
    kernel = _kernels.get("relu_grad_colsum") or _compile("relu_grad_colsum",
                                                          _relu_grad_colsum_loop)
    gx, gb = np.empty_like(gy), np.empty(gy.shape[1], gy.dtype)
    kernel(gy, x, gx, gb, np.zeros(1, gy.dtype))
    return gx, gb


# ---------------------------------------------------------------------- LSTM time step
# For ops.rnn.LSTMSequence. Per time step the NumPy kernel (kernels/numpy_rnn.py) makes ten
# small calls after the recurrent product (each a cold call inside the loop), and its backward
# eleven passes over all steps' gates up front plus seven calls per step: a sizeable part of a
# training step in benchmarks/lstm.py. These loops do the elementwise part of a step, in the
# dtype and in the NumPy kernel's order of operations, so the results are the same bit for bit
# (the tests compare). The tanh calls stay NumPy's: Numba has no vectorised tanh here (no
# SVML), and NumPy's is several times faster than a scalar loop. Each loop below writes one
# block: a loop that stores into several blocks of one array is not vectorised by LLVM (it
# cannot rule out their overlap), and ran many times slower.
def _lstm_gates_loop(gates, t, cx, tp, tn, c):  # pragma: no cover - compiled by Numba
    # gates (4, T, NH): at step t, i, f and o hold tanh(pre / 2) and g tanh(pre); finish the
    # sigmoids as the NumPy path does (a * half + shift, per gate), then the cell state
    # cx[tn] = f * cx[tp] + i * g. c = (half of gates 0-3, shift of gates 0-3).
    for k in range(4):
        a = gates[k, t]
        half, shift = c[k], c[4 + k]
        for j in range(a.size):
            a[j] = a[j] * half + shift
    i, f, g = gates[0, t], gates[1, t], gates[2, t]
    c_prev, c_new = cx[tp], cx[tn]
    for j in range(c_new.size):
        c_new[j] = f[j] * c_prev[j] + i[j] * g[j]


def lstm_gates(gates: np.ndarray, t: int, cx: np.ndarray, tp: int, tn: int,
               half_shift: np.ndarray) -> None:
    """Step ``t`` of an LSTM forward, after the tanh of its gates: the sigmoid gates finished
    in place in ``gates`` (4, T, N*H) and the cell state ``cx[tn] = f * cx[tp] + i * g``
    (``cx`` (T+1, N*H)); ``half_shift`` (8,) holds each gate's scale then its shift."""
    kernel = _kernels.get("lstm_gates") or _compile("lstm_gates", _lstm_gates_loop)
    kernel(gates, t, cx, tp, tn, half_shift)


def _lstm_grad_loop(A, t, tc, cx, tp, ghs, dh, dc, da, tmp, one):  # pragma: no cover
    # A (4, T, NH) activated gates, tc (T, NH) tanh of the cell states, cx (T+1, NH) cell
    # states (cx[tp] is the one before step t), ghs (T, NH) the output gradients or empty,
    # dh, dc (NH,) the state gradients after step t (dc updated in place to before it), da
    # (N, 4H) the pre-activation gradients of step t, tmp (2, H) scratch. Row by row, so
    # that each loop writes one block. The order of operations is the NumPy path's:
    # coefficients s (1 - s) * partner first, then times dc or dh.
    N, H4 = da.shape
    H = H4 // 4
    cc, dd = tmp[0], tmp[1]
    for n in range(N):
        b = n * H
        i, f, g, o = A[0, t, b:b + H], A[1, t, b:b + H], A[2, t, b:b + H], A[3, t, b:b + H]
        th, cp, dh_n, dc_n = tc[t, b:b + H], cx[tp, b:b + H], dh[b:b + H], dc[b:b + H]
        if ghs.size:
            gh = ghs[t, b:b + H]
            for j in range(H):
                dd[j] = dh_n[j] + gh[j]
        else:
            for j in range(H):
                dd[j] = dh_n[j]
        for j in range(H):  # dc += dh * o (1 - tanh(c)^2); dc *= f after the gates
            v = dc_n[j] + dd[j] * ((one - th[j] * th[j]) * o[j])
            cc[j] = v
            dc_n[j] = v * f[j]
        row = da[n]
        for j in range(H):
            row[j] = ((one - i[j]) * i[j]) * g[j] * cc[j]
        for j in range(H):
            row[H + j] = ((one - f[j]) * f[j]) * cp[j] * cc[j]
        for j in range(H):
            row[2 * H + j] = (one - g[j] * g[j]) * i[j] * cc[j]
        for j in range(H):
            row[3 * H + j] = ((one - o[j]) * o[j]) * th[j] * dd[j]


_EMPTY2 = {np.dtype(t): np.empty((0, 0), t) for t in (np.float32, np.float64)}


def lstm_grad_step(gates: np.ndarray, t: int, tc: np.ndarray, cx: np.ndarray, tp: int,
                   ghs: np.ndarray | None, dh: np.ndarray, dc: np.ndarray, da: np.ndarray,
                   tmp: np.ndarray) -> None:
    """Step ``t`` of an LSTM backward, before its recurrent product: from the state
    gradients ``dh`` and ``dc`` (N*H,) after the step (plus ``ghs[t]``, the gradient of the
    step's output, when ``ghs`` (T, N*H) is given), the pre-activation gradients ``da``
    (N, 4H) of the step, and ``dc`` in place becomes the gradient of the cell state before
    it. ``gates`` (4, T, N*H) activated, ``tc`` (T, N*H) tanh of the cell states, ``cx``
    (T+1, N*H) the cell states (``cx[tp]`` the one before step t); ``tmp`` (2, H) scratch."""
    kernel = _kernels.get("lstm_grad") or _compile("lstm_grad", _lstm_grad_loop)
    kernel(gates, t, tc, cx, tp, _EMPTY2[gates.dtype] if ghs is None else ghs, dh, dc, da,
           tmp, gates.dtype.type(1))


# The kernels of ops.rnn.LSTMSequence (and GRUSequence, below) built on these loops: the NumPy
# kernels' forward and first-order backward (kernels/numpy_rnn.py, imported first so that its
# kernels are registered before these, and so asked after them) with the elementwise part of
# each step in one compiled call.
from ..ops._util import quiet as _quiet  # noqa: E402
from ..ops.rnn import GRUSequence, LSTMSequence  # noqa: E402
from . import numpy_rnn as _numpy_rnn  # noqa: E402
from . import register_backward, register_forward  # noqa: E402


def _rnn_loops_apply(op: Any, x: Any, *arrays: Any) -> bool:
    """Forward predicate: the layer's gates, (G, T, N, H), come to at least
    :data:`MIN_ELEMENTS` elements (below that, loading Numba costs more than it saves), of
    NumPy arrays of float32 or float64, and Numba is available. ``W_ih`` (G*H, in) follows
    ``x`` and the states among the inputs."""
    W_ih = arrays[2] if op.has_cell else arrays[1]
    return (type(x) is np.ndarray and x.shape[0] * x.shape[1] * W_ih.shape[0] >= MIN_ELEMENTS
            and x.dtype in (np.float32, np.float64) and W_ih.dtype == x.dtype and available())


def _saved_loops_apply(a: Any) -> bool:
    """Backward predicate, on the saved gates: as :func:`_rnn_loops_apply` (None, where the
    reference forward ran, fails it)."""
    return (type(a) is np.ndarray and a.size >= MIN_ELEMENTS
            and a.dtype in (np.float32, np.float64) and available())


def _lstm_examples() -> list:
    return _numpy_rnn.examples("lstm", 4, 8, 256)


@register_forward(LSTMSequence, when=_rnn_loops_apply, examples=_lstm_examples)
def lstm_forward(op: Any, *arrays: np.ndarray) -> tuple:
    """The LSTM forward of ``numpy_rnn`` with each step's sigmoids and cell state in
    :func:`lstm_gates` (five NumPy calls in one)."""
    return _quiet.run(_lstm_forward, op, arrays)


def _lstm_forward(op: Any, arrays: tuple) -> tuple:
    _, T, o, gates, W_hhT, half, hx, cx, tc, rec = _numpy_rnn.lstm_setup(op, arrays)
    shift = np.array([0.5, 0.5, 0.0, 0.5], dtype=half.dtype)
    half_shift = np.concatenate([half.reshape(-1), shift])
    gates3, cx2 = gates.reshape(4, T, -1), cx.reshape(T + 1, -1)
    for t in op._steps(T):
        a = gates[:, t]
        np.matmul(hx[t + 1 - o], W_hhT, out=rec)  # one product per gate: (4, N, H)
        a += rec
        a *= half
        np.tanh(a, out=a)
        lstm_gates(gates3, t, cx2, t + 1 - o, t + o, half_shift)
        np.tanh(cx[t + o], out=tc[t])
        np.multiply(a[3], tc[t], out=hx[t + o])
    return _numpy_rnn.lstm_save(op, T, o, gates, hx, cx, tc)


@register_backward(LSTMSequence, when=lambda op, *gys: _saved_loops_apply(
    getattr(op, "gates", None)), examples=_lstm_examples)
def lstm_backward(op: Any, ghs: Any, ghT: Any, gcT: Any) -> tuple:
    """The LSTM's first-order backward of ``numpy_rnn`` with the elementwise part of each
    step in one :func:`lstm_grad_step` call: no coefficient arrays up front."""
    return _numpy_rnn.backward_with(op, _lstm_time_loop, (ghs, ghT, gcT))


def _lstm_time_loop(op: Any, take: Callable, ghs: Any, ghT: Any, gcT: Any) -> tuple:
    W_hh = op.inputs[4]._data
    A, tc = op.gates, op.tc
    _, T, N, H = A.shape
    gates3, tc2, cx2 = A.reshape(4, T, -1), tc.reshape(T, -1), op.cx.reshape(T + 1, -1)
    if ghs is not None:
        ghs = np.ascontiguousarray(ghs, dtype=A.dtype).reshape(T, -1)
    da = take((T, N, 4 * H), A.dtype)
    dh = np.zeros((N, H), A.dtype) if ghT is None else np.array(ghT, A.dtype)
    dc = np.zeros((N, H), A.dtype) if gcT is None else np.array(gcT, A.dtype)
    dh1, dc1 = dh.reshape(-1), dc.reshape(-1)
    tmp = np.empty((2, H), A.dtype)
    o = _numpy_rnn.offset(op)
    for t in reversed(op._steps(T)):
        lstm_grad_step(gates3, t, tc2, cx2, t + 1 - o, ghs, dh1, dc1, da[t], tmp)
        np.matmul(da[t], W_hh, out=dh)
    return da, da, dh, dc


# ---------------------------------------------------------------------- GRU time step
# For ops.rnn.GRUSequence, as the LSTM's above: its NumPy path makes eleven calls per step on
# column blocks of (N, 3H) arrays and its backward six passes over all steps up front plus
# seven calls per step. These loops do the same operations in the same order (the results are
# the same bit for bit; the tests compare); the two tanh calls stay NumPy's. Each inner loop
# writes one block of one row.
def _gru_pre_loop(xw, g, b, rz, t):  # pragma: no cover - compiled by Numba
    # g (N, 3H): the step's recurrent product; += b (3H,) unless b is empty; then the r and z
    # pre-activations rz[t] = xw[t, :, :2H] + g[:, :2H] (halved weights: tanh gives sigmoid)
    N, G = g.shape
    H2 = rz.shape[2]
    for n in range(N):
        gr = g[n]
        if b.size:
            for j in range(G):
                gr[j] = gr[j] + b[j]
        xr, out = xw[t, n], rz[t, n]
        for j in range(H2):
            out[j] = xr[j] + gr[j]


def _gru_mid_loop(xw, g, rz, nn, t, c):  # pragma: no cover - compiled by Numba
    # after tanh(rz[t]): the sigmoids r, z = tanh * 1/2 + 1/2; then the candidate's
    # pre-activation nn[t] = r * g[:, 2H:] + xw[t, :, 2H:]. c = (1/2, 1/2) in the dtype.
    N, H = nn.shape[1], nn.shape[2]
    half, shift = c[0], c[1]
    for n in range(N):
        a = rz[t, n]
        for j in range(2 * H):
            a[j] = a[j] * half + shift
        gr, xr, out = g[n], xw[t, n], nn[t, n]
        for j in range(H):
            out[j] = a[j] * gr[2 * H + j] + xr[2 * H + j]


def _gru_out_loop(hx, tp, tn, nn, rz, t):  # pragma: no cover - compiled by Numba
    # after tanh(nn[t]): h = (h_prev - n) * z + n
    N, H = nn.shape[1], nn.shape[2]
    for n in range(N):
        hp, h, nv, a = hx[tp, n], hx[tn, n], nn[t, n], rz[t, n]
        for j in range(H):
            h[j] = (hp[j] - nv[j]) * a[H + j] + nv[j]


def gru_step(stage: int, *args: Any) -> None:
    """One of the three elementwise stages of a GRU forward step (``ops.rnn.GRUSequence``):
    0 ``(xw, g, b, rz, t)`` bias and r/z pre-activations, 1 ``(xw, g, rz, n, t, c)``
    sigmoids and the candidate's pre-activation, 2 ``(hx, tp, tn, n, rz, t)`` the new
    state. C-contiguous arrays of one dtype; ``b`` may be empty."""
    name = ("gru_pre", "gru_mid", "gru_out")[stage]
    kernel = _kernels.get(name) or _compile(name, (_gru_pre_loop, _gru_mid_loop,
                                                   _gru_out_loop)[stage])
    kernel(*args)


def _gru_grad_loop(rz, nn, gh, hx, tp, ghs, dh, dxw, dgh, tmp, t, one):  # pragma: no cover
    # Step t of the backward, before its product: rz (T, N, 2H) sigmoids r, z; nn (T, N, H)
    # candidates; gh (T, N, 3H) recurrent products (its last block is W_hn h + b_hn); hx
    # (T+1, N, H) states (hx[tp] the one before step t); ghs (T, N, H) or empty; dh (N, H)
    # in: the state gradient after the step (+ ghs[t], written back as the NumPy path
    # does); dxw, dgh (T, N, 3H) written at t; tmp (N, H) = dh * z. The order of operations
    # of the NumPy path: kn = (1 - n^2)(1 - z), kz = (h_prev - n) z (1 - z),
    # kr = (1 - r) r hn; dan = dh kn, dz = dh kz, dr = dan kr, dhn = dan r.
    N, H = dh.shape
    for i in range(N):
        d = dh[i]
        if ghs.size:
            gsr = ghs[t, i]
            for j in range(H):
                d[j] = d[j] + gsr[j]
        r, n, hn, hp = rz[t, i], nn[t, i], gh[t, i], hx[tp, i]
        xo, go, tm = dxw[t, i], dgh[t, i], tmp[i]
        for j in range(H):
            xo[2 * H + j] = d[j] * ((one - n[j] * n[j]) * (one - r[H + j]))
        for j in range(H):
            go[H + j] = d[j] * (((hp[j] - n[j]) * r[H + j]) * (one - r[H + j]))
        for j in range(H):
            go[j] = xo[2 * H + j] * (((one - r[j]) * r[j]) * hn[2 * H + j])
        for j in range(H):
            go[2 * H + j] = xo[2 * H + j] * r[j]
        for j in range(H):
            tm[j] = d[j] * r[H + j]
        for j in range(2 * H):
            xo[j] = go[j]


def gru_grad_step(rz: np.ndarray, n: np.ndarray, gh: np.ndarray, hx: np.ndarray, tp: int,
                  ghs: np.ndarray | None, dh: np.ndarray, dxw: np.ndarray, dgh: np.ndarray,
                  tmp: np.ndarray, t: int) -> None:
    """Step ``t`` of a GRU backward, before its recurrent product (``ops.rnn.GRUSequence``):
    the pre-activation gradients ``dxw[t]`` and ``dgh[t]`` (N, 3H) and ``tmp = dh * z`` from
    the state gradient ``dh`` after the step (plus ``ghs[t]``, added into ``dh``)."""
    kernel = _kernels.get("gru_grad") or _compile("gru_grad", _gru_grad_loop)
    kernel(rz, n, gh, hx, tp, _EMPTY3[rz.dtype] if ghs is None else ghs, dh, dxw, dgh, tmp, t,
           rz.dtype.type(1))


_EMPTY3 = {np.dtype(t): np.empty((0, 0, 0), t) for t in (np.float32, np.float64)}


def _gru_examples() -> list:
    return (_numpy_rnn.examples("gru", 4, 8, 352)
            + _numpy_rnn.examples("gru", 4, 8, 352, bias=False))


@register_forward(GRUSequence, when=_rnn_loops_apply, examples=_gru_examples)
def gru_forward(op: Any, *arrays: np.ndarray) -> tuple:
    """The GRU forward of ``numpy_rnn`` with each step's elementwise work in three compiled
    loops (:func:`gru_step`) around its two tanh calls."""
    return _quiet.run(_gru_forward, op, arrays)


def _gru_forward(op: Any, arrays: tuple) -> tuple:
    _, T, _, o, xw, W_hhT, b_h, hx, gh, rz, n = _numpy_rnn.gru_setup(op, arrays)
    b = _EMPTY[gh.dtype] if b_h is None else np.ascontiguousarray(b_h)
    xw = np.ascontiguousarray(xw)
    c = np.array((0.5, 0.5), gh.dtype)
    for t in op._steps(T):
        g = gh[t]
        np.matmul(hx[t + 1 - o], W_hhT, out=g)
        gru_step(0, xw, g, b, rz, t)
        np.tanh(rz[t], out=rz[t])
        gru_step(1, xw, g, rz, n, t, c)
        np.tanh(n[t], out=n[t])
        gru_step(2, hx, t + 1 - o, t + o, n, rz, t)
    op.rz, op.n, op.gh, op.hx = rz, n, gh, hx
    return _numpy_rnn.outputs(hx, T, o)


@register_backward(GRUSequence, when=lambda op, *gys: _saved_loops_apply(
    getattr(op, "gh", None)), examples=_gru_examples)
def gru_backward(op: Any, ghs: Any, ghT: Any) -> tuple:
    """The GRU's first-order backward of ``numpy_rnn`` with each step's elementwise part in
    one :func:`gru_grad_step` call: no coefficient arrays up front."""
    return _numpy_rnn.backward_with(op, _gru_time_loop, (ghs, ghT))


def _gru_time_loop(op: Any, take: Callable, ghs: Any, ghT: Any) -> tuple:
    W_hh = op.inputs[3]._data
    rz, n, gh, hx = op.rz, op.n, op.gh, op.hx
    T, N, H = n.shape
    if ghs is not None:
        ghs = np.ascontiguousarray(ghs, dtype=n.dtype)
    dxw = take((T, N, 3 * H), n.dtype)
    dgh = take((T, N, 3 * H), n.dtype)
    dh = np.zeros((N, H), n.dtype) if ghT is None else np.array(ghT, n.dtype, order="C")
    tmp = np.empty_like(dh)
    o = _numpy_rnn.offset(op)
    for t in reversed(op._steps(T)):
        gru_grad_step(rz, n, gh, hx, t + 1 - o, ghs, dh, dxw, dgh, tmp, t)
        np.matmul(dgh[t], W_hh, out=dh)
        dh += tmp
    return dxw, dgh, dh, None


# ---------------------------------------------------------------------- RMSprop / Adagrad
_CENTERED, _MOMENTUM = 8, 16  # and _MAXIMIZE, _LERP_LOW


def _rmsprop_loop(x, g, sq, gavg, buf, c, flags):  # pragma: no cover - compiled by Numba
    # One element at a time, the operations of RMSprop._update (the reference), in its order.
    wd, alpha, omalpha, w, eps, momentum, lr = c[0], c[1], c[2], c[3], c[4], c[5], c[6]
    tiny, zero = c[7], c[8]
    neg = (flags & 1) != 0
    lerp_low = (flags & 2) != 0
    centered = (flags & 8) != 0
    has_momentum = (flags & 16) != 0
    for i in range(x.size):
        gi = g[i]
        if neg:
            gi = -gi
        if wd != 0:
            gi = gi + x[i] * wd
        s = sq[i] * alpha + (gi * omalpha) * gi
        if s < tiny:             # subnormal: flushed (see "Subnormal state")
            s = zero
        sq[i] = s
        if centered:
            ga = gavg[i]
            d = gi - ga
            if lerp_low:
                ga = ga + d * w
            else:
                ga = gi - d * w
            if abs(ga) < tiny:
                ga = zero
            gavg[i] = ga
            a = np.sqrt(s - ga * ga)
        else:
            a = np.sqrt(s)
        a = a + eps
        if has_momentum:
            b = buf[i] * momentum + gi / a
            if abs(b) < tiny:
                b = zero
            buf[i] = b
            x[i] = x[i] - b * lr
        else:
            x[i] = x[i] + (gi * -lr) / a


def rmsprop_update(x: np.ndarray, g: np.ndarray, square_avg: np.ndarray,
                   grad_avg: np.ndarray | None, momentum_buffer: np.ndarray | None, *,
                   lr: float, alpha: float, eps: float, weight_decay: float, momentum: float,
                   maximize: bool) -> None:
    """One RMSprop update of ``x`` and its state, in place, in one pass (see
    :class:`scratchgrad.optim.RMSprop`). The arrays must pass :func:`applies`."""
    kernel = _kernels.get("rmsprop") or _compile("rmsprop", _rmsprop_loop)
    weight = 1.0 - alpha
    lerp_low = abs(weight) < 0.5
    c = np.array((weight_decay, alpha, 1.0 - alpha, weight if lerp_low else 1.0 - weight, eps,
                  momentum, lr, _TINY[x.dtype], 0.0), x.dtype)
    flags = (maximize * _MAXIMIZE | lerp_low * _LERP_LOW | (grad_avg is not None) * _CENTERED
             | (momentum_buffer is not None) * _MOMENTUM)
    sq = square_avg.reshape(-1)
    kernel(x.reshape(-1), g.reshape(-1), sq, sq if grad_avg is None else grad_avg.reshape(-1),
           sq if momentum_buffer is None else momentum_buffer.reshape(-1), c, flags)


def _adagrad_loop(x, g, acc, c, flags):  # pragma: no cover - compiled by Numba
    # One element at a time, the operations of Adagrad._update (the reference), in its order.
    wd, neg_clr, eps = c[0], c[1], c[2]
    neg = (flags & 1) != 0
    for i in range(x.size):
        gi = g[i]
        if neg:
            gi = -gi
        if wd != 0:
            gi = gi + x[i] * wd
        s = acc[i] + gi * gi
        acc[i] = s
        x[i] = x[i] + (gi * neg_clr) / (np.sqrt(s) + eps)


def adagrad_update(x: np.ndarray, g: np.ndarray, state_sum: np.ndarray, *, clr: float,
                   eps: float, weight_decay: float, maximize: bool) -> None:
    """One Adagrad update of ``x`` and its sum of squares, in place, in one pass (see
    :class:`scratchgrad.optim.Adagrad`; ``clr`` is the decayed learning rate)."""
    kernel = _kernels.get("adagrad") or _compile("adagrad", _adagrad_loop)
    c = np.array((weight_decay, -clr, eps), x.dtype)
    kernel(x.reshape(-1), g.reshape(-1), state_sum.reshape(-1), c, maximize * _MAXIMIZE)
