"""Dropout: zero random elements during training (inverted: the survivors are scaled up, so
evaluation needs no rescaling)."""
from __future__ import annotations

from ..ops.nn import dropout
from ..tensor import Tensor
from .functional import dropout1d, dropout2d
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d"]
__all__ += ["Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


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


class _ChannelDropout(Dropout):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: probability has to be between 0 and 1, "
                             f"got {p}")
        super().__init__(p, inplace)


class Dropout1d(_ChannelDropout):
    """Zero whole channels of (N, C, L) or (C, L) input with probability ``p`` in training
    mode (scaling the rest by ``1 / (1 - p)``); identity in evaluation mode.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> y = nn.Dropout1d(0.5)(sg.ones(1, 40, 3))
    >>> bool(((y.sum(dim=2) == 0) | (y.sum(dim=2) == 6)).all())
    True
    """

    def forward(self, input: Tensor) -> Tensor:
        return dropout1d(input, self.p, self.training)


class Dropout2d(_ChannelDropout):
    """Zero whole channels (feature maps) of (N, C, H, W) input with probability ``p`` in
    training mode (scaling the rest by ``1 / (1 - p)``); identity in evaluation mode.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> drop = nn.Dropout2d(0.5)
    >>> drop.eval()(sg.ones(1, 2, 2, 2)).sum().item(), drop
    (8.0, Dropout2d(p=0.5, inplace=False))
    """

    def forward(self, input: Tensor) -> Tensor:
        return dropout2d(input, self.p, self.training)


class Dropout3d(_ChannelDropout):
    """Zero whole channels of (N, C, D, H, W) input with probability ``p`` in training mode
    (scaling the rest by ``1 / (1 - p)``); identity in evaluation mode."""

    def forward(self, input: Tensor) -> Tensor:
        from .functional import dropout3d

        return dropout3d(input, self.p, self.training)


class AlphaDropout(_ChannelDropout):
    """Dropout for SELU networks that keeps the mean and variance (see
    ``F.alpha_dropout``); identity in evaluation mode.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.AlphaDropout(0.2).eval()(sg.ones(2)), nn.AlphaDropout(0.2)
    (tensor([1., 1.]), AlphaDropout(p=0.2, inplace=False))
    """

    def forward(self, input: Tensor) -> Tensor:
        from .functional import alpha_dropout

        return alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_ChannelDropout):
    """:class:`AlphaDropout` of whole channels."""

    def forward(self, input: Tensor) -> Tensor:
        from .functional import feature_alpha_dropout

        return feature_alpha_dropout(input, self.p, self.training)
