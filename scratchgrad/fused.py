"""Whether the compiled CPU kernels can run, and loading them ahead of time.

The kernels themselves live in :mod:`scratchgrad.kernels.numba_cpu` (Numba, an optional extra:
``pip install 'scratchgrad[fast]'``); ``SCRATCHGRAD_FUSED=0`` in the environment switches them
off, ``SCRATCHGRAD_KERNELS=reference`` switches off every kernel.

>>> import scratchgrad as sg
>>> isinstance(sg.fused.available(), bool)
True
"""
from .kernels.numba_cpu import MIN_ELEMENTS, available, warm_up

__all__ = ["available", "warm_up", "MIN_ELEMENTS"]
