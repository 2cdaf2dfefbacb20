"""Scaled dot-product attention, and ``_attend``, the core that ``nn.MultiheadAttention``
shares with it.
"""
from __future__ import annotations

import math

import numpy as np

from ...backend import get_array_module
from ...ops import isinf as _isinf, matmul as _matmul, softmax as _softmax, where as _where
from ...ops._util import constant_array, to_float_tensor, to_tensor
from ...ops.nn import dropout
from ...tensor import Tensor

__all__ = ["scaled_dot_product_attention"]


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
