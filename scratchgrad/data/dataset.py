"""Datasets: map-style (``__getitem__`` and ``__len__``) and iterable-style (``__iter__``), plus
views, combinations and splits of them, as ``torch.utils.data``'s.

A map-style dataset may also offer ``get_batch(indices)``: the whole collated batch for an
integer array of indices, sliced with one fancy index (what :func:`default_collate` would make
of the samples, e.g. a list ``[x, y]`` for ``(x, y)`` samples).
:class:`~scratchgrad.data.DataLoader` uses it instead of one Python call per sample; a dataset
returns ``NotImplemented`` when it cannot (a transform has to run per sample). PyTorch's
``__getitems__(indices)`` (a list of samples, collated afterwards) is honoured too.

>>> import scratchgrad as sg
>>> ds = TensorDataset(sg.arange(10.0).reshape(5, 2), sg.arange(5))
>>> len(ds), ds[1]
(5, (tensor([2., 3.]), tensor(1)))
"""
from __future__ import annotations

import bisect
import math
import warnings
from typing import Any, Generic, Iterable, Iterator, Sequence, TypeVar

import numpy as np

from ..random import Generator, rng
from ..tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


def _wrap(array: Any) -> Tensor:
    """A tensor around an array (no copy, no checks): samples are views of the stored data."""
    return Tensor._make(array)


def _as_index_array(indices: Any) -> np.ndarray:
    if isinstance(indices, Tensor):
        indices = indices._data
    return np.asarray(indices, dtype=np.int64).reshape(-1)


class Dataset(Generic[T_co]):
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``.

    >>> class Squares(Dataset):
    ...     def __len__(self) -> int: return 4
    ...     def __getitem__(self, i: int) -> tuple[int, int]: return i, i * i
    >>> Squares()[3]
    (3, 9)
    """

    def __getitem__(self, index: int) -> T_co:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    # No default __len__ (PyTorch's choice too): len() of a dataset without one raises
    # TypeError, which is what DataLoader.__len__ and list() expect of an unsized object.

    def get_batch(self, indices: np.ndarray) -> Any:
        """The collated batch for ``indices`` in one call, or ``NotImplemented`` (the default)
        to make the DataLoader fetch sample by sample."""
        return NotImplemented

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """Base class of iterable-style datasets: subclasses define ``__iter__`` (a stream of
    samples, e.g. lines read from files), and ``__len__`` only if they know it.

    With ``num_workers > 0`` every worker process iterates its own copy of the dataset, so
    each sample would come ``num_workers`` times; split the work inside ``__iter__`` with
    :func:`~scratchgrad.data.get_worker_info`, as in PyTorch:

    >>> from scratchgrad.data import get_worker_info
    >>> class Range(IterableDataset):
    ...     def __init__(self, n: int) -> None: self.n = n
    ...     def __iter__(self):
    ...         info = get_worker_info()  # None in the main process
    ...         start, step = (0, 1) if info is None else (info.id, info.num_workers)
    ...         return iter(range(start, self.n, step))
    >>> list(Range(5))
    [0, 1, 2, 3, 4]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: "Dataset") -> "ChainDataset":
        return ChainDataset([self, other])


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
        return tuple(_wrap(t._data[index, ...]) for t in self.tensors)

    def get_batch(self, indices: np.ndarray) -> list[Tensor]:
        # a list, as default_collate makes of tuple samples (PyTorch's rule)
        return [_wrap(t._data[indices]) for t in self.tensors]


