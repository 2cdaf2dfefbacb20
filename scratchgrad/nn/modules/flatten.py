"""PyTorch's ``torch.nn.modules.flatten`` path: Flatten and Unflatten, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..linear import Flatten, Unflatten

__all__ = ["Flatten", "Unflatten"]
