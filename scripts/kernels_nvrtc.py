"""Compile every CUDA kernel body of scratchgrad/_cuda_kernels.py with NVRTC, no GPU needed.

Each body is wrapped the way CuPy's ElementwiseKernel wraps it (one thread per element ``i``;
a non-raw parameter bound to element ``i``, an out parameter by reference; raw parameters
indexed by the body; scalars by value) and compiled for T = float and double. It catches what
the host build in tests/test_cuda_kernels.py cannot: CUDA-only syntax and overload errors.

    pip download --no-deps nvidia-cuda-nvrtc-cu12 -d /tmp/nvrtc   # ~90 MB wheel, unzip it
    python scripts/kernels_nvrtc.py /path/to/libnvrtc.so.12 [--arch compute_90]

Exit status: the number of kernels that failed to compile.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from _hostkernels import bindings  # noqa: E402  (parameters bound as ElementwiseKernel does)
from scratchgrad.kernels import cuda_source as _cuda_kernels  # noqa: E402

# Parameters the GPU paths pass as Python ints (everything else is an array).
SCALARS = {"C", "H", "W", "KH", "KW", "OH", "OW", "sh", "sw", "pt", "pl", "dh", "dw", "M"}


def source(name: str, ctype: str) -> str:
    ins, outs, body, kname = _cuda_kernels._SOURCES[name]
    args, binds = bindings(ins, outs, SCALARS)
    return (f"typedef {ctype} T;\n"
            "template<typename U> struct Raw { U* p; "
            "__device__ U& operator[](long long k) const { return p[k]; } };\n"
            f"extern \"C\" __global__ void {kname}({', '.join(args)}, long long _n) {{\n"
            "  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;\n"
            f"  if (i >= _n) return;\n  {' '.join(binds)}\n  {{ {body} }}\n}}\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("libnvrtc", help="path to libnvrtc.so (from the CUDA toolkit or pip)")
    p.add_argument("--arch", default="compute_90", help="virtual architecture (H100/H200: 90)")
    args = p.parse_args()
    lib = ctypes.CDLL(args.libnvrtc)
    failed = 0
    for name in _cuda_kernels._SOURCES:
        for ctype in ("float", "double"):
            prog = ctypes.c_void_p()
            src = source(name, ctype).encode()
            if lib.nvrtcCreateProgram(ctypes.byref(prog), src, b"kernel.cu", 0, None, None):
                raise RuntimeError("nvrtcCreateProgram failed")
            opts = (ctypes.c_char_p * 1)(f"--gpu-architecture={args.arch}".encode())
            rc = lib.nvrtcCompileProgram(prog, 1, opts)
            size = ctypes.c_size_t()
            lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
            log = ctypes.create_string_buffer(size.value)
            lib.nvrtcGetProgramLog(prog, log)
            lib.nvrtcDestroyProgram(ctypes.byref(prog))
            print(f"{name:<12} {ctype:<7} {'OK' if rc == 0 else 'FAILED'} "
                  f"{log.value.decode(errors='replace').strip()}")
            failed += rc != 0
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
