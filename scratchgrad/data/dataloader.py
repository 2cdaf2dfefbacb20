"""DataLoader: batches from a dataset, shuffled with the seeded generator, fetched ahead in a
background thread.

Reproducibility: each ``iter(loader)`` draws, in the calling thread and in this order, the
epoch's permutation (when shuffling) and one seed for the random transforms (see
``scratchgrad/data/_rng.py`` for why transforms get their own stream). So ``sg.manual_seed``
fixes every batch, with or without prefetching, and saving ``sg.get_rng_state()`` before an
epoch is enough to replay it on resume.

>>> import scratchgrad as sg
>>> from scratchgrad.data import TensorDataset
>>> loader = DataLoader(TensorDataset(sg.randn(10, 3), sg.arange(10)), batch_size=4)
>>> len(loader), [tuple(x.shape) for x, y in loader]
(3, [(4, 3), (4, 3), (2, 3)])
"""
from __future__ import annotations

import collections.abc
import queue
import threading
from typing import Any, Callable, Sequence

import numpy as np

from ..backend import get_array_module
from ..random import Generator, rng
from ..tensor import Tensor
from ._rng import use_generator

__all__ = ["DataLoader", "default_collate"]

_QUEUE_SIZE = 2  # batches fetched ahead: one ready, one in the making
_POLL_S = 0.05  # how often a blocked producer checks that the consumer is still there


