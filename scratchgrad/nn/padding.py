"""Padding layers: ZeroPad1d / ZeroPad2d and ConstantPad1d / ConstantPad2d over ``F.pad``."""
from __future__ import annotations

from typing import Any

from ..ops import pad
from ..tensor import Tensor
from .module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ZeroPad1d", "ZeroPad2d"]


class _ConstantPadNd(Module):
    _dims = 1

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__()
        n, name = self._dims, type(self).__name__
        if isinstance(padding, int) and not isinstance(padding, bool):
            padding = (padding,) * (2 * n)
        try:
            padding = tuple(int(p) for p in padding)
        except (TypeError, ValueError):
            padding = None
        if padding is None or len(padding) != 2 * n:
            raise ValueError(f"{name}: padding must be an int or a {2 * n}-tuple "
                             f"{'(left, right)' if n == 1 else '(left, right, top, bottom)'}, "
                             f"got {padding!r}")
        self.padding, self.value = padding, value

    def forward(self, input: Tensor) -> Tensor:
        n = self._dims
        if input.ndim not in (n + 1, n + 2):
            dims = "L" if n == 1 else "H, W"
            raise ValueError(f"{self!r}: expected a {n + 2}-D input (N, C, {dims}) or an "
                             f"unbatched {n + 1}-D input (C, {dims}), got shape "
                             f"{tuple(input.shape)}")
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension of (N, C, L) or (C, L) input with ``value``; ``padding`` is an
    int or (left, right).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.ConstantPad1d((1, 2), 3.5)(sg.zeros(1, 1, 2))
    tensor([[[3.5000, 0.0000, 0.0000, 3.5000, 3.5000]]])
    """

    _dims = 1

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding, value)


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions of (N, C, H, W) or (C, H, W) input with ``value``;
    ``padding`` is an int or (left, right, top, bottom).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.ConstantPad2d((1, 0, 0, 1), 1.0)(sg.zeros(1, 1, 1, 1)).tolist()
    [[[[1.0, 0.0], [1.0, 1.0]]]]
    """

    _dims = 2

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding, value)


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.ZeroPad1d(2)(sg.ones(1, 1, 1)).shape, nn.ZeroPad1d(2)
    ((1, 1, 5), ZeroPad1d((2, 2)))
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros; ``padding`` is an int or (left, right, top,
    bottom).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.ZeroPad2d(1)(sg.ones(2, 3, 4, 4)).shape, nn.ZeroPad2d((1, 2, 0, 0))
    ((2, 3, 6, 6), ZeroPad2d((1, 2, 0, 0)))
    """

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"
