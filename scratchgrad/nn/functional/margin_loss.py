"""Margin and ranking losses: hinge losses on scores (``margin_ranking_loss``,
``multi_margin_loss``, ...) and on embeddings and their distances (``cosine_embedding_loss``,
the triplet losses).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import (clamp as _clamp, minimum as _minimum, relu as _relu, reshape as _reshape,
                    softplus as _softplus, sqrt as _sqrt, unsqueeze as _unsqueeze, where as _where)
from ...ops._util import constant_array, to_float_tensor, to_tensor
from ...ops.nn import _check_reduction, _legacy_reduction, _reduce
from ...tensor import Tensor
from .activation import logsigmoid
from .distance import _broadcast_pair, pairwise_distance

__all__ = [
    "margin_ranking_loss", "cosine_embedding_loss", "hinge_embedding_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
    "triplet_margin_loss", "triplet_margin_with_distance_loss",
]


# ---------------------------------------------------------------------- on scores
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


# ---------------------------------------------------------------------- triplets
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
