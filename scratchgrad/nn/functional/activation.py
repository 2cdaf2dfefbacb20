"""Activations, elementwise and the softmax family. Those that are one op each
(``relu``, ``softmax``, ...) pass their arguments on; the others are built from ops, so they
differentiate (twice too) through them. ``prelu`` is written in ``scratchgrad.ops.elementwise``
(``Tensor.prelu`` calls it there) and re-exported here. The in-place forms are in
:mod:`.inplace`.
"""
from __future__ import annotations

import warnings
from typing import Any

from ...backend import get_array_module
from ...ops import (abs as _abs, chunk as _chunk, clamp as _clamp, exp as _exp, gelu as _gelu,
                    leaky_relu as _leaky_relu, log as _log, log1p as _log1p,
                    log_softmax as _log_softmax, logical_or as _logical_or, minimum as _minimum,
                    relu as _relu, sigmoid as _sigmoid, softmax as _softmax,
                    softplus as _softplus, tanh as _tanh, where as _where)
from ...ops._util import normalize_dim as _normalize_dim
from ...ops._util import to_float_tensor, to_tensor
from ...ops.elementwise import prelu
from ...tensor import Tensor

__all__ = [
    "relu", "leaky_relu", "gelu", "sigmoid", "tanh", "softplus", "silu", "elu", "selu", "celu",
    "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish", "softsign", "logsigmoid", "glu",
    "prelu", "threshold", "hardshrink", "softshrink", "tanhshrink", "softmax", "log_softmax",
    "softmin", "gumbel_softmax",
]


