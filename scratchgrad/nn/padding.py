"""Padding layers over ``F.pad``: ConstantPad, ZeroPad, ReflectionPad, ReplicationPad and
CircularPad, each in 1, 2 and 3 dimensions."""
from __future__ import annotations

from typing import Any

from ..ops import pad
from ..tensor import Tensor
from .module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]

_SIDES = {1: "(left, right)", 2: "(left, right, top, bottom)",
          3: "(left, right, top, bottom, front, back)"}
_DIMS = {1: "L", 2: "H, W", 3: "D, H, W"}


class _PadNd(Module):
    """``_dims`` trailing dimensions padded in ``_mode`` (F.pad's mode names)."""

    _dims = 1
    _mode = "constant"

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        n, name = self._dims, type(self).__name__
        if isinstance(padding, int) and not isinstance(padding, bool):
            padding = (padding,) * (2 * n)
        try:
            padding = tuple(int(p) for p in padding)
        except (TypeError, ValueError):
            padding = None
        if padding is None or len(padding) != 2 * n:
            raise ValueError(f"{name}: padding must be an int or a {2 * n}-tuple {_SIDES[n]}, "
                             f"got {padding!r}")
        self.padding = padding
        if self._mode == "constant":
            self.value = value

    def forward(self, input: Tensor) -> Tensor:
        n = self._dims
        if input.ndim not in (n + 1, n + 2):
            raise ValueError(f"{self!r}: expected a {n + 2}-D input (N, C, {_DIMS[n]}) or an "
                             f"unbatched {n + 1}-D input (C, {_DIMS[n]}), got shape "
                             f"{tuple(input.shape)}")
        return pad(input, self.padding, self._mode, getattr(self, "value", None))

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
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


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions of (N, C, D, H, W) or (C, D, H, W) input with ``value``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.ConstantPad3d(1, 2.0)(sg.zeros(1, 1, 1, 1, 1)).shape
    (1, 1, 3, 3, 3)
    """

    _dims = 3

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding, value)


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last dimension with its reflection about the edge (the edge not repeated);
    each pad must be smaller than the dimension.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.ReflectionPad1d((2, 1))(sg.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[3., 2., 1., 2., 3., 2.]]])
    """

    _dims, _mode = 1, "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Pad the last two dimensions by reflection; see :class:`ReflectionPad1d`."""

    _dims = 2


class ReflectionPad3d(ReflectionPad1d):
    """Pad the last three dimensions by reflection; see :class:`ReflectionPad1d`."""

    _dims = 3


class ReplicationPad1d(_PadNd):
    """Pad the last dimension by repeating its edge values.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.ReplicationPad1d(2)(sg.tensor([[[1.0, 2.0]]]))
    tensor([[[1., 1., 1., 2., 2., 2.]]])
    """

    _dims, _mode = 1, "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Pad the last two dimensions by repeating the edges; see :class:`ReplicationPad1d`."""

    _dims = 2


class ReplicationPad3d(ReplicationPad1d):
    """Pad the last three dimensions by repeating the edges."""

    _dims = 3


class CircularPad1d(_PadNd):
    """Pad the last dimension by wrapping around (periodic boundary).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.CircularPad1d((1, 2))(sg.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[3., 1., 2., 3., 1., 2.]]])
    """

    _dims, _mode = 1, "circular"


class CircularPad2d(CircularPad1d):
    """Pad the last two dimensions by wrapping around; see :class:`CircularPad1d`."""

    _dims = 2


class CircularPad3d(CircularPad1d):
    """Pad the last three dimensions by wrapping around."""

    _dims = 3
