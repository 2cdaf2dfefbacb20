"""PyTorch's ``torch.nn.modules.sparse`` path: embeddings, the same classes as ``scratchgrad.nn``,
re-exported from where they are written."""
from ..linear import Embedding, EmbeddingBag

__all__ = ["Embedding", "EmbeddingBag"]
