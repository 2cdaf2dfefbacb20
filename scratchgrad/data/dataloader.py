"""DataLoader: batches from a dataset, in the order a sampler gives, fetched ahead in a
background thread (``num_workers=0``) or in worker processes (``num_workers > 0``).

Reproducibility: each ``iter(loader)`` draws one base seed from the loader's ``generator`` (the
global seeded one by default), then the sampler draws the epoch's order when iteration starts
(also in the calling thread). In a single process the base seed seeds the generator that random
transforms use while a batch is fetched (see ``scratchgrad/data/_rng.py`` for why transforms
get their own stream); worker ``i`` seeds Python's ``random``, NumPy's global generator and
scratchgrad's with it (``base_seed + i``). So ``sg.manual_seed`` fixes every batch, with or
without prefetching, and saving ``sg.get_rng_state()`` before an epoch is enough to replay it.

Worker processes are started with ``fork`` on Linux (fast: nothing is pickled or re-imported;
the dataset is shared copy-on-write) and ``spawn`` elsewhere (macOS and Windows, where
``fork`` is unsafe or missing); ``multiprocessing_context`` picks another. Forking a process
that runs other threads can deadlock the child if one of them held a lock at that moment;
with ``spawn`` the dataset, ``collate_fn`` and ``worker_init_fn`` must be picklable (no
lambdas) and the script needs the ``if __name__ == "__main__":`` guard. Datasets in workers
should produce CPU (NumPy) data: ``device=`` moves batches in the main process.

>>> import scratchgrad as sg
>>> from scratchgrad.data import TensorDataset
>>> loader = DataLoader(TensorDataset(sg.randn(10, 3), sg.arange(10)), batch_size=4)
>>> len(loader), [tuple(x.shape) for x, y in loader]
(3, [(4, 3), (4, 3), (2, 3)])
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import pickle
import queue
import sys
import threading
import time
import warnings
from typing import Any, Callable, Generic, Iterable, Iterator, TypeVar

import numpy as np

from ..random import Generator, rng
from ._collate import default_collate, default_convert
from ._worker import _RESUME, _Fetcher, _to_device, _worker_loop, get_worker_info
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]

T_co = TypeVar("T_co", covariant=True)

_PREFETCH_BATCHES = 2  # batches the prefetch thread works ahead: one ready, one in the making
_CHECK_S = 1.0  # how often a waiting main process checks that its workers are alive
_JOIN_S = 5.0  # how long a worker may take to finish its batch at shutdown before it is killed

# set after __init__ would change what an iterator already running was built from
_FROZEN = frozenset({"batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                     "persistent_workers"})


class _InfiniteConstantSampler(Sampler[None]):
    """The sampler of an iterable dataset: ``None`` forever (the dataset decides the end)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


def _default_context() -> multiprocessing.context.BaseContext:
    method = "fork" if sys.platform.startswith("linux") \
        and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


