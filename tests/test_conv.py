"""Convolution and pooling: forward and every gradient against PyTorch, finite differences in
float64, double backward, the layers' parameters, init, repr and errors."""
from __future__ import annotations

import importlib.util
import math
import os
import sys

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import nn
from scratchgrad.kernels import numpy_conv as NC
from scratchgrad.ops import conv as C
from scratchgrad.utils import gradcheck, gradgradcheck

# Every test here runs once per device under test (tests/conftest.py: the device fixture).
pytestmark = pytest.mark.usefixtures("device")

RNG = np.random.default_rng(1234)


def _arr(*shape: int, dtype=np.float32) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


def _np(t) -> np.ndarray:
    return t.detach().numpy()


@pytest.fixture(params=["gemm", "batched"])
def layout(request, monkeypatch):
    """Run a test under both product layouts of ops.conv (one large matrix product with the
    stride-1 wide grid, and one product per sample), whatever the sizes would pick."""
    monkeypatch.setattr(NC, "_BATCHED_MAX_K", 0 if request.param == "gemm" else 10 ** 9)
    return request.param


def _parity(torch, sg_fn, torch_fn, arrays, atol=1e-4, rtol=1e-4):
    """Forward and the gradient of every input against PyTorch, with a random upstream
    gradient (an all-ones one hides transposed results)."""
    xs = [None if a is None else sg.tensor(a, requires_grad=True) for a in arrays]
    ts = [None if a is None else torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = sg_fn(*xs), torch_fn(*ts)
    assert y.shape == tuple(ty.shape)
    assert y.dtype == np.float32
    np.testing.assert_allclose(_np(y), ty.detach().numpy(), atol=atol, rtol=rtol)
    gy = _arr(*y.shape)
    y.backward(sg.tensor(gy))
    ty.backward(torch.tensor(gy))
    for i, (x, t) in enumerate(zip(xs, ts)):
        if x is None:
            continue
        assert x.grad.dtype == np.float32
        np.testing.assert_allclose(_np(x.grad), t.grad.numpy(), atol=atol, rtol=rtol,
                                   err_msg=f"gradient of input {i}")


# ---------------------------------------------------------------------- conv2d vs PyTorch
CONV_CASES = [
    # x shape, w shape, stride, padding, dilation, groups, bias
    ((2, 3, 7, 8), (4, 3, 3, 3), 1, 0, 1, 1, True),
    ((2, 3, 7, 8), (4, 3, 3, 3), 1, 1, 1, 1, True),
    ((2, 3, 7, 8), (4, 3, 3, 3), 1, 2, 1, 1, False),
    ((2, 3, 9, 8), (5, 3, 3, 2), 2, 1, 1, 1, True),
    ((2, 3, 11, 10), (4, 3, 3, 3), 2, 2, 2, 1, True),
    ((1, 2, 9, 12), (3, 2, 2, 3), (2, 1), (2, 0), (1, 2), 1, True),
    ((2, 4, 9, 8), (6, 2, 3, 3), 1, 1, 1, 2, True),
    ((2, 4, 9, 8), (6, 2, 3, 3), 2, 2, 2, 2, False),
    ((2, 4, 9, 8), (8, 1, 3, 3), 1, 1, 1, 4, False),   # depthwise, multiplier 2
    ((2, 4, 6, 7), (4, 1, 3, 3), 2, 1, 1, 4, True),    # depthwise, strided
    ((2, 3, 5, 6), (4, 3, 1, 1), 1, 0, 1, 1, True),    # 1x1
    ((2, 3, 5, 6), (4, 3, 1, 1), 1, 1, 1, 1, True),    # 1x1 with padding: wider than the pitch
    ((2, 3, 11, 12), (2, 3, 5, 5), 3, 1, 1, 1, True),
    ((1, 2, 12, 12), (3, 2, 3, 3), 1, 3, 3, 1, True),
    ((2, 3, 7, 8), (4, 3, 2, 2), 1, "same", 1, 1, True),  # even kernel: asymmetric padding
    ((2, 3, 7, 8), (4, 3, 3, 3), 1, "same", 2, 1, False),
    ((2, 3, 7, 8), (4, 3, 3, 3), 1, "valid", 1, 1, True),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on even kernels
@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups,bias", CONV_CASES)
def test_conv2d_matches_torch(torch, layout, xs, ws, stride, padding, dilation, groups, bias):
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    arrays = [_arr(*xs), _arr(*ws), _arr(ws[0]) if bias else None]
    _parity(torch, lambda x, w, b: C.conv2d(x, w, b, **kw),
            lambda x, w, b: torch.nn.functional.conv2d(x, w, b, **kw), arrays)


@pytest.mark.parametrize("chunk_samples", [1, 2])
def test_conv2d_col2im_in_chunks_of_samples_matches_torch(torch, layout, monkeypatch,
                                                          chunk_samples):
    """col2im (the input gradient) runs over chunks of samples: one each, and two with a
    shorter last chunk, for padded, strided, dilated and grouped convolutions."""
    monkeypatch.setattr(sys.modules[__name__], "RNG", np.random.default_rng(6))
    monkeypatch.setattr(NC, "_chunk", lambda n, sample_bytes, *_: min(n, chunk_samples))
    for xs, ws, kw in [((5, 4, 7, 6), (6, 4, 3, 3), dict(padding=1)),
                       ((5, 4, 9, 7), (4, 2, 3, 2), dict(stride=2, padding=(1, 0), groups=2)),
                       ((3, 2, 9, 9), (3, 2, 3, 3), dict(padding=2, dilation=2))]:
        _parity(torch, lambda x, w: C.conv2d(x, w, **kw),
                lambda x, w: torch.nn.functional.conv2d(x, w, **kw), [_arr(*xs), _arr(*ws)])


def test_conv2d_unbatched_and_float64(torch):
    x, w = _arr(3, 6, 7), _arr(4, 3, 3, 3)
    y = C.conv2d(sg.tensor(x), sg.tensor(w), padding=1)
    ty = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), atol=1e-4)
    x64 = sg.tensor(x.astype(np.float64), requires_grad=True)
    y64 = C.conv2d(x64, sg.tensor(w.astype(np.float64)), padding=1)
    y64.sum().backward()
    assert y64.dtype == np.float64 and x64.grad.dtype == np.float64


