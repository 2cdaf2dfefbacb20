"""PyTorch's ``torch.nn.modules.pooling`` path: pooling, the same classes as ``scratchgrad.nn``,
re-exported from where they are written."""
from ..pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                       AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d, _MaxPoolNd)

__all__ = [
    "_MaxPoolNd", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d"
]

from ..pooling import LPPool1d, LPPool2d  # noqa: E402

__all__ += ["LPPool1d", "LPPool2d"]
