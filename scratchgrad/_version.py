"""Version counters: how autograd notices an in-place change to a tensor it needs."""
from __future__ import annotations

import itertools


class _VersionCounter:
    """The count of in-place changes to one piece of memory, shared by a tensor, its views
    and its ``detach()`` aliases. A plain object, so that sharing is sharing a reference.

    ``_VersionCounter.last`` is a process-wide stamp that every change renews: a recorded op
    keeps the stamp of its forward, and a backward that finds it unchanged knows that no
    tensor at all changed in place since, so it skips the per-tensor check (a training step
    changes its parameters only after backward). Each stamp is a new number from ``_STAMPS``
    (itertools.count, atomic in CPython), so a change made after the forward never leaves the
    forward's stamp in place, whatever the threads do.

    ``owner`` is the id of the array of the tensor that made the counter, the base: a tensor
    sharing the counter with another array is a view, which ``view()`` treats as PyTorch
    treats views (an id, not a reference: it keeps no memory alive, and a stale one only
    makes ``view()`` copy where PyTorch might refuse)."""

    __slots__ = ("value", "owner")
    last = 0

    def __init__(self, owner: int = 0) -> None:
        self.value = 0
        self.owner = owner


_STAMPS = itertools.count(1)
