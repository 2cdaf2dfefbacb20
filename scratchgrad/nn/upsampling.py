"""Upsample: ``F.interpolate`` as a layer, with PyTorch's arguments and repr."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["Upsample"]
__all__ += ["UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) input to ``size`` or by ``scale_factor``; ``mode``
    ``'nearest'``, ``'nearest-exact'``, ``'area'``, ``'linear'`` (3-D), ``'bilinear'`` or
    ``'bicubic'`` (4-D), see ``F.interpolate``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
    >>> up(sg.randn(1, 3, 4, 5)).shape, up
    ((1, 3, 8, 10), Upsample(scale_factor=2.0, mode='bilinear'))
    >>> nn.Upsample(size=(3, 3), mode="bicubic")(sg.ones(1, 1, 2, 2))
    tensor([[[[1., 1., 1.],
              [1., 1., 1.],
              [1., 1., 1.]]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """2-D nearest-neighbour upsampling (PyTorch keeps it beside ``Upsample``).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.UpsamplingNearest2d(scale_factor=2)(sg.ones(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """2-D bilinear upsampling with ``align_corners=True``."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
