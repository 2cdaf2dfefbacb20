"""A stand-in for CuPy built on NumPy, strict where CuPy is strict, to run the device tests on a
"cuda" device without a GPU (SCRATCHGRAD_TEST_DEVICE=fakecuda, see conftest.py).

Arrays are ``FakeArray`` (an ndarray subclass whose type lives in a module named ``cupy...``,
so scratchgrad takes them for CUDA arrays). Like CuPy, and unlike NumPy, they refuse to mix
with host (NumPy) arrays: a ufunc, a NumPy function or an assignment ``a[...] = v`` given a
NumPy array raises TypeError/ValueError, and reductions give 0-d arrays, not scalars. So every
place where an op builds a NumPy array (``np.zeros``, ``np.arange``...) and meets a device
array fails here as it would on a GPU. Only ``asarray`` / ``array`` / ``ascontiguousarray``
copy host data in, as ``cupy.asarray`` does.

``ElementwiseKernel`` compiles the kernel body for the host (tests/_hostkernels.py, needs a C++
compiler), so the CUDA kernels' index arithmetic runs here too. What it cannot catch:
``np.asarray(device_array)`` (NumPy views a subclass silently, where CuPy raises), CUDA itself,
and CuPy's own gaps (functions or arguments NumPy has and CuPy lacks).
"""
from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np


class _Device:
    id = 0

    def synchronize(self) -> None:
        pass


class FakeArray(np.ndarray):
    """A "device" array: NumPy underneath, CuPy's strictness on top."""

    @property
    def device(self) -> _Device:  # CuPy's arrays know their device
        return _Device()

    def get(self) -> np.ndarray:
        """Copy to the host (``cupy.ndarray.get``)."""
        return np.array(self.view(np.ndarray))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _refuse_host(ufunc.__name__, inputs)
        args = [_unwrap(a) for a in inputs]
        if "out" in kwargs:
            _refuse_host(ufunc.__name__, kwargs["out"])
            kwargs["out"] = tuple(_unwrap(o) for o in kwargs["out"])
        result = getattr(ufunc, method)(*args, **kwargs)
        if method == "at":
            return None
        return _wrap(result)

    def __array_function__(self, func, types_, args, kwargs):
        _refuse_host(func.__name__, args)
        _refuse_host(func.__name__, tuple(kwargs.values()))
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))

    def __setitem__(self, index, value):
        if type(value) is np.ndarray and value.ndim > 0:
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        np.ndarray.__setitem__(self.view(np.ndarray), _unwrap(index), _unwrap(value))

    def __getitem__(self, index):
        return _wrap(np.ndarray.__getitem__(self.view(np.ndarray), _unwrap(index)))

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use "
                        "`.get()` to construct a NumPy array explicitly.")

    def argmax(self, *a, **k):
        return _wrap(np.asarray(self.view(np.ndarray).argmax(*a, **k)))

    def argmin(self, *a, **k):
        return _wrap(np.asarray(self.view(np.ndarray).argmin(*a, **k)))

    def item(self, *a):
        return self.view(np.ndarray).item(*a)

    def tolist(self):
        return self.view(np.ndarray).tolist()


FakeArray.__module__ = "cupy._fake"


def _refuse_host(name: str, args: Any) -> None:
    for a in args if isinstance(args, (tuple, list)) else (args,):
        if type(a) is np.ndarray:
            raise TypeError(f"{name}: Unsupported type <class 'numpy.ndarray'> (a host array "
                            "given to a CuPy operation)")
        if isinstance(a, (tuple, list)):
            _refuse_host(name, a)


