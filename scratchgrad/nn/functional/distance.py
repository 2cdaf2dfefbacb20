"""Distances between vectors: ``pairwise_distance``, ``cosine_similarity``, ``pdist``,
and the p-norm and broadcasting helpers that the losses and ``normalize`` share.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...ops import (abs as _abs, broadcast_to as _broadcast_to, clamp as _clamp, sqrt as _sqrt,
                    where as _where)
from ...ops._util import normalize_dim as _normalize_dim
from ...ops._util import constant_array, to_float_tensor
from ...tensor import Tensor

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


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
