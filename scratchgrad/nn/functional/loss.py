"""Regression and likelihood losses. The classification losses that are one op each
(``cross_entropy``, ``nll_loss``, the binary cross-entropies) live in ``scratchgrad.ops.nn``
and are re-exported here; the margin and ranking losses are in :mod:`.margin_loss`.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

from ...backend import get_array_module
from ...ops import (abs as _abs, clamp as _clamp, exp as _exp, log as _log, unsqueeze as _unsqueeze,
                    where as _where)
from ...ops._util import to_float_tensor, to_tensor
from ...ops.nn import (_check_reduction, _legacy_reduction, _reduce, binary_cross_entropy,
                       binary_cross_entropy_with_logits, cross_entropy, nll_loss)
from ...tensor import Tensor
from .distance import _broadcast_pair

__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "gaussian_nll_loss",
    "poisson_nll_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]


# ---------------------------------------------------------------------- regression
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


# ---------------------------------------------------------------------- likelihoods
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
