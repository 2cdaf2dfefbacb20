"""What runs in a DataLoader worker: fetching a batch from indices, seeding, the worker loop,
and carrying a worker's exception back to the main process.

Protocol (one pipe per worker for tasks, one shared pipe for results):

- The main process sends ``(task_id, indices)`` to a worker's index queue, ``_RESUME`` to
  restart an iterable dataset for a new epoch (persistent workers), and ``None`` to stop.
- The worker answers each task on the result queue with ``(task_id, kind, payload)``: kind
  ``"batch"`` (the batch, pickled in the worker so that a batch that cannot be pickled is
  reported instead of silently lost), ``"end"`` (its iterable dataset is exhausted) or
  ``"error"`` (a :class:`_Failure`).

Task ids grow across epochs, so the main process can drop answers that belong to an epoch it
abandoned (a ``break`` with persistent workers).
"""
from __future__ import annotations

import contextlib
import os
import pickle
import queue
import random
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import random as sg_random
from ..random import Generator
from ..tensor import Tensor
from ._rng import use_generator

__all__ = ["WorkerInfo", "get_worker_info"]

_POLL_S = 0.5  # how often an idle worker checks that the main process is still there
_RESUME = "resume"  # the message that restarts an iterable dataset's iterator


@dataclass(frozen=True)
class WorkerInfo:
    """Who this worker is: ``id`` in ``[0, num_workers)``, the ``seed`` its generators were
    seeded with (the loader's base seed + ``id``), and its own copy of the ``dataset``.

    >>> WorkerInfo(id=1, num_workers=2, seed=10, dataset=None).num_workers
    2
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker process, its :class:`WorkerInfo`; ``None`` in the main
    process. An :class:`~scratchgrad.data.IterableDataset` uses it to split its stream
    between the workers, a ``worker_init_fn`` to configure each worker's copy of the dataset.

    >>> get_worker_info() is None  # this is the main process
    True
    """
    return _worker_info


def _seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed every generator a dataset may draw from in this worker; return scratchgrad's seed.

    Python's ``random`` and scratchgrad's generator get ``base_seed + worker_id``, as PyTorch
    seeds ``random`` and torch. NumPy's legacy global generator gets a state mixed from both
    numbers by NumPy's own SeedSequence, so that its stream is not the same as scratchgrad's
    (which is also PCG64-based) for the same seed.
    """
    seed = base_seed + worker_id
    random.seed(seed)
    sg_random.manual_seed(seed)
    np.random.seed(np.random.SeedSequence([base_seed, worker_id]).generate_state(4))
    return seed


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


def _short(indices: Any) -> str:
    keys = indices.tolist() if isinstance(indices, np.ndarray) else list(indices)
    return str(keys) if len(keys) <= 8 else f"[{', '.join(map(str, keys[:8]))}, ...]"


class _Fetcher:
    """Turns what the sampler yields into a batch: a list of indices (or one index, without
    batching) for a map-style dataset; for an iterable one, the number of samples to take.

    It remembers where it is (the index being read, the step), so an exception can name it.
    It holds no reference to the iterator that uses it, so a background thread running it
    does not keep a dropped iterator alive.
    """

    def __init__(self, dataset: Any, iterable: bool, auto_collation: bool,
                 collate_fn: Callable, drop_last: bool, fast: bool,
                 generator: Generator | None = None, device: Any = None) -> None:
        self.dataset = dataset
        self.iterable = iterable
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.generator = generator
        self.device = device
        self.batches = 0
        self._where = ""
        # get_batch is the collated batch, so it stands in for collate_fn only if that is
        # the default one
        get = getattr(dataset, "get_batch", None)
        self.get_batch = get if fast and auto_collation and not iterable else None
        get = getattr(dataset, "__getitems__", None)
        self.getitems = get if callable(get) and auto_collation and not iterable else None
        self.ended = False
        if iterable:
            self.it = iter(dataset)

    def where(self) -> str:
        """What the last call was doing, in words (for error messages)."""
        return self._where

    def __call__(self, indices: Any) -> Any:
        self.batches += 1
        ctx = use_generator(self.generator) if self.generator else contextlib.nullcontext()
        with ctx:
            batch = self._iterable(indices) if self.iterable else self._map(indices)
        return batch if self.device is None else _to_device(batch, self.device)

    def _iterable(self, indices: Any) -> Any:
        self._where = f"batch {self.batches - 1} of its IterableDataset"
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.it))
        samples = []
        for _ in range(len(indices)):
            try:
                samples.append(next(self.it))
            except StopIteration:
                self.ended = True
                break
        if not samples or (self.drop_last and len(samples) < len(indices)):
            raise StopIteration
        return self.collate_fn(samples)

    def _map(self, indices: Any) -> Any:
        ds = self.dataset
        if not self.auto_collation:
            self._where = f"index {indices}"
            return self.collate_fn(ds[indices])
        if self.get_batch is not None:
            keys = np.asarray(indices)
            if keys.dtype.kind in "iu":
                self._where = f"indices {_short(keys)} (get_batch)"
                batch = self.get_batch(keys)
                if batch is not NotImplemented:
                    return batch
            self.get_batch = None  # decided once; the next batches go sample by sample
        keys = indices.tolist() if isinstance(indices, np.ndarray) else indices
        if self.getitems is not None:
            self._where = f"indices {_short(keys)} (__getitems__)"
            samples = self.getitems(list(keys))
        else:
            samples = []
            for i in keys:
                self._where = f"index {i}"
                samples.append(ds[i])
        self._where = f"collating the samples at indices {_short(keys)}"
        return self.collate_fn(samples)


class _RemoteTraceback(Exception):
    """The traceback of an exception raised in another process, shown as its cause."""

    def __str__(self) -> str:
        return self.args[0]


class _Failure:
    """An exception raised in a worker, in a form that always pickles: the exception itself
    when it survives pickling, its type and text otherwise, plus the formatted traceback."""

    def __init__(self, exc: BaseException, where: str) -> None:
        self.where = where
        self.summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        self.traceback = "".join(traceback.format_exception(type(exc), exc,
                                                            exc.__traceback__))
        try:
            self.pickled: bytes | None = pickle.dumps(exc)
            pickle.loads(self.pickled)  # some exceptions pickle but cannot be rebuilt
        except Exception:  # noqa: BLE001  (any failure means: send the text instead)
            self.pickled = None

    def reraise(self) -> None:
        """Raise the worker's exception here, with where it happened as a note and the
        worker's traceback as its cause; a RuntimeError if it could not be carried over."""
        exc = pickle.loads(self.pickled) if self.pickled is not None else None
        if not isinstance(exc, BaseException):
            raise RuntimeError(f"{self.where}: {self.summary}") from _RemoteTraceback(
                self.traceback)
        exc.add_note(self.where)
        raise exc from _RemoteTraceback(self.traceback)


