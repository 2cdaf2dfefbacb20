"""PixelShuffle and PixelUnshuffle: channel <-> space rearrangements without parameters."""
from __future__ import annotations

from ..tensor import Tensor
from .functional import pixel_shuffle, pixel_unshuffle
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """(*, C r^2, H, W) -> (*, C, H r, W r), with r = ``upscale_factor``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.PixelShuffle(3)(sg.randn(1, 18, 4, 4)).shape
    (1, 2, 12, 12)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H r, W r) -> (*, C r^2, H, W), with r = ``downscale_factor``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.PixelUnshuffle(2)(sg.randn(1, 2, 4, 6)).shape
    (1, 8, 2, 3)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
