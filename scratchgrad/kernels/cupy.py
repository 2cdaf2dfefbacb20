"""Kernels for GPU (CuPy) arrays: the ops whose tuned CPU kernels are NumPy-specific.

The CPU convolution (``numpy_conv.py``) reads a strided view of a padded buffer held in
reusable workspace memory, in layouts chosen for OpenBLAS; the CPU cross-entropy backward
indexes with host ranges. On the GPU these ops run the kernels registered here (their
predicate: the arrays are not NumPy's). Each uses a hand-written kernel from
``cuda_source.py`` when one is available and enabled, else a generic CuPy path of a few large
array operations; both give the same results (``SCRATCHGRAD_CUDA_KERNELS=0`` selects the
generic path). Ops without a kernel here run their reference code, which is written in calls
NumPy and CuPy share.

Convolution layout here (simpler than the CPU's: no garbage columns, no per-sample layout):
``col`` is (C*KH*KW, N*OH*OW) with row (c, ki, kj) and column (n, oh, ow); ``gy_op`` is gy
(N, OC, OH, OW) transposed to (groups, OC/groups, N*OH*OW). Products are batched over groups
and run on cuBLAS.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import cuda_source as _cuda_kernels
from ..backend import get_array_module


def _kernel(xp: Any, name: str) -> Any:
    """The CUDA kernel ``name``, or None for NumPy arrays (so the generic paths here also run,
    and are tested, on the CPU) or when kernels are switched off."""
    return None if xp is np else _cuda_kernels.get(name)


# ---------------------------------------------------------------------- convolution
def _geom_ints(g: Any) -> tuple:
    """The integers the im2col/col2im kernels take, from the CPU op's ``_Geom``."""
    return (g.C, g.H, g.W, g.KH, g.KW, g.OH, g.OW, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw,
            g.N * g.OH * g.OW)


def _window(start: int, step: int, count: int) -> slice:
    return slice(start, start + step * (count - 1) + 1, step)


def _padded(x: Any, g: Any) -> Any:
    """x in a zero buffer of the padded size (N, C, Hp, Wp) (x itself without padding)."""
    xp = get_array_module(x)
    if g.Hp == g.H and g.Wp == g.W:
        return x
    buf = xp.zeros((g.N, g.C, g.Hp, g.Wp), dtype=x.dtype)
    buf[:, :, g.pt:g.pt + g.H, g.pl:g.pl + g.W] = x
    return buf


def im2col(x: Any, g: Any) -> Any:
    """The column matrix (C*KH*KW, N*OH*OW) of x (N, C, H, W) for geometry ``g``.

    Generic path: one strided slice of the padded input per kernel offset, copied into
    ``col[:, ki, kj]`` (KH*KW copies)."""
    xp = get_array_module(x)
    K, M = g.C * g.KH * g.KW, g.N * g.OH * g.OW
    kernel = _kernel(xp, "im2col")
    if kernel is not None:
        col = xp.empty((K, M), dtype=x.dtype)
        kernel(xp.ascontiguousarray(x), *_geom_ints(g), col)
        return col
    buf = _padded(x, g)
    col = xp.empty((g.C, g.KH, g.KW, g.N, g.OH, g.OW), dtype=x.dtype)
    for ki in range(g.KH):
        rows = _window(ki * g.dh, g.sh, g.OH)
        for kj in range(g.KW):
            cols = _window(kj * g.dw, g.sw, g.OW)
            col[:, ki, kj] = buf[:, :, rows, cols].transpose(1, 0, 2, 3)
    return col.reshape(K, M)


def col2im(gcol: Any, g: Any) -> Any:
    """The adjoint of :func:`im2col`: (C*KH*KW, N*OH*OW) -> (N, C, H, W), overlaps summed.

    Generic path: one strided add per kernel offset into a zero padded buffer, then a crop."""
    xp = get_array_module(gcol)
    kernel = _kernel(xp, "col2im")
    if kernel is not None:
        gx = xp.empty((g.N, g.C, g.H, g.W), dtype=gcol.dtype)
        kernel(xp.ascontiguousarray(gcol), *_geom_ints(g), gx)
        return gx
    buf = xp.zeros((g.N, g.C, g.Hp, g.Wp), dtype=gcol.dtype)
    src = gcol.reshape(g.C, g.KH, g.KW, g.N, g.OH, g.OW)
    for ki in range(g.KH):
        rows = _window(ki * g.dh, g.sh, g.OH)
        for kj in range(g.KW):
            cols = _window(kj * g.dw, g.sw, g.OW)
            buf[:, :, rows, cols] += src[:, ki, kj].transpose(1, 0, 2, 3)
    return buf[:, :, g.pt:g.pt + g.H, g.pl:g.pl + g.W].copy()


