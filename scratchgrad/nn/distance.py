"""Distance modules: CosineSimilarity and PairwiseDistance, over ``nn.functional``."""
from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (see
    ``F.cosine_similarity``).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.CosineSimilarity()(sg.tensor([[1.0, 1.0]]), sg.tensor([[2.0, 2.0]]))
    tensor([1.0000])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dimension (see ``F.pairwise_distance``).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.PairwiseDistance(p=1.0, eps=0.0)(sg.tensor([[0.0, 0.0]]), sg.tensor([[3.0, 4.0]]))
    tensor([7.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