def test_conv2d_without_input_grad_and_repeated_backward(torch):
    x, w, b = _arr(2, 3, 6, 6), _arr(4, 3, 3, 3), _arr(4)
    W = sg.tensor(w, requires_grad=True)
    y = C.conv2d(sg.tensor(x), W, sg.tensor(b), padding=1)
    y.sum().backward(retain_graph=True)
    first = W.grad.numpy().copy()
    y.sum().backward()  # retained: the freed column matrix is recomputed
    np.testing.assert_allclose(W.grad.numpy(), 2 * first, rtol=1e-5)
    tw = torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(torch.tensor(x), tw, torch.tensor(b), padding=1).sum().backward()
    np.testing.assert_allclose(first, tw.grad.numpy(), atol=1e-4)


@pytest.mark.cpu_only("the workspace is NumPy memory; the GPU path does not use it")
def test_results_never_alias_workspace_memory(layout):
    """Temporaries live in reused per-thread buffers; no result may be a view of one."""
    outs = []
    for _ in range(2):  # the second call reuses (and overwrites) the first call's workspace
        x = sg.tensor(_arr(2, 4, 6, 5), requires_grad=True)
        w = sg.tensor(_arr(6, 2, 3, 3), requires_grad=True)
        y = C.conv2d(x, w, padding=1, groups=2)
        z = C.conv_transpose2d(y, w, stride=2, groups=2)
        (y.sum() + (z * z).sum()).backward()
        outs.append([y.detach(), z.detach(), x.grad, w.grad])
        for t in outs[-1]:
            for slot in NC._workspace.slots.values():
                assert not np.shares_memory(t._data, slot)
    snapshot = [t.numpy().copy() for t in outs[0]]
    C.conv2d(sg.tensor(_arr(2, 4, 6, 5)), sg.tensor(_arr(6, 2, 3, 3)), padding=1, groups=2)
    for t, s in zip(outs[0], snapshot):
        np.testing.assert_array_equal(t.numpy(), s)