def _worker_loop(dataset: Any, fetcher_args: dict, index_queue: Any, result_queue: Any,
                 done_event: Any, base_seed: int, init_fn: Callable[[int], None] | None,
                 worker_id: int, num_workers: int, parent_pid: int) -> None:
    """The body of worker ``worker_id``: answer tasks until told to stop, or until the main
    process is gone (its pid is no longer our parent)."""
    global _worker_info
    who = f"DataLoader worker {worker_id} (pid {os.getpid()})"
    try:
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        init_failure = fetch = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetch = _Fetcher(dataset, **fetcher_args)
        except Exception as e:  # noqa: BLE001  (reported for every task it should have done)
            init_failure = _Failure(e, f"{who} failed in worker_init_fn or while starting "
                                       f"to iterate its dataset")
        while True:
            try:
                task = index_queue.get(timeout=_POLL_S)
            except queue.Empty:
                if done_event.is_set() or os.getppid() != parent_pid:
                    break
                continue
            if task is None or done_event.is_set():
                break  # shutting down: the tasks still queued will not be read
            if task == _RESUME:
                if init_failure is None:
                    fetch = _Fetcher(dataset, **fetcher_args)
                continue
            task_id, indices = task
            if init_failure is not None:
                result_queue.put((task_id, "error", init_failure))
                continue
            try:
                batch = fetch(indices)
            except StopIteration:
                result_queue.put((task_id, "end", None))
                continue
            except Exception as e:  # noqa: BLE001  (re-raised in the main process)
                result_queue.put((task_id, "error", _Failure(e, f"{who} failed on "
                                                                f"{fetch.where()}")))
                continue
            try:
                payload = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as e:  # noqa: BLE001
                result_queue.put((task_id, "error", _Failure(
                    e, f"{who} could not send the batch of {fetch.where()} to the main "
                       f"process (it must be picklable)")))
                continue
            result_queue.put((task_id, "batch", payload))
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches the whole process group; the main process handles it
    if done_event.is_set():
        # The main process is shutting down and may not read what is still buffered: exit
        # without waiting for the queue's feeder thread to flush it.
        result_queue.cancel_join_thread()
        result_queue.close()
