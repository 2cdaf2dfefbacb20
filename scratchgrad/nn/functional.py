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

import math
import warnings
from typing import Any

import numpy as np

from ..backend import get_array_module
from .._config import is_grad_enabled as _is_grad_enabled
from ..function import array_op
from ..ops import abs as _abs
from ..ops import broadcast_to as _broadcast_to
from ..ops import chunk as _chunk
from ..ops import clamp as _clamp
from ..ops import amax as _amax
from ..ops import exp as _exp
from ..ops import index_add as _index_add
from ..ops import gelu as _gelu
from ..ops import isinf as _isinf
from ..ops import leaky_relu as _leaky_relu
from ..ops import log as _log
from ..ops import log_softmax as _log_softmax
from ..ops import log1p as _log1p
from ..ops import logical_or as _logical_or
from ..ops import matmul as _matmul
from ..ops import minimum as _minimum
from ..ops import pad
from ..ops import relu as _relu
from ..ops import reshape as _reshape
from ..ops import rsqrt as _rsqrt
from ..ops import sign as _sign
from ..ops import sigmoid as _sigmoid
from ..ops import softmax as _softmax
from ..ops import softplus as _softplus
from ..ops import sqrt as _sqrt
from ..ops import tanh as _tanh
from ..ops import unsqueeze as _unsqueeze
from ..ops import where as _where
from ..ops._util import normalize_dim as _normalize_dim
from ..ops._util import constant_array, to_float_tensor, to_tensor
from ..ops.nn import (_check_reduction, _legacy_reduction, _reduce, batch_norm,
                      binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                      dropout, embedding, layer_norm, linear, nll_loss, one_hot)
from ..tensor import Tensor

from ..ops.conv import (adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, conv2d,
                        conv_transpose2d, fold, max_pool2d, unfold)
from ..ops.conv import _check_float

__all__ = [
    "linear", "embedding", "dropout", "batch_norm", "layer_norm", "one_hot", "pad",
    "relu", "leaky_relu", "gelu", "sigmoid", "tanh", "softplus", "silu", "softmax",
    "log_softmax", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy",
    "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
]
if "conv2d" in globals():
    __all__ += ["conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"]
__all__ += [
    "elu", "selu", "celu", "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish", "softsign",
    "logsigmoid", "softmin", "glu", "prelu", "threshold", "normalize", "cosine_similarity",
    "pairwise_distance", "kl_div", "margin_ranking_loss", "cosine_embedding_loss",
    "hinge_embedding_loss", "soft_margin_loss", "gaussian_nll_loss", "conv1d", "max_pool1d",
    "avg_pool1d", "interpolate", "group_norm", "dropout1d", "dropout2d",
]
__all__ += ["scaled_dot_product_attention", "instance_norm", "pixel_shuffle", "pixel_unshuffle",
            "bilinear", "triplet_margin_loss", "poisson_nll_loss", "adaptive_avg_pool1d"]
__all__ += ["adaptive_max_pool2d", "adaptive_max_pool1d", "conv_transpose1d", "unfold", "fold"]
__all__ += ["embedding_bag"]
__all__ += ["hardshrink", "softshrink", "tanhshrink", "rms_norm", "dropout3d", "alpha_dropout",
            "feature_alpha_dropout", "relu_", "elu_", "selu_", "celu_", "leaky_relu_",
            "hardtanh_", "threshold_", "gumbel_softmax", "pdist", "lp_pool1d", "lp_pool2d",
            "upsample", "upsample_nearest", "upsample_bilinear", "max_pool1d_with_indices",
            "max_pool2d_with_indices", "adaptive_max_pool1d_with_indices",
            "adaptive_max_pool2d_with_indices", "multilabel_soft_margin_loss",
            "multi_margin_loss", "multilabel_margin_loss", "triplet_margin_with_distance_loss",
            "local_response_norm"]


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
    dq = _clamp(d, -beta, beta)  # the quadratic branch never sees an infinite d (inf * 0)
    return _reduce(_where(ad < beta, (0.5 / beta) * dq * dq, ad - 0.5 * beta), reduction)


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
    dq = _clamp(d, -delta, delta)  # the quadratic branch never sees an infinite d (inf * 0)
    return _reduce(_where(ad < delta, 0.5 * dq * dq, delta * (ad - 0.5 * delta)), reduction)


