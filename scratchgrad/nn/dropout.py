"""Dropout: zero random elements during training (inverted: the survivors are scaled up, so
evaluation needs no rescaling)."""
from __future__ import annotations

from ..ops.nn import dropout
from ..tensor import Tensor
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` in training mode and scale the rest by
    ``1 / (1 - p)``; identity in evaluation mode. The mask comes from the global generator.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> drop = nn.Dropout(0.5)
    >>> sorted(set(drop(sg.ones(100)).tolist()))
    [0.0, 2.0]
    >>> drop.eval()(sg.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability has to be between 0 and 1, got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
