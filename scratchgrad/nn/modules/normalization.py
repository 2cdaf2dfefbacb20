"""PyTorch's ``torch.nn.modules.normalization`` path: layer and group normalisation, the same
classes as ``scratchgrad.nn``, re-exported from where they are written."""
from ..normalization import GroupNorm, LayerNorm

__all__ = ["LayerNorm", "GroupNorm"]

from ..normalization import RMSNorm, LocalResponseNorm  # noqa: E402

__all__ += ["RMSNorm", "LocalResponseNorm"]
