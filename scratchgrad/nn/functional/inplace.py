"""The in-place activations (``relu_``, ``elu_``, ...): the out-of-place result written
into the input, outside autograd only.
"""
from __future__ import annotations

from ..._config import is_grad_enabled as _is_grad_enabled
from ...tensor import Tensor
from .activation import celu, elu, hardtanh, leaky_relu, relu, selu
from .activation import threshold as _threshold

__all__ = ["relu_", "elu_", "selu_", "celu_", "leaky_relu_", "hardtanh_", "threshold_"]


def _in_place(op: str, input: Tensor, result: Tensor) -> Tensor:
    """Write an activation's result into ``input``. Outside autograd only: scratchgrad's
    in-place ops do not rewrite the graph, so a tensor that requires grad is refused."""
    if input.requires_grad and _is_grad_enabled():
        raise RuntimeError(f"{op}: in place on a tensor that requires grad is not supported; "
                           f"use the out-of-place form")
    return input.copy_(result)


def relu_(input: Tensor) -> Tensor:
    """:func:`relu` in place.

    >>> import scratchgrad as sg
    >>> x = sg.tensor([-1.0, 2.0])
    >>> relu_(x) is x, x
    (True, tensor([0., 2.]))
    """
    return _in_place("relu_", input, relu(input))


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """:func:`elu` in place."""
    return _in_place("elu_", input, elu(input, alpha))


def selu_(input: Tensor) -> Tensor:
    """:func:`selu` in place."""
    return _in_place("selu_", input, selu(input))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """:func:`celu` in place."""
    return _in_place("celu_", input, celu(input, alpha))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """:func:`leaky_relu` in place."""
    return _in_place("leaky_relu_", input, leaky_relu(input, negative_slope))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """:func:`hardtanh` in place."""
    return _in_place("hardtanh_", input, hardtanh(input, min_val, max_val))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: F811
    """:func:`threshold` in place."""
    return _in_place("threshold_", input, _threshold(input, threshold, value))
