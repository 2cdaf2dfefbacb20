"""The CUDA kernels of scratchgrad/_cuda_kernels.py, run on the CPU.

A kernel's body is plain C++ over an element index ``i``; CuPy wraps it in a CUDA loop. Here
the same body is wrapped in a host loop, compiled with the system C++ compiler for float and
double, and plugged into the GPU paths of _gpu_ops.py on NumPy arrays (``_gpu_ops._kernel`` is
patched to hand out the host build). So the kernels' index arithmetic and math, and the glue
code around them, are checked against the CPU ops on every machine with a compiler; only CUDA
itself (launch, memory) is left for a GPU. Skipped without a C++ compiler.

The host wrapper (tests/_hostkernels.py) mirrors what ElementwiseKernel gives a body; all
arrays passed must be C-contiguous (the wrapper checks; the GPU paths ensure it).
"""
from __future__ import annotations

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad.kernels import cuda_source as _cuda_kernels, cupy as _gpu_ops
from scratchgrad.kernels import numpy_conv as NC
from scratchgrad.ops import conv as C
from scratchgrad.ops import nn as N

from _hostkernels import CXX, HostKernel

pytestmark = pytest.mark.skipif(CXX is None, reason="no C++ compiler to build the kernels on "
                                                    "the host")

# Which parameters are scalars (the GPU paths pass Python ints for them).
_GEOM_INTS = {"C", "H", "W", "KH", "KW", "OH", "OW", "sh", "sw", "pt", "pl", "dh", "dw", "M"}
_SCALARS = {"im2col": _GEOM_INTS, "col2im": _GEOM_INTS, "lstm_step": set(),
            "ce_forward": {"C"}, "ce_backward": {"C"}}


@pytest.fixture(scope="module")
def host_kernels(tmp_path_factory) -> dict[str, HostKernel]:
    d = str(tmp_path_factory.mktemp("kernels"))
    return {name: HostKernel(ins, outs, body, kname, _SCALARS[name], d)
            for name, (ins, outs, body, kname) in _cuda_kernels._SOURCES.items()}


@pytest.fixture
def kernels_on_numpy(host_kernels, monkeypatch):
    """Make the GPU paths use the host build of the kernels for NumPy arrays."""
    monkeypatch.setattr(_gpu_ops, "_kernel", lambda xp, name: host_kernels[name])
    return host_kernels


