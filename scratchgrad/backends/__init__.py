"""``scratchgrad.backends``: the switches programs set for PyTorch's backends
(``torch.backends.cudnn.benchmark = True``, ``torch.backends.cuda.matmul.allow_tf32``,
``torch.backends.mps.is_available()``), so that those programs run.

scratchgrad calls no cuDNN and no MPS: its GPU kernels are its own, on CuPy. The ``cudnn`` and
``cuda`` flags are plain module attributes, stored and read back, that change nothing.

>>> import scratchgrad as sg
>>> sg.backends.mps.is_available()
False
"""
from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
