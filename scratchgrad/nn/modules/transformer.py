"""PyTorch's ``torch.nn.modules.transformer`` path: transformer layers, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                           TransformerEncoder, TransformerEncoderLayer)

__all__ = [
    "Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
    "TransformerDecoderLayer"
]
