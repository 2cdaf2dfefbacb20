"""Tuned NumPy paths of the recurrent layers' time loops (``ops/rnn.py``)."""
from __future__ import annotations