def test_conv2d_double_backward_matches_torch(torch, layout):
    """A gradient penalty: d/dW of |d(sum conv(x, W)^2)/dx|^2."""
    x, w = _arr(2, 2, 6, 5), _arr(3, 2, 3, 3)
    X, W = sg.tensor(x, requires_grad=True), sg.tensor(w, requires_grad=True)
    (gx,) = sg.autograd.grad((C.conv2d(X, W, stride=2, padding=1) ** 2).sum(), X,
                             create_graph=True)
    (gx ** 2).sum().backward()
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    (tgx,) = torch.autograd.grad(
        (torch.nn.functional.conv2d(tx, tw, stride=2, padding=1) ** 2).sum(), tx,
        create_graph=True)
    (tgx ** 2).sum().backward()
    np.testing.assert_allclose(_np(gx), tgx.detach().numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(W.grad.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(X.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-2)


# ---------------------------------------------------------------------- conv_transpose2d
TCONV_CASES = [
    # x shape, w shape, stride, padding, output_padding, dilation, groups, bias
    ((2, 3, 5, 4), (3, 4, 3, 3), 1, 0, 0, 1, 1, True),
    ((2, 3, 5, 4), (3, 4, 3, 3), 2, 1, 1, 1, 1, True),
    ((2, 3, 5, 4), (3, 2, 3, 2), 2, 0, (1, 0), 1, 1, False),
    ((2, 3, 4, 4), (3, 2, 4, 4), 3, 2, 2, 1, 1, True),
    ((1, 4, 4, 5), (4, 3, 3, 3), 2, 1, 1, 2, 2, True),
    ((2, 4, 5, 4), (4, 1, 3, 3), 1, 1, 0, 1, 4, False),
    ((2, 2, 3, 4), (2, 3, 3, 3), 1, 0, 1, 2, 1, True),  # output_padding < dilation
]


@pytest.mark.parametrize("xs,ws,stride,padding,out_pad,dilation,groups,bias", TCONV_CASES)
def test_conv_transpose2d_matches_torch(torch, layout, xs, ws, stride, padding, out_pad,
                                        dilation, groups, bias):
    kw = dict(stride=stride, padding=padding, output_padding=out_pad, groups=groups,
              dilation=dilation)
    arrays = [_arr(*xs), _arr(*ws), _arr(ws[1] * groups) if bias else None]
    _parity(torch, lambda x, w, b: C.conv_transpose2d(x, w, b, **kw),
            lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, **kw), arrays)


# ---------------------------------------------------------------------- pooling
POOL_CASES = [
    # x shape, kernel, stride, padding
    ((2, 3, 8, 8), 2, None, 0),
    ((2, 3, 9, 7), 2, None, 0),          # sizes not divisible: the last row/column is dropped
    ((2, 3, 9, 7), 3, 2, 1),             # overlapping, padded
    ((2, 3, 9, 7), (3, 2), (2, 1), (1, 0)),
    ((1, 2, 6, 6), 3, 1, 0),
    ((2, 2, 5, 6), (1, 3), (1, 3), 0),
]


@pytest.mark.parametrize("xs,k,s,p", POOL_CASES)
def test_max_pool2d_matches_torch(torch, xs, k, s, p):
    F = torch.nn.functional
    _parity(torch, lambda x: C.max_pool2d(x, k, s, p), lambda x: F.max_pool2d(x, k, s, p),
            [_arr(*xs)])


def test_max_pool2d_ties_dilation_and_indices_match_torch(torch):
    F = torch.nn.functional
    # ReLU outputs and small integers: many ties; the gradient goes to the first maximum only
    relu = np.maximum(_arr(2, 3, 8, 8), 0)
    _parity(torch, lambda x: C.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 2), [relu])
    ints = RNG.integers(0, 3, (2, 2, 7, 7)).astype(np.float32)
    _parity(torch, lambda x: C.max_pool2d(x, 3, 2, 1), lambda x: F.max_pool2d(x, 3, 2, 1),
            [ints])
    _parity(torch, lambda x: C.max_pool2d(x, 3, 1, 1, dilation=2),
            lambda x: F.max_pool2d(x, 3, 1, 1, dilation=2), [_arr(2, 2, 9, 9)])
    x = _arr(2, 3, 9, 7)
    y, idx = C.max_pool2d(sg.tensor(x), 3, 2, 1, return_indices=True)
    ty, tidx = F.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert idx.dtype == np.int64