GEOMETRIES = [  # (x shape, W shape, stride, padding (t, b, l, r), dilation, groups)
    ((2, 3, 7, 6), (4, 3, 3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),
    ((1, 4, 9, 8), (6, 2, 3, 2), (2, 1), (0, 1, 2, 0), (1, 2), 2),
    ((3, 2, 5, 5), (2, 2, 1, 1), (2, 2), (0, 0, 0, 0), (1, 1), 1),
    ((2, 4, 8, 8), (4, 1, 3, 3), (1, 2), (2, 2, 1, 1), (2, 1), 4),
    ((1, 1, 4, 4), (1, 1, 4, 4), (3, 3), (2, 2, 2, 2), (1, 1), 1),  # windows mostly padding
]


@pytest.mark.parametrize("geom", GEOMETRIES, ids=lambda g: f"{g[0]}-{g[1]}-s{g[2]}-p{g[3]}")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_col2im_kernels_match_the_generic_path(geom, dtype, kernels_on_numpy,
                                                       monkeypatch):
    xs, ws, stride, padding, dilation, groups = geom
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(dtype)
    g = NC._Geom(xs, ws[2:], C._ConvArgs(stride, padding, dilation, groups))
    col = _gpu_ops.im2col(x, g)
    gcol = rng.standard_normal(col.shape).astype(dtype)
    gx = _gpu_ops.col2im(gcol, g)
    monkeypatch.setattr(_gpu_ops, "_kernel", lambda xp, name: None)  # the generic path
    np.testing.assert_array_equal(col, _gpu_ops.im2col(x, g))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(gx, _gpu_ops.col2im(gcol, g), rtol=tol, atol=tol)
    assert col.dtype == dtype and gx.dtype == dtype


@pytest.mark.parametrize("geom", GEOMETRIES[:4], ids=lambda g: f"{g[0]}-{g[1]}-s{g[2]}")
def test_conv_with_kernels_matches_the_cpu_conv(geom, kernels_on_numpy):
    xs, ws, stride, padding, dilation, groups = geom
    rng = np.random.default_rng(1)
    x, W, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    g = NC._Geom(xs, ws[2:], C._ConvArgs(stride, padding, dilation, groups))
    y, col = _gpu_ops.conv_forward(x, W, b, g)
    y_cpu, col_cpu = NC._conv_forward(x, W, b, g)
    np.testing.assert_allclose(y, y_cpu, rtol=1e-10, atol=1e-10)
    gy = rng.standard_normal(y.shape)
    gy_op = _gpu_ops.gy_operand(gy, g)
    np.testing.assert_allclose(_gpu_ops.conv_grad_input(gy_op, W, g),
                               NC._conv_grad_input(NC._gy_operand(gy, g), W, g), rtol=1e-10,
                               atol=1e-10)


def test_lstm_with_the_fused_step_kernel_matches_pytorch(kernels_on_numpy, torch):
    """The whole LSTM forward runs through the step kernel (the hook in ops/rnn.py takes it
    because _gpu_ops hands out a kernel for NumPy here); forward and gradients vs PyTorch."""
    T_, N_, I_, H_ = 5, 3, 4, 6
    rng = np.random.default_rng(2)
    x = rng.standard_normal((T_, N_, I_)).astype(np.float32)
    sg.manual_seed(0)
    layer = sg.nn.LSTM(I_, H_, num_layers=2)
    tlayer = torch.nn.LSTM(I_, H_, num_layers=2)
    with torch.no_grad():
        for name, p in layer.named_parameters():
            getattr(tlayer, name).copy_(torch.from_numpy(p._data.copy()))
    xs = sg.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    out, (h, c) = layer(xs)
    tout, (th, tc) = tlayer(tx)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(c.detach().numpy(), tc.detach().numpy(), rtol=1e-5, atol=1e-5)
    gy = rng.standard_normal(out.shape).astype(np.float32)
    (out * sg.tensor(gy)).sum().backward()
    (tout * torch.from_numpy(gy)).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.weight_hh_l0.grad.numpy(), tlayer.weight_hh_l0.grad.numpy(),
                               rtol=1e-4, atol=1e-5)


def test_the_lstm_hook_launches_one_kernel_per_step(host_kernels, monkeypatch):
    calls = []

    def counting(xp, name):
        kernel = host_kernels[name]
        return lambda *args: (calls.append(name), kernel(*args))
    monkeypatch.setattr(_gpu_ops, "_kernel", counting)
    sg.nn.LSTM(2, 3)(sg.randn(4, 1, 2))
    assert calls == ["lstm_step"] * 4


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_kernels_match_the_cpu_op(reduction, weighted, kernels_on_numpy):
    rng = np.random.default_rng(3)
    M, Cn = 9, 5
    x = (rng.standard_normal((M, Cn)) * 3).astype(np.float32)
    target = rng.integers(0, Cn, M)
    target[4] = -100  # ignored
    weight = (rng.random(Cn) + 0.5).astype(np.float32) if weighted else None
    cpu = N.CrossEntropy(target, weight, -100, 0.0, reduction)
    loss_cpu = cpu(sg.tensor(x, requires_grad=True))
    up = np.asarray(rng.standard_normal(loss_cpu.shape), dtype=np.float32)
    gx_cpu = cpu.backward(sg.tensor(up))._data  # first-order path (grad mode is on: graph path)
    with sg.no_grad():
        gx_cpu_fast = cpu.backward(sg.tensor(up))._data

    fn = N.CrossEntropy(target, weight, -100, 0.0, reduction)
    t = N._IndexTargets(target, weight, -100, x.dtype, x.shape[1], "cross_entropy")
    fn.denom = t.denom
    loss = N._reduce_rows(_gpu_ops.cross_entropy_forward(fn, x, t), reduction, fn.denom)
    np.testing.assert_allclose(loss, loss_cpu._data, rtol=1e-5, atol=1e-6)
    assert fn.row_max.shape == (M, 1) and fn.log_sum.shape == (M, 1)
    g = up.reshape(-1) if reduction == "none" else N._upstream(sg.tensor(up), reduction,
                                                              fn.denom)._data
    gx = _gpu_ops.cross_entropy_backward(fn, x, t, g)
    np.testing.assert_allclose(gx, gx_cpu_fast, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx, gx_cpu, rtol=1e-5, atol=1e-6)
    assert gx.dtype == np.float32 and not gx[4].any()  # the ignored row gets no gradient