class StackDataset(Dataset):
    """Sample ``i`` gathers sample ``i`` of equally long datasets: a tuple for positional
    datasets, a dict for keyword ones.

    >>> import scratchgrad as sg
    >>> s = StackDataset(image=TensorDataset(sg.zeros(3, 2)), label=[7, 8, 9])
    >>> len(s), s[2]["label"]
    (3, 9)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: expected datasets either as positional arguments "
                             "(tuple samples) or as keyword arguments (dict samples), found "
                             "both")
        if not args and not kwargs:
            raise ValueError("StackDataset: expected at least one dataset, found none")
        self.datasets: tuple | dict = args or kwargs
        parts = args or tuple(kwargs.values())
        sizes = [len(d) for d in parts]
        if len(set(sizes)) != 1:
            raise ValueError(f"StackDataset: expected datasets of one length, found lengths "
                             f"{sizes}")
        self._length = sizes[0]

    def __getitem__(self, index: int) -> tuple | dict:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: Sequence[int]) -> list:
        """The samples at ``indices``, through each dataset's own ``__getitems__`` if any."""
        def column(d: Any) -> list:
            get = getattr(d, "__getitems__", None)
            items = get(list(indices)) if callable(get) else [d[i] for i in indices]
            if len(items) != len(indices):
                raise ValueError(f"StackDataset: a dataset's __getitems__ returned "
                                 f"{len(items)} samples for {len(indices)} indices")
            return items

        if isinstance(self.datasets, dict):
            cols = {k: column(d) for k, d in self.datasets.items()}
            return [{k: c[j] for k, c in cols.items()} for j in range(len(indices))]
        return list(zip(*(column(d) for d in self.datasets)))

    def __len__(self) -> int:
        return self._length


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

    def __getitems__(self, indices: Sequence[int]) -> list:
        """The samples at ``indices`` (PyTorch's batched fetch, collated by the loader)."""
        picked = self.indices[_as_index_array(indices)].tolist()
        get = getattr(self.dataset, "__getitems__", None)
        return get(picked) if callable(get) else [self.dataset[i] for i in picked]

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
        for k, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset does not support IterableDataset (found "
                                f"{type(d).__name__} at position {k}); use ChainDataset")
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


class ChainDataset(IterableDataset):
    """Several iterable datasets one after another, chained lazily.

    >>> class Count(IterableDataset):
    ...     def __init__(self, n: int) -> None: self.n = n
    ...     def __iter__(self): return iter(range(self.n))
    ...     def __len__(self) -> int: return self.n
    >>> c = ChainDataset([Count(2), Count(3)])
    >>> list(c), len(c)
    ([0, 1, 0, 1, 2], 5)
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def _check(self, d: Any) -> Any:
        if not isinstance(d, IterableDataset):
            raise TypeError(f"ChainDataset only supports IterableDataset, found "
                            f"{type(d).__name__}")
        return d

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from self._check(d)

    def __len__(self) -> int:
        return sum(len(self._check(d)) for d in self.datasets)


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    lengths = list(lengths)
    total = sum(lengths)
    # PyTorch's rule: lengths summing to 1 are fractions (so [1, 0] splits everything into
    # the first part), anything else is a list of sizes
    if math.isclose(total, 1.0) and total <= 1:
        for k, f in enumerate(lengths):
            if not 0 <= f <= 1:
                raise ValueError(f"random_split: expected fractions in [0, 1], found {f} at "
                                 f"position {k} of {lengths}")
        sizes = [int(math.floor(n * f)) for f in lengths]
        # hand the remainder out one sample at a time, round-robin from the first split, so
        # the same fractions give PyTorch's sizes
        for k in range(n - sum(sizes)):
            sizes[k % len(sizes)] += 1
        for k, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"random_split: split {k} of {sizes} is empty", stacklevel=3)
        return sizes
    if not all(isinstance(v, (int, np.integer)) for v in lengths):
        raise ValueError(f"random_split: expected integer lengths summing to {n} or fractions "
                         f"in [0, 1] summing to 1, found {lengths}")
    if total != n or any(v < 0 for v in lengths):
        raise ValueError(f"random_split: expected non-negative lengths summing to the "
                         f"dataset's length {n}, found {lengths} (sum {total})")
    return [int(v) for v in lengths]


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
