"""Normalisation layers: BatchNorm1d, BatchNorm2d and LayerNorm, with PyTorch's buffers,
state_dict layout, momentum rule and train/eval behaviour."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from ..ops.nn import batch_norm, layer_norm
from ..tensor import Tensor
from .parameter import Parameter
from . import init
from .functional import group_norm, instance_norm
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm1d",
           "InstanceNorm2d"]
__all__ += ["RMSNorm", "LocalResponseNorm"]


class _BatchNorm(Module):
    """Shared body of the BatchNorm layers; subclasses say which input ranks they take."""

    _ranks: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        dt = np.float32 if dtype is None else dtype
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(np.empty(num_features, dtype=dt))
            if bias:
                self.bias = Parameter(np.empty(num_features, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            zeros, ones = np.zeros(num_features, dtype=dt), np.ones(num_features, dtype=dt)
            self.register_buffer("running_mean", Tensor._from_data(zeros))
            self.register_buffer("running_var", Tensor._from_data(ones))
            self.register_buffer("num_batches_tracked",
                                 Tensor._from_data(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen.

        >>> import scratchgrad as sg
        >>> from scratchgrad import nn
        >>> bn = nn.BatchNorm1d(2); _ = bn(sg.randn(4, 2) + 5); bn.reset_running_stats()
        >>> bn.running_mean, bn.num_batches_tracked
        (tensor([0., 0.]), tensor(0))
        """
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, weight to ones and bias to zeros.

        >>> from scratchgrad import nn
        >>> bn = nn.BatchNorm1d(2); bn.reset_parameters(); bn.weight
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
        """
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input(self, input: Tensor) -> None:
        if input.ndim not in self._ranks:
            ranks = " or ".join(f"{r}D" for r in self._ranks)
            raise ValueError(f"{self!r}: expected {ranks} input, got {input.ndim}D input of "
                             f"shape {tuple(input.shape)}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{self!r}: expected {self.num_features} channels in dimension 1, "
                             f"got input of shape {tuple(input.shape)}")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)  # an op, so scratchgrad.compile replays it
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        # In eval mode, use batch statistics only when there are no running ones.
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if keep else None,
                          self.running_var if keep else None, self.weight, self.bias,
                          use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs over N (and L), per channel C.

    Training mode normalises with the batch statistics and updates ``running_mean`` and
    ``running_var`` (unbiased) with ``momentum`` (None: a cumulative average); evaluation mode
    uses the running statistics.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> bn = nn.BatchNorm1d(3)
    >>> bn(sg.randn(8, 3)).shape, list(bn.state_dict())
    ((8, 3), ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'])
    """

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs over N, H and W, per channel C (see
    :class:`BatchNorm1d` for training and evaluation behaviour).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.BatchNorm2d(4)(sg.randn(2, 4, 5, 5)).shape
    (2, 4, 5, 5)
    """

    _ranks = (4,)


class _ElementwiseAffine(Module):
    """What LayerNorm and GroupNorm share: an optional per-element scale ``weight`` (ones)
    and shift ``bias`` (zeros) of a given shape, registered as None when absent."""

    def _affine(self, shape: tuple, affine: bool, bias: bool, device: Any,
                dtype: Any) -> None:
        dt = np.float32 if dtype is None else dtype
        self.register_parameter("weight", Parameter(np.ones(shape, dtype=dt)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(shape, dtype=dt))
                                if affine and bias else None)
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Weight to ones, bias to zeros.

        >>> from scratchgrad import nn
        >>> gn = nn.GroupNorm(1, 2); gn.reset_parameters(); gn.weight.tolist()
        [1.0, 1.0]
        """
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)


