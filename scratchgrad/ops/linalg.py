"""Linear algebra: matmul (1-D to N-D with batch broadcasting), mm, dot."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function, binary_operands
from ..tensor import Tensor
from .shape import reshape, sum_to, transpose


class MatMul(Function):
    """Matrix product of two tensors with at least 2 dimensions (batch dims broadcast)."""

    def forward(self, a, b):
        return a @ b

    def backward(self, gy):
        a, b = self.inputs
        ga = gb = None
        if a.requires_grad:
            ga = sum_to(matmul(gy, transpose(b, -1, -2)), a.data.shape)
        if b.requires_grad:
            gb = sum_to(matmul(transpose(a, -1, -2), gy), b.data.shape)
        return ga, gb


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are promoted to a row or column and
    the added dimension removed afterwards; leading dimensions broadcast.

    >>> import scratchgrad as sg
    >>> (sg.ones(2, 3) @ sg.ones(3)).shape
    (2,)
    """
    a, b = binary_operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                         f"{a.shape} and {b.shape}")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: the last "
                         f"dimension of the first ({k_a}) must equal the "
                         f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the "
                         f"second ({k_b})")
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dimensions of {a.shape} and {b.shape} do not "
                             "broadcast") from None
    if a.ndim >= 2 and b.ndim >= 2:
        return MatMul()(a, b)
    a2 = reshape(a, (1, k_a)) if a.ndim == 1 else a
    b2 = reshape(b, (k_b, 1)) if b.ndim == 1 else b
    y = MatMul()(a2, b2)
    shape = y.shape[:-2] + y.shape[-2:-1] * (a.ndim > 1) + y.shape[-1:] * (b.ndim > 1)
    return reshape(y, shape)


def mm(a: Any, b: Any) -> Tensor:
    """Product of two matrices (2-D only; see :func:`matmul` for the general form)."""
    a, b = binary_operands(a, b)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"mm: expects two 2-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"mm: shapes {a.shape} and {b.shape} are not aligned ({a.shape[1]} "
                         f"columns against {b.shape[0]} rows)")
    return matmul(a, b)


def dot(a: Any, b: Any) -> Tensor:
    """Inner product of two 1-D tensors of equal length."""
    a, b = binary_operands(a, b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"dot: expects two 1-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape != b.shape:
        raise ValueError(f"dot: the tensors must have equal lengths, got shapes {a.shape} and "
                         f"{b.shape}")
    return matmul(a, b)
