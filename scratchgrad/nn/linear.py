"""Linear, Identity, Flatten, Embedding, EmbeddingBag and Bilinear layers, with PyTorch's
default initialisation."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import ops
from .._config import no_grad
from ..ops.nn import embedding, linear
from ..tensor import Tensor
from .parameter import Parameter
from . import init
from .module import Module

__all__ = ["Identity", "Linear", "Flatten", "Unflatten", "Embedding", "EmbeddingBag", "Bilinear"]


def _empty(*shape: int, dtype: Any = None) -> Parameter:
    return Parameter(np.empty(shape, dtype=np.float32 if dtype is None else dtype))


class Identity(Module):
    """Returns its input; arguments are accepted and ignored (a placeholder layer).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Identity(54, unused="x")(sg.ones(2)).shape
    (2,)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x W^T + b`` over the last dimension: weight (out_features, in_features), bias
    (out_features,), both initialised from U(-1/sqrt(in_features), 1/sqrt(in_features)) like
    PyTorch's (kaiming_uniform with a = sqrt(5) for the weight).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> fc = nn.Linear(4, 3)
    >>> fc(sg.randn(2, 4)).shape, fc.weight.shape
    ((2, 3), (3, 4))
    >>> fc
    Linear(in_features=4, out_features=3, bias=True)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = _empty(out_features, in_features, dtype=dtype)
        if bias:
            self.bias = _empty(out_features, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Draw new weights from the global generator (PyTorch's default scheme).

        >>> from scratchgrad import nn
        >>> fc = nn.Linear(9, 2); fc.reset_parameters()
        >>> bool((fc.weight.abs() <= 1 / 3).all())
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise ValueError(f"{self!r}: expected an input with {self.in_features} features in "
                             f"its last dimension, got an input of shape {tuple(input.shape)}")
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` (by default all but the batch dimension).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Flatten()(sg.zeros(2, 3, 4, 5)).shape
    (2, 60)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (the inverse of Flatten).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Unflatten(1, (3, 4))(sg.zeros(2, 12)).shape
    (2, 3, 4)
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        d = ops.normalize_dim(self.dim, input.ndim, "Unflatten")
        shape = input.shape[:d] + self.unflattened_size + input.shape[d + 1:]
        return ops.reshape(input, shape)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``, drawn from
    N(0, 1); integer input of any shape gives ``input.shape + (embedding_dim,)``. The row at
    ``padding_idx`` starts at zero and gets no gradient. The backward is a sort-based
    scatter-add (repeated indices accumulate).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> emb = nn.Embedding(10, 4, padding_idx=0)
    >>> emb(sg.tensor([[1, 2, 0]])).shape
    (1, 3, 4)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are "
                                      "not supported")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                                 f"[{-num_embeddings}, {num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = _empty(num_embeddings, embedding_dim, dtype=dtype)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {tuple(_weight.shape)}, "
                                 f"expected ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Draw N(0, 1) weights; zero the padding row.

        >>> from scratchgrad import nn
        >>> emb = nn.Embedding(4, 2, padding_idx=3); emb.reset_parameters(); emb.weight[3]
        tensor([0., 0.], grad_fn=<GetItemBackward0>)
        """
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None) -> "Embedding":
        """An Embedding holding the given (num, dim) matrix, frozen by default.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> nn.Embedding.from_pretrained(sg.eye(3))(sg.tensor([2]))
        tensor([[0., 0., 1.]])
        """
        w = embeddings if isinstance(embeddings, Tensor) else Tensor(embeddings)
        if w.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: expected a 2-D matrix, got shape "
                             f"{w.shape}")
        return cls(w.shape[0], w.shape[1], padding_idx=padding_idx,
                   _weight=Tensor._make(w._data.copy()), _freeze=freeze)

    def forward(self, input: Any) -> Tensor:
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s


class EmbeddingBag(Module):
    """Sums, means (default) or maxima over bags of embedding vectors, without building the
    (bags, length, dim) tensor of :class:`Embedding` first. ``weight`` (num_embeddings,
    embedding_dim) is drawn from N(0, 1), its ``padding_idx`` row zeroed. ``forward(input,
    offsets=None, per_sample_weights=None)``: a 2-D input holds one bag per row; a 1-D input
    is cut into bags at ``offsets`` (see :func:`scratchgrad.nn.functional.embedding_bag`).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> bag = nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(sg.tensor([1, 2, 4, 5, 4]), sg.tensor([0, 2])).shape
    (2, 3)
    >>> bag
    EmbeddingBag(10, 3, mode='sum')
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("EmbeddingBag: max_norm, scale_grad_by_freq=True and "
                                      "sparse=True are not supported")
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"EmbeddingBag: padding_idx {padding_idx} must be within "
                                 f"[{-num_embeddings}, {num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.mode, self.include_last_offset = mode, include_last_offset
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = _empty(num_embeddings, embedding_dim, dtype=dtype)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"EmbeddingBag: _weight has shape {tuple(_weight.shape)}, "
                                 f"expected ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight)
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Draw N(0, 1) weights; zero the padding row.

        >>> from scratchgrad import nn
        >>> bag = nn.EmbeddingBag(4, 2, padding_idx=1); bag.reset_parameters()
        >>> bag.weight.data[1].tolist()
        [0.0, 0.0]
        """
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0

    def forward(self, input: Any, offsets: Any = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        from .functional import embedding_bag  # noqa: PLC0415  (functional imports ops.nn)

        try:
            return embedding_bag(input, self.weight, offsets, mode=self.mode,
                                 per_sample_weights=per_sample_weights,
                                 include_last_offset=self.include_last_offset,
                                 padding_idx=self.padding_idx)
        except (ValueError, TypeError) as e:
            raise type(e)(f"{self!r}: {e}") from None

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s


class Bilinear(Module):
    """``y_k = x1^T W_k x2 + b_k``: weight (out_features, in1_features, in2_features), bias
    (out_features,), both from U(-1/sqrt(in1_features), 1/sqrt(in1_features)) as in PyTorch.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> bl = nn.Bilinear(3, 5, 2)
    >>> bl(sg.randn(4, 3), sg.randn(4, 5)).shape, bl.weight.shape
    ((4, 2), (2, 3, 5))
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = _empty(out_features, in1_features, in2_features, dtype=dtype)
        if bias:
            self.bias = _empty(out_features, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Draw weight and bias from U(-1/sqrt(in1_features), 1/sqrt(in1_features)).

        >>> from scratchgrad import nn
        >>> bl = nn.Bilinear(4, 2, 3); bl.reset_parameters()
        >>> bool((bl.weight.abs() <= 0.5).all())
        True
        """
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        if (input1.ndim == 0 or input2.ndim == 0 or input1.shape[-1] != self.in1_features
                or input2.shape[-1] != self.in2_features):
            raise ValueError(f"{self!r}: expected inputs with {self.in1_features} and "
                             f"{self.in2_features} features in their last dimension, got shapes "
                             f"{tuple(input1.shape)} and {tuple(input2.shape)}")
        from .functional import bilinear  # noqa: PLC0415  (functional imports this module's ops)

        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
