"""PyTorch's ``torch.nn.modules.linear`` path: linear layers, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..linear import Bilinear, Identity, Linear

__all__ = ["Identity", "Linear", "Bilinear"]
