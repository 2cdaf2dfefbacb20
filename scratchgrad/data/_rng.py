"""Which generator random transforms draw from while a DataLoader fetches a batch.

A DataLoader fetches in a background thread while the main thread trains, and the main thread
draws from the global generator too (dropout, initialisers). If transforms also drew from the
global generator, the interleaving of the two threads would decide who gets which number and
runs would stop being reproducible. So each epoch the loader draws one seed from its generator
(in the main thread, in a fixed place), and its fetches, in whichever thread, draw from a
generator made from that seed. Outside a loader, transforms draw from the global generator.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from .. import random as _random

_local = threading.local()


def current_generator() -> _random.Generator:
    """The generator random transforms should draw from: the DataLoader's per-epoch generator
    inside a batch fetch, the global one (``sg.manual_seed``) elsewhere.

    >>> import scratchgrad as sg
    >>> current_generator() is sg.random.default_generator
    True
    """
    g = getattr(_local, "generator", None)
    return g if g is not None else _random.default_generator


@contextmanager
def use_generator(generator: _random.Generator) -> Iterator[None]:
    """Make ``generator`` this thread's :func:`current_generator` inside the block."""
    previous = getattr(_local, "generator", None)
    _local.generator = generator
    try:
        yield
    finally:
        _local.generator = previous
