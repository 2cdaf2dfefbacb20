"""PyTorch's ``torch.nn.modules.distance`` path: distances, the same classes as ``scratchgrad.nn``,
re-exported from where they are written."""
from ..distance import CosineSimilarity, PairwiseDistance

__all__ = ["CosineSimilarity", "PairwiseDistance"]
