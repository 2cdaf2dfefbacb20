"""PyTorch's ``torch.nn.modules.pixelshuffle`` path: pixel shuffle, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..pixelshuffle import PixelShuffle, PixelUnshuffle

__all__ = ["PixelShuffle", "PixelUnshuffle"]
