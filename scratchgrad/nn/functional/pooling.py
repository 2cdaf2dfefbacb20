"""Pooling. The 2-D max, average and adaptive poolings are ops (``scratchgrad.ops.conv``),
re-exported here; the 1-D forms run them on a height-1 image (see :mod:`.conv`), and the
power-average pools are built from average pooling.
"""
from __future__ import annotations

from typing import Any

from ...ops import abs as _abs, relu as _relu, sign as _sign
from ...ops._util import to_float_tensor, to_tensor
from ...ops.conv import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from ...tensor import Tensor
from .conv import _as_2d, _from_2d, _single

__all__ = [
    "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "lp_pool1d",
    "lp_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "max_pool2d",
    "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
]


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """1-D max pooling over (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``. With
    ``return_indices`` also returns each maximum's index along L (int64).

    >>> import scratchgrad as sg
    >>> max_pool1d(sg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
    tensor([[[3., 2.]]])
    """
    op = "max_pool1d"
    if ceil_mode:
        raise NotImplementedError(f"{op}: ceil_mode=True is not supported")
    x2 = _as_2d(to_tensor(input), op)
    k = _single(kernel_size, "kernel_size", op, 1)
    s = k if stride is None or stride == () else _single(stride, "stride", op, 1)
    p = _single(padding, "padding", op)
    d = _single(dilation, "dilation", op, 1)
    if p > k // 2:
        raise ValueError(f"{op}: padding {p} must be at most half of kernel_size {k}")
    out = max_pool2d(x2, (1, k), (1, s), (0, p), (1, d), return_indices=return_indices)
    if return_indices:
        return _from_2d(out[0]), _from_2d(out[1])
    return _from_2d(out)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``;
    padded zeros count in the mean unless ``count_include_pad=False``.

    >>> import scratchgrad as sg
    >>> avg_pool1d(sg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
    tensor([[[2., 1.]]])
    """
    op = "avg_pool1d"
    if ceil_mode:
        raise NotImplementedError(f"{op}: ceil_mode=True is not supported")
    x2 = _as_2d(to_tensor(input), op)
    k = _single(kernel_size, "kernel_size", op, 1)
    s = k if stride is None or stride == () else _single(stride, "stride", op, 1)
    p = _single(padding, "padding", op)
    if p > k // 2:
        raise ValueError(f"{op}: padding {p} must be at most half of kernel_size {k}")
    return _from_2d(avg_pool2d(x2, (1, k), (1, s), (0, p),
                               count_include_pad=count_include_pad))


def adaptive_avg_pool1d(input: Tensor, output_size: int) -> Tensor:
    """Average pooling of (N, C, L) or (C, L) input to ``output_size`` positions, with
    PyTorch's windows; runs as :func:`adaptive_avg_pool2d` on a height-1 image.

    >>> import scratchgrad as sg
    >>> adaptive_avg_pool1d(sg.tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2)
    tensor([[[1.5000, 3.5000]]])
    """
    op = "adaptive_avg_pool1d"
    size = _single(output_size, "output_size", op, 1)
    return _from_2d(adaptive_avg_pool2d(_as_2d(to_tensor(input), op), (1, size)))


def adaptive_max_pool1d(input: Tensor, output_size: int, return_indices: bool = False) -> Any:
    """Max pooling of (N, C, L) or (C, L) input to ``output_size`` positions, with PyTorch's
    windows; ``return_indices`` also returns each maximum's index along L (int64). Runs as
    :func:`adaptive_max_pool2d` on a height-1 image.

    >>> import scratchgrad as sg
    >>> adaptive_max_pool1d(sg.tensor([[[1.0, 4.0, 3.0, 2.0, 0.0]]]), 2, return_indices=True)
    (tensor([[[4., 3.]]]), tensor([[[1, 2]]]))
    """
    op = "adaptive_max_pool1d"
    size = _single(output_size, "output_size", op, 1)
    out = adaptive_max_pool2d(_as_2d(to_tensor(input), op), (1, size), return_indices)
    if return_indices:
        return _from_2d(out[0]), _from_2d(out[1])
    return _from_2d(out)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over (N, C, L): ``(sum over the window of x**p) ** (1 / p)``.

    >>> import scratchgrad as sg
    >>> lp_pool1d(sg.tensor([[[3.0, 4.0]]]), 2, 2)
    tensor([[[5.]]])
    """
    x = to_float_tensor(input)
    y = avg_pool1d(x ** norm_type, kernel_size, stride, 0, ceil_mode)
    return (_sign(y) * _relu(_abs(y))) ** (1.0 / norm_type) * kernel_size ** (1.0 / norm_type)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over (N, C, H, W); see :func:`lp_pool1d`.

    >>> import scratchgrad as sg
    >>> lp_pool2d(sg.ones(1, 1, 2, 2), 2, 2)
    tensor([[[[2.]]]])
    """
    x = to_float_tensor(input)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    y = avg_pool2d(x ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return (_sign(y) * _relu(_abs(y)) * (kh * kw)) ** (1.0 / norm_type)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = True) -> Any:
    """:func:`max_pool1d` returning (values, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = True) -> Any:
    """:func:`max_pool2d` returning (values, indices)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = True) -> Any:
    """:func:`adaptive_max_pool1d` returning (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = True) -> Any:
    """:func:`adaptive_max_pool2d` returning (values, indices)."""
    return adaptive_max_pool2d(input, output_size, True)
