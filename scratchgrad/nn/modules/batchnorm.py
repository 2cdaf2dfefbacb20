"""PyTorch's ``torch.nn.modules.batchnorm`` path: batch normalisation, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..normalization import BatchNorm1d, BatchNorm2d, _BatchNorm

__all__ = ["_BatchNorm", "BatchNorm1d", "BatchNorm2d"]