@pytest.mark.parametrize("chunk_bytes", [1, 700, 1 << 30])
def test_max_pool2d_in_chunks_of_samples_matches_torch(torch, monkeypatch, chunk_bytes):
    """Pooling runs over chunks of samples: one sample each, several with a shorter last chunk
    (5 samples of 3*8*8*4 = 768 bytes, 700 -> chunks of 1; 1 << 30 -> one chunk), with ties
    (ReLU zeros) and overlapping padded windows; without grad the argmax is skipped but the
    values are the same."""
    monkeypatch.setattr(NC, "_CHUNK_BYTES", chunk_bytes)
    F = torch.nn.functional
    # its own generator: drawing from RNG would change the data of the tests after it
    monkeypatch.setattr(sys.modules[__name__], "RNG", np.random.default_rng(5))
    relu = np.maximum(_arr(5, 3, 8, 8), 0)
    _parity(torch, lambda x: C.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 2), [relu])
    _parity(torch, lambda x: C.max_pool2d(x, 3, 2, 1), lambda x: F.max_pool2d(x, 3, 2, 1),
            [relu])
    monkeypatch.setattr(NC, "_CHUNK_BYTES", 2 * relu[:1].nbytes)  # chunks of 2, 2, 1
    _parity(torch, lambda x: C.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 2), [relu])
    with sg.no_grad():
        y = C.max_pool2d(sg.tensor(relu, requires_grad=True), 3, 2, 1)
    np.testing.assert_array_equal(_np(y), F.max_pool2d(torch.tensor(relu), 3, 2, 1).numpy())
    y, idx = C.max_pool2d(sg.tensor(relu), 2, return_indices=True)  # no grad, indices asked
    np.testing.assert_array_equal(idx.numpy(), F.max_pool2d(torch.tensor(relu), 2,
                                                            return_indices=True)[1].numpy())


def _pool_both_paths(monkeypatch, fused, x, gy, with_grad=True):
    """MaxPool2dOp's values, indices and input gradient with the fused 2x2 kernel and with
    the NumPy path (fused kernels turned off)."""
    runs = []
    for on in (True, False):
        monkeypatch.setattr(fused, "_status", [on])
        op = C.MaxPool2dOp((2, 2), (2, 2), (0, 0), with_index=with_grad)
        y = op.run_forward(x)
        gx = C.MaxPool2dGrad(op.geom, op.index).run_forward(gy) if with_grad else None
        runs.append((y, op.index, gx))
    return runs


