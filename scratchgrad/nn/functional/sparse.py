"""Lookups by index (PyTorch's "sparse functions"): ``embedding`` and ``one_hot`` are ops
(``scratchgrad.ops.nn``), re-exported here; ``embedding_bag`` is built from ``embedding``,
``index_add`` and ``amax``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...backend import get_array_module
from ...ops._operands import array_op
from ...ops import amax as _amax, index_add as _index_add, reshape as _reshape, where as _where
from ...ops._util import constant_array, to_tensor
from ...ops.nn import embedding, one_hot
from ...tensor import Tensor

__all__ = ["embedding_bag", "embedding", "one_hot"]


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
