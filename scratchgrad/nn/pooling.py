"""Pooling layers: MaxPool2d, AvgPool2d and AdaptiveAvgPool2d, with PyTorch's arguments and repr.

They hold no parameters; the computation is in :mod:`scratchgrad.ops.conv`.
"""
from __future__ import annotations

from typing import Any

from ..ops.conv import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from ..tensor import Tensor
from .conv import _single
from .functional import adaptive_avg_pool1d, adaptive_max_pool1d, avg_pool1d, max_pool1d
from .module import Module

__all__ = ["MaxPool1d", "AvgPool1d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
           "AdaptiveAvgPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool1d"]
__all__ += ["LPPool1d", "LPPool2d"]


class _MaxPoolNd(Module):
    """What MaxPool1d and MaxPool2d share (PyTorch's ``_MaxPoolNd``): the arguments, the
    call of the functional pooling ``_pool`` and the repr."""

    _pool: Any

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        if ceil_mode:
            raise NotImplementedError(f"{type(self).__name__}: ceil_mode=True is not supported")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:
        return self._pool(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max over ``kernel_size`` windows of (N, C, L) or (C, L) input; ``stride`` defaults to
    ``kernel_size``. With ``return_indices=True`` forward also returns each maximum's index
    along L.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.MaxPool1d(2)(sg.randn(4, 3, 10)).shape
    (4, 3, 5)
    >>> nn.MaxPool1d(3, stride=2)
    MaxPool1d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    _pool = staticmethod(max_pool1d)


class AvgPool1d(Module):
    """Mean over ``kernel_size`` windows of (N, C, L) or (C, L) input; ``stride`` defaults to
    ``kernel_size``; padded zeros count in the mean unless ``count_include_pad=False``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.AvgPool1d(3, stride=2, padding=1)(sg.randn(2, 3, 8)).shape
    (2, 3, 4)
    >>> nn.AvgPool1d(2)
    AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        if ceil_mode:
            raise NotImplementedError("AvgPool1d: ceil_mode=True is not supported")
        self.kernel_size = _single(kernel_size, "kernel_size", "AvgPool1d", 1)
        self.stride = (_single(stride, "stride", "AvgPool1d", 1) if stride is not None
                       else self.kernel_size)
        self.padding = _single(padding, "padding", "AvgPool1d")
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding,
                          count_include_pad=self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_MaxPoolNd):
    """Max over ``kernel_size`` windows of (N, C, H, W) or (C, H, W) input; ``stride``
    defaults to ``kernel_size``. With ``return_indices=True`` forward also returns, like
    PyTorch, each maximum's flat index into its H*W plane.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> pool = nn.MaxPool2d(2)
    >>> pool(sg.randn(4, 3, 28, 28)).shape
    (4, 3, 14, 14)
    >>> pool
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    _pool = staticmethod(max_pool2d)


class AvgPool2d(Module):
    """Mean over ``kernel_size`` windows of (N, C, H, W) or (C, H, W) input; ``stride``
    defaults to ``kernel_size``; padded zeros count in the mean unless
    ``count_include_pad=False``; ``divisor_override`` replaces the window size as divisor.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.AvgPool2d(3, stride=2, padding=1)(sg.randn(2, 3, 8, 8)).shape
    (2, 3, 4, 4)
    >>> nn.AvgPool2d(2)
    AvgPool2d(kernel_size=2, stride=2, padding=0)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        if ceil_mode:
            raise NotImplementedError("AvgPool2d: ceil_mode=True is not supported")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                          count_include_pad=self.count_include_pad,
                          divisor_override=self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size whatever the input size (``None`` keeps a
    dimension), e.g. the global average pool ``AdaptiveAvgPool2d(1)`` before a classifier.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.AdaptiveAvgPool2d((1, 1))(sg.randn(2, 8, 7, 7)).shape
    (2, 8, 1, 1)
    >>> nn.AdaptiveAvgPool2d(5)
    AdaptiveAvgPool2d(output_size=5)
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(Module):
    """Average pooling of (N, C, L) or (C, L) input to ``output_size`` positions whatever L.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.AdaptiveAvgPool1d(3)(sg.randn(2, 4, 10)).shape
    (2, 4, 3)
    """

    def __init__(self, output_size: int) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(Module):
    """What AdaptiveMaxPool1d and AdaptiveMaxPool2d share: arguments, call and repr."""

    _pool: Any

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        return self._pool(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling of (N, C, H, W) or (C, H, W) input to a fixed output size whatever the
    input size (``None`` keeps a dimension). With ``return_indices=True`` forward also returns
    each maximum's flat index into its H*W plane, as PyTorch.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.AdaptiveMaxPool2d((1, 1))(sg.randn(2, 8, 7, 7)).shape
    (2, 8, 1, 1)
    >>> nn.AdaptiveMaxPool2d((5, None))
    AdaptiveMaxPool2d(output_size=(5, None))
    """

    _pool = staticmethod(adaptive_max_pool2d)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of (N, C, L) or (C, L) input to ``output_size`` positions whatever L; with
    ``return_indices=True`` also each maximum's index along L.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.AdaptiveMaxPool1d(3)(sg.randn(2, 4, 10)).shape
    (2, 4, 3)
    """

    _pool = staticmethod(adaptive_max_pool1d)


class LPPool1d(Module):
    """Power-average pooling over (N, C, L) (see ``F.lp_pool1d``).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.LPPool1d(2, 2)(sg.tensor([[[3.0, 4.0]]])), nn.LPPool1d(2, 2)
    (tensor([[[5.]]]), LPPool1d(norm_type=2, kernel_size=2, stride=None, ceil_mode=False))
    """

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        from .functional import lp_pool1d

        return lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool2d(LPPool1d):
    """Power-average pooling over (N, C, H, W) (see ``F.lp_pool2d``)."""

    def forward(self, input: Tensor) -> Tensor:
        from .functional import lp_pool2d

        return lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