def _stack(arrays: Sequence[Any], what: str) -> Tensor:
    xp = get_array_module(arrays[0])
    try:
        return Tensor._make(xp.stack(arrays))
    except ValueError:
        shapes = sorted({tuple(a.shape) for a in arrays})
        raise ValueError(f"default_collate: expected samples of one shape to stack {what}, "
                         f"found shapes {shapes}; pad them or pass a collate_fn") from None


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, keeping the samples' structure.

    Tensors and arrays are stacked along a new first dimension; Python ints become int64,
    floats float32 (scratchgrad's default float, unlike PyTorch's float64), bools bool;
    tuples, lists, named tuples and dicts are collated field by field; strings stay a list.

    >>> import scratchgrad as sg
    >>> default_collate([(sg.zeros(2), 1), (sg.ones(2), 0)])
    (tensor([[0., 0.],
            [1., 1.]]), tensor([1, 0]))
    """
    if len(batch) == 0:
        raise ValueError("default_collate: expected at least one sample, found an empty batch")
    first = batch[0]
    if isinstance(first, Tensor):
        return _stack([b.data for b in batch], "tensors")
    if isinstance(first, np.ndarray) or type(first).__module__.startswith("cupy"):
        return _stack(list(batch), "arrays")
    if isinstance(first, bool):
        return Tensor._make(np.asarray(batch, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor._make(np.asarray(batch, dtype=np.int64))
    if isinstance(first, float):
        return Tensor._make(np.asarray(batch, dtype=np.float32))
    if isinstance(first, np.generic):
        return Tensor._make(np.asarray(batch))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        return {key: default_collate([b[key] for b in batch]) for key in first}
    if isinstance(first, collections.abc.Sequence):
        sizes = {len(b) for b in batch}
        if len(sizes) != 1:
            raise ValueError(f"default_collate: expected every sample to have {len(first)} "
                             f"fields, found lengths {sorted(sizes)}")
        fields = [default_collate(list(f)) for f in zip(*batch)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*fields)
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(f"default_collate: expected samples made of Tensors, NumPy arrays, numbers, "
                    f"strings, tuples, lists or dicts, found {type(first).__name__}; "
                    f"pass a collate_fn")


def _to_device(batch: Any, device: Any) -> Any:
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(_to_device(v, device) for v in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: anything with ``__getitem__`` and ``__len__``. If it also has
            ``get_batch(indices)`` (TensorDataset, Subset, FashionMNIST without transforms)
            and no ``collate_fn`` is given, a batch is sliced with one fancy index.
        batch_size: samples per batch.
        shuffle: a new random order each epoch, drawn from ``generator``.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        collate_fn: turns a list of samples into a batch (default :func:`default_collate`).
        generator: where the order and the transforms' seed come from; the global seeded
            generator by default, so ``sg.manual_seed`` makes runs reproducible.
        prefetch: fetch the next batch in a background thread while the current one is used.
        device: move every tensor of a batch there (in the background thread).

    >>> import scratchgrad as sg
    >>> from scratchgrad.data import TensorDataset
    >>> ds = TensorDataset(sg.arange(10))
    >>> _ = sg.manual_seed(0); a = [b[0].tolist() for b in DataLoader(ds, 4, shuffle=True)]
    >>> _ = sg.manual_seed(0); b = [b[0].tolist() for b in DataLoader(ds, 4, shuffle=True)]
    >>> a == b, sorted(sum(a, []))
    (True, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable[[list], Any] | None = None,
                 generator: Generator | None = None, prefetch: bool = True,
                 device: Any = None) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, found "
                             f"{batch_size!r}")
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader: expected a dataset with __getitem__ and __len__, "
                            f"found {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.generator = generator
        self.prefetch = prefetch
        self.device = device

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _batch_indices(self) -> list[np.ndarray]:
        n = len(self.dataset)
        order = rng(self.generator).permutation(n) if self.shuffle else np.arange(n)
        stop = len(self) * self.batch_size
        return [order[i:i + self.batch_size] for i in range(0, min(stop, n), self.batch_size)]

    def __iter__(self) -> "_LoaderIterator":
        batches = self._batch_indices()
        seed = int(rng(self.generator).integers(2**63))
        fetch = _Fetcher(self.dataset, self.collate_fn, self.device, Generator(seed))
        return _LoaderIterator(batches, fetch, self.prefetch)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last})")


class _Fetcher:
    """Turns a batch of indices into a batch. Holds no reference to the iterator, so that the
    background thread does not keep a dropped iterator alive."""

    def __init__(self, dataset: Any, collate_fn: Callable | None, device: Any,
                 generator: Generator) -> None:
        self.dataset = dataset
        self.collate_fn = collate_fn
        self.device = device
        self.generator = generator
        get_batch = getattr(dataset, "get_batch", None)
        self.get_batch = get_batch if collate_fn is None else None

    def __call__(self, indices: np.ndarray) -> Any:
        with use_generator(self.generator):
            batch = NotImplemented
            if self.get_batch is not None:
                batch = self.get_batch(indices)
                if batch is NotImplemented:
                    self.get_batch = None  # decided once; the next batches go sample by sample
            if batch is NotImplemented:
                samples = [self.dataset[int(i)] for i in indices]
                batch = (self.collate_fn or default_collate)(samples)
        return batch if self.device is None else _to_device(batch, self.device)


def _produce(batches: list[np.ndarray], fetch: _Fetcher, out: queue.Queue,
             stop: threading.Event) -> None:
    """The prefetch thread: fetch each batch and hand it over, until done or told to stop."""
    for k, indices in enumerate(batches):
        try:
            item = ("batch", fetch(indices))
        except BaseException as e:  # noqa: BLE001  (re-raised in the consumer's thread)
            e.add_note(f"(raised in the DataLoader's prefetch thread while fetching batch {k})")
            item = ("error", e)
        while not stop.is_set():
            try:
                out.put(item, timeout=_POLL_S)
                break
            except queue.Full:
                continue
        if stop.is_set() or item[0] == "error":
            return
    while not stop.is_set():
        try:
            out.put(("done", None), timeout=_POLL_S)
            return
        except queue.Full:
            continue


class _LoaderIterator:
    """One epoch over a DataLoader. Dropping it early (``break``) stops its thread."""

    def __init__(self, batches: list[np.ndarray], fetch: _Fetcher, prefetch: bool) -> None:
        self._batches = batches
        self._fetch = fetch
        self._next = 0
        self._thread: threading.Thread | None = None
        if prefetch and batches:
            self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE_SIZE)
            self._stop = threading.Event()
            self._thread = threading.Thread(target=_produce, name="DataLoader-prefetch",
                                            args=(batches, fetch, self._queue, self._stop),
                                            daemon=True)
            self._thread.start()

    def __iter__(self) -> "_LoaderIterator":
        return self

    def __len__(self) -> int:
        return len(self._batches) - self._next

    def __next__(self) -> Any:
        if self._next >= len(self._batches):
            self.close()
            raise StopIteration
        self._next += 1
        if self._thread is None:
            return self._fetch(self._batches[self._next - 1])
        kind, value = self._queue.get()
        if kind == "error":
            self._next = len(self._batches)
            self.close()
            raise value
        return value

    def close(self) -> None:
        """Stop the prefetch thread and wait for it (called on exhaustion and on drop)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        # Empty the queue so a producer blocked in put() sees the stop flag at its next poll.
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        # A Ctrl-C inside Thread.start() can leave a thread that is not started yet: it sees
        # the stop flag when it runs, and joining it now would raise RuntimeError.
        if thread is not threading.current_thread() and thread.is_alive():
            thread.join()

    def __del__(self) -> None:
        self.close()
