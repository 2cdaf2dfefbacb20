"""Hand-written CUDA kernels (CuPy ``ElementwiseKernel``) for the ops where the generic CuPy
path launches many small kernels: im2col / col2im, the LSTM gates of one step, softmax
cross-entropy.

Each kernel is small, written for contiguous (C-order) arrays, and documents its indexing. The
ops call :func:`get` for a kernel and fall back to their generic ``xp`` path when it returns
None: without CuPy, or when ``SCRATCHGRAD_CUDA_KERNELS=0`` (read at every call, so a kernel bug
can be switched off while the rest of the GPU suite runs). CuPy is reached through
``backend.py`` only; kernels are compiled on first use and cached (CuPy also caches the
binaries on disk).

Index arithmetic is 64-bit (``long long``): a column matrix of a large batch passes 2**31
elements.
"""
from __future__ import annotations

import os
from typing import Any

from ..backend import cupy_module

_cache: dict[str, Any] = {}


def enabled() -> bool:
    """False when ``SCRATCHGRAD_CUDA_KERNELS`` is ``0`` (or ``false``/``no``/``off``).

    >>> isinstance(enabled(), bool)
    True
    """
    return os.environ.get("SCRATCHGRAD_CUDA_KERNELS", "1").strip().lower() not in (
        "0", "false", "no", "off")


# ---------------------------------------------------------------------- im2col / col2im
# Layout shared with scratchgrad/_gpu_ops.py: x is (N, C, H, W); the column matrix is
# (C*KH*KW, N*OH*OW), row r = (c*KH + ki)*KW + kj, column m = (n*OH + oh)*OW + ow. Kernel
# offset (ki, kj) at output (oh, ow) reads input pixel (oh*sh - pt + ki*dh, ow*sw - pl + kj*dw),
# zero outside the image (the padding).
_IM2COL = (
    "raw T x, int64 C, int64 H, int64 W, int64 KH, int64 KW, int64 OH, int64 OW, "
    "int64 sh, int64 sw, int64 pt, int64 pl, int64 dh, int64 dw, int64 M",
    "T col",
    """
    // one thread per element of col (K, M): i = r * M + m
    const long long r = i / M, m = i % M;
    const long long ow = m % OW, t = m / OW, oh = t % OH, n = t / OH;
    const long long kj = r % KW, t2 = r / KW, ki = t2 % KH, c = t2 / KH;
    const long long y = oh * sh - pt + ki * dh, xx = ow * sw - pl + kj * dw;
    col = (y >= 0 && y < H && xx >= 0 && xx < W) ? x[((n * C + c) * H + y) * W + xx] : (T)0;
    """,
    "scratchgrad_im2col")

# col2im gathers instead of scattering: one thread per input pixel sums the column entries
# of every window that covers it, so there are no atomics and the sum order is fixed
# (deterministic). Pixel (h, w) is met by offset ki at output row oh when
# h + pt - ki*dh = oh*sh for an integer 0 <= oh < OH (and likewise for columns).
_COL2IM = (
    "raw T col, int64 C, int64 H, int64 W, int64 KH, int64 KW, int64 OH, int64 OW, "
    "int64 sh, int64 sw, int64 pt, int64 pl, int64 dh, int64 dw, int64 M",
    "T gx",
    """
    // one thread per element of gx (N, C, H, W): i = ((n*C + c)*H + h)*W + w
    const long long w = i % W, t = i / W, h = t % H, t2 = t / H, c = t2 % C, n = t2 / C;
    T sum = 0;
    for (long long ki = 0; ki < KH; ++ki) {
        const long long yn = h + pt - ki * dh;
        if (yn < 0 || yn % sh != 0) continue;
        const long long oh = yn / sh;
        if (oh >= OH) continue;
        for (long long kj = 0; kj < KW; ++kj) {
            const long long xn = w + pl - kj * dw;
            if (xn < 0 || xn % sw != 0) continue;
            const long long ow = xn / sw;
            if (ow >= OW) continue;
            sum += col[((c * KH + ki) * KW + kj) * M + (n * OH + oh) * OW + ow];
        }
    }
    gx = sum;
    """,
    "scratchgrad_col2im")