# ---------------------------------------------------------------------- more activations
# Built from existing ops (each differentiates, and twice, through them); the branches that
# could overflow (exp of a large positive x in ELU/CELU) are clamped before exp so that the
# unused branch of ``where`` never holds inf (whose zero gradient would still give nan).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _nonpositive(x: Tensor) -> Tensor:
    """x where x <= 0, else 0 (nan too): the input of the exp branch of ELU and CELU, which
    ``where`` then picks for x <= 0 only; nan takes the linear branch (gradient 1, as in
    PyTorch), and no inf or nan in the unused branch meets its zero gradient."""
    return _where(x <= 0, x, 0.0)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``alpha * (exp(x) - 1)``.

    >>> import scratchgrad as sg
    >>> elu(sg.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    x = to_float_tensor(input)
    return _where(x <= 0, alpha * (_exp(_nonpositive(x)) - 1.0), x)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants (scale ~1.0507, alpha
    ~1.6733).

    >>> import scratchgrad as sg
    >>> selu(sg.tensor([1.0]))
    tensor([1.0507])
    """
    return _SELU_SCALE * elu(input, _SELU_ALPHA)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``alpha * (exp(x / alpha) - 1)``; ``alpha`` must not be 0.

    >>> import scratchgrad as sg
    >>> celu(sg.tensor([-1.0, 2.0]), alpha=2.0)
    tensor([-0.7869,  2.0000])
    """
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0 (it divides x)")
    x = to_float_tensor(input)
    return _where(x <= 0, alpha * (_exp(_nonpositive(x) / alpha) - 1.0), x)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; as in PyTorch the gradient is zero at the bounds too.

    >>> import scratchgrad as sg
    >>> hardtanh(sg.tensor([-3.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val="
                         f"{min_val} and max_val={max_val}")
    x = to_float_tensor(input)
    outside = _logical_or(x <= min_val, x >= max_val)  # nan is inside: gradient 1, as in torch
    return _where(outside, _clamp(x.detach(), min_val, max_val), x)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), i.e. ``hardtanh(x, 0, 6)``.

    >>> import scratchgrad as sg
    >>> relu6(sg.tensor([-1.0, 3.0, 9.0]))
    tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """0 for x <= -3, 1 for x >= 3, ``x / 6 + 1 / 2`` between.

    >>> import scratchgrad as sg
    >>> hardsigmoid(sg.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    x = to_float_tensor(input)  # PyTorch's gradient: 1/6 strictly inside (-3, 3), else 0
    inside = (x > -3.0) & (x < 3.0)
    return _where(inside, x * (1 / 6) + 0.5, _clamp((x.detach() + 3.0) / 6.0, 0.0, 1.0))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * hardsigmoid(x)``.

    >>> import scratchgrad as sg
    >>> hardswish(sg.tensor([-4.0, 1.0, 4.0]))
    tensor([-0.0000,  0.6667,  4.0000])
    """
    x = to_float_tensor(input)
    # branches as PyTorch's gradient has them (nan takes the last); the middle one sees 0 for
    # x outside (-3, 3), so that an infinite or nan x gives no inf * 0 there
    xm = _where((x > -3.0) & (x < 3.0), x, 0.0)
    return _where(x <= -3.0, x * 0.0, _where(x < 3.0, xm * (xm + 3.0) * (1 / 6), x))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``.

    >>> import scratchgrad as sg
    >>> mish(sg.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8651])
    """
    x = to_float_tensor(input)
    return x * _tanh(_softplus(x))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``.

    >>> import scratchgrad as sg
    >>> softsign(sg.tensor([-1.0, 3.0]))
    tensor([-0.5000,  0.7500])
    """
    x = to_float_tensor(input)
    return x / (_abs(x) + 1.0)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed as ``min(x, 0) - log1p(exp(-|x|))`` so that it is
    finite and exact for large |x| (``log(sigmoid(-200))`` is -200, not -inf); ``minimum``
    splits its gradient at the tie x = 0, which gives the right slope 1/2 there.

    >>> import scratchgrad as sg
    >>> logsigmoid(sg.tensor([-200.0, 0.0]))
    tensor([-200.0000,   -0.6931])
    """
    x = to_float_tensor(input)
    return _minimum(x, 0.0) - _log1p(_exp(-_abs(x)))


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """``softmax(-x)`` along ``dim``.

    >>> import scratchgrad as sg
    >>> softmin(sg.tensor([[0.0, 0.0]]), dim=1)
    tensor([[0.5000, 0.5000]])
    """
    x = to_tensor(input)
    if dim is None:
        dim = _softmax_dim("softmin", x.ndim)
    return _softmax(-x, dim, dtype=dtype)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: split ``input`` in two halves ``a, b`` along ``dim``, return
    ``a * sigmoid(b)``.

    >>> import scratchgrad as sg
    >>> glu(sg.tensor([[1.0, 2.0, 0.0, 0.0]]))
    tensor([[0.5000, 1.0000]])
    """
    x = to_float_tensor(input)
    if x.ndim == 0:
        raise ValueError("glu: does not support scalars because the halved dimension must be "
                         "even")
    d = _normalize_dim(dim, x.ndim, "glu")
    if x.shape[d] % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {d} of the input "
                         f"of shape {tuple(x.shape)} is size {x.shape[d]}")
    a, b = _chunk(x, 2, d)
    return a * _sigmoid(b)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else ``weight * x``; ``weight`` has one slope, or one per channel
    (dimension 1 of the input).

    >>> import scratchgrad as sg
    >>> prelu(sg.tensor([[-2.0, 2.0]]), sg.tensor([0.25]))
    tensor([[-0.5000,  2.0000]])
    """
    x, w = to_float_tensor(input), to_tensor(weight)
    if x.ndim == 0:
        raise ValueError("prelu: zero-dim input tensors are not allowed")
    if w.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-D (num_parameters,), got shape "
                         f"{tuple(w.shape)}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.shape[0] != 1 and w.shape[0] != channels:
        raise ValueError(f"prelu: mismatch of parameter numbers and input channel size: found "
                         f"{w.shape[0]} parameters and {channels} channel(s) (input of shape "
                         f"{tuple(x.shape)})")
    if x.ndim >= 2:
        w = _reshape(w, (w.shape[0],) + (1,) * (x.ndim - 2))
    return _where(x > 0, x, w * x)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > ``threshold``, else ``value``.

    >>> import scratchgrad as sg
    >>> threshold(sg.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    x = to_tensor(input)
    return _where(x > threshold, x, value)


# ---------------------------------------------------------------------- distances
def _vector_norm(x: Tensor, p: float, dim: int, keepdim: bool, op: str) -> Tensor:
    """The p-norm along ``dim``. Its gradient at a zero vector is 0, as in PyTorch: the root,
    whose derivative is infinite at 0, is taken of 1 there and the result masked back to 0
    (so no inf meets a zero gradient and makes nan)."""
    if not p > 0:
        raise ValueError(f"{op}: p must be positive (or inf), got {p}")
    if p == math.inf:
        return _abs(x).amax(dim, keepdim)
    if p == 1:
        return _abs(x).sum(dim, keepdim)
    s = (x * x if p == 2 else _abs(x) ** p).sum(dim, keepdim)
    nonzero = s != 0  # a nan norm stays nan
    s = _where(nonzero, s, 1.0)
    root = _sqrt(s) if p == 2 else s ** (1.0 / p)
    return _where(nonzero, root, 0.0)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Any = None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``: unit vectors (zero vectors stay zero).

    >>> import scratchgrad as sg
    >>> normalize(sg.tensor([[3.0, 4.0], [0.0, 0.0]]))
    tensor([[0.6000, 0.8000],
            [0.0000, 0.0000]])
    """
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported; use the returned tensor")
    x = to_float_tensor(input)
    d = _normalize_dim(dim, x.ndim, "normalize")
    return x / _clamp(_vector_norm(x, p, d, True, "normalize"), min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (they broadcast); each norm
    is clamped to at least ``eps``.

    >>> import scratchgrad as sg
    >>> cosine_similarity(sg.tensor([[1.0, 0.0], [1.0, 1.0]]), sg.tensor([[1.0, 0.0]]))
    tensor([1.0000, 0.7071])
    """
    a, b = _broadcast_pair(x1, x2, "cosine_similarity")
    d = _normalize_dim(dim, a.ndim, "cosine_similarity")
    na = _clamp(_vector_norm(a, 2, d, True, "cosine_similarity"), min=eps)
    nb = _clamp(_vector_norm(b, 2, d, True, "cosine_similarity"), min=eps)
    return ((a / na) * (b / nb)).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension (the inputs broadcast).

    >>> import scratchgrad as sg
    >>> pairwise_distance(sg.tensor([[0.0, 0.0]]), sg.tensor([[3.0, 4.0]]), eps=0.0)
    tensor([5.])
    """
    a, b = _broadcast_pair(x1, x2, "pairwise_distance")
    if a.ndim == 0:
        raise ValueError("pairwise_distance: expected inputs with at least 1 dimension, got "
                         "two scalars")
    return _vector_norm(a - b + eps, p, a.ndim - 1, keepdim, "pairwise_distance")


def _broadcast_pair(x1: Any, x2: Any, op: str) -> tuple[Tensor, Tensor]:
    a, b = to_float_tensor(x1), to_float_tensor(x2)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: the inputs of shapes {tuple(a.shape)} and {tuple(b.shape)} do "
                         "not broadcast together") from None
    if a.shape != shape:
        a = _broadcast_to(a, shape)
    if b.shape != shape:
        b = _broadcast_to(b, shape)
    return a, b


