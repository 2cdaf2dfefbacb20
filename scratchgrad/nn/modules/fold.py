"""PyTorch's ``torch.nn.modules.fold`` path: Fold and Unfold, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..fold import Fold, Unfold

__all__ = ["Fold", "Unfold"]