@pytest.mark.cpu_only("the fused kernels are compiled for NumPy arrays")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 8, 32, 34), (3, 8, 37, 41)])  # even; odd H and W
def test_fused_2x2_max_pool_equals_the_numpy_path(monkeypatch, fused_kernels, shape, dtype):
    """The compiled 2x2/stride-2 pooling (scratchgrad.fused) gives the NumPy path's values,
    argmax offsets and input gradients: ties (small integers, ReLU zeros), NaN anywhere in a
    window (NaN, offset 3 there), -inf and +inf, a negative upstream gradient (-0.0 at the
    other positions) and a NaN one, a strided input; with and without the argmax."""
    calls = []
    for name in ("max_pool2d_2x2", "max_pool2d_2x2_grad"):
        monkeypatch.setattr(fused_kernels, name, lambda *a, _f=getattr(fused_kernels, name),
                            _n=name: calls.append(_n) or _f(*a))
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, shape).astype(dtype)
    x[0, 0, 0, :8] = [np.nan, 1, 2, 0, 5, np.nan, -np.inf, np.inf]
    x[0, 0, 1, :8] = [0, 0, np.nan, 1, 5, 5, -np.inf, -np.inf]
    x[1, 1] = np.maximum(x[1, 1], 0)
    x[2, 2, :2, :2] = -np.inf
    OH, OW = shape[2] // 2, shape[3] // 2
    gy = rng.standard_normal((shape[0], shape[1], OH, OW)).astype(dtype)
    gy[0, 0, 0, :2] = [np.nan, -1.0]
    assert x.size >= fused_kernels.MIN_ELEMENTS
    for xin in (x, np.asfortranarray(x)):
        (y1, i1, g1), (y0, i0, g0) = _pool_both_paths(monkeypatch, fused_kernels, xin, gy)
        np.testing.assert_array_equal(y1, y0)
        np.testing.assert_array_equal(i1, i0)
        assert i1.dtype == i0.dtype == np.uint8 and y1.dtype == dtype
        np.testing.assert_array_equal(g1, g0)  # NaN where NaN
        assert np.array_equal(np.signbit(g1), np.signbit(g0))  # zeros of the same sign
    # windows {nan, 1, 0, 0}, {2, 0, nan, 1}, {5, nan, 5, 5}: NaN at offset 3; {-inf, inf, ...}
    assert np.isnan(y1[0, 0, 0, :3]).all() and y1[0, 0, 0, 3] == np.inf
    assert i1[0, 0, 0, :4].tolist() == [3, 3, 3, 1]
    (y1, i1, _), (y0, i0, _) = _pool_both_paths(monkeypatch, fused_kernels, x, gy, False)
    np.testing.assert_array_equal(y1, y0)
    assert i1 is None and i0 is None
    assert calls.count("max_pool2d_2x2") == 3 and calls.count("max_pool2d_2x2_grad") == 2


@pytest.mark.cpu_only("the fused kernels are compiled for NumPy arrays")
def test_fused_2x2_max_pool_matches_torch(torch, fused_kernels):
    """A batch large enough for the fused kernel, through the module: values, input gradient
    and return_indices against PyTorch."""
    F = torch.nn.functional
    relu = np.maximum(_arr(4, 16, 28, 28), 0)
    assert relu.size >= fused_kernels.MIN_ELEMENTS
    _parity(torch, lambda x: C.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 2), [relu])
    _, idx = C.max_pool2d(sg.tensor(relu), 2, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), F.max_pool2d(torch.tensor(relu), 2,
                                                            return_indices=True)[1].numpy())


@pytest.mark.parametrize("xs,k,s,p", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_matches_torch(torch, xs, k, s, p, count_include_pad):
    F = torch.nn.functional
    _parity(torch, lambda x: C.avg_pool2d(x, k, s, p, count_include_pad=count_include_pad),
            lambda x: F.avg_pool2d(x, k, s, p, count_include_pad=count_include_pad),
            [_arr(*xs)], atol=1e-5)


def test_avg_pool2d_divisor_override_and_unbatched(torch):
    F = torch.nn.functional
    _parity(torch, lambda x: C.avg_pool2d(x, 3, 2, 1, divisor_override=5),
            lambda x: F.avg_pool2d(x, 3, 2, 1, divisor_override=5), [_arr(2, 2, 7, 7)])
    _parity(torch, lambda x: C.avg_pool2d(x, 2), lambda x: F.avg_pool2d(x, 2), [_arr(3, 6, 6)])
    _parity(torch, lambda x: C.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 2), [_arr(3, 6, 6)])


