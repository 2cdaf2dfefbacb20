"""Normalisations. ``batch_norm`` and ``layer_norm`` are ops (``scratchgrad.ops.nn``),
re-exported here; group and instance norm run as a layer norm over a reshaped view, so they
reuse that op; ``rms_norm``, ``local_response_norm`` and ``normalize`` are built from ops.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import clamp as _clamp, pad, reshape as _reshape, rsqrt as _rsqrt, sqrt as _sqrt
from ...ops._util import normalize_dim as _normalize_dim
from ...ops._util import to_float_tensor
from ...ops.conv import avg_pool2d
from ...ops.nn import batch_norm, layer_norm
from ...tensor import Tensor
from .distance import _vector_norm

__all__ = [
    "group_norm", "instance_norm", "rms_norm", "local_response_norm", "normalize", "batch_norm",
    "layer_norm",
]


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
            from ..._config import no_grad  # noqa: PLC0415

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
