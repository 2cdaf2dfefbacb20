"""PyTorch's ``torch.nn.modules.padding`` path: padding layers, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..padding import ConstantPad1d, ConstantPad2d, ZeroPad1d, ZeroPad2d, _ConstantPadNd

__all__ = ["_ConstantPadNd", "ConstantPad1d", "ConstantPad2d", "ZeroPad1d", "ZeroPad2d"]
