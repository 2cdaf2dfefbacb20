"""Convolution and pooling: conv2d, conv_transpose2d, max/avg pooling, adaptive pooling, unfold
and fold. Fast paths: scratchgrad/kernels (numpy_conv.py and others).

How a convolution is computed here (the reference):

* **im2col** lays the input out as a column matrix, per sample ``(C*KH*KW, OH*OW)``: column
  ``(oh, ow)`` holds the input window that output pixel sees, row ``(c, i, j)`` its value at
  channel ``c`` and kernel offset ``(i, j)``. It is built from one strided slice of the
  zero-padded input per kernel offset: the values that offset meets at every output pixel.
* The convolution is then **one matrix product**: the weights as a ``(OC, C*KH*KW)`` matrix
  times the column matrix. Groups split both into ``groups`` independent products (a leading
  batch axis of the same ``matmul``).
* **Backward** is two products again: the weight gradient ``gy @ col.T`` (summed over samples),
  and the input gradient ``W.T @ gy``, scattered back to the image by **col2im**, the adjoint of
  im2col, which adds each kernel offset's slice back where im2col took it from (overlapping
  windows add up).

The gradients are Functions themselves (``Conv2dGradInput``, ``Conv2dGradWeight``), whose own
backward passes are convolutions again, so double backward works (``create_graph=True``). The
transposed convolution is the input gradient of the convolution it transposes.

Max pooling keeps, for every output, the running maximum over the window's ``KH*KW`` offsets
and the offset that produced it (the first maximum wins, as in PyTorch); its backward sends
each gradient to that offset.
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from .. import _config
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import constant_array, quiet, same_dtype, to_tensor
from .linalg import matmul
from .shape import reshape

__all__ = ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
           "adaptive_max_pool2d", "unfold", "fold", "Unfold", "Fold",
           "im2col", "col2im", "Conv2dOp", "Conv2dGradInput", "Conv2dGradWeight",
           "ConvTranspose2dOp", "MaxPool2dOp", "MaxPool2dGrad", "MaxPool2dGather",
           "AvgPool2dOp", "AvgPool2dGrad"]

IntPair = int | tuple[int, int]


# ---------------------------------------------------------------------- arguments
def _pair(value: Any, name: str, op: str, minimum: int = 0) -> tuple[int, int]:
    """``3 -> (3, 3)``, ``(2, 3) -> (2, 3)``, with an error naming the op and the argument."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value), int(value))
    else:
        try:
            pair = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise TypeError(f"{op}: {name} must be an int or a pair of ints, got "
                            f"{value!r}") from None
        if len(pair) == 1:
            pair = (pair[0], pair[0])
        if len(pair) != 2:
            raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return pair  # type: ignore[return-value]


class _ConvArgs(NamedTuple):
    """Hyperparameters of a convolution; padding is (top, bottom, left, right)."""

    stride: tuple[int, int]
    padding: tuple[int, int, int, int]
    dilation: tuple[int, int]
    groups: int




# ---------------------------------------------------------------------- im2col and col2im
def _conv_out_hw(x_hw: Sequence[int], k_hw: Sequence[int], a: _ConvArgs) -> tuple[int, int]:
    """The output size (OH, OW) of a convolution of an ``x_hw`` input with a ``k_hw`` kernel."""
    pt, pb, pl, pr = a.padding
    OH = (x_hw[0] + pt + pb - a.dilation[0] * (k_hw[0] - 1) - 1) // a.stride[0] + 1
    OW = (x_hw[1] + pl + pr - a.dilation[1] * (k_hw[1] - 1) - 1) // a.stride[1] + 1
    return OH, OW