@pytest.mark.parametrize("xs,size", [((2, 3, 8, 8), (4, 2)), ((2, 3, 9, 7), (3, 4)),
                                     ((2, 3, 8, 8), 1), ((2, 3, 5, 8), (None, 3)),
                                     ((3, 10, 7), 4), ((1, 2, 3, 3), 5)])
def test_adaptive_avg_pool2d_matches_torch(torch, xs, size):
    F = torch.nn.functional
    _parity(torch, lambda x: C.adaptive_avg_pool2d(x, size),
            lambda x: F.adaptive_avg_pool2d(x, size), [_arr(*xs)], atol=1e-5)


# ---------------------------------------------------------------------- finite differences
def _t64(*shape: int, requires_grad: bool = True) -> sg.Tensor:
    return sg.tensor(_arr(*shape, dtype=np.float64), requires_grad=requires_grad)


@pytest.mark.parametrize("kw", [dict(padding=1), dict(stride=2, padding=(2, 1), dilation=2),
                                dict(groups=2, padding="same")])
def test_conv2d_gradcheck_and_gradgradcheck(layout, kw):
    x, w, b = _t64(2, 4, 6, 5), _t64(4, 4 // kw.get("groups", 1), 3, 2), _t64(4)
    fn = lambda x, w, b: C.conv2d(x, w, b, **kw)  # noqa: E731
    assert gradcheck(fn, [x, w, b])
    assert gradgradcheck(fn, [x, w, b])


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1, output_padding=1),
                                dict(dilation=2, groups=2),
                                dict(dilation=2, output_padding=1)])
def test_conv_transpose2d_gradcheck_and_gradgradcheck(layout, kw):
    x, w, b = _t64(2, 4, 4, 3), _t64(4, 3, 3, 3), _t64(3 * kw.get("groups", 1))
    fn = lambda x, w, b: C.conv_transpose2d(x, w, b, **kw)  # noqa: E731
    assert gradcheck(fn, [x, w, b])
    assert gradgradcheck(fn, [x, w, b])


@pytest.mark.parametrize("fn", [
    lambda x: C.max_pool2d(x, 2),
    lambda x: C.max_pool2d(x, 3, 2, 1),
    lambda x: C.avg_pool2d(x, 2),
    lambda x: C.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    lambda x: C.adaptive_avg_pool2d(x, (2, 3)),
    lambda x: C.adaptive_avg_pool2d(x, (3, 2)),
], ids=["max2", "max3s2p1", "avg2", "avg3s2p1_nopad", "adaptive23", "adaptive32"])
def test_pooling_gradcheck_and_gradgradcheck(fn):
    x = _t64(2, 2, 6, 6)
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


# ---------------------------------------------------------------------- helpers
def test_im2col_col2im_match_unfold_fold(torch):
    x = _arr(2, 3, 7, 6)
    kw = dict(stride=(2, 1), padding=1, dilation=(1, 2))
    col = C.im2col(x, (3, 2), **kw)
    unfolded = torch.nn.functional.unfold(torch.tensor(x), (3, 2), **kw).numpy()
    n, k, L = unfolded.shape
    np.testing.assert_allclose(col, unfolded.transpose(1, 0, 2).reshape(k, n * L))
    back = C.col2im(col, x.shape, (3, 2), **kw)
    folded = torch.nn.functional.fold(torch.tensor(unfolded), x.shape[2:], (3, 2), **kw)
    np.testing.assert_allclose(back, folded.numpy(), atol=1e-5)


