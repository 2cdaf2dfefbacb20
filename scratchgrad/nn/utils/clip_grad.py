"""Gradient clipping, in place on ``.grad``, as ``torch.nn.utils.clip_grad_norm_`` /
``clip_grad_value_``."""
from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from ..._config import opaque
from ...backend import get_array_module
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


@opaque
def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: Any = None) -> Tensor:
    """Scale all gradients together so that their joint norm (the norm of the per-parameter
    norms) is at most ``max_norm``; returns the norm before clipping, as a tensor.
    ``norm_type`` may be ``float("inf")`` (largest absolute value).

    >>> import scratchgrad as sg
    >>> w = sg.ones(4, requires_grad=True)
    >>> (3 * w).sum().backward()
    >>> clip_grad_norm_([w], max_norm=1.0)
    tensor(6.)
    >>> round(float(w.grad.square().sum().sqrt()), 4)
    1.0
    """
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return Tensor._make(np.zeros((), dtype=np.float32))
    dtype = grads[0]._data.dtype
    if math.isinf(norm_type):
        norms = [np.abs(g._data).max() if g._data.size else 0.0 for g in grads]
        total = max(norms)
    else:
        # Sum |g|^p in float64: the norm of many float32 gradients must not lose digits.
        total = sum(float(np.sum(np.abs(g._data.astype(np.float64)) ** norm_type))
                    for g in grads) ** (1.0 / norm_type)
    total = float(total)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total}, so they can't be clipped; pass "
                           "error_if_nonfinite=False to clip anyway")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g._data *= coef  # a Python float: the gradient stays in its dtype
    return Tensor._make(get_array_module(grads[0]._data).asarray(total, dtype=dtype))


@opaque
def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: Any = None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] in place.

    >>> import scratchgrad as sg
    >>> w = sg.ones(2, requires_grad=True)
    >>> (w * sg.tensor([5.0, -0.5])).sum().backward()
    >>> clip_grad_value_([w], 1.0); w.grad
    tensor([ 1.0000, -0.5000])
    """
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
