"""PyTorch's ``torch.nn.modules.padding`` path: padding layers, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..padding import ConstantPad1d, ConstantPad2d, ZeroPad1d, ZeroPad2d, _ConstantPadNd

__all__ = ["_ConstantPadNd", "ConstantPad1d", "ConstantPad2d", "ZeroPad1d", "ZeroPad2d"]

from ..padding import (ConstantPad3d, ZeroPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d,
                       ReplicationPad1d, ReplicationPad2d, ReplicationPad3d, CircularPad1d,
                       CircularPad2d, CircularPad3d)  # noqa: E402

__all__ += [
    "ConstantPad3d", "ZeroPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
    "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
    "CircularPad2d", "CircularPad3d"
]
