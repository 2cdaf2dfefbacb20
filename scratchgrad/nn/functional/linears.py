"""Linear maps: ``linear`` is an op (``scratchgrad.ops.nn``), re-exported here;
``bilinear`` is one einsum. (The file's name is plural so that ``F.linear`` stays the
function.)
"""
from __future__ import annotations

from ...ops._util import to_float_tensor
from ...ops.nn import linear
from ...tensor import Tensor

__all__ = ["bilinear", "linear"]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y_k = x1^T W_k x2 + b_k`` for (*, in1) and (*, in2) inputs and a weight
    (out, in1, in2); one einsum.

    >>> import scratchgrad as sg
    >>> bilinear(sg.randn(4, 3), sg.randn(4, 5), sg.randn(2, 3, 5)).shape
    (4, 2)
    """
    a, b, W = to_float_tensor(input1), to_float_tensor(input2), to_float_tensor(weight)
    if (W.ndim != 3 or a.ndim < 1 or a.shape[:-1] != b.shape[:-1]
            or a.shape[-1] != W.shape[1] or b.shape[-1] != W.shape[2]):
        raise ValueError(f"bilinear: expected input1 (*, in1), input2 (*, in2) with the same "
                         f"leading dimensions and weight (out, in1, in2), got shapes "
                         f"{tuple(a.shape)}, {tuple(b.shape)} and {tuple(W.shape)}")
    if bias is not None and tuple(bias.shape) != (W.shape[0],):
        raise ValueError(f"bilinear: expected bias of shape ({W.shape[0]},), got "
                         f"{tuple(bias.shape)}")
    from ...ops import einsum as _einsum  # noqa: PLC0415

    y = _einsum("...i,kij,...j->...k", a, W, b)
    return y if bias is None else y + bias
