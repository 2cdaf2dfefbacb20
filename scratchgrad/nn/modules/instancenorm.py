"""PyTorch's ``torch.nn.modules.instancenorm`` path: instance normalisation, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..normalization import InstanceNorm1d, InstanceNorm2d, _InstanceNorm

__all__ = ["_InstanceNorm", "InstanceNorm1d", "InstanceNorm2d"]
