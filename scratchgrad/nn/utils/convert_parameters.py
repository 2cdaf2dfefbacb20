"""Parameters to one flat vector and back (for line searches and second-order methods)."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate the flattened parameters into one (detached) vector.

    >>> from scratchgrad import nn
    >>> parameters_to_vector(nn.Linear(3, 2).parameters()).shape
    (8,)
    """
    arrays = [p._data.reshape(-1) for p in parameters]
    return Tensor._make(np.concatenate(arrays) if arrays else np.zeros(0, np.float32))


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters, in place.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> fc = nn.Linear(3, 2)
    >>> vector_to_parameters(sg.zeros(8), fc.parameters()); float(fc.weight.abs().sum())
    0.0
    """
    params = list(parameters)
    n = sum(p._data.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != n:
        raise ValueError(f"vector_to_parameters: expected a vector of {n} elements for these "
                         f"parameters, got shape {vec.shape}")
    offset = 0
    for p in params:
        k = p._data.size
        p._data[...] = vec._data[offset:offset + k].reshape(p.shape)
        p._bump_version()
        offset += k