def gy_operand(gy: Any, g: Any) -> Any:
    """gy (N, OC, OH, OW) as (groups, OC/groups, N*OH*OW), by one transposing copy."""
    N, OC, OH, OW = gy.shape
    m = gy.transpose(1, 0, 2, 3).copy()
    return m.reshape(g.groups, OC // g.groups, N * OH * OW)


def _weights(W: Any, groups: int) -> Any:
    """(OC, C/groups, KH, KW) -> (groups, OC/groups, C/groups*KH*KW)."""
    return W.reshape(groups, W.shape[0] // groups, -1)


def conv_forward(x: Any, W: Any, b: Any, g: Any, col: Any = None) -> tuple[Any, Any]:
    """y = conv(x, W) + b, and the column matrix (kept for the weight gradient)."""
    xp = get_array_module(x)
    if col is None:
        col = im2col(x, g)
    OC, G = W.shape[0], g.groups
    Y = xp.matmul(_weights(W, G), col.reshape(G, -1, g.N * g.OH * g.OW))  # (G, OC/G, M)
    view = Y.reshape(OC, g.N, g.OH, g.OW).transpose(1, 0, 2, 3)
    y = xp.empty((g.N, OC, g.OH, g.OW), dtype=Y.dtype)  # one copy to contiguous NCHW
    if b is None:
        xp.copyto(y, view)
    else:
        xp.add(view, b.reshape(OC, 1, 1), out=y)
    return y, col


def conv_grad_input(gy_op: Any, W: Any, g: Any) -> Any:
    """gx = col2im(W^T @ gy) for the convolution's input."""
    xp = get_array_module(gy_op)
    gcol = xp.matmul(_weights(W, g.groups).transpose(0, 2, 1), gy_op)  # (G, K/G, M)
    return col2im(gcol.reshape(-1, gcol.shape[-1]), g)


def conv_grad_weight(col: Any, gy_op: Any, w_shape: Sequence[int], g: Any) -> Any:
    """gW = gy @ col^T, per group."""
    xp = get_array_module(col)
    cols = col.reshape(g.groups, -1, col.shape[-1]).transpose(0, 2, 1)  # (G, M, K/G)
    return xp.matmul(gy_op, cols).reshape(tuple(w_shape))


# The kernels of ops.conv's convolution Functions on GPU arrays. They keep on the op objects
# what the NumPy kernels keep (kernels/numpy_conv.py), in this file's layout: ``geom``, ``col``
# (dropped by the backward), ``gy_op``.
from ..ops._util import quiet  # noqa: E402
from ..ops.conv import (Conv2dGradInput, Conv2dGradWeight, Conv2dOp,  # noqa: E402
                        ConvTranspose2dOp, Fold, Unfold)
from . import numpy_conv as _numpy_conv  # noqa: E402
from . import register_backward, register_forward  # noqa: E402

_Geom, _saved_geom = _numpy_conv._Geom, _numpy_conv._saved_geom


def _on_gpu(op: Any, x: Any, *rest: Any) -> bool:
    return x is not None and type(x) is not np.ndarray


def conv2d_forward_gpu(op: Conv2dOp, x: Any, W: Any, b: Any = None) -> Any:
    """Conv2dOp's forward; keeps ``col`` for the weight gradient."""
    op.geom = g = _Geom(x.shape, W.shape[2:], op.args, op.out_hw)
    y, op.col = quiet.run(conv_forward, x, W, b, g)
    return y


def conv2d_backward_gpu(op: Conv2dOp, gy: Any) -> tuple:
    """Conv2dOp's first-order gradients: gy laid out once for both products, the forward's
    ``col`` reused for the weight gradient, then dropped."""
    x, W = op.inputs[:2]
    g = _saved_geom(op, x.shape, W.shape[2:], op.out_hw)
    col = op.__dict__.get("col")
    op.col = None
    gx = gW = gb = None
    if x.requires_grad or W.requires_grad:
        gy_op = gy_operand(gy, g)
        if x.requires_grad:
            gx = quiet.run(conv_grad_input, gy_op, W._data, g)
        if W.requires_grad:
            if col is None:
                col = im2col(x._data, g)
            gW = quiet.run(conv_grad_weight, col, gy_op, W.shape, g)
    if len(op.inputs) == 3 and op.inputs[2].requires_grad:
        gb = quiet.run(gy.sum, axis=(0, 2, 3))
    return gx, gW, gb


def conv2d_grad_input_forward_gpu(op: Conv2dGradInput, gy: Any, W: Any) -> Any:
    """Conv2dGradInput's forward (and the transposed convolution's); keeps ``gy_op``."""
    a = op.args
    x_shape = (gy.shape[0], W.shape[1] * a.groups) + op.x_hw
    op.geom = g = _Geom(x_shape, W.shape[2:], a, gy.shape[2:])
    op.gy_op = gy_operand(gy, g)
    return quiet.run(conv_grad_input, op.gy_op, W, g)


def conv2d_grad_input_backward_gpu(op: Conv2dGradInput, ggx: Any) -> tuple:
    """First-order gradients of grad_input(gy, W): one im2col of ggx for both, the forward's
    ``gy_op`` for the weight gradient."""
    gy, W = op.inputs[:2]
    g = _saved_geom(op, ggx.shape, W.shape[2:], gy.shape[2:])
    col = im2col(ggx, g)
    g_gy = g_W = None
    if gy.requires_grad:
        g_gy = quiet.run(conv_forward, ggx, W._data, None, g, col)[0]
    if W.requires_grad:
        gy_op = op.__dict__.get("gy_op")
        if gy_op is None:
            gy_op = gy_operand(gy._data, g)
        g_W = quiet.run(conv_grad_weight, col, gy_op, W.shape, g)
    return g_gy, g_W


def conv2d_grad_weight_forward_gpu(op: Conv2dGradWeight, x: Any, gy: Any) -> Any:
    a = op.args
    g = _Geom(x.shape, op.w_hw, a, gy.shape[2:])
    w_shape = (gy.shape[1], x.shape[1] // a.groups) + op.w_hw
    return quiet.run(conv_grad_weight, im2col(x, g), gy_operand(gy, g), w_shape, g)


def conv_transpose2d_forward_gpu(op: ConvTranspose2dOp, x: Any, W: Any, b: Any = None) -> Any:
    y = conv2d_grad_input_forward_gpu(op, x, W)
    if b is not None:
        quiet.run(np.add, y, b.reshape(-1, 1, 1), out=y)
    return y


def conv_transpose2d_backward_gpu(op: ConvTranspose2dOp, gy: Any) -> tuple:
    gx, gW = conv2d_grad_input_backward_gpu(op, gy)
    gb = None
    if len(op.inputs) == 3 and op.inputs[2].requires_grad:
        gb = quiet.run(gy.sum, axis=(0, 2, 3))
    return gx, gW, gb


def unfold_forward_gpu(op: Unfold, x: Any) -> Any:
    g = _Geom(x.shape, op.k, op.args)
    col = im2col(x, g).reshape(-1, g.N, g.OH, g.OW).transpose(1, 0, 2, 3)
    return get_array_module(x).ascontiguousarray(col).reshape(g.N, -1, g.OH * g.OW)


def fold_forward_gpu(op: Fold, y: Any) -> Any:
    N, K, _ = y.shape
    g = _Geom((N, K // (op.k[0] * op.k[1])) + op.x_hw, op.k, op.args)
    col = y.reshape(N, K, g.OH, g.OW).transpose(1, 0, 2, 3)
    return col2im(get_array_module(y).ascontiguousarray(col).reshape(K, -1), g)


def _gpu_examples(examples: Any) -> Any:
    """The NumPy kernels' examples with the tensors moved to the GPU (skipped without one)."""

    def on_gpu() -> list:
        from .. import cuda  # noqa: PLC0415

        if not cuda.is_available():
            import unittest  # noqa: PLC0415

            raise unittest.SkipTest(f"no CUDA device: {cuda.unavailable_reason()}")
        return examples("cuda")

    return on_gpu


_conv_examples_gpu = _gpu_examples(_numpy_conv.conv_examples)
_double_examples_gpu = _gpu_examples(_numpy_conv.conv_double_examples)
_tconv_examples_gpu = _gpu_examples(_numpy_conv.conv_transpose_examples)
_block_examples_gpu = _gpu_examples(_numpy_conv.block_examples)
register_forward(Conv2dOp, when=_on_gpu, examples=_conv_examples_gpu)(conv2d_forward_gpu)
register_backward(Conv2dOp, when=_on_gpu, examples=_conv_examples_gpu)(conv2d_backward_gpu)
register_forward(Conv2dGradInput, when=_on_gpu,
                 examples=_double_examples_gpu)(conv2d_grad_input_forward_gpu)
register_backward(Conv2dGradInput, when=_on_gpu,
                  examples=_double_examples_gpu)(conv2d_grad_input_backward_gpu)
register_forward(Conv2dGradWeight, when=_on_gpu,
                 examples=_double_examples_gpu)(conv2d_grad_weight_forward_gpu)
register_forward(ConvTranspose2dOp, when=_on_gpu,
                 examples=_tconv_examples_gpu)(conv_transpose2d_forward_gpu)
register_backward(ConvTranspose2dOp, when=_on_gpu,
                  examples=_tconv_examples_gpu)(conv_transpose2d_backward_gpu)
register_forward(Unfold, when=_on_gpu, examples=_block_examples_gpu)(unfold_forward_gpu)
register_forward(Fold, when=_on_gpu, examples=_block_examples_gpu)(fold_forward_gpu)


# ---------------------------------------------------------------------- cross-entropy
# The embedding gradient has no kernel here: the reference's scatter (atomic adds) is the
# GPU's way already.
def cross_entropy_kernel_ok(fn: Any) -> bool:
    """The fused kernels cover cross-entropy without label smoothing (any weight, reduction,
    ignore_index); smoothing takes the generic path."""
    return fn.eps == 0 and _cuda_kernels.enabled()


def cross_entropy_forward(fn: Any, x: Any, t: Any) -> Any:
    """Per-row loss ``-w_t * (x[t] - max - log_sum)``; saves ``row_max`` and ``log_sum``
    (M, 1) on ``fn`` as the CPU forward does. ``t`` is the op's ``_IndexTargets``."""
    xp = get_array_module(x)
    M = x.shape[0]
    row_max = xp.empty(M, dtype=x.dtype)
    log_sum = xp.empty(M, dtype=x.dtype)
    picked = xp.empty(M, dtype=x.dtype)
    _kernel(xp, "ce_forward")(xp.ascontiguousarray(x), t.safe, x.shape[1], row_max, log_sum,
                              picked)
    fn.row_max, fn.log_sum = row_max[:, None], log_sum[:, None]
    return -t.w_t * (picked - row_max - log_sum)


def cross_entropy_backward(fn: Any, x: Any, t: Any, g: Any) -> Any:
    """gx = softmax(x) * w_t g - onehot(t) * w_t g (no label smoothing)."""
    xp = get_array_module(x)
    # w_t (M,) times g: per row (reduction "none") or a scalar (sum, mean): (M,) either way
    coef = xp.ascontiguousarray((t.w_t * g).astype(x.dtype, copy=False).reshape(-1))
    gx = xp.empty_like(x)
    _kernel(xp, "ce_backward")(x, fn.row_max.reshape(-1), fn.log_sum.reshape(-1), t.safe, coef,
                               x.shape[1], gx)
    return gx


# numpy_nn registers its cross-entropy backward (generic array code, also taken here when
# these kernels are not) first, so the kernels below, registered later, are asked before it.
from . import numpy_nn as _numpy_nn  # noqa: E402
from . import register_backward, register_forward  # noqa: E402
from ..ops.nn import CrossEntropy, _reduce_rows  # noqa: E402


def _on_gpu_ce(op: Any, x: Any) -> bool:
    return type(x) is not np.ndarray and cross_entropy_kernel_ok(op)


def _cross_entropy_examples() -> list:
    """Cross-entropy on the GPU (the tensors copied there, the results back): skipped without
    CUDA or with the kernels switched off."""
    from .. import cuda  # noqa: PLC0415

    if not cuda.is_available() or not _cuda_kernels.enabled():
        import unittest  # noqa: PLC0415  (pytest reads its SkipTest)

        raise unittest.SkipTest("the CUDA cross-entropy kernels need CuPy and "
                                "SCRATCHGRAD_CUDA_KERNELS on")
    from ..nn import functional as F  # noqa: PLC0415

    rng = np.random.default_rng(5)
    target = rng.integers(0, 5, 9)
    target[3] = -100
    cases = []
    for dtype in (np.float32, np.float64):
        x = (rng.standard_normal((9, 5)) * 3).astype(dtype)
        w = (rng.random(5) + 0.5).astype(dtype)
        for reduction in ("mean", "sum", "none"):
            cases.append(([x, target], lambda t, r=reduction: F.cross_entropy(
                t[0].cuda(), t[1].cuda(), reduction=r).cpu()))
            cases.append(([x, target, w], lambda t, r=reduction: F.cross_entropy(
                t[0].cuda(), t[1].cuda(), weight=t[2].detach().cuda(), reduction=r).cpu()))
    return cases


@register_forward(CrossEntropy, when=_on_gpu_ce, examples=_cross_entropy_examples)
def cross_entropy_forward_kernel(op: Any, x: Any) -> Any:
    """The loss by one CUDA kernel (row max, log-sum-exp and the picked logit per row)."""
    t = op.resolve_targets(x)
    return _reduce_rows(cross_entropy_forward(op, x, t), op.reduction, op.denom)


@register_backward(CrossEntropy, when=lambda op, gy: _on_gpu_ce(op, op.inputs[0]._data),
                   examples=_cross_entropy_examples)
def cross_entropy_backward_kernel(op: Any, gy: Any) -> Any:
    """The gradient by one CUDA kernel, from the forward's ``row_max`` and ``log_sum``."""
    return cross_entropy_backward(op, op.inputs[0]._data, op.targets,
                                  _numpy_nn.cross_entropy_upstream(op, gy))


# ---------------------------------------------------------------------- LSTM
def lstm_step_kernel(xp: Any) -> Any:
    """The fused LSTM step (see ``_cuda_kernels._LSTM_STEP``) as a function of the step's
    arrays, or None on the CPU or with kernels off."""
    kernel = _kernel(xp, "lstm_step")
    if kernel is None:
        return None

    def step(a: Any, rec: Any, c_prev: Any, c: Any, tc: Any, h: Any) -> None:
        # a (4, N, H): gate pre-activations in, activated gates out
        kernel(rec[0], rec[1], rec[2], rec[3], c_prev, a[0], a[1], a[2], a[3], c, tc, h)

    return step


def lstm_step_applies(op: Any, x: Any, *arrays: Any) -> bool:
    """Predicate of :func:`lstm_forward`: the step kernel is there for ``x``'s arrays (CuPy
    arrays with the CUDA kernels on)."""
    return _kernel(get_array_module(x), "lstm_step") is not None


def lstm_forward(op: Any, *arrays: Any) -> tuple:
    """The forward of ``ops.rnn.LSTMSequence`` with the elementwise work of each step, after
    its recurrent product, in one CUDA kernel (:func:`lstm_step_kernel`) instead of a dozen
    small ones. Buffers and saved arrays are the NumPy kernel's (``numpy_rnn.lstm_setup``), so
    its first-order backward follows. Registered in ``numpy_rnn.py`` (see there why)."""
    from ..ops._util import quiet  # noqa: PLC0415  (cupy.py is imported before ops is)
    from .numpy_rnn import lstm_save, lstm_setup  # noqa: PLC0415  (it imports this module)

    def run() -> tuple:
        xp, T, o, gates, W_hhT, _, hx, cx, tc, rec = lstm_setup(op, arrays)
        step = lstm_step_kernel(xp)
        for t in op._steps(T):
            xp.matmul(hx[t + 1 - o], W_hhT, out=rec)  # one product per gate: (4, N, H)
            step(gates[:, t], rec, cx[t + 1 - o], cx[t + o], tc[t], hx[t + o])
        return lstm_save(op, T, o, gates, hx, cx, tc)

    return quiet.run(run)


def lstm_forward_examples() -> list:
    """Test cases of :func:`lstm_forward` (``Kernel.examples``): on a CUDA device, or on the
    test suite's stand-in for one (``SCRATCHGRAD_TEST_DEVICE=fakecuda``) with the kernels
    built for the host; elsewhere the kernel cannot run, and its test is skipped."""
    from .. import cuda  # noqa: PLC0415
    from .numpy_rnn import examples  # noqa: PLC0415

    if not cuda.is_available() or _cuda_kernels.get("lstm_step") is None:
        import unittest  # noqa: PLC0415

        raise unittest.SkipTest("the CUDA LSTM step kernel needs a CUDA device (or the test "
                                "suite's fakecuda) with SCRATCHGRAD_CUDA_KERNELS on")
    return (examples("lstm", 5, 3, 6, device="cuda")
            + examples("lstm", 2, 2, 4, bias=False, device="cuda"))