# ---------------------------------------------------------------------- one op each
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0). ``inplace`` is accepted for compatibility; a new tensor is returned.

    >>> import scratchgrad as sg
    >>> relu(sg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return _relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``negative_slope * x``.

    >>> import scratchgrad as sg
    >>> leaky_relu(sg.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1000,  2.0000])
    """
    return _leaky_relu(input, negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit; ``approximate="tanh"`` for the tanh approximation.

    >>> import scratchgrad as sg
    >>> gelu(sg.tensor([0.0]))
    tensor([0.])
    """
    return _gelu(input, approximate)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)).

    >>> import scratchgrad as sg
    >>> sigmoid(sg.tensor([0.0]))
    tensor([0.5000])
    """
    return _sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent.

    >>> import scratchgrad as sg
    >>> tanh(sg.tensor([0.0]))
    tensor([0.])
    """
    return _tanh(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, linear above ``threshold``.

    >>> import scratchgrad as sg
    >>> round(softplus(sg.tensor(0.0)).item(), 4)
    0.6931
    """
    return _softplus(input, beta, threshold)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish).

    >>> import scratchgrad as sg
    >>> silu(sg.tensor([0.0]))
    tensor([0.])
    """
    x = to_tensor(input)
    return x * _sigmoid(x)


# Built from existing ops (each differentiates, and twice, through them); the branches that
# could overflow (exp of a large positive x in ELU/CELU) are clamped before exp so that the
# unused branch of ``where`` never holds inf (whose zero gradient would still give nan).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _nonpositive(x: Tensor) -> Tensor:
    """x where x <= 0, else 0 (nan too): the input of the exp branch of ELU and CELU, which
    ``where`` then picks for x <= 0 only; nan takes the linear branch (gradient 1, as in
    PyTorch), and no inf or nan in the unused branch meets its zero gradient."""
    return _where(x <= 0, x, 0.0)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``alpha * (exp(x) - 1)``.

    >>> import scratchgrad as sg
    >>> elu(sg.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    x = to_float_tensor(input)
    return _where(x <= 0, alpha * (_exp(_nonpositive(x)) - 1.0), x)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants (scale ~1.0507, alpha
    ~1.6733).

    >>> import scratchgrad as sg
    >>> selu(sg.tensor([1.0]))
    tensor([1.0507])
    """
    return _SELU_SCALE * elu(input, _SELU_ALPHA)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``alpha * (exp(x / alpha) - 1)``; ``alpha`` must not be 0.

    >>> import scratchgrad as sg
    >>> celu(sg.tensor([-1.0, 2.0]), alpha=2.0)
    tensor([-0.7869,  2.0000])
    """
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0 (it divides x)")
    x = to_float_tensor(input)
    return _where(x <= 0, alpha * (_exp(_nonpositive(x) / alpha) - 1.0), x)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; as in PyTorch the gradient is zero at the bounds too.

    >>> import scratchgrad as sg
    >>> hardtanh(sg.tensor([-3.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val="
                         f"{min_val} and max_val={max_val}")
    x = to_float_tensor(input)
    outside = _logical_or(x <= min_val, x >= max_val)  # nan is inside: gradient 1, as in torch
    return _where(outside, _clamp(x.detach(), min_val, max_val), x)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), i.e. ``hardtanh(x, 0, 6)``.

    >>> import scratchgrad as sg
    >>> relu6(sg.tensor([-1.0, 3.0, 9.0]))
    tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """0 for x <= -3, 1 for x >= 3, ``x / 6 + 1 / 2`` between.

    >>> import scratchgrad as sg
    >>> hardsigmoid(sg.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    x = to_float_tensor(input)  # PyTorch's gradient: 1/6 strictly inside (-3, 3), else 0
    inside = (x > -3.0) & (x < 3.0)
    return _where(inside, x * (1 / 6) + 0.5, _clamp((x.detach() + 3.0) / 6.0, 0.0, 1.0))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * hardsigmoid(x)``.

    >>> import scratchgrad as sg
    >>> hardswish(sg.tensor([-4.0, 1.0, 4.0]))
    tensor([-0.0000,  0.6667,  4.0000])
    """
    x = to_float_tensor(input)
    # branches as PyTorch's gradient has them (nan takes the last); the middle one sees 0 for
    # x outside (-3, 3), so that an infinite or nan x gives no inf * 0 there
    xm = _where((x > -3.0) & (x < 3.0), x, 0.0)
    return _where(x <= -3.0, x * 0.0, _where(x < 3.0, xm * (xm + 3.0) * (1 / 6), x))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``.

    >>> import scratchgrad as sg
    >>> mish(sg.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8651])
    """
    x = to_float_tensor(input)
    return x * _tanh(_softplus(x))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``.

    >>> import scratchgrad as sg
    >>> softsign(sg.tensor([-1.0, 3.0]))
    tensor([-0.5000,  0.7500])
    """
    x = to_float_tensor(input)
    return x / (_abs(x) + 1.0)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed as ``min(x, 0) - log1p(exp(-|x|))`` so that it is
    finite and exact for large |x| (``log(sigmoid(-200))`` is -200, not -inf); ``minimum``
    splits its gradient at the tie x = 0, which gives the right slope 1/2 there.

    >>> import scratchgrad as sg
    >>> logsigmoid(sg.tensor([-200.0, 0.0]))
    tensor([-200.0000,   -0.6931])
    """
    x = to_float_tensor(input)
    return _minimum(x, 0.0) - _log1p(_exp(-_abs(x)))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: split ``input`` in two halves ``a, b`` along ``dim``, return
    ``a * sigmoid(b)``.

    >>> import scratchgrad as sg
    >>> glu(sg.tensor([[1.0, 2.0, 0.0, 0.0]]))
    tensor([[0.5000, 1.0000]])
    """
    x = to_float_tensor(input)
    if x.ndim == 0:
        raise ValueError("glu: does not support scalars because the halved dimension must be "
                         "even")
    d = _normalize_dim(dim, x.ndim, "glu")
    if x.shape[d] % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {d} of the input "
                         f"of shape {tuple(x.shape)} is size {x.shape[d]}")
    a, b = _chunk(x, 2, d)
    return a * _sigmoid(b)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > ``threshold``, else ``value``.

    >>> import scratchgrad as sg
    >>> threshold(sg.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    x = to_tensor(input)
    return _where(x > threshold, x, value)


# ---------------------------------------------------------------------- shrinkage
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0.

    >>> import scratchgrad as sg
    >>> hardshrink(sg.tensor([-1.0, 0.2, 0.7]))
    tensor([-1.0000,  0.0000,  0.7000])
    """
    x = to_float_tensor(input)
    return _where(_abs(x) > lambd, x, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0.

    >>> import scratchgrad as sg
    >>> softshrink(sg.tensor([-1.0, 0.2, 0.7]))
    tensor([-0.5000,  0.0000,  0.2000])
    """
    if lambd < 0:
        raise ValueError(f"softshrink: lambda must be greater or equal to 0, got {lambd}")
    x = to_float_tensor(input)
    return _where(x > lambd, x - lambd, _where(x < -lambd, x + lambd, 0.0))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x).

    >>> import scratchgrad as sg
    >>> tanhshrink(sg.tensor([0.0]))
    tensor([0.])
    """
    x = to_float_tensor(input)
    return x - _tanh(x)


# ---------------------------------------------------------------------- the softmax family
def _softmax_dim(op: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated; pass dim= "
                  "(as in PyTorch)", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (stable).

    >>> import scratchgrad as sg
    >>> softmax(sg.tensor([[0.0, 0.0]]), dim=1)
    tensor([[0.5000, 0.5000]])
    """
    x = to_tensor(input)
    if dim is None:
        dim = _softmax_dim("softmax", x.ndim)
    return _softmax(x, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed as x - logsumexp(x).

    >>> import scratchgrad as sg
    >>> log_softmax(sg.tensor([[0.0, 0.0]]), dim=1).exp()
    tensor([[0.5000, 0.5000]])
    """
    x = to_tensor(input)
    if dim is None:
        dim = _softmax_dim("log_softmax", x.ndim)
    return _log_softmax(x, dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """``softmax(-x)`` along ``dim``.

    >>> import scratchgrad as sg
    >>> softmin(sg.tensor([[0.0, 0.0]]), dim=1)
    tensor([[0.5000, 0.5000]])
    """
    x = to_tensor(input)
    if dim is None:
        dim = _softmax_dim("softmin", x.ndim)
    return _softmax(-x, dim, dtype=dtype)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` with Gumbel
    noise ``g``; with ``hard`` the one-hot of its argmax, whose gradient is the soft sample's
    (straight-through).

    >>> import scratchgrad as sg
    >>> y = gumbel_softmax(sg.zeros(4, 3), hard=True)
    >>> y.sum(dim=-1).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    from ...factory import rand_like

    x = to_float_tensor(logits)
    xp = get_array_module(x._data)
    gumbels = -_log(-_log(_clamp(rand_like(x), min=1e-20)))  # -log(Exp(1)) is Gumbel(0, 1)
    y = _softmax((x + gumbels) / tau, dim)
    if not hard:
        return y
    index = y._data.argmax(axis=dim)
    hard_y = xp.zeros(y.shape, dtype=y.dtype)
    xp.put_along_axis(hard_y, xp.expand_dims(index, dim), 1.0, axis=dim)
    return Tensor._make(hard_y) - y.detach() + y
