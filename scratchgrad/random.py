"""One seeded random generator for the whole library, so that runs are reproducible.

Initialisers, dropout, ``rand``/``randn`` and DataLoader shuffling all draw from it (unless a
``Generator`` is passed explicitly).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _config


class Generator:
    """A random number generator (NumPy's PCG64) with PyTorch's ``manual_seed`` interface.

    >>> g = Generator().manual_seed(0)
    >>> g.initial_seed()
    0
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed if seed is not None else int(np.random.SeedSequence().entropy % 2**63)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> "Generator":
        self._seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The generator's state as plain data (JSON-friendly, no pickling)."""
        return {"seed": self._seed, "bit_generator": self.rng.bit_generator.state}

    def set_state(self, state: dict[str, Any]) -> None:
        self._seed = state["seed"]
        self.rng.bit_generator.state = state["bit_generator"]


default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Seed the global generator (and return it), for reproducible runs.

    >>> import scratchgrad as sg
    >>> _ = sg.manual_seed(0); a = sg.rand(2)
    >>> _ = sg.manual_seed(0); bool((a == sg.rand(2)).all())
    True
    """
    return default_generator.manual_seed(seed)


def get_rng_state() -> dict[str, Any]:
    return default_generator.get_state()


def set_rng_state(state: dict[str, Any]) -> None:
    default_generator.set_state(state)


def rng(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator to draw from."""
    state = _config._state
    state.rng_draws += 1  # scratchgrad.compile tells ops that draw (dropout) from pure ones
    if state.tracer is not None:
        state.tracer.invalidate("draws random numbers outside an op (e.g. sg.randn() in the "
                                "function); pass random tensors in as arguments")
    return (generator or default_generator).rng
