"""Convolutions. ``conv2d``, ``conv_transpose2d``, ``unfold`` and ``fold`` are ops
(``scratchgrad.ops.conv``), re-exported here; the 1-D forms are written here, and the 1-D
pooling functions (:mod:`.pooling`) share their helpers.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import reshape as _reshape
from ...ops._util import to_tensor
from ...ops.conv import _check_float, conv2d, conv_transpose2d, fold, unfold
from ...tensor import Tensor

__all__ = ["conv1d", "conv_transpose1d", "conv2d", "conv_transpose2d", "unfold", "fold"]


# Each runs the 2-D op on a height-1 image: (N, C, L) -> (N, C, 1, L), so the 2-D fast paths
# (im2col + one GEMM per group, the pooling kernels) serve 1-D inputs too.
def _single(value: Any, name: str, op: str, minimum: int = 0) -> int:
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
    if value < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(value)


def _as_2d(x: Tensor, op: str) -> Tensor:
    """(N, C, L) -> (N, C, 1, L) and (C, L) -> (C, 1, L), with the rank checked."""
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 3-D input (N, C, L) or a 2-D unbatched input "
                         f"(C, L), got shape {tuple(x.shape)}")
    return _reshape(x, x.shape[:-1] + (1, x.shape[-1]))


def _from_2d(y: Tensor) -> Tensor:
    return _reshape(y, y.shape[:-2] + (y.shape[-1],))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of ``input`` (N, C, L) or (C, L) with ``weight``
    (OC, C/groups, K) and optional ``bias`` (OC,); ``padding`` is an int, ``'valid'`` or
    ``'same'`` (stride 1). Runs as :func:`conv2d` on a height-1 image.

    >>> import scratchgrad as sg
    >>> conv1d(sg.randn(2, 3, 10), sg.randn(4, 3, 3), padding=1).shape
    (2, 4, 10)
    """
    op = "conv1d"
    x, W = to_tensor(input), to_tensor(weight)
    if W.ndim != 3:
        raise ValueError(f"{op}: weight must be 3-D (out_channels, in_channels/groups, kL), "
                         f"got shape {tuple(W.shape)}")
    _check_float(op, x, W, None if bias is None else to_tensor(bias))
    x2 = _as_2d(x, op)
    s = _single(stride, "stride", op, 1)
    d = _single(dilation, "dilation", op, 1)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{op}: padding must be an int, 'same' or 'valid', got {padding!r}")
        if padding == "same" and s != 1:
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                             f"(stride={s}); give the padding explicitly")
        p: Any = padding
    else:
        p = (0, _single(padding, "padding", op))
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    C = x.shape[-2]
    if C != W.shape[1] * groups or W.shape[0] % groups:
        raise ValueError(f"{op}: input of shape {tuple(x.shape)} has {C} channels but weight of "
                         f"shape {tuple(W.shape)} with groups={groups} expects "
                         f"{W.shape[1] * groups} (and out_channels {W.shape[0]} divisible by "
                         "groups)")
    length = x.shape[-1] + (2 * p[1] if isinstance(p, tuple) else 0)
    span = d * (W.shape[2] - 1) + 1
    if not isinstance(p, str) and length < span:
        raise ValueError(f"{op}: the padded input length is {length} (input shape "
                         f"{tuple(x.shape)}, padding {p[1]}) but the dilated kernel spans "
                         f"{span}; the kernel can't be larger than the input")
    W2 = _reshape(W, W.shape[:2] + (1, W.shape[2]))
    return _from_2d(conv2d(x2, W2, bias, (1, s), p, (1, d), groups))


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-D transposed convolution of ``input`` (N, Cin, L) or (Cin, L) with ``weight``
    (Cin, Cout/groups, K): the gradient of :func:`conv1d` with respect to its input. Output
    length (L - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1. Runs as
    :func:`conv_transpose2d` on a height-1 image.

    >>> import scratchgrad as sg
    >>> conv_transpose1d(sg.randn(2, 4, 5), sg.randn(4, 3, 3), stride=2).shape
    (2, 3, 11)
    """
    op = "conv_transpose1d"
    x, W = to_tensor(input), to_tensor(weight)
    if W.ndim != 3:
        raise ValueError(f"{op}: weight must be 3-D (in_channels, out_channels/groups, kL), "
                         f"got shape {tuple(W.shape)}")
    _check_float(op, x, W, None if bias is None else to_tensor(bias))
    x2 = _as_2d(x, op)
    s = _single(stride, "stride", op, 1)
    d = _single(dilation, "dilation", op, 1)
    p = _single(padding, "padding", op)
    o = _single(output_padding, "output_padding", op)
    if o >= max(s, d):
        raise ValueError(f"{op}: output_padding {o} must be smaller than either stride {s} or "
                         f"dilation {d}")
    W2 = _reshape(W, W.shape[:2] + (1, W.shape[2]))
    try:
        y = conv_transpose2d(x2, W2, bias, (1, s), (0, p), (0, o), groups, (1, d))
    except ValueError as e:  # the 2-D op's message, with the 1-D shapes the caller gave
        raise ValueError(f"{op}: input of shape {tuple(x.shape)}, weight of shape "
                         f"{tuple(W.shape)}, stride {s}, padding {p}, groups {groups}: "
                         f"{str(e).split(': ', 1)[-1]}") from None
    return _from_2d(y)
