"""The dropout family. ``dropout`` itself is an op (``scratchgrad.ops.nn``), re-exported
here; the channel-wise and alpha dropouts are built on it. (The file's name is plural so that
``F.dropout`` stays the function.)
"""
from __future__ import annotations

import warnings

from ...backend import get_array_module
from ...ops import reshape as _reshape
from ...ops._util import to_float_tensor, to_tensor
from ...ops.nn import dropout
from ...tensor import Tensor

__all__ = [
    "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout", "dropout",
]


def _channel_dropout(x: Tensor, p: float, training: bool, op: str) -> Tensor:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, got {p}")
    if not training or p == 0.0:
        return x
    xp = get_array_module(x._data)
    ones = Tensor._make(xp.ones(x.shape[:2] + (1,) * (x.ndim - 2), dtype=x.dtype))
    return x * dropout(ones, p)  # one draw per (sample, channel), spread over its positions


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or unbatched (C, L) input with probability ``p`` and
    scale the rest by ``1 / (1 - p)`` during training; identity otherwise.

    >>> import scratchgrad as sg
    >>> y = dropout1d(sg.ones(1, 100, 3), 0.5)
    >>> sorted(set(y.tolist()[0][0] + y.tolist()[0][1])) in ([0.0], [2.0], [0.0, 2.0])
    True
    """
    x = to_tensor(input)
    if x.ndim not in (2, 3):
        raise ValueError(f"dropout1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got a "
                         f"{x.ndim}-D input of shape {tuple(x.shape)}")
    if x.ndim == 2:
        return _reshape(_channel_dropout(_reshape(x, (1,) + x.shape), p, training,
                                         "dropout1d"), x.shape)
    return _channel_dropout(x, p, training, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability ``p`` and scale the rest by
    ``1 / (1 - p)`` during training; identity otherwise. A 3-D input is taken as (N, C, L),
    with PyTorch's warning.

    >>> import scratchgrad as sg
    >>> y = dropout2d(sg.ones(2, 50, 2, 2), 0.5)
    >>> bool(((y.sum(dim=(2, 3)) == 0) | (y.sum(dim=(2, 3)) == 8)).all())
    True
    """
    x = to_tensor(input)
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. To maintain the 1D "
                      "channel-wise dropout behavior, please switch to using dropout1d "
                      "instead.", UserWarning, stacklevel=2)
    elif x.ndim != 4:
        raise ValueError(f"dropout2d: expected a 4-D input (N, C, H, W) (or a 3-D (N, C, L)), "
                         f"got a {x.ndim}-D input of shape {tuple(x.shape)}")
    return _channel_dropout(x, p, training, "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or unbatched (C, D, H, W) input with
    probability ``p`` and scale the rest by ``1 / (1 - p)`` during training.

    >>> import scratchgrad as sg
    >>> dropout3d(sg.ones(1, 2, 1, 1, 1), training=False).sum().item()
    2.0
    """
    x = to_tensor(input)
    if x.ndim not in (4, 5):
        raise ValueError(f"dropout3d: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) input, "
                         f"got a {x.ndim}-D input of shape {tuple(x.shape)}")
    if x.ndim == 4:
        return _reshape(_channel_dropout(_reshape(x, (1,) + x.shape), p, training,
                                         "dropout3d"), x.shape)
    return _channel_dropout(x, p, training, "dropout3d")


# SELU's fixed point: alpha' = -scale * alpha, the value a dropped unit takes
_ALPHA_PRIME = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717


def _alpha_dropout(x: Tensor, p: float, training: bool, feature: bool, op: str) -> Tensor:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    xp = get_array_module(x._data)
    shape = x.shape[:2] + (1,) * (x.ndim - 2) if feature else x.shape
    keep = Tensor._make(xp.ones(shape, dtype=x.dtype))
    keep = dropout(keep, p) * (1.0 - p)  # 1 where kept, 0 where dropped
    a = (1.0 / ((_ALPHA_PRIME ** 2 * p + 1) * (1 - p))) ** 0.5
    b = -a * _ALPHA_PRIME * p
    return (x * keep + _ALPHA_PRIME * (1.0 - keep)) * a + b


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped units take SELU's negative saturation value and an
    affine map keeps the mean and variance (of a unit-normal input) unchanged.

    >>> import scratchgrad as sg
    >>> alpha_dropout(sg.ones(3), 0.5)  # training defaults to False, as in PyTorch
    tensor([1., 1., 1.])
    """
    return _alpha_dropout(to_float_tensor(input), p, training, False, "alpha_dropout")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """:func:`alpha_dropout` of whole channels (one draw per sample and channel)."""
    return _alpha_dropout(to_float_tensor(input), p, training, True, "feature_alpha_dropout")
