"""MultiheadAttention, with PyTorch's parameters (``in_proj_weight``, ``in_proj_bias``,
``out_proj``; separate ``q/k/v_proj_weight`` when key or value sizes differ), masks and
sequence-first layout by default. The attention itself is
:func:`functional.attention._attend`, shared with ``F.scaled_dot_product_attention``."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import ops
from ..backend import get_array_module
from ..ops._util import to_tensor
from ..ops.nn import linear
from ..tensor import Tensor
from .parameter import Parameter
from . import init
from .functional.attention import _attend
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention"]


def _param(*shape: int, dtype: Any) -> Parameter:
    return Parameter(np.empty(shape, dtype=np.float32 if dtype is None else dtype))


def _add_column(mask: Tensor) -> Tensor:
    """One more key position that everyone may see: False (bool) or 0 (float) appended."""
    xp = get_array_module(mask._data)
    return ops.cat([mask, Tensor._make(xp.zeros(mask.shape[:-1] + (1,), dtype=mask.dtype))],
                   dim=-1)


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size ``embed_dim / num_heads``: queries, keys and
    values are projected (``in_proj_weight``, or ``q/k/v_proj_weight`` when ``kdim``/``vdim``
    differ from ``embed_dim``), attended per head with scale ``1 / sqrt(head_dim)``, and the
    heads concatenated through ``out_proj``. Inputs are (L, N, E) (``batch_first``: (N, L, E))
    or unbatched (L, E). ``attn_mask`` is (L, S) or (N * num_heads, L, S); a bool mask marks
    the pairs that may NOT attend (True), as does ``key_padding_mask`` (N, S); float masks are
    added to the scores. ``is_causal`` is only a hint, as in PyTorch: ``attn_mask`` must be
    given with it. Forward returns ``(output, weights)``; the weights are averaged over the
    heads unless ``average_attn_weights=False``, and None when ``need_weights=False``.

    A query that may see no key at all gets zero weights and output (PyTorch gives nan with
    ``need_weights=True`` and zeros without).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> mha = nn.MultiheadAttention(16, 4)
    >>> x = sg.randn(5, 2, 16)
    >>> out, w = mha(x, x, x)
    >>> out.shape, w.shape
    ((5, 2, 16), (2, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        for arg, value in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"MultiheadAttention: {arg} must be a positive int, got "
                                 f"{value!r}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                             f"num_heads ({num_heads})")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be between 0 and 1, got "
                             f"{dropout}")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _param(3 * embed_dim, embed_dim, dtype=dtype)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = _param(embed_dim, embed_dim, dtype=dtype)
            self.k_proj_weight = _param(embed_dim, self.kdim, dtype=dtype)
            self.v_proj_weight = _param(embed_dim, self.vdim, dtype=dtype)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = _param(3 * embed_dim, dtype=dtype)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = _param(1, 1, embed_dim, dtype=dtype)
            self.bias_v = _param(1, 1, embed_dim, dtype=dtype)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()
        if device is not None:
            self.to(device)

    def _reset_parameters(self) -> None:
        """PyTorch's scheme: xavier-uniform projections, zero biases, xavier-normal bias_k/v
        (out_proj.weight keeps Linear's initialisation)."""
        for w in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight,
                  self.v_proj_weight):
            if w is not None:
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                init.xavier_normal_(b)

    def _error(self, message: str) -> ValueError:
        return ValueError(f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads="
                          f"{self.num_heads}): {message}")

    def _project(self, query: Tensor, key: Tensor, value: Tensor
                 ) -> tuple[Tensor, Tensor, Tensor]:
        E, b = self.embed_dim, self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if not self._qkv_same_embed_dim:
            return (linear(query, self.q_proj_weight, bq), linear(key, self.k_proj_weight, bk),
                    linear(value, self.v_proj_weight, bv))
        W = self.in_proj_weight
        if query is key and key is value:  # self-attention: one product instead of three
            return tuple(ops.chunk(linear(query, W, b), 3, dim=-1))
        return (linear(query, W[:E], bq), linear(key, W[E:2 * E], bk),
                linear(value, W[2 * E:], bv))

    def _masks(self, attn_mask: Any, key_padding_mask: Any, L: int, S: int, N: int,
               batched: bool, dtype: np.dtype) -> tuple[list[Tensor], list[Tensor]]:
        """The masks as lists of (bool "may NOT attend", float "added") tensors, each shaped
        to broadcast against (N, H, L, S)."""
        H = self.num_heads
        masked, added = [], []
        if attn_mask is not None:
            m = to_tensor(attn_mask)
            if m.ndim == 2:
                if tuple(m.shape) != (L, S):
                    raise self._error(f"the 2-D attn_mask has shape {tuple(m.shape)}, expected "
                                      f"(L, S) = {(L, S)}")
            elif m.ndim == 3:
                want = (N * H, L, S) if batched else (H, L, S)
                if tuple(m.shape) != want:
                    form = "(N * num_heads, L, S)" if batched else "(num_heads, L, S)"
                    raise self._error(f"the 3-D attn_mask has shape {tuple(m.shape)}, expected "
                                      f"{form} = {want}")
                m = m.reshape(N, H, L, S)
            else:
                raise self._error(f"attn_mask must be 2-D or 3-D, got shape {tuple(m.shape)}")
            (masked if m.dtype == np.bool_ else added).append(m)
        if key_padding_mask is not None:
            m = to_tensor(key_padding_mask)
            want = (N, S) if batched else (S,)
            if tuple(m.shape) != want:
                raise self._error(f"key_padding_mask has shape {tuple(m.shape)}, expected "
                                  f"{'(N, S)' if batched else '(S,)'} = {want}")
            m = m.reshape(N, 1, 1, S)
            (masked if m.dtype == np.bool_ else added).append(m)
        for m in masked + added:
            if m.dtype != np.bool_ and m.dtype.kind != "f":
                raise TypeError(f"MultiheadAttention: masks must be bool or floating point, got "
                                f"{m.dtype}")
        added = [m if m.dtype == dtype else m.to(dtype) for m in added]
        return masked, added

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        q, k, v = to_tensor(query), to_tensor(key), to_tensor(value)
        if q.ndim not in (2, 3) or k.ndim != q.ndim or v.ndim != q.ndim:
            raise self._error(f"expected query, key and value all 3-D (batched) or all 2-D "
                              f"(unbatched), got shapes {tuple(q.shape)}, {tuple(k.shape)} and "
                              f"{tuple(v.shape)}")
        if is_causal and attn_mask is None:
            raise self._error("is_causal=True is only a hint and needs attn_mask too (e.g. "
                              "Transformer.generate_square_subsequent_mask(L))")
        batched = q.ndim == 3
        if not batched:
            q, k, v = q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)
        elif self.batch_first:
            same_kv = k is v
            same = q is k and same_kv
            q = q.transpose(0, 1)
            k = q if same else k.transpose(0, 1)
            v = k if same_kv else v.transpose(0, 1)
        L, N, E = q.shape
        S = k.shape[0]
        layout = "(N, L, E)" if self.batch_first and batched else "(L, N, E)"
        if E != self.embed_dim:
            raise self._error(f"expected a query with embed_dim {self.embed_dim} features, got "
                              f"shape {tuple(query.shape)}")
        if k.shape[2] != self.kdim or v.shape[2] != self.vdim:
            raise self._error(f"expected key and value with {self.kdim} and {self.vdim} "
                              f"features, got shapes {tuple(key.shape)} and "
                              f"{tuple(value.shape)}")
        if k.shape[:2] != v.shape[:2] or k.shape[1] != N:
            raise self._error(f"key {tuple(key.shape)} and value {tuple(value.shape)} must have "
                              f"the same sequence length and the query's batch size ({N}); "
                              f"inputs are {layout}")
        masked, added = self._masks(attn_mask, key_padding_mask, L, S, N, batched, q.dtype)
        q, k, v = self._project(q, k, v)
        if self.bias_k is not None:
            k = ops.cat([k, self.bias_k.expand(1, N, E)], dim=0)
            v = ops.cat([v, self.bias_v.expand(1, N, E)], dim=0)
            masked, added = [_add_column(m) for m in masked], [_add_column(m) for m in added]
        H, hd = self.num_heads, self.head_dim
        # (len, N, E) -> (N, H, len, head_dim)
        q = q.reshape(L, N, H, hd).permute(1, 2, 0, 3)
        k = k.reshape(k.shape[0], N, H, hd).permute(1, 2, 0, 3)
        v = v.reshape(v.shape[0], N, H, hd).permute(1, 2, 0, 3)
        if self.add_zero_attn:
            xp = get_array_module(k._data)
            zeros = Tensor._make(xp.zeros((N, H, 1, hd), dtype=k.dtype))
            k, v = ops.cat([k, zeros], dim=2), ops.cat([v, zeros], dim=2)
            masked, added = [_add_column(m) for m in masked], [_add_column(m) for m in added]
        bias = None
        for m in added:
            bias = m if bias is None else bias + m
        p = self.dropout if self.training else 0.0
        out, weights = _attend(q, k, v, bias, None, p, 1.0 / math.sqrt(hd), tuple(masked))
        out = self.out_proj(out.permute(2, 0, 1, 3).reshape(L, N, E))
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            weights = weights.squeeze(0)
        return out, weights

    def extra_repr(self) -> str:
        s = f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if not self._qkv_same_embed_dim:
            s += f", kdim={self.kdim}, vdim={self.vdim}"
        if self.batch_first:
            s += ", batch_first=True"
        return s
