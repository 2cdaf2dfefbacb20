"""The functional interface (PyTorch's ``torch.nn.functional``, imported as ``F``): layers and
losses as plain functions of tensors, with PyTorch's names, signatures and reductions.

>>> import scratchgrad as sg
>>> import scratchgrad.nn.functional as F
>>> logits = sg.randn(4, 3, requires_grad=True)
>>> F.cross_entropy(logits, sg.tensor([0, 2, 1, 0])).backward()
>>> logits.grad.shape
(4, 3)
"""
from __future__ import annotations

import warnings
from typing import Any

from ..ops import abs as _abs
from ..ops import gelu as _gelu
from ..ops import leaky_relu as _leaky_relu
from ..ops import log_softmax as _log_softmax
from ..ops import pad
from ..ops import relu as _relu
from ..ops import sigmoid as _sigmoid
from ..ops import softmax as _softmax
from ..ops import softplus as _softplus
from ..ops import tanh as _tanh
from ..ops import where as _where
from ..ops._util import to_tensor
from ..ops.nn import (_check_reduction, _legacy_reduction, _reduce, batch_norm,
                      binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                      dropout, embedding, layer_norm, linear, nll_loss, one_hot)
from ..tensor import Tensor

from ..ops.conv import (adaptive_avg_pool2d, avg_pool2d, conv2d, conv_transpose2d,
                        max_pool2d)

__all__ = [
    "linear", "embedding", "dropout", "batch_norm", "layer_norm", "one_hot", "pad",
    "relu", "leaky_relu", "gelu", "sigmoid", "tanh", "softplus", "silu", "softmax",
    "log_softmax", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy",
    "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
]
if "conv2d" in globals():
    __all__ += ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]


# ---------------------------------------------------------------------- activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0). ``inplace`` is accepted for compatibility; a new tensor is returned.

    >>> import scratchgrad as sg
    >>> relu(sg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return _relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``negative_slope * x``.

    >>> import scratchgrad as sg
    >>> leaky_relu(sg.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1000,  2.0000])
    """
    return _leaky_relu(input, negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit; ``approximate="tanh"`` for the tanh approximation.

    >>> import scratchgrad as sg
    >>> gelu(sg.tensor([0.0]))
    tensor([0.])
    """
    return _gelu(input, approximate)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)).

    >>> import scratchgrad as sg
    >>> sigmoid(sg.tensor([0.0]))
    tensor([0.5000])
    """
    return _sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent.

    >>> import scratchgrad as sg
    >>> tanh(sg.tensor([0.0]))
    tensor([0.])
    """
    return _tanh(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, linear above ``threshold``.

    >>> import scratchgrad as sg
    >>> round(softplus(sg.tensor(0.0)).item(), 4)
    0.6931
    """
    return _softplus(input, beta, threshold)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish).

    >>> import scratchgrad as sg
    >>> silu(sg.tensor([0.0]))
    tensor([0.])
    """
    x = to_tensor(input)
    return x * _sigmoid(x)


def _softmax_dim(op: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated; pass dim= "
                  "(as in PyTorch)", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (stable).

    >>> import scratchgrad as sg
    >>> softmax(sg.tensor([[0.0, 0.0]]), dim=1)
    tensor([[0.5000, 0.5000]])
    """
    x = to_tensor(input)
    if dim is None:
        dim = _softmax_dim("softmax", x.ndim)
    return _softmax(x, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed as x - logsumexp(x).

    >>> import scratchgrad as sg
    >>> log_softmax(sg.tensor([[0.0, 0.0]]), dim=1).exp()
    tensor([[0.5000, 0.5000]])
    """
    x = to_tensor(input)
    if dim is None:
        dim = _softmax_dim("log_softmax", x.ndim)
    return _log_softmax(x, dim, dtype=dtype)


# ---------------------------------------------------------------------- regression losses
def _difference(input: Any, target: Any, op: str) -> Tensor:
    x, t = to_tensor(input), to_tensor(target)
    if x.shape != t.shape:
        # PyTorch's behaviour: broadcast, with a warning, since it is usually a mistake
        # ((N, 1) predictions against (N,) targets give an (N, N) loss).
        warnings.warn(f"{op}: using a target size {t.shape} that is different to the input "
                      f"size {x.shape}; this will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=3)
    return x - t


def mse_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target) ** 2``, reduced by ``reduction``.

    >>> import scratchgrad as sg
    >>> mse_loss(sg.tensor([1.0, 2.0]), sg.tensor([1.0, 4.0]))
    tensor(2.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "mse_loss")
    d = _difference(input, target, "mse_loss")
    return _reduce(d * d, reduction)


def l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean") -> Tensor:
    """Mean absolute error ``|input - target|``; the gradient at 0 is 0.

    >>> import scratchgrad as sg
    >>> l1_loss(sg.tensor([1.0, 2.0]), sg.tensor([1.0, 4.0]))
    tensor(1.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "l1_loss")
    return _reduce(_abs(_difference(input, target, "l1_loss")), reduction)


def smooth_l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input -
    target); ``beta=0`` is the L1 loss.

    >>> import scratchgrad as sg
    >>> smooth_l1_loss(sg.tensor([0.5, 3.0]), sg.tensor([0.0, 0.0]), reduction="none")
    tensor([0.1250, 2.5000])
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    d = _difference(input, target, "smooth_l1_loss")
    ad = _abs(d)
    if beta == 0:  # the quadratic branch is empty (and would divide by zero)
        return _reduce(ad, reduction)
    return _reduce(_where(ad < beta, (0.5 / beta) * d * d, ad - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``.

    >>> import scratchgrad as sg
    >>> huber_loss(sg.tensor([0.5, 3.0]), sg.tensor([0.0, 0.0]), reduction="sum")
    tensor(2.6250)
    """
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = _difference(input, target, "huber_loss")
    ad = _abs(d)
    return _reduce(_where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)), reduction)