# ---------------------------------------------------------------------- LSTM step
# One step of the LSTM forward, elementwise over (N, H): the four gate pre-activations come in
# the outputs si, sf, sg, so (the input part, already in the gates array) plus ri..ro (the
# recurrent product h @ W_hh^T); they leave activated (sigmoid for i, f, o; tanh for g), as
# the backward pass expects, with the new cell state c, tanh(c) and h. The gate outputs are
# read before they are written (out parameters are references), so no input aliases an output.
_LSTM_STEP = (
    "T ri, T rf, T rg, T ro, T c_prev",
    "T si, T sf, T sg, T so, T c, T tc, T h",
    """
    const T i_ = (T)1 / ((T)1 + exp(-(si + ri)));
    const T f_ = (T)1 / ((T)1 + exp(-(sf + rf)));
    const T g_ = tanh(sg + rg);
    const T o_ = (T)1 / ((T)1 + exp(-(so + ro)));
    const T c_ = f_ * c_prev + i_ * g_;
    const T t_ = tanh(c_);
    si = i_; sf = f_; sg = g_; so = o_;
    c = c_; tc = t_; h = o_ * t_;
    """,
    "scratchgrad_lstm_step")

# ---------------------------------------------------------------------- cross-entropy
# Forward, one thread per row of the (M, C) logits (C-contiguous): the row maximum, the log of
# the sum of exp(x - max) and the logit of the target class (0 for an ignored row, whose
# target index was made safe). Rows are short in classification (C = 10..1000); one thread
# per row keeps the kernel obvious. The loss itself is formed by the caller.
_CE_FORWARD = (
    "raw T x, int64 t, int64 C",
    "T row_max, T log_sum, T picked",
    """
    // i is the row; its logits are x[i*C .. i*C + C)
    const long long base = i * C;
    T m = x[base];
    for (long long k = 1; k < C; ++k) m = x[base + k] > m ? x[base + k] : m;
    T s = 0;
    for (long long k = 0; k < C; ++k) s += exp(x[base + k] - m);
    row_max = m;
    log_sum = log(s);
    picked = x[base + t];
    """,
    "scratchgrad_ce_forward")

# Backward without label smoothing: gx[i, k] = softmax(x)[i, k] * coef[i] - (k == t[i]) *
# coef[i], where coef = w_t * g (the target's weight times the upstream gradient; 0 for
# ignored rows). One thread per element of the (M, C) gradient; i = row * C + k.
_CE_BACKWARD = (
    "T x, raw T row_max, raw T log_sum, raw int64 t, raw T coef, int64 C",
    "T gx",
    """
    const long long row = i / C, k = i % C;
    const T p = exp(x - row_max[row] - log_sum[row]);
    gx = p * coef[row] - (k == t[row] ? coef[row] : (T)0);
    """,
    "scratchgrad_ce_backward")

_SOURCES = {"im2col": _IM2COL, "col2im": _COL2IM, "lstm_step": _LSTM_STEP,
            "ce_forward": _CE_FORWARD, "ce_backward": _CE_BACKWARD}


def get(name: str) -> Any:
    """The compiled kernel ``name`` (see ``_SOURCES``), or None when kernels are switched off.

    >>> get("no such kernel") is None
    True
    """
    if name not in _SOURCES or not enabled():
        return None
    kernel = _cache.get(name)
    if kernel is None:
        in_params, out_params, body, kname = _SOURCES[name]
        cupy = cupy_module(f"kernel {name}")
        kernel = _cache[name] = cupy.ElementwiseKernel(in_params, out_params, body, kname)
    return kernel
