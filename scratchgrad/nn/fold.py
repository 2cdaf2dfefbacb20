"""Unfold and Fold: sliding local blocks of an image as columns, and back (PyTorch's names,
arguments and repr). The computation is the convolution's im2col/col2im, in
:mod:`scratchgrad.ops.conv`."""
from __future__ import annotations

from typing import Any

from ..ops.conv import fold, unfold
from ..tensor import Tensor
from .module import Module

__all__ = ["Fold", "Unfold"]


class Unfold(Module):
    """Extract sliding ``kernel_size`` blocks of (N, C, H, W) or (C, H, W) input as columns
    (N, C*kH*kW, L), L the number of blocks.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Unfold(3, padding=1)(sg.randn(2, 4, 5, 5)).shape
    (2, 36, 25)
    >>> nn.Unfold(2)
    Unfold(kernel_size=2, dilation=1, padding=0, stride=1)
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Combine columns (N, C*kH*kW, L) of sliding blocks into an (N, C, *output_size) image,
    adding overlaps: the adjoint of :class:`Unfold`.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Fold((4, 5), 2)(sg.randn(1, 12, 12)).shape
    (1, 3, 4, 5)
    >>> nn.Fold((4, 5), 2)
    Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
