"""``scratchgrad.backends.cuda``: ``torch.backends.cuda.matmul.allow_tf32`` and friends, flags
stored so that programs setting them run; scratchgrad's GPU matrix products are CuPy's and
these flags change nothing.

>>> import scratchgrad as sg
>>> sg.backends.cuda.matmul.allow_tf32 = True
>>> sg.backends.cuda.matmul.allow_tf32
True
>>> sg.backends.cuda.matmul.allow_tf32 = False
"""
from __future__ import annotations

from .. import backend as _backend


class _MatmulFlags:
    """``matmul.allow_tf32``, ``matmul.allow_fp16_reduced_precision_reduction``,
    ``matmul.allow_bf16_reduced_precision_reduction``: stored, read back."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    """Whether the CUDA backend can run here: CuPy imports and sees a GPU."""
    return _backend.cuda_available()


__all__ = ["matmul", "is_built"]
