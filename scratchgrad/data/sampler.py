"""Samplers: the order in which a DataLoader visits a map-style dataset, as PyTorch's.

A sampler is an iterable of indices (or, for a batch sampler, of lists of indices) with a
``__len__``. Random samplers draw from the ``generator`` they were given, or from the global
seeded one (``sg.manual_seed``), once per epoch when their iteration starts: the epoch's whole
order is drawn in one call, so what else draws from the generator meanwhile cannot change it.

>>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
[[0, 1, 2], [3, 4, 5], [6]]
"""
from __future__ import annotations

import itertools
import math
from typing import Generic, Iterable, Iterator, Sequence, Sized, TypeVar

import numpy as np

from ..random import Generator, rng
from ..tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]

T_co = TypeVar("T_co", covariant=True)


def _is_positive_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses define ``__iter__`` (and ``__len__`` when they can).

    There is deliberately no default ``__len__``: ``len()`` of a sampler without one raises
    ``TypeError``, as for any object without a length, so that ``list(sampler)`` still works.

    >>> class Evens(Sampler[int]):
    ...     def __init__(self, n: int) -> None: self.n = n
    ...     def __iter__(self): return iter(range(0, self.n, 2))
    ...     def __len__(self) -> int: return (self.n + 1) // 2
    >>> list(Evens(7)), len(Evens(7))
    ([0, 2, 4, 6], 4)
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``, in that order, every epoch.

    >>> list(SequentialSampler(["a", "b", "c"]))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _index_array(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Random indices into ``data_source``: a new permutation each epoch, or, with
    ``replacement=True``, ``num_samples`` independent uniform draws.

    Without replacement, ``num_samples`` larger than the dataset chains whole permutations
    (every index appears ``num_samples // n`` or one more times), as PyTorch does.

    >>> import scratchgrad as sg
    >>> s = RandomSampler(range(5), generator=sg.random.Generator(0))
    >>> sorted(s), len(RandomSampler(range(5), replacement=True, num_samples=12))
    ([0, 1, 2, 3, 4], 12)
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        if not _is_positive_int(self.num_samples):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={self.num_samples!r}")

    @property
    def num_samples(self) -> int:
        # read the length at each use: the dataset may grow between epochs
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self) -> np.ndarray:
        """The epoch's indices, drawn in one call per permutation."""
        n, k = len(self.data_source), int(self.num_samples)
        g = rng(self.generator)
        if self.replacement:
            return g.integers(0, n, size=k, dtype=np.int64)
        if n == 0:
            return np.zeros(0, np.int64)
        perms = [g.permutation(n) for _ in range(math.ceil(k / n))]
        return np.concatenate(perms)[:k]

    def __iter__(self) -> Iterator[int]:
        # a generator, so the draw happens when the epoch starts, not when iter() is called
        yield from self._index_array().tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The elements of ``indices`` in a new random order each epoch (without replacement).

    >>> import scratchgrad as sg
    >>> sorted(SubsetRandomSampler([10, 20, 30], generator=sg.random.Generator(1)))
    [10, 20, 30]
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices into ``weights``, index ``i`` drawn with probability
    ``weights[i] / sum(weights)``; without replacement an index is drawn at most once.

    >>> import scratchgrad as sg
    >>> s = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 6, generator=sg.random.Generator(0))
    >>> len(s), set(s) <= {1, 3}
    (6, True)
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not _is_positive_int(num_samples):
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer "
                             f"value, but got num_samples={num_samples!r}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"but got replacement={replacement!r}")
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights, np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but "
                             f"given weights have shape {w.shape}")
        # Checked here rather than at the first draw (PyTorch's multinomial checks then), so
        # the mistake is reported where it was made.
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"WeightedRandomSampler: expected finite, non-negative weights "
                             f"with a positive sum, found {w.tolist()}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw num_samples={num_samples} "
                             f"without replacement from {np.count_nonzero(w)} non-zero "
                             f"weights")
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        draws = rng(self.generator).choice(len(p), size=self.num_samples,
                                           replace=self.replacement, p=p)
        yield from draws.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Groups the indices of ``sampler`` (any iterable of indices) into lists of
    ``batch_size``; the last, shorter one is dropped when ``drop_last``.

    >>> list(BatchSampler(range(5), batch_size=2, drop_last=True))
    [[0, 1], [2, 3]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        if not _is_positive_int(batch_size):
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def _array_batches(self) -> Iterator[np.ndarray]:
        """The same batches as integer arrays, sliced from the epoch's index array without a
        Python int per sample. Only for the samplers that have ``_index_array``."""
        order = self.sampler._index_array()  # type: ignore[union-attr]
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield order[start:start + self.batch_size]

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