class LayerNorm(_ElementwiseAffine):
    """Normalise each sample over its trailing ``normalized_shape`` dimensions, then scale and
    shift elementwise (weight ones, bias zeros); same behaviour in training and evaluation.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> ln = nn.LayerNorm(6)
    >>> ln(sg.randn(2, 3, 6)).shape, ln
    ((2, 3, 6), LayerNorm((6,), eps=1e-05, elementwise_affine=True, bias=True))
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self._affine(self.normalized_shape, elementwise_affine, bias, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        k = len(self.normalized_shape)
        if input.ndim < k or tuple(input.shape[input.ndim - k:]) != self.normalized_shape:
            raise ValueError(f"{self!r}: expected an input whose last dimensions are "
                             f"{self.normalized_shape}, got an input of shape "
                             f"{tuple(input.shape)}")
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(_ElementwiseAffine):
    """Normalise each sample of (N, C, *) input over groups of ``num_channels / num_groups``
    channels, then scale and shift per channel (weight ones, bias zeros); same behaviour in
    training and evaluation.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> gn = nn.GroupNorm(2, 6)
    >>> gn(sg.randn(4, 6, 5, 5)).shape, gn
    ((4, 6, 5, 5), GroupNorm(2, 6, eps=1e-05, affine=True, bias=True))
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        for arg, value in (("num_groups", num_groups), ("num_channels", num_channels)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"GroupNorm: {arg} must be a positive int, got {value!r}")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        self._affine((num_channels,), affine, bias, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(f"{self!r}: expected an input (N, {self.num_channels}, *) with "
                             f"{self.num_channels} channels, got an input of shape "
                             f"{tuple(input.shape)}")
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(_BatchNorm):
    """Shared body of the InstanceNorm layers: _BatchNorm's parameters and buffers (PyTorch's
    state_dict keys), with PyTorch's other defaults (no affine, no running statistics)."""

    _spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        batched_rank = self._spatial + 2
        if input.ndim not in (batched_rank, batched_rank - 1):
            raise ValueError(f"{self!r}: expected {batched_rank}D (batched) or "
                             f"{batched_rank - 1}D (unbatched) input, got {input.ndim}D input "
                             f"of shape {tuple(input.shape)}")
        unbatched = input.ndim == batched_rank - 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features:
            if self.affine:
                raise ValueError(f"{self!r}: expected input's size at dim={1 - unbatched} to "
                                 f"match num_features ({self.num_features}), got input of "
                                 f"shape {tuple(input.shape)}")
            warnings.warn(f"{type(self).__name__}: input's size at dim={1 - unbatched} does not "
                          f"match num_features ({self.num_features}); num_features is not used "
                          "because affine=False", UserWarning, stacklevel=2)
        use_input_stats = self.training or not self.track_running_stats
        y = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          use_input_stats, 0.1 if self.momentum is None else self.momentum,
                          self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Normalise each channel of each sample of (N, C, L) or (C, L) input over L; optional
    per-channel affine (``affine=True``) and running statistics for evaluation
    (``track_running_stats=True``), both off by default as in PyTorch.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.InstanceNorm1d(3)(sg.randn(2, 3, 10)).shape
    (2, 3, 10)
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Normalise each channel of each sample of (N, C, H, W) or (C, H, W) input over H and W
    (see :class:`InstanceNorm1d` for the options).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.InstanceNorm2d(3, affine=True)(sg.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    _spatial = 2


class RMSNorm(Module):
    """Root-mean-square normalisation over the trailing ``normalized_shape`` dimensions,
    ``x / sqrt(mean(x**2) + eps) * weight``; ``eps`` None means the dtype's epsilon.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> norm = nn.RMSNorm(4)
    >>> norm(sg.randn(2, 4)).shape, norm
    ((2, 4), RMSNorm((4,), eps=None, elementwise_affine=True))
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype or np.float32))
            if device is not None:
                self.to(device)
        else:
            self.register_parameter("weight", None)

    def forward(self, input: Tensor) -> Tensor:
        from .functional import rms_norm

        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Normalise each value by its ``size`` neighbouring channels (see
    ``F.local_response_norm``).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.LocalResponseNorm(2)
    LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        from .functional import local_response_norm

        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
