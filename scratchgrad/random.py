"""One seeded random generator for the whole library, so that runs are reproducible.

Initialisers, dropout, ``rand``/``randn`` and DataLoader shuffling all draw from it (unless a
``Generator`` is passed explicitly). As in PyTorch, the GPU has its own stream of numbers
(``cupy.random``), seeded by the same ``manual_seed``: draws for CUDA tensors are made on the GPU
and do not advance the CPU stream (so they differ from the CPU's numbers for the same seed).
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
        self._cuda: Any = None  # cupy.random.RandomState, made on the first GPU draw
        self._cuda_seed = self._seed

    def manual_seed(self, seed: int) -> "Generator":
        self._seed = int(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._seed))
        self.manual_seed_cuda(self._seed)
        return self

    def manual_seed_cuda(self, seed: int) -> None:
        """Reseed the GPU stream only (lazily: nothing touches CuPy until a GPU draw)."""
        self._cuda, self._cuda_seed = None, int(seed)

    def cuda_rng(self) -> Any:
        """The GPU stream, a ``cupy.random.RandomState`` (needs CUDA)."""
        if self._cuda is None:
            from .backend import cupy_module  # noqa: PLC0415  (cycle-free, lazy)

            # CuPy's seeds are 64-bit unsigned; fold the seed the way NumPy would accept it.
            self._cuda = cupy_module("random").random.RandomState(self._cuda_seed % 2**63)
        return self._cuda

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict[str, Any]:
        """The generator's state as plain data (JSON-friendly, no pickling)."""
        return {"seed": self._seed, "bit_generator": self.rng.bit_generator.state}

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`get_state` returned; a bad state raises and changes nothing.

        >>> g = Generator(0); s = g.get_state(); a = g.rng.random()
        >>> g.set_state(s); g.rng.random() == a
        True
        """
        seed = state["seed"]
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"Generator.set_state: 'seed' should be an int, found {seed!r}")
        probe = np.random.PCG64()
        probe.state = state["bit_generator"]  # NumPy checks the state here
        self.rng.bit_generator.state = probe.state
        self._seed = int(seed)


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


def _note_draw() -> None:
    """Count a draw: scratchgrad.compile tells ops that draw (dropout) from pure ones, and a
    draw outside any op makes a function untraceable."""
    state = _config._state
    state.rng_draws += 1
    state.policy.unrecordable("draws random numbers outside an op (e.g. sg.randn() in the "
                              "function); pass random tensors in as arguments")


def rng(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator to draw from."""
    _note_draw()
    return (generator or default_generator).rng


def uniform(xp: Any, shape: tuple, dtype: Any = np.float32,
            generator: Generator | None = None) -> Any:
    """Uniform samples in [0, 1) as an ``xp`` array, drawn on that device's stream.

    >>> uniform(np, (2,)).dtype
    dtype('float32')
    """
    if xp is np:
        return rng(generator).random(shape, dtype=dtype)
    _note_draw()
    return (generator or default_generator).cuda_rng().random_sample(shape, dtype=dtype)


def standard_normal(xp: Any, shape: tuple, dtype: Any = np.float32,
                    generator: Generator | None = None) -> Any:
    """Standard normal samples as an ``xp`` array, drawn on that device's stream."""
    if xp is np:
        return rng(generator).standard_normal(shape).astype(dtype, copy=False)
    _note_draw()
    return (generator or default_generator).cuda_rng().standard_normal(shape, dtype=dtype)
