"""``Parameter``: a tensor that is a learnable parameter of a model (PyTorch's
``torch.nn.parameter``).

>>> import scratchgrad as sg
>>> from scratchgrad.nn.parameter import Parameter
>>> Parameter is sg.nn.Parameter
True
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, get_default_dtype

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that is a learnable parameter of a model: it requires grad by default.

    >>> import scratchgrad as sg
    >>> w = sg.nn.Parameter(sg.zeros(2, 3)) if hasattr(sg, "nn") else Parameter(sg.zeros(2, 3))
    >>> w.requires_grad
    True
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty((0,), dtype=get_default_dtype())
        self._init(data, None, requires_grad, None)  # keeps the data's dtype, as PyTorch

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
