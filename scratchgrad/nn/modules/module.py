"""PyTorch's ``torch.nn.modules.module`` path: the Module base class, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..module import Module

__all__ = ["Module"]
