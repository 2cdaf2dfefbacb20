"""Build the CUDA kernel bodies of scratchgrad/_cuda_kernels.py for the host (C++ compiler).

A body is plain C++ over an element index ``i``; CuPy's ElementwiseKernel wraps it in a CUDA
loop. Here it is wrapped in a host loop that binds the parameters as ElementwiseKernel does:
``i`` runs over the elements of the output in C order; a non-raw array parameter is element
``i`` of its array (an out parameter a reference to it); a raw parameter is indexed by the
body; a scalar is a value. Used by tests/test_cuda_kernels.py and by the fake CuPy
(tests/_fakecupy.py) so that "cuda" runs without a GPU can use the kernels too.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile
from typing import Any

import numpy as np

CXX = shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")
_CTYPES = {"T": "T", "int64": "long long", "int32": "int"}
_NP = {"int64": np.int64, "int32": np.int32}
_PRELUDE = ("#include <cmath>\nusing std::exp; using std::log; using std::tanh;\n"
            "template<typename U> struct Raw { U* p; U& operator[](long long k) const "
            "{ return p[k]; } };\n")


def params(spec: str) -> list[tuple[bool, str, str]]:
    """``"raw T x, int64 C"`` -> [(True, "T", "x"), (False, "int64", "C")]."""
    out = []
    for p in spec.split(","):
        toks = p.split()
        raw = toks[0] == "raw"
        out.append((raw, *(toks[1:] if raw else toks)))
    return out


def bindings(in_params: str, out_params: str, scalars: set[str]
             ) -> tuple[list[str], list[str]]:
    """The C parameter list of a kernel and the statements binding element ``i``, as CuPy's
    ElementwiseKernel does it (shared with scripts/kernels_nvrtc.py's CUDA wrapper)."""
    args, binds = [], []
    for raw, t, n in params(in_params):
        ct = _CTYPES[t]
        if raw:
            args.append(f"Raw<{ct}> {n}")
        elif n in scalars:
            args.append(f"const {ct} {n}")
        else:
            args.append(f"const {ct}* _raw_{n}")
            binds.append(f"const {ct} {n} = _raw_{n}[i];")
    for _, t, n in params(out_params):
        ct = _CTYPES[t]
        args.append(f"{ct}* _raw_{n}")
        binds.append(f"{ct} &{n} = _raw_{n}[i];")
    return args, binds


def source(in_params: str, out_params: str, body: str, fname: str, ctype: str,
           scalars: set[str]) -> str:
    """One host function ``fname`` running ``body`` for every element, with T = ``ctype``."""
    args, binds = bindings(in_params, out_params, scalars)
    return (f"namespace ns_{fname} {{\ntypedef {ctype} T;\n"
            f"extern \"C\" void {fname}({', '.join(args)}, long long _n) {{\n"
            f"  for (long long i = 0; i < _n; ++i) {{ {' '.join(binds)} {{ {body} }} }}\n}}\n}}\n")


class HostKernel:
    """Callable like a CuPy ElementwiseKernel (inputs then outputs, positionally) on C-contiguous
    NumPy arrays. ``scalars`` names the parameters passed as Python ints."""

    def __init__(self, in_params: str, out_params: str, body: str, name: str,
                 scalars: set[str], directory: str | None = None) -> None:
        if CXX is None:
            raise RuntimeError("no C++ compiler to build kernels on the host")
        self.name, self.scalars = name, set(scalars)
        self.ins, self.outs = params(in_params), params(out_params)
        d = directory or tempfile.mkdtemp(prefix="hostkernel-")
        src = _PRELUDE + "".join(source(in_params, out_params, body, f"{name}_{ct}", ct,
                                        self.scalars) for ct in ("float", "double"))
        cpp, lib = os.path.join(d, f"{name}.cpp"), os.path.join(d, f"{name}.so")
        with open(cpp, "w") as f:
            f.write(src)
        subprocess.run([CXX, "-O1", "-shared", "-fPIC", "-o", lib, cpp], check=True,
                       capture_output=True)
        self.lib = ctypes.CDLL(lib)

    def __call__(self, *args: Any) -> None:
        assert len(args) == len(self.ins) + len(self.outs), f"{self.name}: wrong arity"
        outs = args[len(self.ins):]
        n = outs[0].size
        dtype = None
        cargs = []
        for (raw, t, name), a in zip(self.ins + self.outs, args):
            if name in self.scalars:
                assert isinstance(a, (int, np.integer)), f"{self.name}: {name} must be an int"
                cargs.append(ctypes.c_longlong(int(a)))
                continue
            assert isinstance(a, np.ndarray) and a.flags.c_contiguous, \
                f"{self.name}: {name} must be a C-contiguous array"
            if t == "T":
                assert dtype is None or a.dtype == dtype, f"{self.name}: mixed dtypes"
                dtype = a.dtype
            else:
                assert a.dtype == _NP[t], f"{self.name}: {name} must be {t}, got {a.dtype}"
            if not raw:
                assert a.size == n, f"{self.name}: {name} has {a.size} elements, output {n}"
            cargs.append(ctypes.c_void_p(a.ctypes.data))
        assert all(o.shape == outs[0].shape for o in outs), f"{self.name}: output shapes"
        ctype = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}[dtype]
        getattr(self.lib, f"{self.name}_{ctype}")(*cargs, ctypes.c_longlong(n))
