"""PyTorch's ``torch.nn.modules.dropout`` path: dropout, the same classes as ``scratchgrad.nn``,
re-exported from where they are written."""
from ..dropout import Dropout, Dropout1d, Dropout2d

__all__ = ["Dropout", "Dropout1d", "Dropout2d"]

from ..dropout import Dropout3d, AlphaDropout, FeatureAlphaDropout  # noqa: E402

__all__ += ["Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]