# ---------------------------------------------------------------------- more losses
def kl_div(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` of log-probabilities
    ``input`` (``0`` where target is 0); ``log_target=True`` when ``target`` is a
    log-probability too. ``reduction='batchmean'`` divides the sum by the batch size (the
    mathematical KL divergence); ``'mean'`` (the default, kept for PyTorch's sake) divides by
    the number of elements and warns.

    >>> import scratchgrad as sg
    >>> p = sg.tensor([[0.5, 0.5]])
    >>> kl_div(p.log(), p, reduction="batchmean")
    tensor(0.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("mean", "batchmean", "sum", "none"):
        raise ValueError(f"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', got "
                         f"{reduction!r}")
    x, t = to_float_tensor(input), to_float_tensor(target)
    if log_target:
        loss = _exp(t) * (t - x)
    else:
        positive = t > 0
        # xlogy: 0 * log(0) is 0, and log is never taken of 0 (its gradient would be inf).
        loss = _where(positive, t * _log(_where(positive, t, 1.0)), 0.0) - t * x
    if reduction == "batchmean":
        total = loss.sum()
        return total / x.shape[0] if x.ndim else total
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size "
                      "and the support size; 'batchmean' divides only by the batch size, and "
                      "aligns with the KL divergence math definition. 'mean' will be changed to "
                      "behave the same as 'batchmean' in the next major release.", UserWarning,
                      stacklevel=2)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                        size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: target 1 says input1 should rank
    higher, -1 lower.

    >>> import scratchgrad as sg
    >>> margin_ranking_loss(sg.tensor([1.0, 1.0]), sg.tensor([0.0, 0.0]), sg.tensor([1.0, -1.0]))
    tensor(0.5000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "margin_ranking_loss")
    a, b, t = to_float_tensor(input1), to_float_tensor(input2), to_float_tensor(target)
    if not a.ndim == b.ndim == t.ndim:
        raise ValueError(f"margin_ranking_loss: all input tensors should have the same number "
                         f"of dimensions, got input1 {tuple(a.shape)}, input2 {tuple(b.shape)} "
                         f"and target {tuple(t.shape)}")
    return _reduce(_clamp(-t * (a - b) + margin, min=0.0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                          size_average: Any = None, reduce: Any = None,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(input1, input2)`` where target is 1, ``max(0, cos - margin)`` where it is -1
    (cosine along dimension 1 of (N, D) inputs, or of unbatched (D,) inputs with a 0-D target).

    >>> import scratchgrad as sg
    >>> x = sg.tensor([[1.0, 0.0], [1.0, 0.0]])
    >>> cosine_embedding_loss(x, x, sg.tensor([1.0, -1.0]), reduction="none")
    tensor([0., 1.])
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cosine_embedding_loss")
    a, b, t = to_float_tensor(input1), to_float_tensor(input2), to_tensor(target)
    if t.ndim > 1:
        raise ValueError(f"cosine_embedding_loss: expected a 0-D or 1-D target, got shape "
                         f"{tuple(t.shape)} (multi-target is not supported)")
    if a.ndim != t.ndim + 1 or b.ndim != t.ndim + 1:
        raise ValueError(f"cosine_embedding_loss: a {t.ndim}-D target expects "
                         f"{t.ndim + 1}-D input tensors, got inputs of shapes {tuple(a.shape)} "
                         f"and {tuple(b.shape)}")
    a, b = _broadcast_pair(a, b, "cosine_embedding_loss")
    d = a.ndim - 1
    eps = 1e-12  # PyTorch's: keeps the denominator above 0 for zero vectors
    prod = (a * b).sum(d)
    cos = prod / _sqrt(((a * a).sum(d) + eps) * ((b * b).sum(d) + eps))
    loss = (_where(t == 1, 1.0 - cos, 0.0)
            + _where(t == -1, _clamp(cos - margin, min=0.0), 0.0))
    return _reduce(loss, reduction)


def hinge_embedding_loss(input: Tensor, target: Any, margin: float = 1.0,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """``x`` where target is 1, ``max(0, margin - x)`` where it is -1 (for distances x).

    >>> import scratchgrad as sg
    >>> hinge_embedding_loss(sg.tensor([0.3, 0.3]), sg.tensor([1.0, -1.0]), reduction="none")
    tensor([0.3000, 0.7000])
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "hinge_embedding_loss")
    x, t = _broadcast_pair(input, target, "hinge_embedding_loss")
    loss = (_where(t != 1, _clamp(margin - x, min=0.0), 0.0) + _where(t != -1, x, 0.0))
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-target * input))`` for targets +-1, computed as
    a softplus (finite for large margins, where PyTorch's overflows to inf).

    >>> import scratchgrad as sg
    >>> round(soft_margin_loss(sg.tensor([0.0]), sg.tensor([1.0])).item(), 4)
    0.6931
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "soft_margin_loss")
    x, t = _broadcast_pair(input, target, "soft_margin_loss")
    return _reduce(_softplus(-t * x), reduction)


def gaussian_nll_loss(input: Tensor, target: Any, var: Any, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ``(log(var) + (input - target)**2 / var) / 2`` (plus
    ``log(2 pi) / 2`` when ``full``). ``var`` has input's shape, or one dimension less, or a
    last dimension of 1, or is a float; it is clamped to at least ``eps`` for the value, while
    its gradient passes unclamped (as in PyTorch).

    >>> import scratchgrad as sg
    >>> gaussian_nll_loss(sg.tensor([1.0]), sg.tensor([1.0]), sg.tensor([1.0]))
    tensor(0.)
    """
    _check_reduction(reduction, "gaussian_nll_loss")
    x, t = to_float_tensor(input), to_float_tensor(target)
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError(f"gaussian_nll_loss: var has negative entry/entries (var={var})")
        v = _full_like(x, max(float(var), eps))
    else:
        v = to_float_tensor(var)
        if v.shape != x.shape:
            if tuple(x.shape[:-1]) == tuple(v.shape):
                v = _unsqueeze(v, -1)
            elif not (x.ndim and v.ndim and x.shape[:-1] == v.shape[:-1] and v.shape[-1] == 1):
                raise ValueError(f"gaussian_nll_loss: var is of incorrect size {tuple(v.shape)} "
                                 f"for input of shape {tuple(x.shape)} (expected the input's "
                                 "shape, that shape without its last dimension, or a last "
                                 "dimension of 1)")
        if bool((v._data < 0).any()):
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        vd = v.detach()
        v = v + (_clamp(vd, min=eps) - vd)  # the clamped value, with the identity's gradient
    d = x - t
    loss = 0.5 * (_log(v) + d * d / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def _full_like(x: Tensor, value: float) -> Tensor:
    xp = get_array_module(x._data)
    return Tensor._make(xp.full(x.shape, value, dtype=x.dtype))


# ---------------------------------------------------------------------- 1-D conv and pooling
# Each runs the 2-D op on a height-1 image: (N, C, L) -> (N, C, 1, L), so the 2-D fast paths
# (im2col + one GEMM per group, the pooling kernels) serve 1-D inputs too.
def _single(value: Any, name: str, op: str, minimum: int = 0) -> int:
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
    if value < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(value)


def _as_2d(x: Tensor, op: str) -> Tensor:
    """(N, C, L) -> (N, C, 1, L) and (C, L) -> (C, 1, L), with the rank checked."""
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 3-D input (N, C, L) or a 2-D unbatched input "
                         f"(C, L), got shape {tuple(x.shape)}")
    return _reshape(x, x.shape[:-1] + (1, x.shape[-1]))


def _from_2d(y: Tensor) -> Tensor:
    return _reshape(y, y.shape[:-2] + (y.shape[-1],))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation) of ``input`` (N, C, L) or (C, L) with ``weight``
    (OC, C/groups, K) and optional ``bias`` (OC,); ``padding`` is an int, ``'valid'`` or
    ``'same'`` (stride 1). Runs as :func:`conv2d` on a height-1 image.

    >>> import scratchgrad as sg
    >>> conv1d(sg.randn(2, 3, 10), sg.randn(4, 3, 3), padding=1).shape
    (2, 4, 10)
    """
    op = "conv1d"
    x, W = to_tensor(input), to_tensor(weight)
    if W.ndim != 3:
        raise ValueError(f"{op}: weight must be 3-D (out_channels, in_channels/groups, kL), "
                         f"got shape {tuple(W.shape)}")
    _check_float(op, x, W, None if bias is None else to_tensor(bias))
    x2 = _as_2d(x, op)
    s = _single(stride, "stride", op, 1)
    d = _single(dilation, "dilation", op, 1)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{op}: padding must be an int, 'same' or 'valid', got {padding!r}")
        if padding == "same" and s != 1:
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                             f"(stride={s}); give the padding explicitly")
        p: Any = padding
    else:
        p = (0, _single(padding, "padding", op))
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    C = x.shape[-2]
    if C != W.shape[1] * groups or W.shape[0] % groups:
        raise ValueError(f"{op}: input of shape {tuple(x.shape)} has {C} channels but weight of "
                         f"shape {tuple(W.shape)} with groups={groups} expects "
                         f"{W.shape[1] * groups} (and out_channels {W.shape[0]} divisible by "
                         "groups)")
    length = x.shape[-1] + (2 * p[1] if isinstance(p, tuple) else 0)
    span = d * (W.shape[2] - 1) + 1
    if not isinstance(p, str) and length < span:
        raise ValueError(f"{op}: the padded input length is {length} (input shape "
                         f"{tuple(x.shape)}, padding {p[1]}) but the dilated kernel spans "
                         f"{span}; the kernel can't be larger than the input")
    W2 = _reshape(W, W.shape[:2] + (1, W.shape[2]))
    return _from_2d(conv2d(x2, W2, bias, (1, s), p, (1, d), groups))


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """1-D max pooling over (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``. With
    ``return_indices`` also returns each maximum's index along L (int64).

    >>> import scratchgrad as sg
    >>> max_pool1d(sg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
    tensor([[[3., 2.]]])
    """
    op = "max_pool1d"
    if ceil_mode:
        raise NotImplementedError(f"{op}: ceil_mode=True is not supported")
    x2 = _as_2d(to_tensor(input), op)
    k = _single(kernel_size, "kernel_size", op, 1)
    s = k if stride is None or stride == () else _single(stride, "stride", op, 1)
    p = _single(padding, "padding", op)
    d = _single(dilation, "dilation", op, 1)
    if p > k // 2:
        raise ValueError(f"{op}: padding {p} must be at most half of kernel_size {k}")
    out = max_pool2d(x2, (1, k), (1, s), (0, p), (1, d), return_indices=return_indices)
    if return_indices:
        return _from_2d(out[0]), _from_2d(out[1])
    return _from_2d(out)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over (N, C, L) or (C, L); ``stride`` defaults to ``kernel_size``;
    padded zeros count in the mean unless ``count_include_pad=False``.

    >>> import scratchgrad as sg
    >>> avg_pool1d(sg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
    tensor([[[2., 1.]]])
    """
    op = "avg_pool1d"
    if ceil_mode:
        raise NotImplementedError(f"{op}: ceil_mode=True is not supported")
    x2 = _as_2d(to_tensor(input), op)
    k = _single(kernel_size, "kernel_size", op, 1)
    s = k if stride is None or stride == () else _single(stride, "stride", op, 1)
    p = _single(padding, "padding", op)
    if p > k // 2:
        raise ValueError(f"{op}: padding {p} must be at most half of kernel_size {k}")
    return _from_2d(avg_pool2d(x2, (1, k), (1, s), (0, p),
                               count_include_pad=count_include_pad))


# ---------------------------------------------------------------------- resizing
def _cubic_weights(t: np.ndarray, A: float = -0.75) -> tuple:
    """The weights of the four taps at floor(pos) - 1 .. floor(pos) + 2 for ``t = pos -
    floor(pos)``: Keys' cubic convolution kernel with PyTorch's A = -0.75."""
    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _interp_matrix(n_in: int, n_out: int, mode: str, align_corners: bool,
                   scale: float | None, dtype: np.dtype) -> np.ndarray:
    """The (n_out, n_in) matrix that resizes one axis: row i holds the weights output i takes
    from the inputs. Source positions are computed in float32, like PyTorch's CPU kernels, so
    that ties fall the same way. ``scale`` is the user's scale factor (None: from the sizes)."""
    f32 = np.float32
    i = np.arange(n_out, dtype=f32)
    m = np.zeros((n_out, n_in), dtype=dtype)
    rows = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        step = f32(1.0 / scale) if scale is not None else f32(n_in / n_out)
        at = i if mode == "nearest" else i + f32(0.5)  # nearest-exact: the pixel centres
        src = np.minimum(np.floor(at * step).astype(np.int64), n_in - 1)
        m[rows, src] = 1
        return m
    if mode == "area":  # adaptive average pooling: the cells [floor(i n/o), ceil((i+1) n/o))
        start = (rows * n_in) // n_out
        end = -((-(rows + 1) * n_in) // n_out)
        for r, (a, b) in enumerate(zip(start, end)):
            m[r, a:b] = 1 / (b - a)
        return m
    if align_corners:
        step = f32((n_in - 1) / (n_out - 1)) if n_out > 1 else f32(0)
        pos = i * step
    else:
        step = f32(1.0 / scale) if scale is not None else f32(n_in / n_out)
        pos = (i + f32(0.5)) * step - f32(0.5)
        if mode != "bicubic":  # (bicubic keeps negative positions: its taps are clamped)
            pos = np.maximum(pos, f32(0))
    if mode == "bicubic":
        lo = np.floor(pos).astype(np.int64)
        t = (pos - lo).astype(np.float64)
        for k, w in enumerate(_cubic_weights(t)):
            np.add.at(m, (rows, np.clip(lo - 1 + k, 0, n_in - 1)), w.astype(dtype))
        return m
    lo = np.minimum(np.floor(pos).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = (pos - lo).astype(dtype)
    np.add.at(m, (rows, lo), 1 - frac)
    np.add.at(m, (rows, hi), frac)
    return m


_INTERP_MODES = {  # mode: the input's number of dimensions it needs (None: 3-D or 4-D; and
    # no align_corners)
    "nearest": None, "nearest-exact": None, "area": None, "linear": 3, "bilinear": 4,
    "bicubic": 4,
}


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dimensions of (N, C, L) or (N, C, H, W) input to ``size``, or by
    ``scale_factor`` (output size ``floor(in * scale)``). Modes: ``'nearest'``,
    ``'nearest-exact'`` and ``'area'`` (adaptive average pooling) for 3-D and 4-D input;
    ``'linear'`` (3-D), ``'bilinear'`` and ``'bicubic'`` (4-D; cubic convolution with
    A = -0.75, taps clamped at the border) with ``align_corners`` False (default) or True.
    Each axis is resized by a product with a constant interpolation matrix, so backward (and
    double backward) come from ``matmul``.

    >>> import scratchgrad as sg
    >>> interpolate(sg.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    >>> interpolate(sg.ones(1, 3, 4, 4), size=(8, 6), mode="bilinear").shape
    (1, 3, 8, 6)
    >>> interpolate(sg.tensor([[[1.0, 3.0, 4.0, 8.0]]]), size=2, mode="area")
    tensor([[[2., 6.]]])
    """
    op = "interpolate"
    x = to_float_tensor(input)
    if mode not in _INTERP_MODES:
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported; only "
                                  + ", ".join(repr(m) for m in _INTERP_MODES))
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported")
    if _INTERP_MODES[mode] is None and align_corners is not None:
        raise ValueError(f"{op}: align_corners can only be set with the interpolating modes "
                         f"(linear, bilinear, bicubic), not with mode={mode!r}")
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got shape "
                         f"{tuple(x.shape)}")
    if _INTERP_MODES[mode] not in (None, x.ndim):
        raise NotImplementedError(f"{op}: got a {x.ndim}-D input of shape {tuple(x.shape)}, but "
                                  f"{mode} mode needs a {_INTERP_MODES[mode]}-D input")
    n = x.ndim - 2
    in_sizes = tuple(x.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: " + ("only one of size or scale_factor should be defined"
                                      if size is not None else
                                      "either size or scale_factor should be defined"))
    scales: tuple[float | None, ...] = (None,) * n
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * n
        if len(sizes) != n:
            raise ValueError(f"{op}: the input has {n} spatial dimension(s) {in_sizes} but size "
                             f"{size!r} gives {len(sizes)}")
        out_sizes = tuple(int(s) for s in sizes)
    else:
        factors = (tuple(scale_factor) if isinstance(scale_factor, (tuple, list))
                   else (scale_factor,) * n)
        if len(factors) != n:
            raise ValueError(f"{op}: the input has {n} spatial dimension(s) {in_sizes} but "
                             f"scale_factor {scale_factor!r} gives {len(factors)}")
        if any(not f > 0 for f in factors):
            raise ValueError(f"{op}: scale_factor must be positive, got {scale_factor!r}")
        out_sizes = tuple(int(math.floor(s * float(f))) for s, f in zip(in_sizes, factors))
        if not recompute_scale_factor:
            scales = tuple(float(f) for f in factors)
    if min(out_sizes) < 1:
        raise ValueError(f"{op}: the output size {out_sizes} for an input of shape "
                         f"{tuple(x.shape)} is empty")
    xp, dt = get_array_module(x._data), x.dtype
    align = bool(align_corners)
    for axis in range(n):
        A = _interp_matrix(in_sizes[axis], out_sizes[axis], mode, align, scales[axis], dt)
        if axis == n - 1:  # the last axis: x @ A.T
            x = _matmul(x, Tensor._make(constant_array(xp.asarray(np.ascontiguousarray(A.T)))))
        else:  # the height of a 4-D input: A @ x
            x = _matmul(Tensor._make(constant_array(xp.asarray(A))), x)
    return x


# ---------------------------------------------------------------------- embedding bags
def _bag_bounds(op: str, off: Any, n: int, bags: int, include_last_offset: bool) -> tuple:
    """Start and end (both (bags,)) of each bag, after PyTorch's checks on the offsets. Called
    inside the array ops, so that ``scratchgrad.compile`` checks each replayed call too."""
    xp = get_array_module(off)
    off = off.astype(xp.int64)
    if off.size and int(off[0]) != 0:
        raise ValueError(f"{op}: offsets[0] must be 0 (the first bag starts at the first "
                         f"element), got {int(off[0])} in offsets of shape {off.shape}")
    if off.size and int(off[-1]) > n:
        raise ValueError(f"{op}: offsets[-1] is {int(off[-1])}, larger than the input's "
                         f"length {n}")
    if include_last_offset and off.size and int(off[-1]) != n:
        # (PyTorch sums such a last bag only up to offsets[-1] but averages it over the rest
        # of the input too; its documentation asks for offsets[-1] == len(input))
        raise ValueError(f"{op}: with include_last_offset=True the last offset must be the "
                         f"input's length {n}, got {int(off[-1])}")
    if off.size > 1 and bool((off[1:] < off[:-1]).any()):
        raise ValueError(f"{op}: offsets must be non-decreasing, got {off.tolist()}")
    if include_last_offset:
        return off[:-1], off[1:]
    return off, xp.concatenate([off[1:], xp.asarray([n], dtype=xp.int64)])


def _bag_ids(op: str, n: int, bags: int, last: bool):
    """The bag of each element ((n,) int64; ``bags`` for an element after the last offset)."""
    def fn(off: Any) -> Any:
        xp = get_array_module(off)
        start, end = _bag_bounds(op, off, n, bags, last)
        i = xp.arange(n)
        # the bags are contiguous: an element belongs to the last bag starting at or before it
        ids = xp.searchsorted(start, i, side="right") - 1
        return xp.where(i < (end[-1] if bags else 0), ids, bags).astype(xp.int64)
    return fn


def _bag_sizes(op: str, n: int, bags: int, last: bool, padding_idx: int | None, dtype: Any):
    """The number of elements of each bag other than padding, at least 1 ((bags, 1))."""
    def fn(off: Any, idx: Any) -> Any:
        xp = get_array_module(off)
        start, end = _bag_bounds(op, off, n, bags, last)
        keep = xp.ones(n, dtype=xp.int64) if padding_idx is None else (idx != padding_idx)
        c = xp.concatenate([xp.zeros(1, dtype=xp.int64), xp.cumsum(keep, dtype=xp.int64)])
        return xp.maximum(c[end] - c[start], 1).astype(dtype).reshape(-1, 1)
    return fn


def _bag_slots(op: str, n: int, bags: int, last: bool, padding_idx: int | None):
    """For mode 'max': the (bags, L) embedding index of slot j of each bag (L the longest bag;
    0 in unused slots) and a (bags, L, 1) mask of the slots that count."""
    def slots(off: Any, idx: Any) -> tuple:
        xp = get_array_module(off)
        start, end = _bag_bounds(op, off, n, bags, last)
        length = max(int((end - start).max()) if bags else 0, 1)
        pos = start[:, None] + xp.arange(length)[None, :]
        valid = pos < end[:, None]
        ids = idx.reshape(-1)[xp.minimum(pos, max(n - 1, 0))] if n else xp.zeros_like(pos)
        if padding_idx is not None:
            valid &= ids != padding_idx
        return xp.where(valid, ids, 0), valid[..., None]
    return (lambda off, idx: slots(off, idx)[0]), (lambda off, idx: slots(off, idx)[1])


def embedding_bag(input: Any, weight: Tensor, offsets: Any = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False, padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of rows of ``weight`` (num_embeddings, dim): a 2-D
    ``input`` (B, N) holds B bags of N indices; a 1-D ``input`` is cut into bags where
    ``offsets`` start them (an empty bag gives zeros). ``per_sample_weights`` (mode 'sum' only)
    scale each row; rows at ``padding_idx`` are left out of their bag. Built from
    :func:`embedding`, ``index_add`` and ``amax``, so gradients reach ``weight`` and
    ``per_sample_weights``.

    >>> import scratchgrad as sg
    >>> w = sg.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    >>> embedding_bag(sg.tensor([0, 2, 1]), w, sg.tensor([0, 2]), mode="sum")
    tensor([[3., 2.],
            [0., 1.]])
    """
    op = "embedding_bag"
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(f"{op}: max_norm, scale_grad_by_freq=True and sparse=True are "
                                  "not supported")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{op}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    idx = input if isinstance(input, Tensor) else to_tensor(np.asarray(input))
    if idx._data.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected integer indices (int64 or int32), got dtype "
                        f"{idx.dtype} (input of shape {tuple(idx.shape)})")
    if weight.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                         f"{tuple(weight.shape)}")
    num, dim = weight.shape
    xp = get_array_module(weight._data)
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: a 2-D input (here {tuple(idx.shape)}) holds bags of fixed "
                             f"length, so offsets must be None, got offsets of shape "
                             f"{tuple(to_tensor(offsets).shape)}")
        bags = idx.shape[0]
        off = Tensor._make(constant_array(xp.arange(bags, dtype=xp.int64) * idx.shape[1]))
        include_last_offset = False
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError(f"{op}: a 1-D input (here {tuple(idx.shape)}) needs 1-D offsets "
                             "that start the bags, got None")
        off = offsets if isinstance(offsets, Tensor) else to_tensor(np.asarray(offsets))
        if off._data.dtype.kind not in "iu":
            raise TypeError(f"{op}: expected integer offsets (int64 or int32), got dtype "
                            f"{off.dtype}")
        if off.ndim != 1:
            raise ValueError(f"{op}: offsets must be 1-D, got shape {tuple(off.shape)}")
        bags = off.shape[0] - 1 if include_last_offset else off.shape[0]
        if bags < 0:
            raise ValueError(f"{op}: with include_last_offset=True offsets need at least one "
                             "element, got none")
    else:
        raise ValueError(f"{op}: expected a 1-D or 2-D input, got shape {tuple(idx.shape)}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise ValueError(f"{op}: per_sample_weights are only supported with mode='sum', "
                             f"got mode={mode!r}")
        if tuple(per_sample_weights.shape) != tuple(idx.shape):
            raise ValueError(f"{op}: per_sample_weights of shape "
                             f"{tuple(per_sample_weights.shape)} must have the input's shape "
                             f"{tuple(idx.shape)}")
        if per_sample_weights.dtype != weight.dtype:
            raise TypeError(f"{op}: per_sample_weights of dtype {per_sample_weights.dtype} must "
                            f"have the weight's dtype {weight.dtype}")
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"{op}: padding_idx {padding_idx} must be within [{-num}, {num})")
        padding_idx %= num
    n = idx._data.size
    flat = idx if idx.ndim == 1 else _reshape(idx, (n,))
    last = include_last_offset
    if mode == "max":
        take, valid = _bag_slots(op, n, bags, last, padding_idx)
        rows = embedding(array_op(take, off, flat), weight)
        ok = array_op(valid, off, flat)
        top = _amax(_where(ok, rows, -math.inf), dim=1)
        filled = array_op(lambda v: v.any(axis=1), ok)
        return _where(filled, top, 0.0)
    rows = embedding(flat, weight)
    scale = None
    if per_sample_weights is not None:
        scale = _reshape(per_sample_weights, (n, 1))
    if padding_idx is not None:
        keep = array_op(lambda i: (i != padding_idx).astype(weight._data.dtype).reshape(-1, 1),
                        flat)
        scale = keep if scale is None else scale * keep
    if scale is not None:
        rows = rows * scale
    ids = array_op(_bag_ids(op, n, bags, last), off)
    zero = Tensor._make(constant_array(xp.zeros((bags + 1, dim), dtype=weight._data.dtype)))
    out = _index_add(zero, 0, ids, rows)[:bags]
    if mode == "mean":
        out = out / array_op(_bag_sizes(op, n, bags, last, padding_idx, weight._data.dtype),
                             off, flat)
    return out


# ---------------------------------------------------------------------- group norm, dropout
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise (N, C, *) input over each group of ``C / num_groups`` channels (and all
    spatial positions) of each sample, then scale and shift per channel. Runs as a layer norm
    over the (N, num_groups, rest) view, so it reuses that fused op.

    >>> import scratchgrad as sg
    >>> y = group_norm(sg.randn(2, 4, 3), 2)
    >>> y.shape, round(y[0, :2].mean().item(), 5) == 0
    ((2, 4, 3), True)
    """
    op = "group_norm"
    x = to_float_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"{op}: expected an input of at least 2 dimensions (N, C, *), got "
                         f"shape {tuple(x.shape)}")
    N, C = x.shape[:2]
    if not isinstance(num_groups, int) or num_groups < 1 or C % num_groups:
        raise ValueError(f"{op}: expected the number of channels of the input to be divisible "
                         f"by num_groups, got input of shape {tuple(x.shape)} and num_groups="
                         f"{num_groups!r}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"{op}: expected {name} to be a vector of size equal to the number "
                             f"of channels in input ({C}), got {name} of shape "
                             f"{tuple(t.shape)} and input of shape {tuple(x.shape)}")
    rest = x.numel() // (N * num_groups) if N else 0
    y = _reshape(layer_norm(_reshape(x, (N, num_groups, rest)), (rest,), eps=eps), x.shape)
    per_channel = (C,) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * _reshape(weight, per_channel)
    if bias is not None:
        y = y + _reshape(bias, per_channel)
    return y


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


# ---------------------------------------------------------------------- attention
def _attention_mask_shape(mask: Tensor, scores_shape: tuple, op: str, what: str) -> None:
    try:
        ok = np.broadcast_shapes(tuple(mask.shape), scores_shape) == scores_shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{op}: {what} of shape {tuple(mask.shape)} does not broadcast to the "
                         f"attention scores of shape {scores_shape} (..., L, S)")


def _attend(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | None, keep: Tensor | None,
            dropout_p: float, scale: float, hide: tuple = ()) -> tuple[Tensor, Tensor]:
    """softmax(q k^T scale + bias) @ v, and the weights, with the scores of pairs where
    ``keep`` is False or any mask in ``hide`` is True set to -inf.

    A row with no key left (every score -inf) gets zero weights, as PyTorch's scaled dot
    product attention does, instead of the nan of a plain softmax; the row is replaced by
    zeros before the softmax so that no nan reaches the backward either. Masks only ever
    enter as conditions of ``where`` and the dead rows are found with ops (amax, isinf), never
    with comparisons on arrays, so that scratchgrad.compile replays them with each call's
    masks instead of baking in the traced call's.
    """
    scores = _matmul(q, k.transpose(-2, -1)) * scale
    if bias is not None:
        scores = scores + bias
    if keep is not None:
        scores = _where(keep, scores, -math.inf)
    for m in hide:
        scores = _where(m, -math.inf, scores)
    if bias is not None or keep is not None or hide:
        dead = _isinf(scores.detach().amax(-1, keepdim=True))
        weights = _where(dead, 0.0, _softmax(_where(dead, 0.0, scores), -1))
    else:
        weights = _softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return _matmul(weights, v), weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(query key^T * scale + mask) value`` over (..., L, E) queries, (..., S, E)
    keys and (..., S, Ev) values, batched over the leading dimensions; ``scale`` defaults to
    ``1 / sqrt(E)``. ``attn_mask`` broadcasts to (..., L, S): a bool mask says which pairs take
    part (True), a float mask is added to the scores. ``is_causal`` masks key j > query i.
    ``dropout_p`` drops attention weights (always, as in PyTorch: pass 0 in evaluation).
    ``enable_gqa`` lets the key/value head dimension (-3) divide the query's (grouped-query
    attention). A query that may see no key gets zeros.

    >>> import scratchgrad as sg
    >>> q = sg.randn(2, 4, 5, 8)
    >>> scaled_dot_product_attention(q, q, q, is_causal=True).shape
    (2, 4, 5, 8)
    """
    op = "scaled_dot_product_attention"
    q, k, v = to_float_tensor(query), to_float_tensor(key), to_float_tensor(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ValueError(f"{op}: query, key and value need at least 2 dimensions (..., L, E), "
                         f"got shapes {tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"{op}: expected query (..., L, E), key (..., S, E) and value "
                         f"(..., S, Ev), got shapes {tuple(q.shape)}, {tuple(k.shape)} and "
                         f"{tuple(v.shape)}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be between 0 and 1, got {dropout_p}")
    if enable_gqa and q.ndim >= 3 and k.ndim >= 3:
        hq, hk, hv = q.shape[-3], k.shape[-3], v.shape[-3]
        if hk != hv or hq % hk:
            raise ValueError(f"{op}: with enable_gqa the number of query heads ({hq}) must be "
                             f"a multiple of the key and value heads ({hk} and {hv}); shapes "
                             f"{tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}")
        if hq != hk:
            k = k.repeat_interleave(hq // hk, dim=-3)
            v = v.repeat_interleave(hq // hk, dim=-3)
    L, S = q.shape[-2], k.shape[-2]
    try:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(f"{op}: the batch dimensions of query {tuple(q.shape)}, key "
                         f"{tuple(k.shape)} and value {tuple(v.shape)} do not broadcast "
                         "together") from None
    scores_shape = tuple(batch) + (L, S)
    bias = keep = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: give either attn_mask or is_causal=True, not both")
        xp = get_array_module(q._data)
        keep = Tensor._make(constant_array(xp.asarray(np.tril(np.ones((L, S), dtype=bool)))))
    elif attn_mask is not None:
        m = to_tensor(attn_mask)
        _attention_mask_shape(m, scores_shape, op, "attn_mask")
        if m.dtype == np.bool_:
            keep = m
        elif m.dtype.kind == "f":
            bias = m if m.dtype == q.dtype else m.to(q.dtype)
        else:
            raise TypeError(f"{op}: attn_mask must be bool or floating point, got {m.dtype}")
    s = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    return _attend(q, k, v, bias, keep, dropout_p, s)[0]


# ---------------------------------------------------------------------- instance norm
def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample of (N, C, *) input over its spatial positions,
    then scale and shift per channel. With ``use_input_stats`` the running statistics (if
    given) move towards the batch average of the per-instance mean and unbiased variance;
    otherwise the running statistics normalise. Runs as a layer norm over the (N, C, rest)
    view, so it reuses that fused op.

    >>> import scratchgrad as sg
    >>> y = instance_norm(sg.randn(2, 3, 10))
    >>> y.shape, round(y[1, 2].mean().item(), 5) == 0
    ((2, 3, 10), True)
    """
    op = "instance_norm"
    x = to_float_tensor(input)
    if x.ndim < 3:
        raise ValueError(f"{op}: expected an input of at least 3 dimensions (N, C, *), got shape "
                         f"{tuple(x.shape)}")
    N, C = x.shape[:2]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (C,):
            raise ValueError(f"{op}: expected {name} of shape ({C},) for an input of shape "
                             f"{tuple(x.shape)}, got {tuple(t.shape)}")
    per_channel = (1, C) + (1,) * (x.ndim - 2)
    if use_input_stats:
        rest = x.numel() // (N * C) if N * C else 0
        if rest <= 1:
            raise ValueError(f"{op}: expected more than 1 spatial element when training, got "
                             f"input of shape {tuple(x.shape)}")
        y = _reshape(layer_norm(_reshape(x, (N, C, rest)), (rest,), eps=eps), x.shape)
        if running_mean is not None or running_var is not None:
            from .._config import no_grad  # noqa: PLC0415

            with no_grad():
                flat = _reshape(x.detach(), (N, C, rest))
                if running_mean is not None:
                    new = flat.mean(2).mean(0).to(running_mean.dtype)
                    running_mean.copy_(running_mean * (1.0 - momentum) + new * momentum)
                if running_var is not None:
                    new = flat.var(2, unbiased=True).mean(0).to(running_var.dtype)
                    running_var.copy_(running_var * (1.0 - momentum) + new * momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: running_mean and running_var are required when "
                             "use_input_stats=False")
        y = ((x - _reshape(running_mean, per_channel))
             / _sqrt(_reshape(running_var, per_channel) + eps))
    if weight is not None:
        y = y * _reshape(weight, per_channel)
    if bias is not None:
        y = y + _reshape(bias, per_channel)
    return y


# ---------------------------------------------------------------------- pixel shuffle
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C r^2, H, W) into (*, C, H r, W r) (sub-pixel convolution's upsampling).

    >>> import scratchgrad as sg
    >>> pixel_shuffle(sg.arange(8.0).reshape(1, 4, 1, 2), 2)
    tensor([[[[0., 2., 1., 3.],
              [4., 6., 5., 7.]]]])
    """
    x = to_tensor(input)
    r = upscale_factor
    if not isinstance(r, (int, np.integer)) or isinstance(r, bool) or r < 1:
        raise ValueError(f"pixel_shuffle: upscale_factor must be a positive int, got {r!r}")
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: expected an input (*, C * {r}**2, H, W) with at least "
                         f"3 dimensions and channels divisible by {r * r}, got shape "
                         f"{tuple(x.shape)}")
    *batch, C, H, W = x.shape
    b = len(batch)
    y = _reshape(x, (*batch, C // (r * r), r, r, H, W))
    y = y.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return _reshape(y, (*batch, C // (r * r), H * r, W * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H r, W r) into (*, C r^2, H, W), the inverse of :func:`pixel_shuffle`.

    >>> import scratchgrad as sg
    >>> x = sg.randn(2, 3, 4, 6)
    >>> bool((pixel_shuffle(pixel_unshuffle(x, 2), 2) == x).all())
    True
    """
    x = to_tensor(input)
    r = downscale_factor
    if not isinstance(r, (int, np.integer)) or isinstance(r, bool) or r < 1:
        raise ValueError(f"pixel_unshuffle: downscale_factor must be a positive int, got {r!r}")
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise ValueError(f"pixel_unshuffle: expected an input (*, C, H, W) with at least 3 "
                         f"dimensions and H and W divisible by {r}, got shape {tuple(x.shape)}")
    *batch, C, H, W = x.shape
    b = len(batch)
    y = _reshape(x, (*batch, C, H // r, r, W // r, r))
    y = y.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return _reshape(y, (*batch, C * r * r, H // r, W // r))


# ---------------------------------------------------------------------- bilinear
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y_k = x1^T W_k x2 + b_k`` for (*, in1) and (*, in2) inputs and a weight
    (out, in1, in2); one einsum.

    >>> import scratchgrad as sg
    >>> bilinear(sg.randn(4, 3), sg.randn(4, 5), sg.randn(2, 3, 5)).shape
    (4, 2)
    """
    a, b, W = to_float_tensor(input1), to_float_tensor(input2), to_float_tensor(weight)
    if (W.ndim != 3 or a.ndim < 1 or a.shape[:-1] != b.shape[:-1]
            or a.shape[-1] != W.shape[1] or b.shape[-1] != W.shape[2]):
        raise ValueError(f"bilinear: expected input1 (*, in1), input2 (*, in2) with the same "
                         f"leading dimensions and weight (out, in1, in2), got shapes "
                         f"{tuple(a.shape)}, {tuple(b.shape)} and {tuple(W.shape)}")
    if bias is not None and tuple(bias.shape) != (W.shape[0],):
        raise ValueError(f"bilinear: expected bias of shape ({W.shape[0]},), got "
                         f"{tuple(bias.shape)}")
    from ..ops import einsum as _einsum  # noqa: PLC0415

    y = _einsum("...i,kij,...j->...k", a, W, b)
    return y if bias is None else y + bias


# ---------------------------------------------------------------------- more losses
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm distance ``d`` of
    :func:`pairwise_distance` (over the last dimension of (N, D) or (D,) inputs); ``swap``
    uses ``min(d(a, n), d(p, n))`` as the negative distance.

    >>> import scratchgrad as sg
    >>> a = sg.tensor([[0.0, 0.0]])
    >>> triplet_margin_loss(a, sg.tensor([[1.0, 0.0]]), sg.tensor([[3.0, 0.0]]), eps=0.0)
    tensor(0.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "triplet_margin_loss")
    a, pos, neg = (to_float_tensor(t) for t in (anchor, positive, negative))
    if not a.ndim == pos.ndim == neg.ndim or a.ndim not in (1, 2):
        raise ValueError(f"triplet_margin_loss: expected anchor, positive and negative all 1-D "
                         f"(D,) or all 2-D (N, D), got shapes {tuple(a.shape)}, "
                         f"{tuple(pos.shape)} and {tuple(neg.shape)}")
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = _minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce(_clamp(d_pos - d_neg + margin, min=0.0), reduction)


def poisson_nll_loss(input: Tensor, target: Any, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: ``exp(input) - target * input`` for a log-rate input
    (``log_input=True``), else ``input - target * log(input + eps)``; ``full`` adds
    Stirling's ``target log(target) - target + log(2 pi target) / 2`` where target > 1.

    >>> import scratchgrad as sg
    >>> poisson_nll_loss(sg.tensor([0.0]), sg.tensor([1.0]))
    tensor(1.)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "poisson_nll_loss")
    x, t = _broadcast_pair(input, target, "poisson_nll_loss")
    loss = _exp(x) - t * x if log_input else x - t * _log(x + eps)
    if full:
        big = t > 1
        safe = _where(big, t, 1.0)  # log is never taken of a target <= 0 (nan gradients)
        stirling = safe * _log(safe) - safe + 0.5 * _log(2 * math.pi * safe)
        loss = loss + _where(big, stirling, 0.0)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------- 1-D adaptive pooling
def adaptive_avg_pool1d(input: Tensor, output_size: int) -> Tensor:
    """Average pooling of (N, C, L) or (C, L) input to ``output_size`` positions, with
    PyTorch's windows; runs as :func:`adaptive_avg_pool2d` on a height-1 image.

    >>> import scratchgrad as sg
    >>> adaptive_avg_pool1d(sg.tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2)
    tensor([[[1.5000, 3.5000]]])
    """
    op = "adaptive_avg_pool1d"
    size = _single(output_size, "output_size", op, 1)
    return _from_2d(adaptive_avg_pool2d(_as_2d(to_tensor(input), op), (1, size)))


def adaptive_max_pool1d(input: Tensor, output_size: int, return_indices: bool = False) -> Any:
    """Max pooling of (N, C, L) or (C, L) input to ``output_size`` positions, with PyTorch's
    windows; ``return_indices`` also returns each maximum's index along L (int64). Runs as
    :func:`adaptive_max_pool2d` on a height-1 image.

    >>> import scratchgrad as sg
    >>> adaptive_max_pool1d(sg.tensor([[[1.0, 4.0, 3.0, 2.0, 0.0]]]), 2, return_indices=True)
    (tensor([[[4., 3.]]]), tensor([[[1, 2]]]))
    """
    op = "adaptive_max_pool1d"
    size = _single(output_size, "output_size", op, 1)
    out = adaptive_max_pool2d(_as_2d(to_tensor(input), op), (1, size), return_indices)
    if return_indices:
        return _from_2d(out[0]), _from_2d(out[1])
    return _from_2d(out)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-D transposed convolution of ``input`` (N, Cin, L) or (Cin, L) with ``weight``
    (Cin, Cout/groups, K): the gradient of :func:`conv1d` with respect to its input. Output
    length (L - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1. Runs as
    :func:`conv_transpose2d` on a height-1 image.

    >>> import scratchgrad as sg
    >>> conv_transpose1d(sg.randn(2, 4, 5), sg.randn(4, 3, 3), stride=2).shape
    (2, 3, 11)
    """
    op = "conv_transpose1d"
    x, W = to_tensor(input), to_tensor(weight)
    if W.ndim != 3:
        raise ValueError(f"{op}: weight must be 3-D (in_channels, out_channels/groups, kL), "
                         f"got shape {tuple(W.shape)}")
    _check_float(op, x, W, None if bias is None else to_tensor(bias))
    x2 = _as_2d(x, op)
    s = _single(stride, "stride", op, 1)
    d = _single(dilation, "dilation", op, 1)
    p = _single(padding, "padding", op)
    o = _single(output_padding, "output_padding", op)
    if o >= max(s, d):
        raise ValueError(f"{op}: output_padding {o} must be smaller than either stride {s} or "
                         f"dilation {d}")
    W2 = _reshape(W, W.shape[:2] + (1, W.shape[2]))
    try:
        y = conv_transpose2d(x2, W2, bias, (1, s), (0, p), (0, o), groups, (1, d))
    except ValueError as e:  # the 2-D op's message, with the 1-D shapes the caller gave
        raise ValueError(f"{op}: input of shape {tuple(x.shape)}, weight of shape "
                         f"{tuple(W.shape)}, stride {s}, padding {p}, groups {groups}: "
                         f"{str(e).split(': ', 1)[-1]}") from None
    return _from_2d(y)


# ---------------------------------------------------------------------- shrinkage, RMSNorm
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0.

    >>> import scratchgrad as sg
    >>> hardshrink(sg.tensor([-1.0, 0.2, 0.7]))
    tensor([-1.0000,  0.0000,  0.7000])
    """
    x = to_float_tensor(input)
    return _where(_abs(x) > lambd, x, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0.

    >>> import scratchgrad as sg
    >>> softshrink(sg.tensor([-1.0, 0.2, 0.7]))
    tensor([-0.5000,  0.0000,  0.2000])
    """
    if lambd < 0:
        raise ValueError(f"softshrink: lambda must be greater or equal to 0, got {lambd}")
    x = to_float_tensor(input)
    return _where(x > lambd, x - lambd, _where(x < -lambd, x + lambd, 0.0))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x).

    >>> import scratchgrad as sg
    >>> tanhshrink(sg.tensor([0.0]))
    tensor([0.])
    """
    x = to_float_tensor(input)
    return x - _tanh(x)


def rms_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the trailing ``normalized_shape``
    dimensions; ``eps`` defaults to the dtype's machine epsilon, as in PyTorch.

    >>> import scratchgrad as sg
    >>> rms_norm(sg.tensor([[3.0, 4.0]]), (2,), eps=0.0)
    tensor([[0.8485, 1.1314]])
    """
    x = to_float_tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise ValueError(f"rms_norm: normalized_shape {shape} does not match the trailing "
                         f"dimensions of the input of shape {tuple(x.shape)}")
    if eps is None:
        eps = float(np.finfo(x._data.dtype).eps)
    dims = tuple(range(x.ndim - len(shape), x.ndim))
    y = x * _rsqrt((x * x).mean(dim=dims, keepdim=True) + eps)
    return y if weight is None else y * weight


# ---------------------------------------------------------------------- more dropout
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


# ---------------------------------------------------------------------- in-place activations
def _in_place(op: str, input: Tensor, result: Tensor) -> Tensor:
    """Write an activation's result into ``input``. Outside autograd only: scratchgrad's
    in-place ops do not rewrite the graph, so a tensor that requires grad is refused."""
    if input.requires_grad and _is_grad_enabled():
        raise RuntimeError(f"{op}: in place on a tensor that requires grad is not supported; "
                           f"use the out-of-place form")
    return input.copy_(result)


def relu_(input: Tensor) -> Tensor:
    """:func:`relu` in place.

    >>> import scratchgrad as sg
    >>> x = sg.tensor([-1.0, 2.0])
    >>> relu_(x) is x, x
    (True, tensor([0., 2.]))
    """
    return _in_place("relu_", input, relu(input))


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """:func:`elu` in place."""
    return _in_place("elu_", input, elu(input, alpha))


def selu_(input: Tensor) -> Tensor:
    """:func:`selu` in place."""
    return _in_place("selu_", input, selu(input))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """:func:`celu` in place."""
    return _in_place("celu_", input, celu(input, alpha))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """:func:`leaky_relu` in place."""
    return _in_place("leaky_relu_", input, leaky_relu(input, negative_slope))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """:func:`hardtanh` in place."""
    return _in_place("hardtanh_", input, hardtanh(input, min_val, max_val))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: F811
    """:func:`threshold` in place."""
    return _in_place("threshold_", input, _threshold(input, threshold, value))


_threshold = threshold


# ---------------------------------------------------------------------- sampling, distances
def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with Gumbel
    noise ``g``; with ``hard`` the one-hot of its argmax, whose gradient is the soft sample's
    (straight-through).

    >>> import scratchgrad as sg
    >>> y = gumbel_softmax(sg.zeros(4, 3), hard=True)
    >>> y.sum(dim=-1).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    from ..factory import rand_like

    x = to_float_tensor(logits)
    xp = get_array_module(x._data)
    gumbels = -_log(-_log(_clamp(rand_like(x), min=1e-20)))  # -log(Exp(1)) is Gumbel(0, 1)
    y = _softmax((x + gumbels) / tau, dim)
    if not hard:
        return y
    index = y._data.argmax(axis=dim)
    hard_y = xp.zeros(y.shape, dtype=y.dtype)
    xp.put_along_axis(hard_y, xp.expand_dims(index, dim), 1.0, axis=dim)
    return Tensor._make(hard_y) - y.detach() + y


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distances between each pair of rows of an (N, M) input: the upper triangle
    of ``cdist(x, x)`` row by row, N(N - 1)/2 values.

    >>> import scratchgrad as sg
    >>> pdist(sg.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    tensor([5.0000, 1.0000, 4.2426])
    """
    x = to_float_tensor(input)
    if x.ndim != 2:
        raise ValueError(f"pdist: expected a 2-D (N, M) input, got shape {tuple(x.shape)}")
    i, j = np.triu_indices(x.shape[0], 1)
    d = x[constant_array(i)] - x[constant_array(j)]
    return _vector_norm(d, p, -1, False, "pdist")


# ---------------------------------------------------------------------- pooling and upsampling
def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over (N, C, L): ``(sum over the window of x**p) ** (1 / p)``.

    >>> import scratchgrad as sg
    >>> lp_pool1d(sg.tensor([[[3.0, 4.0]]]), 2, 2)
    tensor([[[5.]]])
    """
    x = to_float_tensor(input)
    y = avg_pool1d(x ** norm_type, kernel_size, stride, 0, ceil_mode)
    return (_sign(y) * _relu(_abs(y))) ** (1.0 / norm_type) * kernel_size ** (1.0 / norm_type)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling over (N, C, H, W); see :func:`lp_pool1d`.

    >>> import scratchgrad as sg
    >>> lp_pool2d(sg.ones(1, 1, 2, 2), 2, 2)
    tensor([[[[2.]]]])
    """
    x = to_float_tensor(input)
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    y = avg_pool2d(x ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return (_sign(y) * _relu(_abs(y)) * (kh * kw)) ** (1.0 / norm_type)


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """PyTorch's deprecated name for :func:`interpolate`."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate "
                  "instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated ``interpolate(..., mode='nearest')``."""
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use "
                  "nn.functional.interpolate instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use "
                  "nn.functional.interpolate instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = True) -> Any:
    """:func:`max_pool1d` returning (values, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = True) -> Any:
    """:func:`max_pool2d` returning (values, indices)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = True) -> Any:
    """:func:`adaptive_max_pool1d` returning (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = True) -> Any:
    """:func:`adaptive_max_pool2d` returning (values, indices)."""
    return adaptive_max_pool2d(input, output_size, True)


# ---------------------------------------------------------------------- margin losses
def multilabel_soft_margin_loss(input: Tensor, target: Any, weight: Tensor | None = None,
                                size_average: Any = None, reduce: Any = None,
                                reduction: str = "mean") -> Tensor:
    """Binary cross-entropy on logits per class of (N, C) input and 0/1 targets, averaged over
    the classes: ``-mean_c(y log sigmoid(x) + (1 - y) log sigmoid(-x))``.

    >>> import scratchgrad as sg
    >>> multilabel_soft_margin_loss(sg.zeros(1, 2), sg.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    x = to_float_tensor(input)
    y = to_tensor(target)
    loss = -(y * logsigmoid(x) + (1.0 - y) * logsigmoid(-x))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.mean(dim=-1), reduction)


def multi_margin_loss(input: Tensor, target: Any, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: Any = None,
                      reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss of (N, C) scores and class indices y:
    ``sum over i != y of max(0, margin - x[y] + x[i]) ** p / C`` (``weight[y]`` scales it).

    >>> import scratchgrad as sg
    >>> multi_margin_loss(sg.tensor([[0.1, 0.2, 0.4, 0.8]]), sg.tensor([3]))
    tensor(0.3250)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, got {p}")
    x = to_float_tensor(input)
    unbatched = x.ndim == 1
    if unbatched:
        x = _unsqueeze(x, 0)
    t = to_tensor(target)._data.reshape(-1).astype(np.int64)
    if x.ndim != 2 or t.shape[0] != x.shape[0]:
        raise ValueError(f"multi_margin_loss: expected (N, C) input and N targets, got shapes "
                         f"{tuple(x.shape)} and {tuple(to_tensor(target).shape)}")
    n, c = x.shape
    rows = constant_array(np.arange(n))
    x_y = _unsqueeze(x[rows, constant_array(t)], 1)
    z = _relu(margin - x_y + x)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * _unsqueeze(to_tensor(weight)[constant_array(t)], 1)
    not_target = constant_array(np.arange(c)[None, :] != t[:, None])
    loss = _where(Tensor._make(not_target), z, 0.0).sum(dim=1) / c
    if unbatched and reduction == "none":
        loss = _reshape(loss, ())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Any, size_average: Any = None,
                           reduce: Any = None, reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: ``target`` (N, C) lists each sample's classes, ended by the first
    -1; the loss sums ``max(0, 1 - (x[j] - x[i]))`` over its classes j and the other classes
    i, divided by C.

    >>> import scratchgrad as sg
    >>> multilabel_margin_loss(sg.tensor([[0.1, 0.2, 0.4, 0.8]]), sg.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multilabel_margin_loss")
    x = to_float_tensor(input)
    unbatched = x.ndim == 1
    if unbatched:
        x = _unsqueeze(x, 0)
    t = np.array(to_tensor(target)._data.tolist(), dtype=np.int64).reshape(x.shape)
    n, c = x.shape
    is_target = np.zeros((n, c), dtype=bool)
    pairs = np.zeros((n, c, c), dtype=bool)  # [sample, target class j, other class i]
    for s in range(n):
        classes = []
        for k in t[s]:
            if k < 0:
                break
            classes.append(k)
        is_target[s, classes] = True
        pairs[s, classes] = True
    pairs &= ~is_target[:, None, :]
    hinge = _relu(1.0 - (_unsqueeze(x, 2) - _unsqueeze(x, 1)))  # [s, j, i]
    loss = _where(Tensor._make(constant_array(pairs)), hinge, 0.0).sum(dim=(1, 2)) / c
    if unbatched and reduction == "none":
        loss = _reshape(loss, ())
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Any = None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with any distance function (default
    :func:`pairwise_distance`); ``swap`` uses ``min(d(a, n), d(p, n))``.

    >>> import scratchgrad as sg
    >>> a = sg.tensor([[0.0, 0.0]])
    >>> triplet_margin_with_distance_loss(a, sg.tensor([[1.0, 0.0]]), sg.tensor([[1.5, 0.0]]))
    tensor(0.5000)
    """
    _check_reduction(reduction, "triplet_margin_with_distance_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: margin must be greater than 0, "
                         f"got {margin}")
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = _minimum(d_neg, dist(positive, negative))
    return _reduce(_clamp(d_pos - d_neg + margin, min=0.0), reduction)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Divide each value by ``(k + alpha * mean of x**2 over size neighbouring channels) **
    beta`` (AlexNet's normalisation), for (N, C, ...) input.

    >>> import scratchgrad as sg
    >>> local_response_norm(sg.ones(1, 3, 1, 1), 2, alpha=1.0, beta=1.0).flatten().tolist()
    [0.6666666865348816, 0.5, 0.5]
    """
    x = to_float_tensor(input)
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: expected an input of 3 or more dimensions "
                         f"(N, C, ...), got shape {tuple(x.shape)}")
    sq = x * x
    n, c = x.shape[:2]
    flat = _reshape(sq, (n, 1, c, -1))  # channels as the height of a one-channel image
    flat = pad(flat, (0, 0, size // 2, (size - 1) // 2))
    avg = avg_pool2d(flat, (size, 1), stride=1)
    div = _reshape(avg, x.shape) * alpha + k
    return x / div ** beta