def _offset_slices(i: int, j: int, a: _ConvArgs, out_hw: Sequence[int]) -> tuple:
    """The slice of the padded input that kernel offset (i, j) meets at every output pixel:
    rows ``i*dh, i*dh + sh, ...`` (OH of them), columns alike."""
    (sh, sw), (dh, dw), (OH, OW) = a.stride, a.dilation, out_hw
    return (slice(None), slice(None), slice(i * dh, i * dh + sh * (OH - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (OW - 1) + 1, sw))


def _im2col(x: Any, k_hw: Sequence[int], a: _ConvArgs, out_hw: Sequence[int]) -> Any:
    """The column matrices of x (N, C, H, W): (N, C*KH*KW, OH*OW), row (c, i, j) holding what
    kernel offset (i, j) of channel c meets at every output pixel (oh, ow)."""
    xp = get_array_module(x)
    N, C, H, W = x.shape
    KH, KW = k_hw
    pt, pb, pl, pr = a.padding
    padded = xp.zeros((N, C, H + pt + pb, W + pl + pr), dtype=x.dtype)
    padded[:, :, pt:pt + H, pl:pl + W] = x
    cols = xp.empty((N, C, KH, KW) + tuple(out_hw), dtype=x.dtype)
    for i in range(KH):
        for j in range(KW):
            cols[:, :, i, j] = padded[_offset_slices(i, j, a, out_hw)]
    return cols.reshape(N, C * KH * KW, -1)


def _col2im(cols: Any, x_shape: Sequence[int], k_hw: Sequence[int], a: _ConvArgs,
            out_hw: Sequence[int]) -> Any:
    """The adjoint of :func:`_im2col`: column matrices (N, C*KH*KW, OH*OW) back to an image of
    ``x_shape`` (N, C, H, W), each value added where im2col took it from (overlaps sum)."""
    xp = get_array_module(cols)
    N, C, H, W = x_shape
    KH, KW = k_hw
    pt, pb, pl, pr = a.padding
    padded = xp.zeros((N, C, H + pt + pb, W + pl + pr), dtype=cols.dtype)
    cols = cols.reshape((N, C, KH, KW) + tuple(out_hw))
    for i in range(KH):
        for j in range(KW):
            padded[_offset_slices(i, j, a, out_hw)] += cols[:, :, i, j]
    return xp.ascontiguousarray(padded[:, :, pt:pt + H, pl:pl + W])


# ---------------------------------------------------------------------- conv Functions
def _conv(x: Any, W: Any, b: Any, a: _ConvArgs, out_hw: Sequence[int]) -> Any:
    """y = W * x + b: im2col, then per group the weights (OC/g, C/g*KH*KW) times each sample's
    column matrix (C/g*KH*KW, OH*OW)."""
    xp = get_array_module(x)
    N, OC, G = x.shape[0], W.shape[0], a.groups
    cols = _im2col(x, W.shape[2:], a, out_hw)
    y = xp.matmul(W.reshape(G, OC // G, -1), cols.reshape(N, G, -1, cols.shape[-1]))
    y = y.reshape((N, OC) + tuple(out_hw))
    if b is not None:
        y += b.reshape(OC, 1, 1)
    return y


def _conv_grad_input(gy: Any, W: Any, x_shape: Sequence[int], a: _ConvArgs) -> Any:
    """gx = col2im(W.T @ gy), per group and sample."""
    xp = get_array_module(gy)
    N, OC, OH, OW = gy.shape
    G = a.groups
    Wt = W.reshape(G, OC // G, -1).transpose(0, 2, 1)  # (G, C/g*KH*KW, OC/g)
    gcols = xp.matmul(Wt, gy.reshape(N, G, OC // G, OH * OW))
    return _col2im(gcols.reshape(N, -1, OH * OW), x_shape, W.shape[2:], a, (OH, OW))


def _conv_grad_weight(x: Any, gy: Any, w_hw: Sequence[int], a: _ConvArgs) -> Any:
    """gW = gy @ col.T, per group, summed over the samples."""
    xp = get_array_module(x)
    N, OC, OH, OW = gy.shape
    G = a.groups
    cols = _im2col(x, w_hw, a, (OH, OW)).reshape(N, G, -1, OH * OW)
    gW = xp.matmul(gy.reshape(N, G, OC // G, OH * OW), cols.transpose(0, 1, 3, 2)).sum(axis=0)
    return gW.reshape((OC, x.shape[1] // G) + tuple(w_hw))


class Conv2dOp(Function):
    """2-D cross-correlation of x (N, C, H, W) with W (OC, C/groups, KH, KW) plus an optional
    bias (OC,). ``out_hw`` forces the output size (a transposed convolution's double backward
    knows it; the formula alone can't tell, with ``output_padding``).

    >>> import scratchgrad as sg
    >>> Conv2dOp((1, 1), (1, 1, 1, 1), (1, 1), 1)(sg.ones(1, 1, 4, 4), sg.ones(1, 1, 3, 3)).shape
    (1, 1, 4, 4)
    """

    def __init__(self, stride: tuple[int, int] = (1, 1),
                 padding: tuple[int, int, int, int] = (0, 0, 0, 0),
                 dilation: tuple[int, int] = (1, 1), groups: int = 1,
                 out_hw: tuple[int, int] | None = None) -> None:
        self.args = _ConvArgs(tuple(stride), tuple(padding), tuple(dilation), groups)
        self.out_hw = out_hw

    def forward(self, x, W, b=None):
        out_hw = self.out_hw or _conv_out_hw(x.shape[2:], W.shape[2:], self.args)
        return quiet.run(_conv, x, W, b, self.args, out_hw)  # inf * 0 in a product: nan

    def backward(self, gy):
        x, W = self.inputs[:2]
        a = self.args
        gx = Conv2dGradInput(a, x.shape[2:])(gy, W) if x.requires_grad else None
        gW = Conv2dGradWeight(a, W.shape[2:])(x, gy) if W.requires_grad else None
        gb = None
        if len(self.inputs) == 3 and self.inputs[2].requires_grad:
            gb = gy.sum(dim=(0, 2, 3))
        return gx, gW, gb


class Conv2dGradInput(Function):
    """The input gradient of a convolution: gy (N, OC, OH, OW), W (OC, C/groups, KH, KW) ->
    gx (N, C, H, W) for the spatial size ``x_hw``. It is also the transposed convolution.

    >>> import scratchgrad as sg
    >>> a = _ConvArgs((1, 1), (0, 0, 0, 0), (1, 1), 1)
    >>> Conv2dGradInput(a, (4, 4))(sg.ones(1, 1, 2, 2), sg.ones(1, 1, 3, 3)).shape
    (1, 1, 4, 4)
    """

    def __init__(self, args: _ConvArgs, x_hw: Sequence[int]) -> None:
        self.args = args
        self.x_hw = tuple(x_hw)

    def forward(self, gy, W):
        x_shape = (gy.shape[0], W.shape[1] * self.args.groups) + self.x_hw
        return quiet.run(_conv_grad_input, gy, W, x_shape, self.args)

    def backward(self, ggx):
        gy, W = self.inputs[:2]
        return _grad_input_backward(self, ggx, gy, W)


def _grad_input_backward(fn: Conv2dGradInput, ggx: Tensor, gy: Tensor, W: Tensor) -> tuple:
    """Gradients of y = grad_input(gy, W) (linear in each): a convolution of ggx with W for gy,
    and the weight gradient with ggx in the role of x for W."""
    a = fn.args
    g_gy = g_W = None
    if gy.requires_grad:
        g_gy = Conv2dOp(a.stride, a.padding, a.dilation, a.groups, gy.shape[2:])(ggx, W)
    if W.requires_grad:
        g_W = Conv2dGradWeight(a, W.shape[2:])(ggx, gy)
    return g_gy, g_W


class Conv2dGradWeight(Function):
    """The weight gradient of a convolution: x (N, C, H, W), gy (N, OC, OH, OW) -> gW of shape
    (OC, C/groups, *w_hw).

    >>> import scratchgrad as sg
    >>> a = _ConvArgs((1, 1), (0, 0, 0, 0), (1, 1), 1)
    >>> Conv2dGradWeight(a, (3, 3))(sg.ones(1, 1, 4, 4), sg.ones(1, 1, 2, 2)).shape
    (1, 1, 3, 3)
    """

    def __init__(self, args: _ConvArgs, w_hw: Sequence[int]) -> None:
        self.args = args
        self.w_hw = tuple(w_hw)

    def forward(self, x, gy):
        return quiet.run(_conv_grad_weight, x, gy, self.w_hw, self.args)

    def backward(self, ggW):
        x, gy = self.inputs
        a = self.args
        gx = g_gy = None
        if x.requires_grad:
            gx = Conv2dGradInput(a, x.shape[2:])(gy, ggW)
        if gy.requires_grad:
            g_gy = Conv2dOp(a.stride, a.padding, a.dilation, a.groups, gy.shape[2:])(x, ggW)
        return gx, g_gy


class ConvTranspose2dOp(Conv2dGradInput):
    """Transposed convolution of x (N, Cin, H, W) with W (Cin, Cout/groups, KH, KW) plus an
    optional bias (Cout,): the input gradient of the convolution it transposes, to the output
    size ``out_hw`` (which ``output_padding`` decides).

    >>> import scratchgrad as sg
    >>> a = _ConvArgs((2, 2), (0, 0, 0, 0), (1, 1), 1)
    >>> ConvTranspose2dOp(a, (5, 5))(sg.ones(1, 1, 2, 2), sg.ones(1, 1, 3, 3)).shape
    (1, 1, 5, 5)
    """

    def forward(self, x, W, b=None):
        y = super().forward(x, W)
        if b is not None:
            quiet.run(np.add, y, b.reshape(-1, 1, 1), out=y)
        return y

    def backward(self, gy):
        x, W = self.inputs[:2]
        gx, gW = _grad_input_backward(self, gy, x, W)
        gb = None
        if len(self.inputs) == 3 and self.inputs[2].requires_grad:
            gb = gy.sum(dim=(0, 2, 3))
        return gx, gW, gb


# ---------------------------------------------------------------------- conv functions
def _check_float(op: str, x: Tensor, W: Tensor, b: Tensor | None) -> None:
    """One dtype for input, weight and bias (a RuntimeError as PyTorch's, no promotion), and
    a floating one."""
    same_dtype(op, "input and weight" if b is None else "input, weight and bias", x, W, b)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input, weight and bias must have a floating dtype, got "
                        f"{x.dtype}")


def _batched(x: Tensor, op: str) -> tuple[Tensor, bool]:
    """Accept (C, H, W) as one unbatched sample, like PyTorch; insist on 4-D otherwise."""
    if x.ndim == 4:
        return x, False
    if x.ndim == 3:
        return reshape(x, (1,) + x.shape), True
    raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or a 3-D unbatched input "
                     f"(C, H, W), got shape {x.shape}")


def _unbatched(y: Tensor, squeeze: bool) -> Tensor:
    return reshape(y, y.shape[1:]) if squeeze else y


def _conv_padding(padding: Any, k_hw: tuple[int, int], dilation: tuple[int, int],
                  stride: tuple[int, int], op: str) -> tuple[int, int, int, int]:
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a pair, 'same' or 'valid', got "
                             f"{padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride}); give the padding explicitly")
        # PyTorch's rule for even kernels: the extra row/column of padding goes at the end.
        th, tw = dilation[0] * (k_hw[0] - 1), dilation[1] * (k_hw[1] - 1)
        return (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    ph, pw = _pair(padding, "padding", op)
    return (ph, ph, pw, pw)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: IntPair = 1,
           padding: IntPair | str = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of ``input`` (N, C, H, W) or
    (C, H, W) with ``weight`` (OC, C/groups, KH, KW) and optional ``bias`` (OC,).

    ``padding`` is an int, a pair, ``'valid'`` (none) or ``'same'`` (stride 1 only).

    >>> import scratchgrad as sg
    >>> x, w = sg.randn(2, 3, 8, 8), sg.randn(4, 3, 3, 3)
    >>> conv2d(x, w, padding=1).shape, conv2d(x, w, stride=2).shape
    ((2, 4, 8, 8), (2, 4, 3, 3))
    """
    op = "conv2d"
    x, W = to_tensor(input), to_tensor(weight)
    b = None if bias is None else to_tensor(bias)
    x, squeeze = _batched(x, op)
    if W.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (out_channels, in_channels/groups, kH, kW), "
                         f"got shape {W.shape}")
    _check_float(op, x, W, b)
    s = _pair(stride, "stride", op, 1)
    d = _pair(dilation, "dilation", op, 1)
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    OC, Cg, KH, KW = W.shape
    if x.shape[1] != Cg * groups or OC % groups:
        raise ValueError(f"{op}: input of shape {x.shape} has {x.shape[1]} channels but weight "
                         f"of shape {W.shape} with groups={groups} expects {Cg * groups} "
                         f"(and out_channels {OC} divisible by groups)")
    if b is not None and b.shape != (OC,):
        raise ValueError(f"{op}: bias must have shape ({OC},) for weight of shape {W.shape}, "
                         f"got {b.shape}")
    p = _conv_padding(padding, (KH, KW), d, s, op)
    Hp, Wp = x.shape[2] + p[0] + p[1], x.shape[3] + p[2] + p[3]
    if Hp < d[0] * (KH - 1) + 1 or Wp < d[1] * (KW - 1) + 1:
        raise ValueError(f"{op}: the padded input is {Hp}x{Wp} (input shape {x.shape}, padding "
                         f"{padding}) but the dilated kernel is {d[0] * (KH - 1) + 1}x"
                         f"{d[1] * (KW - 1) + 1}; the kernel can't be larger than the input")
    fn = Conv2dOp(s, p, d, groups)
    y = fn(x, W) if b is None else fn(x, W, b)
    return _unbatched(y, squeeze)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: IntPair = 1,
                     padding: IntPair = 0, output_padding: IntPair = 0, groups: int = 1,
                     dilation: IntPair = 1) -> Tensor:
    """2-D transposed convolution ("deconvolution") of ``input`` (N, Cin, H, W) or (Cin, H, W)
    with ``weight`` (Cin, Cout/groups, KH, KW): the gradient of ``conv2d`` with respect to its
    input. Output size: (H - 1) * stride - 2 * padding + dilation * (KH - 1) + output_padding + 1.

    >>> import scratchgrad as sg
    >>> conv_transpose2d(sg.randn(2, 4, 5, 5), sg.randn(4, 3, 3, 3), stride=2).shape
    (2, 3, 11, 11)
    """
    op = "conv_transpose2d"
    x, W = to_tensor(input), to_tensor(weight)
    b = None if bias is None else to_tensor(bias)
    x, squeeze = _batched(x, op)
    if W.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (in_channels, out_channels/groups, kH, kW), "
                         f"got shape {W.shape}")
    _check_float(op, x, W, b)
    s = _pair(stride, "stride", op, 1)
    d = _pair(dilation, "dilation", op, 1)
    ph, pw = _pair(padding, "padding", op)
    oph, opw = _pair(output_padding, "output_padding", op)
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    Cin, Cg, KH, KW = W.shape
    if x.shape[1] != Cin or Cin % groups:
        raise ValueError(f"{op}: input of shape {x.shape} has {x.shape[1]} channels but weight "
                         f"of shape {W.shape} expects {Cin} (divisible by groups={groups})")
    if b is not None and b.shape != (Cg * groups,):
        raise ValueError(f"{op}: bias must have shape ({Cg * groups},) for weight of shape "
                         f"{W.shape} and groups={groups}, got {b.shape}")
    for o, st, dl in ((oph, s[0], d[0]), (opw, s[1], d[1])):
        if o >= max(st, dl):
            raise ValueError(f"{op}: output_padding {(oph, opw)} must be smaller than either "
                             f"stride {s} or dilation {d}")
    H, Wd = x.shape[2:]
    out_hw = ((H - 1) * s[0] - 2 * ph + d[0] * (KH - 1) + oph + 1,
              (Wd - 1) * s[1] - 2 * pw + d[1] * (KW - 1) + opw + 1)
    if min(out_hw) < 1:
        raise ValueError(f"{op}: input of shape {x.shape} with weight {W.shape}, stride {s}, "
                         f"padding {(ph, pw)} gives an empty output of size {out_hw}")
    fn = ConvTranspose2dOp(_ConvArgs(s, (ph, ph, pw, pw), d, groups), out_hw)
    y = fn(x, W) if b is None else fn(x, W, b)
    return _unbatched(y, squeeze)


def im2col(x: np.ndarray, kernel_size: IntPair, stride: IntPair = 1, padding: IntPair = 0,
           dilation: IntPair = 1) -> np.ndarray:
    """The column matrix of an (N, C, H, W) array: shape (C*KH*KW, N*OH*OW), row
    ``(c*KH + i)*KW + j`` holding what kernel position (c, i, j) meets at every output pixel
    (n, oh, ow), in that order. Array level, no autograd.

    >>> im2col(np.arange(16.0).reshape(1, 1, 4, 4), 2, stride=2)[:, 0]
    array([0., 1., 4., 5.])
    """
    ph, pw = _pair(padding, "padding", "im2col")
    a = _ConvArgs(_pair(stride, "stride", "im2col", 1), (ph, ph, pw, pw),
                  _pair(dilation, "dilation", "im2col", 1), 1)
    k = _pair(kernel_size, "kernel_size", "im2col", 1)
    cols = _im2col(x, k, a, _conv_out_hw(x.shape[2:], k, a))  # (N, K, L)
    return get_array_module(x).ascontiguousarray(cols.transpose(1, 0, 2)).reshape(
        cols.shape[1], -1)


def col2im(col: np.ndarray, x_shape: Sequence[int], kernel_size: IntPair, stride: IntPair = 1,
           padding: IntPair = 0, dilation: IntPair = 1) -> np.ndarray:
    """The adjoint of :func:`im2col`: scatter a (C*KH*KW, N*OH*OW) matrix back to ``x_shape``,
    summing the values that overlapping windows put at the same pixel.

    >>> x = np.ones((1, 1, 3, 3))
    >>> col2im(im2col(x, 2), x.shape, 2)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    ph, pw = _pair(padding, "padding", "col2im")
    a = _ConvArgs(_pair(stride, "stride", "col2im", 1), (ph, ph, pw, pw),
                  _pair(dilation, "dilation", "col2im", 1), 1)
    k = _pair(kernel_size, "kernel_size", "col2im", 1)
    out_hw = _conv_out_hw(x_shape[2:], k, a)
    cols = col.reshape(col.shape[0], x_shape[0], -1).transpose(1, 0, 2)  # (N, K, L)
    return _col2im(cols, tuple(x_shape), k, a, out_hw)


# ---------------------------------------------------------------------- pooling
class _PoolGeom:
    """Sizes of a pooling window sweep; ``views(buf)`` yields one strided slice per offset."""

    __slots__ = ("x_shape", "KH", "KW", "sh", "sw", "ph", "pw", "dh", "dw", "OH", "OW",
                 "disjoint", "tiles")

    def __init__(self, x_shape: Sequence[int], k: tuple[int, int], s: tuple[int, int],
                 p: tuple[int, int], d: tuple[int, int] = (1, 1)) -> None:
        self.x_shape = tuple(x_shape)
        (self.KH, self.KW), (self.sh, self.sw), (self.ph, self.pw) = k, s, p
        self.dh, self.dw = d
        H, W = self.x_shape[2:]
        self.OH = (H + 2 * self.ph - self.dh * (self.KH - 1) - 1) // self.sh + 1
        self.OW = (W + 2 * self.pw - self.dw * (self.KW - 1) - 1) // self.sw + 1
        # Windows that tile the input exactly: each pixel belongs to one window at most, so
        # backward can write instead of accumulate.
        self.disjoint = (self.dh * (self.KH - 1) < self.sh and self.dw * (self.KW - 1) < self.sw)
        # ... and cover it completely, so backward needs no zero fill either.
        self.tiles = (self.disjoint and self.ph == 0 and self.pw == 0 and self.dh == 1
                      and self.dw == 1 and (self.KH, self.KW) == (self.sh, self.sw)
                      and (self.OH * self.sh, self.OW * self.sw) == (H, W))

    def padded(self, x: np.ndarray, fill: float) -> np.ndarray:
        if self.ph == 0 and self.pw == 0:
            return x
        N, C, H, W = x.shape
        xp = get_array_module(x)
        buf = xp.full((N, C, H + 2 * self.ph, W + 2 * self.pw), fill, dtype=x.dtype)
        buf[:, :, self.ph:self.ph + H, self.pw:self.pw + W] = x
        return buf

    def grad_buffer(self, dtype: np.dtype, xp: Any = np) -> np.ndarray:
        N, C, H, W = self.x_shape
        shape = (N, C, H + 2 * self.ph, W + 2 * self.pw)
        return xp.empty(shape, dtype) if self.tiles else xp.zeros(shape, dtype)

    def crop(self, buf: np.ndarray) -> np.ndarray:
        if self.ph == 0 and self.pw == 0:
            return buf
        H, W = self.x_shape[2:]
        return buf[:, :, self.ph:self.ph + H, self.pw:self.pw + W].copy()

    def views(self, buf: np.ndarray):
        """(k, view) for each kernel offset k = i * KW + j, in PyTorch's scan order."""
        hs, ws = self.sh * (self.OH - 1) + 1, self.sw * (self.OW - 1) + 1
        for i in range(self.KH):
            for j in range(self.KW):
                r, c = i * self.dh, j * self.dw
                yield i * self.KW + j, buf[:, :, r:r + hs:self.sh, c:c + ws:self.sw]


class MaxPool2dOp(Function):
    """Max pooling. Saved in forward: ``index``, for each output the kernel offset (i * KW + j)
    of the maximum (first one on ties, like PyTorch), as uint8 (int32 for windows > 256).

    >>> import scratchgrad as sg
    >>> MaxPool2dOp((2, 2), (2, 2), (0, 0))(sg.arange(16.0).reshape(1, 1, 4, 4)).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """

    def __init__(self, kernel_size: tuple[int, int], stride: tuple[int, int],
                 padding: tuple[int, int], dilation: tuple[int, int] = (1, 1),
                 with_index: bool = True) -> None:
        self.k, self.s, self.p, self.d = kernel_size, stride, padding, dilation
        # False when nothing will differentiate (no_grad, eval): the argmax is then skipped,
        # half the cost of the forward pass.
        self.with_index = with_index

    def forward(self, x):
        self.geom = g = _PoolGeom(x.shape, self.k, self.s, self.p, self.d)
        xp = get_array_module(x)
        views = [v for _, v in g.views(g.padded(x, -np.inf))]
        y = views[0].copy()
        itype = np.uint8 if g.KH * g.KW <= 256 else np.int32
        self.index = index = xp.zeros(y.shape, dtype=itype) if self.with_index else None
        for k, v in enumerate(views[1:], 1):
            m = xp.maximum(y, v)
            if index is not None:
                # A larger value (or a NaN: NaN != NaN) moves the argmax on; an equal one
                # does not, so the first maximum wins.
                index[m != y] = k
            y = m
        return y

    def backward(self, gy):
        return MaxPool2dGrad(self.geom, self.index)(gy)


class MaxPool2dGrad(Function):
    """The input gradient of max pooling: gy goes to the position of each window's maximum
    (``index``, saved by :class:`MaxPool2dOp`). Its backward gathers from those positions.

    >>> import scratchgrad as sg
    >>> x = sg.arange(4.0).reshape(1, 1, 2, 2).requires_grad_()
    >>> max_pool2d(x, 2).sum().backward(); x.grad.tolist()
    [[[[0.0, 0.0], [0.0, 1.0]]]]
    """

    def __init__(self, geom: _PoolGeom, index: np.ndarray) -> None:
        self.geom, self.index = geom, index

    def forward(self, gy):
        g = self.geom
        buf = g.grad_buffer(gy.dtype, get_array_module(gy))
        for k, v in g.views(buf):
            share = gy * (self.index == k)  # gy where offset k was the maximum, else 0
            if g.disjoint:  # each pixel in one window at most: write
                v[...] = share
            else:
                v += share
        return g.crop(buf)

    def backward(self, ggx):
        return MaxPool2dGather(self.geom, self.index)(ggx)


class MaxPool2dGather(Function):
    """Pick, in each pooling window, the value at the position of the saved maximum
    (``index``): the adjoint of :class:`MaxPool2dGrad`, i.e. max pooling's double backward.

    >>> import scratchgrad as sg
    >>> g = _PoolGeom((1, 1, 2, 2), (2, 2), (2, 2), (0, 0))
    >>> MaxPool2dGather(g, np.array([[[[3]]]], np.uint8))(sg.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[3.]]]])
    """

    def __init__(self, geom: _PoolGeom, index: np.ndarray) -> None:
        self.geom, self.index = geom, index

    def forward(self, x):
        g = self.geom
        y = get_array_module(x).zeros(self.index.shape, dtype=x.dtype)
        for k, v in g.views(g.padded(x, 0.0)):
            y = np.where(self.index == k, v, y)
        return y

    def backward(self, gy):
        return MaxPool2dGrad(self.geom, self.index)(gy)


def _pool_divisor(g: _PoolGeom, count_include_pad: bool, divisor_override: int | None,
                  dtype: np.dtype, xp: Any = np) -> np.ndarray | float:
    """What each window's sum is divided by: ``divisor_override``, KH*KW, or the number of real
    (unpadded) pixels in the window."""
    if divisor_override is not None:
        return float(divisor_override)
    if count_include_pad or (g.ph == 0 and g.pw == 0):
        return float(g.KH * g.KW)
    H, W = g.x_shape[2:]
    ones = g.padded(xp.ones((1, 1, H, W), dtype=dtype), 0.0)
    count = xp.zeros((1, 1, g.OH, g.OW), dtype=dtype)
    for _, v in g.views(ones):
        count += v
    return count


class AvgPool2dOp(Function):
    """Average pooling (zero padding; by default padded zeros count in the mean, PyTorch's
    ``count_include_pad=True``). Linear: its backward is :class:`AvgPool2dGrad`, whose backward
    is this op again.

    >>> import scratchgrad as sg
    >>> AvgPool2dOp((2, 2), (2, 2), (0, 0))(sg.arange(16.0).reshape(1, 1, 4, 4)).tolist()
    [[[[2.5, 4.5], [10.5, 12.5]]]]
    """

    def __init__(self, kernel_size: tuple[int, int], stride: tuple[int, int],
                 padding: tuple[int, int], count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        self.k, self.s, self.p = kernel_size, stride, padding
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x):
        self.geom = _PoolGeom(x.shape, self.k, self.s, self.p)
        return quiet.run(self._pool, x)  # inf + -inf in a window: nan, silently

    def _pool(self, x):
        g = self.geom
        views = g.views(g.padded(x, 0.0))
        y = next(views)[1].copy()
        for _, v in views:
            y += v
        y /= _pool_divisor(g, self.count_include_pad, self.divisor_override, x.dtype,
                           get_array_module(x))
        return y

    def backward(self, gy):
        return AvgPool2dGrad(self.geom, self.count_include_pad, self.divisor_override)(gy)


class AvgPool2dGrad(Function):
    """The input gradient of average pooling: each window's share of gy spread over it.

    >>> import scratchgrad as sg
    >>> g = _PoolGeom((1, 1, 2, 2), (2, 2), (2, 2), (0, 0))
    >>> AvgPool2dGrad(g)(sg.ones(1, 1, 1, 1)).tolist()
    [[[[0.25, 0.25], [0.25, 0.25]]]]
    """

    def __init__(self, geom: _PoolGeom, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        self.geom = geom
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, gy):
        g = self.geom
        xp = get_array_module(gy)
        share = gy / _pool_divisor(g, self.count_include_pad, self.divisor_override, gy.dtype,
                                   xp)
        buf = g.grad_buffer(gy.dtype, xp)
        for _, v in g.views(buf):
            if g.disjoint:
                np.copyto(v, share)
            else:
                v += share
        return g.crop(buf)

    def backward(self, ggx):
        g = self.geom
        return AvgPool2dOp((g.KH, g.KW), (g.sh, g.sw), (g.ph, g.pw), self.count_include_pad,
                           self.divisor_override)(ggx)


def _pool_args(op: str, x: Tensor, kernel_size: IntPair, stride: IntPair | None,
               padding: IntPair, dilation: IntPair = 1
               ) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    k = _pair(kernel_size, "kernel_size", op, 1)
    s = k if stride is None or stride == () else _pair(stride, "stride", op, 1)
    p = _pair(padding, "padding", op)
    d = _pair(dilation, "dilation", op, 1)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{op}: padding {p} must be at most half of kernel_size {k}")
    H, W = x.shape[2:]
    if H + 2 * p[0] < d[0] * (k[0] - 1) + 1 or W + 2 * p[1] < d[1] * (k[1] - 1) + 1:
        raise ValueError(f"{op}: kernel_size {k} is larger than the padded input (input shape "
                         f"{x.shape}, padding {p})")
    return k, s, p, d


def max_pool2d(input: Any, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """2-D max pooling over (N, C, H, W) or (C, H, W); ``stride`` defaults to ``kernel_size``,
    padding counts as -inf. The gradient goes to the first maximum of each window. With
    ``return_indices`` also returns each maximum's flat index into its H*W plane (int64).

    >>> import scratchgrad as sg
    >>> max_pool2d(sg.randn(2, 3, 8, 8), 2).shape, max_pool2d(sg.randn(1, 7, 7), 3, 2, 1).shape
    ((2, 3, 4, 4), (1, 4, 4))
    """
    if ceil_mode:
        raise NotImplementedError("max_pool2d: ceil_mode=True is not supported")
    x, squeeze = _batched(to_tensor(input), "max_pool2d")
    k, s, p, d = _pool_args("max_pool2d", x, kernel_size, stride, padding, dilation)
    need = return_indices or (_config.is_grad_enabled() and x.requires_grad)
    fn = MaxPool2dOp(k, s, p, d, with_index=need)
    y = _unbatched(fn(x), squeeze)
    if not return_indices:
        return y
    g = fn.geom
    xp = get_array_module(fn.index)
    i, j = xp.divmod(fn.index.astype(np.int64), g.KW)
    rows = xp.arange(g.OH).reshape(-1, 1) * g.sh - g.ph + i * g.dh
    cols = xp.arange(g.OW) * g.sw - g.pw + j * g.dw
    flat = Tensor._make(rows * x.shape[3] + cols)
    return y, _unbatched(flat, squeeze)


def avg_pool2d(input: Any, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """2-D average pooling over (N, C, H, W) or (C, H, W); ``stride`` defaults to
    ``kernel_size``; padded zeros count in the mean unless ``count_include_pad=False``;
    ``divisor_override`` replaces the window size as the divisor.

    >>> import scratchgrad as sg
    >>> avg_pool2d(sg.ones(1, 1, 4, 4), 2).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]
    """
    if ceil_mode:
        raise NotImplementedError("avg_pool2d: ceil_mode=True is not supported")
    if divisor_override is not None and (not isinstance(divisor_override, int)
                                         or divisor_override <= 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a positive int, got "
                         f"{divisor_override!r}")
    x, squeeze = _batched(to_tensor(input), "avg_pool2d")
    k, s, p, _ = _pool_args("avg_pool2d", x, kernel_size, stride, padding)
    return _unbatched(AvgPool2dOp(k, s, p, count_include_pad, divisor_override)(x), squeeze)


def _adaptive_matrix(n_in: int, n_out: int, dtype: np.dtype) -> np.ndarray:
    """(n_out, n_in) averaging matrix: row i averages [floor(i*n/m), ceil((i+1)*n/m))."""
    m = np.zeros((n_out, n_in), dtype=dtype)
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool2d(input: Any, output_size: int | None | tuple[int | None, int | None]
                        ) -> Tensor:
    """Average pooling to a fixed output size (OH, OW) whatever the input size, with PyTorch's
    windows [floor(i*H/OH), ceil((i+1)*H/OH)). ``None`` keeps that dimension.

    Divisible sizes run as :func:`avg_pool2d`; others as two products with constant averaging
    matrices (``A_h @ x @ A_w.T``), so backward and double backward come from ``matmul``.

    >>> import scratchgrad as sg
    >>> adaptive_avg_pool2d(sg.randn(2, 3, 7, 9), (3, 4)).shape
    (2, 3, 3, 4)
    """
    op = "adaptive_avg_pool2d"
    x, squeeze = _batched(to_tensor(input), op)
    H, W = x.shape[2:]
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(size) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (H if size[0] is None else int(size[0]), W if size[1] is None else int(size[1]))
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    if H % oh == 0 and W % ow == 0:
        k = (H // oh, W // ow)
        y = AvgPool2dOp(k, k, (0, 0))(x)
    else:
        dt, xp = x.dtype, get_array_module(x._data)
        y = matmul(Tensor._make(constant_array(xp.asarray(_adaptive_matrix(H, oh, dt)))), x)
        right = np.ascontiguousarray(_adaptive_matrix(W, ow, dt).T)
        y = matmul(y, Tensor._make(constant_array(xp.asarray(right))))
    return _unbatched(y, squeeze)


def _adaptive_windows(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, longest window) positions of PyTorch's adaptive windows [floor(i*n/m),
    ceil((i+1)*n/m)); shorter windows repeat their last position, which never changes a
    maximum nor its first occurrence."""
    lo = (np.arange(n_out) * n_in) // n_out
    hi = -((-(np.arange(n_out) + 1) * n_in) // n_out)
    span = int((hi - lo).max())
    return np.minimum(lo[:, None] + np.arange(span), hi[:, None] - 1)


def _adaptive_argmax(rows: np.ndarray, cols: np.ndarray, width: int):
    """The array function that maps x (N, C, H, W) to the flat index (into H*W) of each
    adaptive window's maximum: the first one in scan order, or the last NaN, as PyTorch."""

    def adaptive_max_index(x):
        xp = get_array_module(x)
        r, c = xp.asarray(rows), xp.asarray(cols)
        OH, KH = r.shape
        OW, KW = c.shape
        vals = x[:, :, r[:, None, :, None], c[None, :, None, :]]
        vals = vals.reshape(x.shape[:2] + (OH, OW, KH * KW))
        k = xp.argmax(vals, axis=-1)
        nan = xp.isnan(vals)
        if nan.any():
            last = KH * KW - 1 - xp.argmax(nan[..., ::-1], axis=-1)
            k = xp.where(nan.any(axis=-1), last, k)
        i, j = k // KW, k % KW
        flat = r[xp.arange(OH)[:, None], i] * width + c[xp.arange(OW), j]
        return flat.astype(np.int64)

    return adaptive_max_index


def adaptive_max_pool2d(input: Any, output_size: int | None | tuple[int | None, int | None],
                        return_indices: bool = False) -> Any:
    """Max pooling to a fixed output size (OH, OW) whatever the input size, over PyTorch's
    windows [floor(i*H/OH), ceil((i+1)*H/OH)); ``None`` keeps that dimension. The gradient goes
    to the first maximum of each window; ``return_indices`` also returns each maximum's flat
    index into its H*W plane (int64), as PyTorch.

    A composition: the argmax is an array op (so a compiled replay recomputes it) and the
    values a ``gather`` of x at it, whose backward scatters gy to the argmax.

    >>> import scratchgrad as sg
    >>> y, i = adaptive_max_pool2d(sg.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> y.tolist(), i.tolist()
    ([[[[5.0, 7.0], [13.0, 15.0]]]], [[[[5, 7], [13, 15]]]])
    """
    from ._operands import array_op  # noqa: PLC0415
    from .indexing import gather  # noqa: PLC0415  (indexing imports this package's shape ops)

    op = "adaptive_max_pool2d"
    x = to_tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or a 3-D unbatched input "
                         f"(C, H, W), got shape {tuple(x.shape)}")
    x, squeeze = _batched(x, op)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating input, got {x.dtype}")
    N, C, H, W = x.shape
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(size) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (H if size[0] is None else int(size[0]), W if size[1] is None else int(size[1]))
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    if H < 1 or W < 1:
        raise ValueError(f"{op}: input of shape {tuple(x.shape)} has an empty plane")
    fn = _adaptive_argmax(_adaptive_windows(H, oh), _adaptive_windows(W, ow), W)
    index = array_op(fn, x)
    y = gather(reshape(x, (N, C, H * W)), 2, reshape(index, (N, C, oh * ow)))
    y = _unbatched(reshape(y, (N, C, oh, ow)), squeeze)
    return (y, _unbatched(index, squeeze)) if return_indices else y


# ---------------------------------------------------------------------- unfold and fold
class Unfold(Function):
    """Sliding blocks of x (N, C, H, W) as columns (N, C*KH*KW, L): the convolution's im2col.
    Linear; its backward is :class:`Fold`.

    >>> import scratchgrad as sg
    >>> a = _ConvArgs((1, 1), (0, 0, 0, 0), (1, 1), 1)
    >>> Unfold((2, 2), a, (3, 3))(sg.ones(1, 2, 3, 3)).shape
    (1, 8, 4)
    """

    def __init__(self, kernel_size: tuple[int, int], args: _ConvArgs,
                 x_hw: Sequence[int]) -> None:
        self.k, self.args, self.x_hw = kernel_size, args, tuple(x_hw)

    def forward(self, x):
        return _im2col(x, self.k, self.args, _conv_out_hw(x.shape[2:], self.k, self.args))

    def backward(self, gy):
        return Fold(self.k, self.args, self.x_hw)(gy)


class Fold(Function):
    """Sum columns (N, C*KH*KW, L) back into an (N, C, H, W) image, overlaps added: the
    convolution's col2im, the adjoint of :class:`Unfold`, which is its backward.

    >>> import scratchgrad as sg
    >>> a = _ConvArgs((1, 1), (0, 0, 0, 0), (1, 1), 1)
    >>> Fold((2, 2), a, (3, 3))(sg.ones(1, 4, 4))[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """

    def __init__(self, kernel_size: tuple[int, int], args: _ConvArgs,
                 x_hw: Sequence[int]) -> None:
        self.k, self.args, self.x_hw = kernel_size, args, tuple(x_hw)

    def forward(self, y):
        N, K, _ = y.shape
        x_shape = (N, K // (self.k[0] * self.k[1])) + self.x_hw
        return _col2im(y, x_shape, self.k, self.args,
                       _conv_out_hw(self.x_hw, self.k, self.args))

    def backward(self, gx):
        return Unfold(self.k, self.args, self.x_hw)(gx)


def _block_args(op: str, kernel_size: IntPair, dilation: IntPair, padding: IntPair,
                stride: IntPair) -> tuple[tuple[int, int], _ConvArgs]:
    k = _pair(kernel_size, "kernel_size", op, 1)
    ph, pw = _pair(padding, "padding", op)
    a = _ConvArgs(_pair(stride, "stride", op, 1), (ph, ph, pw, pw),
                  _pair(dilation, "dilation", op, 1), 1)
    return k, a


def _blocks(op: str, hw: Sequence[int], k: tuple[int, int], a: _ConvArgs) -> tuple[int, int]:
    """The number of sliding blocks along H and W, with an error when one is < 1."""
    n = tuple((hw[d] + 2 * a.padding[2 * d] - a.dilation[d] * (k[d] - 1) - 1) // a.stride[d] + 1
              for d in range(2))
    if min(n) < 1:
        raise ValueError(f"{op}: spatial size {tuple(hw)} with kernel_size={k}, "
                         f"dilation={a.dilation}, padding={(a.padding[0], a.padding[2])}, "
                         f"stride={a.stride} gives {n} sliding blocks; each must be at least 1")
    return n  # type: ignore[return-value]


def unfold(input: Any, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
           stride: IntPair = 1) -> Tensor:
    """Extract sliding local blocks of ``input`` (N, C, H, W) or (C, H, W) as columns
    (N, C*KH*KW, L) or (C*KH*KW, L), L the number of blocks; PyTorch's ``F.unfold``.

    >>> import scratchgrad as sg
    >>> unfold(sg.arange(16.0).reshape(1, 1, 4, 4), 2, stride=2)[0, :, 0].tolist()
    [0.0, 1.0, 4.0, 5.0]
    """
    op = "unfold"
    x = to_tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or a 3-D unbatched input "
                         f"(C, H, W), got shape {tuple(x.shape)}")
    x, squeeze = _batched(x, op)
    k, a = _block_args(op, kernel_size, dilation, padding, stride)
    _blocks(op, x.shape[2:], k, a)
    return _unbatched(Unfold(k, a, x.shape[2:])(x), squeeze)


def fold(input: Any, output_size: IntPair, kernel_size: IntPair, dilation: IntPair = 1,
         padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """Combine columns (N, C*KH*KW, L) or (C*KH*KW, L) of sliding blocks into an image
    (N, C, *output_size), adding overlapping values: the adjoint of :func:`unfold`;
    PyTorch's ``F.fold``.

    >>> import scratchgrad as sg
    >>> fold(sg.ones(1, 4, 4), (3, 3), 2)[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    op = "fold"
    y = to_tensor(input)
    if y.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 3-D input (N, C*kH*kW, L) or a 2-D unbatched input "
                         f"(C*kH*kW, L), got shape {tuple(y.shape)}")
    squeeze = y.ndim == 2
    if squeeze:
        y = reshape(y, (1,) + y.shape)
    hw = _pair(output_size, "output_size", op, 1)
    k, a = _block_args(op, kernel_size, dilation, padding, stride)
    if y.shape[1] % (k[0] * k[1]):
        raise ValueError(f"{op}: input of shape {tuple(y.shape)}: dimension 1 ({y.shape[1]}) "
                         f"must be divisible by the product of kernel_size {k}")
    nh, nw = _blocks(op, hw, k, a)
    if y.shape[2] != nh * nw:
        raise ValueError(f"{op}: input of shape {tuple(y.shape)} has {y.shape[2]} blocks but "
                         f"output_size={hw}, kernel_size={k}, dilation={a.dilation}, "
                         f"padding={(a.padding[0], a.padding[2])}, stride={a.stride} give "
                         f"{nh} * {nw} = {nh * nw}")
    return _unbatched(Fold(k, a, hw)(y), squeeze)