# ---------------------------------------------------------------------- layers
@pytest.mark.parametrize("args,kwargs", [
    ((1, 32, 3), dict(padding=1)),
    ((4, 6, (3, 2)), dict(stride=2, padding=(1, 0), dilation=2, groups=2, bias=False)),
    ((4, 8, 3), dict(padding="same", groups=4)),
    ((3, 5, 1), dict(padding="valid")),
])
def test_conv2d_module_matches_torch(torch, args, kwargs):
    m, tm = nn.Conv2d(*args, **kwargs), torch.nn.Conv2d(*args, **kwargs)
    assert repr(m) == repr(tm)
    sd, tsd = m.state_dict(), tm.state_dict()
    assert list(sd) == list(tsd)
    assert [tuple(v.shape) for v in sd.values()] == [tuple(v.shape) for v in tsd.values()]
    m.load_state_dict({k: v.numpy() for k, v in tsd.items()})
    x = _arr(2, args[0], 9, 8)
    np.testing.assert_allclose(_np(m(sg.tensor(x))), tm(torch.tensor(x)).detach().numpy(),
                               atol=1e-5)


@pytest.mark.parametrize("args,kwargs", [
    ((16, 8, 3), dict(stride=2, padding=1, output_padding=1)),
    ((4, 6, (2, 3)), dict(stride=(2, 1), groups=2, bias=False, dilation=2)),
])
def test_conv_transpose2d_module_matches_torch(torch, args, kwargs):
    m, tm = nn.ConvTranspose2d(*args, **kwargs), torch.nn.ConvTranspose2d(*args, **kwargs)
    assert repr(m) == repr(tm)
    sd, tsd = m.state_dict(), tm.state_dict()
    assert list(sd) == list(tsd)
    assert [tuple(v.shape) for v in sd.values()] == [tuple(v.shape) for v in tsd.values()]
    m.load_state_dict({k: v.numpy() for k, v in tsd.items()})
    x = _arr(2, args[0], 5, 4)
    np.testing.assert_allclose(_np(m(sg.tensor(x))), tm(torch.tensor(x)).detach().numpy(),
                               atol=1e-5)


def test_conv_transpose2d_output_size(torch):
    m = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    x = _arr(1, 3, 4, 4)
    assert m(sg.tensor(x)).shape == (1, 2, 7, 7)
    assert m(sg.tensor(x), output_size=(8, 7)).shape == (1, 2, 8, 7)
    with pytest.raises(ValueError, match="output_size"):
        m(sg.tensor(x), output_size=(9, 9))


def test_conv_init_follows_torch_default():
    sg.manual_seed(0)
    m = nn.Conv2d(16, 64, 3, groups=2)
    fan_in = 8 * 9
    bound = 1 / math.sqrt(fan_in)
    w, b = m.weight._data, m.bias._data
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound  # uniform's std
    sg.manual_seed(0)
    np.testing.assert_array_equal(nn.Conv2d(16, 64, 3, groups=2).weight._data, w)
    t = nn.ConvTranspose2d(6, 4, 3)  # fan_in = weight.size(1) * k * k = 4 * 9
    assert np.abs(t.weight._data).max() <= 1 / 6 and np.abs(t.bias._data).max() <= 1 / 6


def test_pooling_modules_match_torch(torch):
    pairs = [(nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
             (nn.MaxPool2d((3, 2), stride=1, padding=1), torch.nn.MaxPool2d((3, 2), 1, 1)),
             (nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1)),
             (nn.AvgPool2d(2, count_include_pad=False),
              torch.nn.AvgPool2d(2, count_include_pad=False)),
             (nn.AdaptiveAvgPool2d((2, 3)), torch.nn.AdaptiveAvgPool2d((2, 3))),
             (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1))]
    x = _arr(2, 3, 8, 7)
    for m, tm in pairs:
        assert repr(m) == repr(tm)
        assert m.state_dict() == {} and not list(m.parameters())
        np.testing.assert_allclose(_np(m(sg.tensor(x))), tm(torch.tensor(x)).numpy(),
                                   atol=1e-6)


