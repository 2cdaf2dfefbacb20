"""Collation: a list of samples into one batch (:func:`default_collate`), and the conversion
of one unbatched sample (:func:`default_convert`), with PyTorch's rules.

The rules, by the type of the first sample: a Tensor or NumPy array is stacked along a new
first dimension (dtype kept); a NumPy scalar gives a tensor of its dtype; Python floats give
float64, ints int64, bools bool (PyTorch's choice, although scratchgrad's default float is
float32); strings and bytes stay as they are; a mapping is collated key by key, a named tuple
field by field, any other sequence position by position (a tuple becomes a list, as in
PyTorch).
"""
from __future__ import annotations

import collections.abc
import copy
from typing import Any, Sequence

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["default_collate", "default_convert"]

# NumPy dtype kinds that cannot become a tensor: bytes, str, void and Python objects
_NOT_NUMERIC = frozenset("SUVO")


def _is_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) or type(x).__module__.startswith("cupy")


def _stack(arrays: Sequence[Any], what: str) -> Tensor:
    xp = get_array_module(arrays[0])
    try:
        return Tensor._make(xp.stack(arrays))
    except ValueError:
        shapes = sorted({tuple(a.shape) for a in arrays})
        raise ValueError(f"default_collate: expected samples of one shape to stack {what}, "
                         f"found shapes {shapes}; pad them or pass a collate_fn") from None


def _rebuild(elem: Any, values: dict | list) -> Any:
    """A container like ``elem`` holding ``values``: a copy of ``elem`` when it is mutable
    (keeps a subclass and its attributes), ``type(elem)(values)``, or a plain dict / list
    when the type cannot be built that way."""
    try:
        if isinstance(elem, (collections.abc.MutableMapping, collections.abc.MutableSequence)):
            clone = copy.copy(elem)
            if isinstance(values, dict):
                clone.update(values)
            else:
                for i, v in enumerate(values):
                    clone[i] = v
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, keeping the samples' structure (PyTorch's rules,
    listed in this module's docstring).

    >>> import scratchgrad as sg
    >>> default_collate([(sg.zeros(2), 1), (sg.ones(2), 0)])
    [tensor([[0., 0.],
            [1., 1.]]), tensor([1, 0])]
    >>> default_collate([{"w": 0.5, "name": "a"}, {"w": 1.5, "name": "b"}])
    {'w': tensor([0.5000, 1.5000], dtype=scratchgrad.float64), 'name': ['a', 'b']}
    """
    if len(batch) == 0:
        raise ValueError("default_collate: expected at least one sample, found an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack([b._data for b in batch], "tensors")
    if _is_array(elem):
        if elem.dtype.kind in _NOT_NUMERIC:
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                            f"numbers, dicts or lists; found an array of dtype {elem.dtype}")
        return _stack(list(batch), "arrays")
    if isinstance(elem, (np.bool_, np.number)):
        return Tensor._make(np.asarray(batch))
    if isinstance(elem, bool):
        return Tensor._make(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, float):
        return Tensor._make(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):
        return Tensor._make(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild(elem, {key: default_collate([b[key] for b in batch]) for key in elem})
    if isinstance(elem, collections.abc.Sequence):
        sizes = {len(b) for b in batch}
        if len(sizes) != 1:
            raise ValueError(f"default_collate: expected every sample to have {len(elem)} "
                             f"fields, found lengths {sorted(sizes)}")
        fields = [default_collate(f) for f in zip(*batch)]
        if isinstance(elem, tuple):
            # a named tuple keeps its type; a plain tuple becomes a list, as in PyTorch
            return type(elem)(*fields) if hasattr(elem, "_fields") else fields
        return _rebuild(elem, fields)
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"strings, dicts or lists; found {type(elem).__name__} (pass a collate_fn)")


def default_convert(data: Any) -> Any:
    """Turn the NumPy arrays and scalars in one sample into tensors, keeping its structure;
    the DataLoader's ``collate_fn`` when ``batch_size=None`` (no batching).

    >>> import numpy as np
    >>> default_convert({"x": np.arange(3), "id": 7, "tag": ("a", np.float32(1))})
    {'x': tensor([0, 1, 2]), 'id': 7, 'tag': ['a', tensor(1.)]}
    """
    if isinstance(data, Tensor):
        return data
    if _is_array(data):
        return data if data.dtype.kind in _NOT_NUMERIC else Tensor._make(data)
    if isinstance(data, (np.bool_, np.number)):
        return Tensor._make(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _rebuild(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple):
        fields = [default_convert(d) for d in data]
        return type(data)(*fields) if hasattr(data, "_fields") else fields
    if isinstance(data, collections.abc.Sequence):
        return _rebuild(data, [default_convert(d) for d in data])
    return data
