"""Weight initialisation, in place, with PyTorch's names and formulas (``torch.nn.init``).

Every function fills an existing tensor under ``no_grad``, keeps its dtype (float32 stays
float32) and draws from the seeded global generator unless a ``generator`` is given, so
``scratchgrad.manual_seed`` makes a model's initial weights reproducible.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import like as _like
from ..random import Generator, rng
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "zeros_",
           "ones_", "eye_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_", "orthogonal_"]


def _fill(tensor: Tensor, values: Any, op: str) -> Tensor:
    """Write ``values`` into ``tensor`` in its own dtype, bypassing autograd (the in-place
    initialisation of a parameter that requires grad is not an operation to record)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")
    tensor._data[...] = _like(values, tensor._data)  # host values into a CUDA tensor: copied
    tensor._bump_version()
    return tensor


def _shape(tensor: Tensor) -> tuple[int, ...]:
    return tuple(tensor.shape)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (the std multiplier that keeps activations'
    variance stable): 1 for linear/sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 +
    slope**2)) for leaky_relu, 3/4 for selu.

    >>> round(calculate_gain("relu"), 4)
    1.4142
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one "
                     f"of {list(linear) + ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu']}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: ``size(1)`` and ``size(0)`` times the receptive field
    (the product of the remaining dimensions, e.g. a conv kernel's height * width).

    >>> import scratchgrad as sg
    >>> _calculate_fan_in_and_fan_out(sg.zeros(8, 3, 5, 5))
    (75, 200)
    """
    shape = _shape(tensor)
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out can't be computed for a tensor with fewer than 2 "
                         f"dimensions (got shape {shape})")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Fill with samples from U(a, b).

    >>> import scratchgrad as sg
    >>> w = uniform_(sg.empty(3, 4), -0.1, 0.1)
    >>> bool((w.abs() <= 0.1).all()), w.dtype
    (True, dtype('float32'))
    """
    return _fill(tensor, rng(generator).uniform(a, b, _shape(tensor)), "uniform_")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill with samples from N(mean, std**2).

    >>> import scratchgrad as sg
    >>> normal_(sg.empty(2, 2)).shape
    (2, 2)
    """
    return _fill(tensor, rng(generator).normal(mean, std, _shape(tensor)), "normal_")


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Generator | None = None) -> Tensor:
    """Fill with N(mean, std**2) samples restricted to [a, b] (redrawn until inside).

    >>> import scratchgrad as sg
    >>> bool((trunc_normal_(sg.empty(100), std=1.0, a=-1, b=1).abs() <= 1).all())
    True
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: need a < b, got a={a}, b={b}")
    g = rng(generator)
    out = g.normal(mean, std, _shape(tensor))
    bad = (out < a) | (out > b)
    while bad.any():  # rejection sampling: each round keeps the inside fraction
        out[bad] = g.normal(mean, std, int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out, "trunc_normal_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the constant ``val``.

    >>> import scratchgrad as sg
    >>> constant_(sg.empty(2), 0.5)
    tensor([0.5000, 0.5000])
    """
    return _fill(tensor, val, "constant_")


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros.

    >>> import scratchgrad as sg
    >>> zeros_(sg.ones(2))
    tensor([0., 0.])
    """
    return _fill(tensor, 0, "zeros_")


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones.

    >>> import scratchgrad as sg
    >>> ones_(sg.zeros(2))
    tensor([1., 1.])
    """
    return _fill(tensor, 1, "ones_")


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal).

    >>> import scratchgrad as sg
    >>> eye_(sg.empty(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape), "eye_")


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Generator | None = None) -> Tensor:
    """Glorot/Xavier uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    >>> import scratchgrad as sg
    >>> w = xavier_uniform_(sg.empty(30, 20))
    >>> bool((w.abs() <= (6 / 50) ** 0.5).all())
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return _fill(tensor, rng(generator).uniform(-a, a, _shape(tensor)), "xavier_uniform_")


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Generator | None = None) -> Tensor:
    """Glorot/Xavier normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    >>> import scratchgrad as sg
    >>> xavier_normal_(sg.empty(30, 20)).shape
    (30, 20)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, rng(generator).normal(0.0, std, _shape(tensor)), "xavier_normal_")


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He/Kaiming uniform: U(-bound, bound), bound = gain * sqrt(3 / fan), with ``gain`` from
    :func:`calculate_gain` (``a`` is the leaky_relu slope). ``a=sqrt(5)`` is what PyTorch's
    Linear and Conv layers use by default (bound 1/sqrt(fan_in)).

    >>> import scratchgrad as sg, math
    >>> w = kaiming_uniform_(sg.empty(8, 25), a=math.sqrt(5))
    >>> bool((w.abs() <= 1 / 5).all())
    True
    """
    if 0 in _shape(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return _fill(tensor, rng(generator).uniform(-bound, bound, _shape(tensor)),
                 "kaiming_uniform_")


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He/Kaiming normal: N(0, std**2), std = gain / sqrt(fan).

    >>> import scratchgrad as sg
    >>> kaiming_normal_(sg.empty(8, 25), nonlinearity="relu").shape
    (8, 25)
    """
    if 0 in _shape(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill(tensor, rng(generator).normal(0.0, std, _shape(tensor)), "kaiming_normal_")


def orthogonal_(tensor: Tensor, gain: float = 1.0,
                generator: Generator | None = None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, times ``gain``;
    dimensions after the first are flattened (Saxe et al. 2013).

    >>> import scratchgrad as sg, numpy as np
    >>> w = orthogonal_(sg.empty(3, 5)).numpy()
    >>> bool(np.allclose(w @ w.T, np.eye(3), atol=1e-5))
    True
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {tensor.shape}")
    if tensor._data.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor._data.size // rows
    flat = rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    # Multiplying by the signs of diag(r) makes the result uniform over orthogonal matrices.
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape), "orthogonal_")