def test_small_cnn_trains_in_float32():
    sg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(8, 2))
    x = sg.tensor(_arr(16, 1, 8, 8))
    y = sg.tensor((x.numpy().mean(axis=(1, 2, 3)) > 0).astype(np.int64))
    losses = []
    for _ in range(30):
        loss = nn.functional.cross_entropy(model(x), y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            assert p.grad.dtype == np.float32
            p._data -= 0.5 * p.grad._data
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.02


# ---------------------------------------------------------------------- errors
def test_layer_input_errors():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8.*3 channels.*\(2, 4, 9, 9\)"):
        conv(sg.zeros(2, 4, 9, 9))
    with pytest.raises(ValueError, match=r"Conv2d.*\(9, 9\)"):
        conv(sg.zeros(9, 9))
    assert conv(sg.zeros(3, 9, 9)).shape == (8, 7, 7)  # unbatched, like PyTorch
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(4, 2.*4 channels.*\(1, 3, 5, 5\)"):
        nn.ConvTranspose2d(4, 2, 3)(sg.zeros(1, 3, 5, 5))
    with pytest.raises(ValueError, match="in_channels .* divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels .* divisible by groups"):
        nn.Conv2d(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match="'same' is not supported for strided"):
        nn.Conv2d(3, 6, 3, stride=2, padding="same")
    with pytest.raises(NotImplementedError, match="padding_mode"):
        nn.Conv2d(3, 6, 3, padding_mode="reflect")


def test_functional_errors():
    x, w = sg.zeros(2, 3, 5, 5), sg.zeros(4, 3, 3, 3)
    with pytest.raises(ValueError, match=r"conv2d: input of shape \(2, 4, 5, 5\) has 4 channels"
                                         r".*expects 3"):
        C.conv2d(sg.zeros(2, 4, 5, 5), w)
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input.*\(5, 5\)"):
        C.conv2d(sg.zeros(5, 5), w)
    with pytest.raises(ValueError, match=r"conv2d: bias must have shape \(4,\)"):
        C.conv2d(x, w, sg.zeros(3))
    with pytest.raises(ValueError, match="kernel can't be larger than the input"):
        C.conv2d(sg.zeros(1, 3, 2, 2), w)
    with pytest.raises(RuntimeError, match=r"conv2d: expected input and weight to have the same "
                                           r"dtype, got float32 and float64"):
        C.conv2d(x, w.double())
    with pytest.raises(TypeError, match="conv2d: input, weight and bias must have a floating"):
        C.conv2d(x.long(), w.long())
    with pytest.raises(ValueError, match="conv2d: stride must be >= 1"):
        C.conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match="output_padding .* must be smaller than"):
        C.conv_transpose2d(sg.zeros(1, 4, 3, 3), sg.zeros(4, 2, 3, 3), stride=2,
                           output_padding=2)
    with pytest.raises(ValueError, match="max_pool2d: padding .* at most half"):
        C.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match="avg_pool2d: kernel_size .* larger than the padded"):
        C.avg_pool2d(x, 7)
    with pytest.raises(NotImplementedError, match="ceil_mode"):
        C.max_pool2d(x, 2, ceil_mode=True)


# ---------------------------------------------------------------------- benchmark script
def test_conv_micro_benchmark_runs(capsys):
    bench = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "benchmarks")
    sys.path.insert(0, bench)
    try:
        spec = importlib.util.spec_from_file_location("conv_micro",
                                                      os.path.join(bench, "conv_micro.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(bench)
    figures = module.main(["--batch", "2", "--repeats", "1", "--layers", "both"])
    assert figures["both"]["scratchgrad"]["median_s"] > 0
    assert "vs pytorch" in capsys.readouterr().out