def _unwrap(x: Any) -> Any:
    if isinstance(x, FakeArray):
        return x.view(np.ndarray)
    if isinstance(x, tuple):
        return tuple(_unwrap(v) for v in x)
    if isinstance(x, list):
        return [_unwrap(v) for v in x]
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _wrap(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x if isinstance(x, FakeArray) else x.view(FakeArray)
    if isinstance(x, np.generic):
        return np.asarray(x).view(FakeArray)  # CuPy gives 0-d arrays, never scalars
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


class _Ufunc:
    def __init__(self, uf: np.ufunc) -> None:
        self._uf = uf
        self.__name__ = uf.__name__

    def __call__(self, *args, **kwargs):
        _refuse_host(self.__name__, args)
        if not any(isinstance(a, FakeArray) for a in args):
            args = tuple(_wrap(np.asarray(a)) for a in args)  # Python scalars only
        return getattr(np, self.__name__)(*args, **kwargs)

    def at(self, a, index, values=None):
        _refuse_host(self.__name__ + ".at", (a, values))
        getattr(np, self.__name__).at(_unwrap(a), _unwrap(index), _unwrap(values))

    def __getattr__(self, name):
        return getattr(self._uf, name)


_CONVERTERS = {"asarray", "array", "ascontiguousarray"}


def _function(name: str, fn: Any) -> Any:
    def call(*args, **kwargs):
        if name not in _CONVERTERS:
            _refuse_host(name, args)
            _refuse_host(name, tuple(kwargs.values()))
        return _wrap(fn(*_unwrap(args), **_unwrap(kwargs)))
    call.__name__ = name
    return call


class _RandomState:
    def __init__(self, seed: int) -> None:
        self._rs = np.random.RandomState(seed % 2**32)

    def random_sample(self, size=None, dtype=np.float64):
        return _wrap(self._rs.random_sample(size).astype(dtype))

    def standard_normal(self, size=None, dtype=np.float64):
        return _wrap(self._rs.standard_normal(size).astype(dtype))

    def randint(self, low, high=None, size=None, dtype=np.int64):
        return _wrap(np.asarray(self._rs.randint(low, high, size)).astype(dtype))


class _ElementwiseKernel:
    """CuPy's ElementwiseKernel, run on the host: the body is compiled with the C++ compiler
    (tests/_hostkernels.py) on the first call, when the scalar parameters are known. Arrays go
    in as C-contiguous copies when they are not; non-contiguous outputs are copied back."""

    def __init__(self, in_params: str, out_params: str, operation: str, name: str,
                 **kwargs: Any) -> None:
        self.spec = (in_params, out_params, operation, name)
        self._host = None

    def __call__(self, *args):
        from _hostkernels import HostKernel, params

        names = [n for _, _, n in params(self.spec[0]) + params(self.spec[1])]
        if self._host is None:
            scalars = {n for n, a in zip(names, args) if not isinstance(a, np.ndarray)}
            self._host = HostKernel(*self.spec, scalars)
        n_in = len(params(self.spec[0]))
        host_args, write_back = [], []
        for k, a in enumerate(args):
            if isinstance(a, np.ndarray):
                view = _unwrap(a)
                if not view.flags.c_contiguous:
                    copy = np.ascontiguousarray(view)
                    if k >= n_in:
                        write_back.append((view, copy))
                    view = copy
                host_args.append(view)
            else:
                host_args.append(a)
        self._host(*host_args)
        for view, copy in write_back:
            view[...] = copy


class _Module(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        obj = getattr(np, name)
        if isinstance(obj, np.ufunc):
            return _Ufunc(obj)
        if callable(obj) and not isinstance(obj, type):
            return _function(name, obj)
        return obj


def get_array_module(*args: Any) -> Any:
    """``cupy.get_array_module`` (other libraries, e.g. DeZero, ask it)."""
    return sys.modules["cupy"] if any(isinstance(a, FakeArray) for a in args) else np


def install() -> types.ModuleType:
    """Put the stand-in into ``sys.modules`` as ``cupy`` (and ``cupyx``); return it."""
    cupy = _Module("cupy")
    cupy.__version__ = "fake"
    cupy.ndarray = FakeArray
    cupy.random = types.SimpleNamespace(RandomState=_RandomState)
    cupy.cuda = types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 1,
                                      getDeviceProperties=lambda i: {"name": b"fake GPU"}),
        Device=_Device)
    cupy.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
        as_strided=lambda x, shape=None, strides=None: _wrap(
            np.lib.stride_tricks.as_strided(_unwrap(x), shape, strides))))
    cupy.ElementwiseKernel = _ElementwiseKernel
    cupy.get_array_module = get_array_module
    sys.modules["cupy"] = cupy
    return cupy
