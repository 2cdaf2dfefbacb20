"""Tuned NumPy paths of convolution and pooling (``ops/conv.py``): reusable workspace memory,
layouts chosen for the BLAS, chunked col2im."""
from __future__ import annotations
