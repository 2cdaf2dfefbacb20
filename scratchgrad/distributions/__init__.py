"""``torch.distributions``' everyday three: Categorical, Normal and Bernoulli.

``sample`` draws without a graph, from scratchgrad's seeded generator; ``Normal.rsample``
keeps the graph (the reparameterization trick), so gradients flow to ``loc`` and ``scale``.
``log_prob`` and ``entropy`` are built from differentiable ops (REINFORCE, entropy bonuses).

>>> import scratchgrad as sg
>>> d = Categorical(probs=sg.tensor([0.25, 0.25, 0.5]))
>>> round(d.log_prob(sg.tensor(2)).item(), 4), tuple(d.sample((2, 3)).shape)
(-0.6931, (2, 3))
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _config
from .._size import Size
from ..factory import multinomial, rand, randn, tensor
from ..nn import functional as F
from ..tensor import Tensor

__all__ = ["Distribution", "Categorical", "Normal", "Bernoulli"]


def _as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    dtype = like.dtype if like is not None else None
    return tensor(x, dtype=dtype) if dtype is not None else tensor(float(x))


def _expand_to(x: Tensor, shape: tuple) -> Tensor:
    return x if tuple(x.shape) == tuple(shape) else x.expand(*shape)


class Distribution:
    """Base class: ``batch_shape``, ``event_shape``, ``sample``, ``rsample``, ``stddev``."""

    has_rsample = False

    def __init__(self, batch_shape: tuple = (), event_shape: tuple = (),
                 validate_args: bool | None = None) -> None:
        self._batch_shape, self._event_shape = Size(batch_shape), Size(event_shape)

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> tuple:
        return tuple(Size(sample_shape)) + tuple(self._batch_shape) + tuple(self._event_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no rsample: its samples are not "
                                  "differentiable")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with _config.no_grad():
            return self.rsample(sample_shape)

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def __repr__(self) -> str:
        shown = []
        for k in self._params:
            v = getattr(self, k)
            shown.append(f"{k}: {v.shape if v.dim() else v}")
        params = ", ".join(shown)
        return f"{type(self).__name__}({params})"


class Categorical(Distribution):
    """One of ``K`` categories, from ``probs`` (normalized here) or ``logits`` (last dim)."""

    _params = ("probs",)

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            eps = float(np.finfo(self.probs.dtype).eps)
            self.logits = self.probs.clamp(min=eps, max=1 - eps).log()
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self.probs = F.softmax(self.logits, dim=-1)
        self._num_events = self.probs.shape[-1]
        super().__init__(tuple(self.probs.shape[:-1]), (), validate_args)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        n = int(np.prod(Size(sample_shape))) if len(Size(sample_shape)) else 1
        with _config.no_grad():
            rows = self.probs.reshape(-1, self._num_events)
            drawn = multinomial(rows, n, replacement=True)  # (rows, n)
            return drawn.t().reshape(*shape) if shape else drawn.reshape(())

    def log_prob(self, value: Tensor) -> Tensor:
        value = _as_tensor(value).long()
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self._batch_shape))
        logits = _expand_to(self.logits, tuple(shape) + (self._num_events,))
        index = _expand_to(value, shape).unsqueeze(-1)
        return logits.gather(-1, index).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=float(np.finfo(self.logits.dtype).min))
        return -(logits * self.probs).sum(-1)

    @property
    def param_shape(self) -> Size:
        return self.probs.shape

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)


class Normal(Distribution):
    """The Gaussian with mean ``loc`` and standard deviation ``scale`` (broadcast)."""

    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        loc = _as_tensor(loc, scale if isinstance(scale, Tensor) else None)
        scale = _as_tensor(scale, loc)
        shape = np.broadcast_shapes(tuple(loc.shape), tuple(scale.shape))
        self.loc, self.scale = _expand_to(loc, shape), _expand_to(scale, shape)
        super().__init__(tuple(shape), (), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale ** 2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = randn(*self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        value = _as_tensor(value, self.loc)
        return (-((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log()
                - math.log(math.sqrt(2 * math.pi)))

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Bernoulli(Distribution):
    """0 or 1, with ``probs`` or ``logits`` of drawing 1."""

    _params = ("probs",)

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.probs = _as_tensor(probs)
            eps = float(np.finfo(self.probs.dtype).eps)
            p = self.probs.clamp(min=eps, max=1 - eps)
            self.logits = p.log() - (1 - p).log()
        else:
            self.logits = _as_tensor(logits)
            self.probs = self.logits.sigmoid()
        super().__init__(tuple(self.probs.shape), (), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with _config.no_grad():
            return (rand(*shape, dtype=self.probs.dtype) < self.probs).to(self.probs.dtype)

    def log_prob(self, value: Any) -> Tensor:
        value = _as_tensor(value, self.logits)
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self.logits.shape))
        return -F.binary_cross_entropy_with_logits(_expand_to(self.logits, shape),
                                                   _expand_to(value, shape), reduction="none")

    def entropy(self) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
