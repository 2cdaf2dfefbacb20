"""The kernel modules, one per kind of acceleration; importing one registers its kernels.
Numba and CuPy are imported by those modules lazily, at a kernel's first call."""
from . import cupy, numba_cpu, numpy_conv, numpy_nn, numpy_rnn  # noqa: F401
