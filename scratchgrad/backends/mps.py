"""``scratchgrad.backends.mps``: Apple's Metal backend, which scratchgrad does not have.

>>> import scratchgrad as sg
>>> sg.backends.mps.is_available(), sg.backends.mps.is_built()
(False, False)
"""
from __future__ import annotations


def is_available() -> bool:
    """Always False: scratchgrad runs on NumPy (CPU) and CuPy (NVIDIA GPUs) only."""
    return False


def is_built() -> bool:
    """Always False, as :func:`is_available`."""
    return False


__all__ = ["is_available", "is_built"]
