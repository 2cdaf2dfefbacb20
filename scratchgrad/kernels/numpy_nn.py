"""Tuned NumPy paths of the neural-network ops in ``ops/nn.py`` and ``ops/elementwise.py``
(normalization, losses, activations): the same results as the reference with fewer passes
over memory and fewer fresh arrays."""
from __future__ import annotations