class DataLoader(Generic[T_co]):
    """Iterate over ``dataset`` in batches, PyTorch's ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``) or an
            :class:`~scratchgrad.data.IterableDataset`. If a map-style dataset has
            ``get_batch(indices)`` (TensorDataset, Subset, FashionMNIST without transforms)
            and no ``collate_fn`` is given, a batch is sliced with one fancy index.
        batch_size: samples per batch; ``None`` turns batching off (each sample goes through
            ``collate_fn``, by default :func:`default_convert`).
        shuffle: a new random order each epoch (a :class:`RandomSampler` drawing from
            ``generator``).
        sampler: the order of the indices (excludes ``shuffle``).
        batch_sampler: yields whole lists of indices (excludes ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``).
        num_workers: worker processes loading batches (0: the main process, with a prefetch
            thread unless ``prefetch=False``).
        collate_fn: turns a list of samples into a batch (default :func:`default_collate`).
        pin_memory: accepted for PyTorch code; has no effect (batches are NumPy arrays), with
            a warning. ``device=`` is how batches get to the GPU.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        timeout: seconds to wait for a batch from the background (0: forever); then a
            RuntimeError.
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker, after seeding.
        multiprocessing_context: a start method (``"fork"``, ``"spawn"``, ``"forkserver"``)
            or a context; default ``fork`` on Linux, ``spawn`` elsewhere.
        generator: draws the base seed and the shuffled order; the global seeded generator by
            default, so ``sg.manual_seed`` makes runs reproducible.
        prefetch_factor: batches loaded ahead per worker (default 2; only with workers).
        persistent_workers: keep the workers (and their dataset copies) between epochs.
        pin_memory_device: accepted and ignored, as ``pin_memory``.
        in_order: yield batches in sampler order (default); ``False`` yields each as soon as
            a worker delivers it.
        prefetch: (scratchgrad) with ``num_workers=0``, fetch ahead in a background thread.
        device: (scratchgrad) move every tensor of a batch there.

    An exception raised while fetching (in the thread or a worker) is re-raised by ``next()``
    in the main process with a note naming where (worker, index); it ends the epoch, and the
    workers of a non-persistent loader are shut down. Breaking out of the loop, deleting the
    iterator or calling its ``close()`` shuts them down too.

    >>> import scratchgrad as sg
    >>> from scratchgrad.data import TensorDataset
    >>> ds = TensorDataset(sg.arange(10))
    >>> _ = sg.manual_seed(0); a = [b[0].tolist() for b in DataLoader(ds, 4, shuffle=True)]
    >>> _ = sg.manual_seed(0); b = [b[0].tolist() for b in DataLoader(ds, 4, shuffle=True)]
    >>> a == b, sorted(sum(a, []))
    (True, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> [b.tolist() for b in DataLoader([1.5, 2.5, 3.5], batch_size=2)]
    [[1.5, 2.5], [3.5]]
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler[list] | Iterable[list] | None = None,
                 num_workers: int = 0, collate_fn: Callable[[list], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, prefetch: bool = True,
                 device: Any = None) -> None:
        self._initialized = False
        if not _is_int(num_workers) or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be a non-negative integer "
                             f"(0 loads in the main process), found {num_workers!r}")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, found "
                             f"{timeout!r}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(f"DataLoader: prefetch_factor option could only be specified in "
                             f"multiprocessing (num_workers > 0), found "
                             f"prefetch_factor={prefetch_factor!r} with num_workers=0")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and (not _is_int(prefetch_factor)
                                            or prefetch_factor < 1):
            raise ValueError(f"DataLoader: prefetch_factor option should be a positive "
                             f"integer, found {prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")

        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle!r}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler!r}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler="
                                 f"{batch_sampler!r}")
        else:
            shuffle = bool(shuffle)
            needs_len = sampler is None and batch_sampler is None
            if not hasattr(dataset, "__getitem__") or (needs_len
                                                       and not hasattr(dataset, "__len__")):
                raise TypeError(f"DataLoader: expected an IterableDataset or a dataset with "
                                f"__getitem__ and __len__, found {type(dataset).__name__}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(f"DataLoader: batch_sampler option is mutually exclusive with "
                                 f"batch_size, shuffle, sampler, and drop_last (found "
                                 f"batch_size={batch_size!r}, shuffle={shuffle!r}, sampler="
                                 f"{sampler!r}, drop_last={drop_last!r})")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching "
                                 "and is mutually exclusive with drop_last")
        elif not _is_int(batch_size) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, found "
                             f"{batch_size!r} (or None to load samples unbatched)")

        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, int(batch_size), bool(drop_last))

        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = int(num_workers)
        self._fast = collate_fn is None  # the get_batch fast path stands in for the default
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.prefetch = prefetch
        self.device = device
        self._iterable = iterable
        self._iterator: _WorkerIter | None = None
        if pin_memory:
            warnings.warn("DataLoader: pin_memory=True has no effect in scratchgrad (batches "
                          "are NumPy arrays); pass device= to move batches to the GPU",
                          stacklevel=2)
        self._initialized = True

    @property
    def multiprocessing_context(self) -> multiprocessing.context.BaseContext | None:
        return self._mp_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context: Any) -> None:
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(f"DataLoader: multiprocessing_context can only be used with "
                                 f"multi-process loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(f"DataLoader: multiprocessing_context option should "
                                     f"specify a valid start method in {methods!r}, but got "
                                     f"multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(f"DataLoader: multiprocessing_context option should be a valid "
                                f"context object or a string specifying the start method, but "
                                f"got multiprocessing_context={context!r}")
        self._mp_context = context

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FROZEN and getattr(self, "_initialized", False):
            raise ValueError(f"DataLoader: {name} attribute should not be set after DataLoader "
                             f"is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def _index_iter(self) -> Iterator[Any]:
        """What each fetch gets: lists of indices (or single indices without batching). For
        the built-in samplers, integer arrays sliced from one array: no Python int per
        sample, which keeps array datasets fast."""
        bs = self.batch_sampler
        if type(bs) is BatchSampler and type(bs.sampler) in (SequentialSampler, RandomSampler):
            return bs._array_batches()
        return iter(self._index_sampler)

    def _fetcher(self, generator: Generator | None, device: Any) -> _Fetcher:
        return _Fetcher(self.dataset, **self._fetcher_args(), generator=generator,
                        device=device)

    def _fetcher_args(self) -> dict:
        return dict(iterable=self._iterable, auto_collation=self._auto_collation,
                    collate_fn=self.collate_fn, drop_last=self.drop_last, fast=self._fast)

    def _base_seed(self) -> int:
        return int(rng(self.generator).integers(2**63 - 2**16))  # room for + worker_id

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # TypeError if the dataset does not know its length
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self._index_sampler)

    def __iter__(self) -> "_SingleProcessIter | _WorkerIter":
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if not self.persistent_workers:
            return _WorkerIter(self)
        if self._iterator is None or self._iterator._shut:  # first epoch, or after close()
            self._iterator = _WorkerIter(self)
        else:
            self._iterator._reset(self)
        return self._iterator

    def __repr__(self) -> str:
        size = len(self.dataset) if hasattr(self.dataset, "__len__") else "?"
        return (f"DataLoader({type(self.dataset).__name__} of {size}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, num_workers={self.num_workers})")


def _produce(fetch: _Fetcher, tasks: queue.Queue, results: queue.Queue,
             stop: threading.Event) -> None:
    """The prefetch thread: fetch the batches the main thread asks for, in order."""
    while True:
        task = tasks.get()
        if task is None or stop.is_set():
            return
        k, indices = task
        try:
            results.put(("batch", fetch(indices)))
        except StopIteration:
            results.put(("end", None))
        except BaseException as e:  # noqa: BLE001  (re-raised in the consumer's thread)
            e.add_note(f"(raised in the DataLoader's prefetch thread while fetching batch {k}, "
                       f"at {fetch.where()})")
            results.put(("error", e))


class _SingleProcessIter:
    """One epoch in this process. With ``prefetch``, a thread fetches the next batches while
    the current one is used; the sampler is still iterated here, in the calling thread, so
    its random draws happen at the same place with or without the thread."""

    def __init__(self, loader: DataLoader) -> None:
        self._finished = False
        self._thread: threading.Thread | None = None
        self._len = loader.__len__
        self._timeout = loader.timeout
        self._fetch = loader._fetcher(Generator(loader._base_seed()), loader.device)
        self._indices = loader._index_iter()
        self._sent = self._outstanding = 0
        if loader.prefetch:
            self._tasks: queue.Queue = queue.Queue()
            self._results: queue.Queue = queue.Queue()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=_produce, name="DataLoader-prefetch",
                                            args=(self._fetch, self._tasks, self._results,
                                                  self._stop), daemon=True)
            self._thread.start()
            for _ in range(_PREFETCH_BATCHES):
                self._submit()

    def __iter__(self) -> "_SingleProcessIter":
        return self

    def __len__(self) -> int:
        return self._len()

    def _submit(self) -> None:
        try:
            indices = next(self._indices)
        except StopIteration:
            return
        self._tasks.put((self._sent, indices))
        self._sent += 1
        self._outstanding += 1

    def __next__(self) -> Any:
        if self._finished:
            raise StopIteration
        if self._thread is None:
            try:
                return self._fetch(next(self._indices))
            except BaseException:  # StopIteration included: an error ends the epoch too
                self._finished = True
                raise
        if self._outstanding == 0:
            self.close()
            raise StopIteration
        try:
            kind, value = self._results.get(timeout=self._timeout or None)
        except queue.Empty:
            self.close()
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None
        self._outstanding -= 1
        if kind == "batch":
            self._submit()
            return value
        self.close()
        if kind == "error":
            raise value
        raise StopIteration

    def close(self) -> None:
        """End the epoch now: stop the prefetch thread and wait for it. Later ``next()``
        calls raise StopIteration, as for a closed generator."""
        self._finished = True
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        self._tasks.put(None)
        # A Ctrl-C inside Thread.start() can leave a thread that is not started yet: it sees
        # the stop flag when it runs, and joining it now would raise RuntimeError. While the
        # interpreter shuts down, a daemon thread that wakes up is stopped for good without
        # ever marking itself finished, so a join then could wait forever: it is left alone.
        if (thread is not threading.current_thread() and thread.is_alive()
                and not sys.is_finalizing()):
            thread.join()

    def __del__(self) -> None:
        self.close()


class _WorkerIter:
    """Epochs served by ``num_workers`` worker processes.

    Index batches go to the workers round-robin, at most ``prefetch_factor`` per worker
    ahead; answers come back on one queue in whatever order the workers finish, and are
    handed out in task order (``in_order``). With ``persistent_workers`` the loader keeps
    this object and :meth:`_reset` starts the next epoch on the same workers.
    """

    def __init__(self, loader: DataLoader) -> None:
        self._shut = True  # until the workers exist, there is nothing to shut down
        ctx = loader.multiprocessing_context or _default_context()
        self._n = loader.num_workers
        self._persistent = loader.persistent_workers
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._device = loader.device
        self._ahead = loader.prefetch_factor * self._n
        self._len = loader.__len__
        base_seed = loader._base_seed()
        self._done = ctx.Event()
        self._results = ctx.Queue()
        self._queues: list = []
        self._workers: list = []
        self._shut = False
        for wid in range(self._n):
            q = ctx.Queue()
            # never wait at exit to flush tasks that no worker will read any more
            q.cancel_join_thread()
            w = ctx.Process(target=_worker_loop, name=f"DataLoader-worker-{wid}", daemon=True,
                            args=(loader.dataset, loader._fetcher_args(), q, self._results,
                                  self._done, base_seed, loader.worker_init_fn, wid, self._n,
                                  os.getpid()))
            self._queues.append(q)
            self._workers.append(w)
            try:
                w.start()
            except BaseException:
                self._shutdown()
                raise
        self._next_task = 0
        self._reset(loader, first=True)

    def _reset(self, loader: DataLoader, first: bool = False) -> None:
        if self._shut:
            raise RuntimeError("DataLoader: this iterator's workers were shut down")
        self._indices = loader._index_iter()
        self._epoch_start = self._rcvd = self._next_task
        self._owner: dict[int, int] = {}  # sent this epoch, not handed out yet: id -> worker
        self._ready: dict[int, tuple] = {}  # answers received, by task id
        self._active = [True] * self._n  # workers whose iterable dataset is not exhausted
        self._sampler_done = False
        self._turn = 0
        self._finished = False
        if not first:
            for q in self._queues:
                q.put(_RESUME)
        for _ in range(self._ahead):
            self._submit()

    def __iter__(self) -> "_WorkerIter":
        return self

    def __len__(self) -> int:
        return self._len()

    def _submit(self) -> None:
        if self._sampler_done or not any(self._active):
            return
        while not self._active[self._turn % self._n]:
            self._turn += 1
        wid = self._turn % self._n
        try:
            indices = next(self._indices)
        except StopIteration:
            self._sampler_done = True
            return
        self._turn += 1
        self._queues[wid].put((self._next_task, indices))
        self._owner[self._next_task] = wid
        self._next_task += 1

    def __next__(self) -> Any:
        while not self._finished:
            if self._in_order:
                task = self._rcvd if self._rcvd in self._owner else None
            else:
                task = next(iter(self._ready), None) if self._ready else (
                    -1 if self._owner else None)
            if task is None:  # nothing sent and not handed out: the epoch is over
                self._end_epoch()
                break
            if task not in self._ready:
                self._receive()
                continue
            kind, payload = self._ready.pop(task)
            wid = self._owner.pop(task)
            self._rcvd = max(self._rcvd, task + 1) if self._in_order else self._rcvd
            if kind == "end":
                self._active[wid] = False
                self._submit()
                continue
            if kind == "error":
                self._end_epoch()
                payload.reraise()
            self._submit()
            batch = pickle.loads(payload)
            return batch if self._device is None else _to_device(batch, self._device)
        raise StopIteration

    def _receive(self) -> None:
        """Wait for one answer of this epoch, checking that the workers are alive."""
        start = time.monotonic()
        while True:
            wait = _CHECK_S
            if self._timeout:
                wait = min(wait, max(self._timeout - (time.monotonic() - start), 0.0))
            try:
                task, kind, payload = self._results.get(timeout=wait)
            except queue.Empty:
                if self._timeout and time.monotonic() - start >= self._timeout:
                    self._shutdown()
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} "
                                       f"seconds") from None
                dead = [(wid, w) for wid, w in enumerate(self._workers) if not w.is_alive()]
                if dead:
                    wid, w = dead[0]
                    self._shutdown()
                    raise RuntimeError(f"DataLoader worker {wid} (pid {w.pid}) exited "
                                       f"unexpectedly with exit code {w.exitcode}") from None
                continue
            if task >= self._epoch_start:  # else an answer for an abandoned epoch
                self._ready[task] = (kind, payload)
                return

    def _end_epoch(self) -> None:
        self._finished = True
        if not self._persistent:
            self._shutdown()

    def close(self) -> None:
        """End the epoch now and shut the workers down (persistent ones too); later
        ``next()`` calls raise StopIteration."""
        self._finished = True
        self._shutdown()

    def _shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        self._finished = True
        self._done.set()
        for q in self._queues:
            q.put(None)
        deadline = time.monotonic() + _JOIN_S
        for w in self._workers:
            if w.pid is not None:  # started
                w.join(timeout=max(deadline - time.monotonic(), 0.0))
        for w in self._workers:
            if w.pid is not None and w.is_alive():
                w.terminate()  # stuck in a batch: it will not be used any more
                w.join()
        for q in [*self._queues, self._results]:
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        try:
            self._shutdown()
        except Exception:  # noqa: BLE001  (at interpreter exit the modules may be gone)
            pass
