"""PyTorch's ``torch.nn.modules.loss`` path: losses, the same classes as ``scratchgrad.nn``, re-
exported from where they are written."""
from ..loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss,
                    GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss,
                    MarginRankingLoss, NLLLoss, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss,
                    TripletMarginLoss, _Loss, _WeightedLoss)

__all__ = [
    "_Loss", "_WeightedLoss", "L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
    "BCEWithLogitsLoss", "HuberLoss", "SmoothL1Loss", "KLDivLoss", "MarginRankingLoss",
    "CosineEmbeddingLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "GaussianNLLLoss",
    "PoissonNLLLoss", "TripletMarginLoss"
]

from ..loss import (MultiLabelSoftMarginLoss, MultiMarginLoss, MultiLabelMarginLoss,
                    TripletMarginWithDistanceLoss)  # noqa: E402

__all__ += [
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "MultiLabelMarginLoss",
    "TripletMarginWithDistanceLoss"
]
