"""PyTorch's ``torch.nn.modules.conv`` path: convolutions, the same classes as ``scratchgrad.nn``,
re-exported from where they are written."""
from ..conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, _ConvNd, _ConvTransposeNd

__all__ = ["_ConvNd", "_ConvTransposeNd", "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]
