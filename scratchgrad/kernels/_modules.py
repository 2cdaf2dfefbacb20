"""The kernel modules, one per kind of acceleration; importing one registers its kernels.
Numba and CuPy are imported by those modules lazily, at a kernel's first call.

The order is the priority, lowest first (a later registration is asked first): the tuned
NumPy kernels, then those for narrower cases (Numba loops for large NumPy arrays, CuPy)."""
from . import numpy_conv, numpy_nn, numpy_rnn  # noqa: F401
from . import numba_cpu, cupy  # noqa: F401,E401
