"""Datasets: anything with ``__getitem__`` and ``__len__``, plus views and splits of them.

A dataset may also offer ``get_batch(indices)``: the whole collated batch for an integer array
of indices, sliced with one fancy index. :class:`~scratchgrad.data.DataLoader` uses it instead of
one Python call per sample; a dataset returns ``NotImplemented`` when it cannot (a transform has
to run per sample).

>>> import scratchgrad as sg
>>> ds = TensorDataset(sg.arange(10.0).reshape(5, 2), sg.arange(5))
>>> len(ds), ds[1]
(5, (tensor([2., 3.]), tensor(1)))
"""
from __future__ import annotations

import bisect
import math
from typing import Any, Sequence

import numpy as np

from ..random import Generator, rng
from ..tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split"]


def _wrap(array: Any) -> Tensor:
    """A tensor around an array (no copy, no checks): samples are views of the stored data."""
    return Tensor._make(array)


def _as_index_array(indices: Any) -> np.ndarray:
    if isinstance(indices, Tensor):
        indices = indices.data
    return np.asarray(indices, dtype=np.int64).reshape(-1)


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``.

    >>> class Squares(Dataset):
    ...     def __len__(self) -> int: return 4
    ...     def __getitem__(self, i: int) -> tuple[int, int]: return i, i * i
    >>> Squares()[3]
    (3, 9)
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def get_batch(self, indices: np.ndarray) -> Any:
        """The collated batch for ``indices`` in one call, or ``NotImplemented`` (the default)
        to make the DataLoader fetch sample by sample."""
        return NotImplemented

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the ``i``-th rows of equally long tensors (or NumPy arrays).

    >>> import scratchgrad as sg
    >>> x, y = sg.randn(100, 3), sg.randint(0, 2, (100,))
    >>> ds = TensorDataset(x, y)
    >>> [t.shape for t in ds.get_batch(np.array([0, 5, 7]))]
    [(3, 3), (3,)]
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor, found none")
        arrays = []
        for k, t in enumerate(tensors):
            if isinstance(t, Tensor):
                t = t.detach()
            elif isinstance(t, np.ndarray):
                t = _wrap(t)
            else:
                raise TypeError(f"TensorDataset: expected Tensors or NumPy arrays, found "
                                f"{type(t).__name__} at position {k}")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: expected tensors with a first (sample) "
                                 f"dimension, found a 0-d tensor at position {k}")
            arrays.append(t)
        sizes = [t.shape[0] for t in arrays]
        if len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in arrays)
            raise ValueError(f"TensorDataset: expected all tensors to have the same size in the "
                             f"first dimension, found sizes {sizes} (shapes {shapes})")
        self.tensors: tuple[Tensor, ...] = tuple(arrays)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        # ``a[i, ...]`` keeps a 0-d array (not a NumPy scalar) for 1-d data
        return tuple(_wrap(t.data[index, ...]) for t in self.tensors)

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        return tuple(_wrap(t.data[indices]) for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    >>> import scratchgrad as sg
    >>> s = Subset(TensorDataset(sg.arange(10)), [9, 0])
    >>> len(s), s[0]
    (2, (tensor(9),))
    """

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray | Tensor) -> None:
        self.dataset = dataset
        self.indices = _as_index_array(indices)
        n = len(dataset)
        if len(self.indices) and (self.indices.min() < -n or self.indices.max() >= n):
            bad = self.indices[(self.indices < -n) | (self.indices >= n)][0]
            raise IndexError(f"Subset: expected indices in [0, {n}) for a dataset of length "
                             f"{n}, found {bad}")

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices: np.ndarray) -> Any:
        get = getattr(self.dataset, "get_batch", None)
        return NotImplemented if get is None else get(self.indices[indices])


class ConcatDataset(Dataset):
    """Several datasets one after another.

    >>> import scratchgrad as sg
    >>> c = ConcatDataset([TensorDataset(sg.zeros(2)), TensorDataset(sg.ones(3))])
    >>> len(c), c[2]
    (5, (tensor(1.),))
    """

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected at least one dataset, found none")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"ConcatDataset: expected an index in [0, {n}), found {index}")
        k = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][index - start]


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    lengths = list(lengths)
    if all(isinstance(v, (int, np.integer)) for v in lengths):
        if sum(lengths) != n or any(v < 0 for v in lengths):
            raise ValueError(f"random_split: expected non-negative lengths summing to the "
                             f"dataset's length {n}, found {lengths} (sum {sum(lengths)})")
        return [int(v) for v in lengths]
    if any(not 0 <= v <= 1 for v in lengths) or not math.isclose(sum(lengths), 1.0):
        raise ValueError(f"random_split: expected integer lengths summing to {n} or fractions "
                         f"in [0, 1] summing to 1, found {lengths}")
    sizes = [int(math.floor(n * f)) for f in lengths]
    # PyTorch's rule, so the same fractions give the same sizes: hand the remainder out one
    # sample at a time, round-robin from the first split
    for k in range(n - sum(sizes)):
        sizes[k % len(sizes)] += 1
    return sizes


def random_split(dataset: Any, lengths: Sequence[float], generator: Generator | None = None
                 ) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths (or
    fractions), drawn from ``generator`` (the global seeded one by default).

    >>> import scratchgrad as sg
    >>> train, val = random_split(TensorDataset(sg.arange(10)), [0.8, 0.2])
    >>> len(train), len(val)
    (8, 2)
    """
    sizes = _split_lengths(len(dataset), lengths)
    perm = rng(generator).permutation(len(dataset))
    bounds = np.cumsum([0] + sizes)
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
