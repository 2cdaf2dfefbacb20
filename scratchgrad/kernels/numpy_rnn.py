"""Tuned NumPy paths of the recurrent layers' time loops (``ops/rnn.py``).

The reference ``RNNSequence``, ``LSTMSequence`` and ``GRUSequence`` run each step as its
formulas read, and their backward recomputes the forward in Tensor ops. The kernels here give
the same results with far fewer calls and temporaries (``benchmarks/lstm.py`` measures them):

- the input projection of every step is one matrix product, (T*N, in) @ (in, G*H);
- the time loop makes per step one product ``h @ W_hh^T`` and a handful of in-place ufuncs on
  preallocated buffers. The sigmoid gates' weights are pre-scaled by 1/2, so that one ``tanh``
  over all gates gives them all (sigmoid(x) = (1 + tanh(x / 2)) / 2);
- the first-order backward loops over time on arrays, writing the pre-activation gradients of
  all steps into one array, and then computes dW_hh, dW_ih, the biases and dx with one product
  each (:func:`backward_with`); its temporaries are reused from one call to the next
  (:class:`_Scratch`);
- the LSTM keeps its gates gate-major, (4, T, N, H), so that every per-step ufunc runs on a
  contiguous block: NumPy runs an elementwise op on contiguous blocks several times faster
  than on the column slices of an (N, 4H) array.

States are kept in a (T+1, N, H) array ``hx`` whose slot ``t + o`` holds the state after step
t and slot ``t + 1 - o`` the one before it (o = 1 forward, 0 reverse: :func:`offset`), so the
states before every step are one contiguous view (for dW_hh) and the outputs another.

A forward kernel saves on the op what the backward kernels read: ``hx``, and ``gates`` (the
activated gates), ``cx`` (the cell states, as ``hx``) and ``tc`` (tanh of the cell states) for
the LSTM, ``rz`` (the activated r and z), ``n`` and ``gh`` (the recurrent products, whose last
block is ``W_hn h + b_hn``) for the GRU. A backward kernel runs only where one of these
forwards ran (its predicate looks for ``hx``); after the reference forward, the reference
backward runs.

The code is written with ``xp`` calls, so it also runs on CuPy arrays. Two kernels build on it:
``numba_cpu.py`` runs the elementwise part of each LSTM and GRU step in compiled loops, and
``cupy.py`` the LSTM step in one CUDA kernel. Kernels registered later are asked first, and
both register after this module's (numba_cpu.py imports this module before registering; the
CUDA one is registered here, below, see there why).
"""
from __future__ import annotations

import threading
from typing import Any, Callable

import numpy as np

from ..backend import get_array_module
from ..ops._util import quiet
from ..ops.rnn import GRUSequence, LSTMSequence, RNNSequence, gru_sequence, lstm_sequence
from ..ops.rnn import rnn_sequence
from . import cupy as _cupy
from . import register_backward, register_forward

__all__ = ["offset", "half_scale", "project", "states", "prev", "outputs", "lstm_setup",
           "lstm_save", "gru_setup", "backward_with"]


# ---------------------------------------------------------------------- shared pieces
def offset(op: Any) -> int:
    """``o`` of the states layout (module docstring): 1 forward, 0 for ``reverse``."""
    return 0 if op.reverse else 1


def half_scale(H: int, blocks: int, sigmoid_blocks: tuple[int, ...], dtype: Any,
               xp: Any = np) -> np.ndarray:
    """Per-row weight scale: 1/2 for the sigmoid gates (so that one tanh gives sigmoids)."""
    s = xp.ones((blocks, H), dtype=dtype)
    s[list(sigmoid_blocks)] = 0.5
    return s.reshape(-1)


def project(x: np.ndarray, W_ih: np.ndarray, b: Any, scale: np.ndarray | None) -> np.ndarray:
    """The input part of the pre-activations of all steps, (T, N, G*H), in one product; ``b``
    the bias added to it (or None), ``scale`` a per-row scale of ``W_ih`` and ``b``."""
    T, N, I = x.shape
    W = W_ih if scale is None else W_ih * scale[:, None]
    xw = x.reshape(T * N, I) @ W.T
    if b is not None:
        xw += b if scale is None else b * scale
    return xw.reshape(T, N, -1)


def states(T: int, h0: np.ndarray, o: int) -> np.ndarray:
    """The (T+1, N, H) states array with ``h0`` in its slot."""
    hx = get_array_module(h0).empty((T + 1,) + h0.shape, dtype=h0.dtype)
    hx[(1 - o) * T] = h0
    return hx


def prev(hx: np.ndarray, T: int, o: int) -> np.ndarray:
    """The states before each step, (T, N, H), in input order (a view)."""
    return hx[1 - o:1 - o + T]


def outputs(hx: np.ndarray, T: int, o: int) -> tuple[np.ndarray, np.ndarray]:
    """All steps' outputs (T, N, H) in input order and the final state (views of ``hx``)."""
    return hx[o:o + T], hx[o * T]


class _Scratch:
    """Scratch arrays reused from one backward call to the next. Why: a fresh array of
    megabytes costs a page fault per 4 KiB page on first touch, and the backward temporaries
    (pre-activation gradients, coefficients) of an LSTM training step come to thousands of
    faults, a noticeable part of the step. Arrays are taken and given back within one backward
    call and never reach the caller; at most ``keep`` bytes are held.

    One pool serves the whole process, and backward passes may run in several threads at once
    (each thread training its own model): a lock makes each take and give atomic, so that two
    threads never get the same buffer and a buffer is never listed twice.

    >>> pool = _Scratch()
    >>> a = pool.take((2, 3), np.float32); pool.give(a); b = pool.take((3, 2), np.float32)
    >>> b.shape, np.shares_memory(a, b)
    ((3, 2), True)
    """

    def __init__(self, keep: int = 64 << 20) -> None:
        self.keep = keep
        self._free: list[np.ndarray] = []  # 1-D uint8 buffers that own their memory
        self._lock = threading.Lock()

    def take(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        dtype = np.dtype(dtype)
        n = int(np.prod(shape)) * dtype.itemsize
        raw = None
        with self._lock:
            fits = [k for k, b in enumerate(self._free) if n <= b.nbytes <= 2 * n + 4096]
            if fits:
                raw = self._free.pop(min(fits, key=lambda k: self._free[k].nbytes))
        if raw is None:
            raw = np.empty(max(n, 1), dtype=np.uint8)
        return raw[:n].view(dtype).reshape(shape)

    def give(self, *arrays: np.ndarray) -> None:
        with self._lock:
            held = sum(b.nbytes for b in self._free)
            for a in arrays:
                while a.base is not None:
                    a = a.base
                if a.dtype == np.uint8 and a.ndim == 1 and held + a.nbytes <= self.keep \
                        and all(b is not a for b in self._free):
                    self._free.append(a)
                    held += a.nbytes


_scratch = _Scratch()


def backward_with(op: Any, time_loop: Callable[..., tuple], gys: tuple) -> tuple:
    """A first-order backward on arrays: ``time_loop(op, take, *gys)`` runs the recurrence
    backwards and returns the pre-activation gradients of all steps, ``dxw`` of the input part
    and ``dgh`` of the recurrent part (the same array but for the GRU), and those of the initial
    states, ``dh0`` and ``dc0`` (None outside the LSTM); the input, weight and bias gradients
    follow with one product each. ``take(shape, dtype)`` hands out scratch arrays (from
    :class:`_Scratch` for NumPy), given back once the gradients exist."""
    xp = get_array_module(op.hx)
    taken: list[np.ndarray] = []

    def take(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        if xp is not np:
            return xp.empty(shape, dtype=dtype)
        a = _scratch.take(shape, dtype)
        taken.append(a)
        return a

    grads = quiet.run(lambda: _gradients(op, *time_loop(op, take, *gys)))
    _scratch.give(*taken)
    return grads


def _gradients(op: Any, dxw: np.ndarray, dgh: np.ndarray, dh0: np.ndarray,
               dc0: np.ndarray | None) -> tuple:
    """The input gradients (arrays, None where an input needs none) from the pre-activation
    gradients of all steps (see :func:`backward_with`)."""
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = op._unpack(op.inputs)
    T, N, G = dxw.shape
    dx2 = dxw.reshape(T * N, G)
    dg2 = dgh.reshape(T * N, G)
    gx = (dx2 @ W_ih._data).reshape(x.shape) if x.requires_grad else None
    grads = [gx, dh0 if h0.requires_grad else None]
    if op.has_cell:
        grads.append(dc0 if c0.requires_grad else None)
    grads.append(dx2.T @ x._data.reshape(T * N, -1) if W_ih.requires_grad else None)
    if W_hh.requires_grad:
        h_prev = prev(op.hx, T, offset(op)).reshape(T * N, -1)
        grads.append(dg2.T @ h_prev)
    else:
        grads.append(None)
    if op.has_bias:
        gb_ih = dx2.sum(axis=0)
        gb_hh = gb_ih.copy() if dgh is dxw else dg2.sum(axis=0)
        grads += [gb_ih if b_ih.requires_grad else None, gb_hh if b_hh.requires_grad else None]
    return tuple(grads)


def saved_forward(op: Any, *gys: Any) -> bool:
    """Predicate of the backward kernels: one of the forward kernels ran (and saved ``hx``)."""
    return getattr(op, "hx", None) is not None


def examples(kind: str, T: int, N: int, H: int, I: int = 5, bias: bool = True,
             nonlinearity: str = "tanh", device: str | None = None) -> list:
    """Test cases of a recurrent kernel (``Kernel.examples``): a layer of ``kind`` ("rnn",
    "lstm", "gru") over T steps of N samples with H hidden units, in float32 (forward) and in
    float64 (reverse); the inputs moved to ``device`` when given, and the outputs back."""
    G = {"lstm": 4, "gru": 3}.get(kind, 1)
    rng = np.random.default_rng(T * N * H)
    cases = []
    for dtype, reverse in ((np.float32, False), (np.float64, True)):
        shapes = [(T, N, I), (N, H)] + [(N, H)] * (kind == "lstm")
        shapes += [(G * H, I), (G * H, H)] + [(G * H,), (G * H,)] * bias
        arrays = [(rng.standard_normal(s) * (1.0 if k < 2 else 0.3)).astype(dtype)
                  for k, s in enumerate(shapes)]

        def run(ts: list, kind: str = kind, reverse: bool = reverse) -> tuple:
            if device is not None:
                ts = [t.to(device) for t in ts]
            if kind == "lstm":
                b = ts[5:] if bias else ()
                outs = lstm_sequence(*ts[:5], *b, reverse=reverse)
            elif kind == "gru":
                b = ts[4:] if bias else ()
                outs = gru_sequence(*ts[:4], *b, reverse=reverse)
            else:
                b = tuple(ts[4:]) if bias else (None, None)
                outs = rnn_sequence(*ts[:4], *b, nonlinearity=nonlinearity, reverse=reverse)
            return outs if device is None else tuple(o.to("cpu") for o in outs)

        cases.append((arrays, run))
    return cases


# ---------------------------------------------------------------------- Elman RNN
def _rnn_examples() -> list:
    return examples("rnn", 5, 3, 6) + examples("rnn", 3, 2, 4, bias=False, nonlinearity="relu")


@register_forward(RNNSequence, examples=_rnn_examples)
def rnn_forward(op: RNNSequence, *arrays: np.ndarray) -> tuple:
    """The Elman layer's forward: the input part of all steps in one product, then per step
    the recurrent product and the activation in place in the states array."""
    return quiet.run(_rnn_forward, op, arrays)


def _rnn_forward(op: RNNSequence, arrays: tuple) -> tuple:
    x, h0, _, W_ih, W_hh, b_ih, b_hh = op._unpack(arrays)
    xp = get_array_module(x)
    T = x.shape[0]
    a = project(x, W_ih, None if b_ih is None else b_ih + b_hh, None)
    o = offset(op)
    hx = states(T, h0, o)
    W_hhT = W_hh.T
    rec = xp.empty_like(h0)
    for t in op._steps(T):
        xp.matmul(hx[t + 1 - o], W_hhT, out=rec)
        h = hx[t + o]
        xp.add(a[t], rec, out=h)
        if op.nonlinearity == "tanh":
            xp.tanh(h, out=h)
        else:
            xp.maximum(h, 0, out=h)
    op.hx = hx
    return outputs(hx, T, o)


@register_backward(RNNSequence, when=saved_forward, examples=_rnn_examples)
def rnn_backward(op: RNNSequence, ghs: Any, ghT: Any) -> tuple:
    """The Elman layer's first-order backward (:func:`backward_with`)."""
    return backward_with(op, _rnn_time_loop, (ghs, ghT))


def _rnn_time_loop(op: RNNSequence, take: Callable, ghs: Any, ghT: Any) -> tuple:
    W_hh = op.inputs[3]._data
    hx = op.hx
    xp = get_array_module(hx)
    T = hx.shape[0] - 1
    hs = outputs(hx, T, offset(op))[0]
    deriv = take(hs.shape, hs.dtype)
    if op.nonlinearity == "tanh":
        xp.multiply(hs, hs, out=deriv)
        xp.subtract(1, deriv, out=deriv)
    else:
        xp.greater(hs, 0, out=deriv)
    da = take(hs.shape, hs.dtype)
    dh = xp.zeros_like(hs[0]) if ghT is None else ghT.copy()
    for t in reversed(op._steps(T)):
        if ghs is not None:
            dh += ghs[t]
        xp.multiply(dh, deriv[t], out=da[t])
        xp.matmul(da[t], W_hh, out=dh)
    return da, da, dh, None


# ---------------------------------------------------------------------- LSTM
def lstm_setup(op: LSTMSequence, arrays: tuple) -> tuple:
    """The buffers of an LSTM forward: ``(xp, T, o, gates, W_hhT, half, hx, cx, tc, rec)``.

    ``gates`` (4, T, N, H) holds the input part of every step's pre-activations, from one
    product per gate (batched); a step adds its recurrent part, ``rec`` (4, N, H), and leaves
    the activated gates there. The products use the weights as they are, through views (W_ih
    and W_hh as four (H, .) blocks); only for a sequence of 4 steps or more is W_hh^T copied
    once, for a faster per-step product, so a cell stepped in a Python loop (T = 1) pays no
    per-step weight preparation. ``half`` (4, 1, 1) scales the pre-activations of i, f and o
    by 1/2: ``sigmoid(a) = tanh(a / 2) / 2 + 1/2``, so one tanh serves all four gates."""
    x, h0, c0, W_ih, W_hh, b_ih, b_hh = op._unpack(arrays)
    xp = get_array_module(x)
    T, N, I = x.shape
    H = h0.shape[-1]
    gates = xp.matmul(x.reshape(T * N, I), W_ih.reshape(4, H, I).transpose(0, 2, 1))
    if b_ih is not None:
        gates += (b_ih + b_hh).reshape(4, 1, H)
    gates = gates.reshape(4, T, N, H)
    W_hhT = W_hh.reshape(4, H, H).transpose(0, 2, 1)  # W_g^T for each gate, views
    if T >= 4:  # BLAS runs the per-step product faster on a contiguous copy
        W_hhT = xp.ascontiguousarray(W_hhT)
    half = xp.array([0.5, 0.5, 1.0, 0.5], dtype=x.dtype).reshape(4, 1, 1)
    o = offset(op)
    hx, cx = states(T, h0, o), states(T, c0, o)
    tc = xp.empty((T,) + h0.shape, dtype=h0.dtype)
    rec = xp.empty((4,) + h0.shape, dtype=h0.dtype)
    return xp, T, o, gates, W_hhT, half, hx, cx, tc, rec


def lstm_save(op: LSTMSequence, T: int, o: int, gates: np.ndarray, hx: np.ndarray,
              cx: np.ndarray, tc: np.ndarray) -> tuple:
    """Keep what the backward kernels read on ``op``; return the forward's outputs."""
    op.gates, op.hx, op.cx, op.tc = gates, hx, cx, tc
    hs, hT = outputs(hx, T, o)
    return hs, hT, cx[o * T]


def _lstm_examples() -> list:
    return examples("lstm", 5, 3, 6) + examples("lstm", 2, 2, 4, bias=False)


@register_forward(LSTMSequence, examples=_lstm_examples)
def lstm_forward(op: LSTMSequence, *arrays: np.ndarray) -> tuple:
    """The LSTM's forward on gate-major gates (:func:`lstm_setup`), each step's elementwise
    work in place in NumPy ufuncs."""
    return quiet.run(_lstm_forward, op, arrays)


def _lstm_forward(op: LSTMSequence, arrays: tuple) -> tuple:
    xp, T, o, gates, W_hhT, half, hx, cx, tc, rec = lstm_setup(op, arrays)
    shift = xp.array([0.5, 0.5, 0.0, 0.5], dtype=half.dtype).reshape(4, 1, 1)
    ig = xp.empty_like(rec[0])
    for t in op._steps(T):
        a = gates[:, t]
        xp.matmul(hx[t + 1 - o], W_hhT, out=rec)  # one product per gate: (4, N, H)
        a += rec
        a *= half
        xp.tanh(a, out=a)
        a *= half
        a += shift
        i, f, g, og = a
        c = cx[t + o]
        xp.multiply(f, cx[t + 1 - o], out=c)
        xp.multiply(i, g, out=ig)
        c += ig
        xp.tanh(c, out=tc[t])
        xp.multiply(og, tc[t], out=hx[t + o])
    return lstm_save(op, T, o, gates, hx, cx, tc)


@register_backward(LSTMSequence, when=saved_forward, examples=_lstm_examples)
def lstm_backward(op: LSTMSequence, ghs: Any, ghT: Any, gcT: Any) -> tuple:
    """The LSTM's first-order backward (:func:`backward_with`)."""
    return backward_with(op, _lstm_time_loop, (ghs, ghT, gcT))


def _lstm_time_loop(op: LSTMSequence, take: Callable, ghs: Any, ghT: Any, gcT: Any) -> tuple:
    W_hh = op.inputs[4]._data
    A, tc = op.gates, op.tc
    xp = get_array_module(A)
    _, T, N, H = A.shape
    i, f, g, og = A
    # coef: the pre-activation gradient per unit of dc (gates i, f, g) or dh (gate o)
    coef = take(A.shape, A.dtype)
    xp.subtract(1, A, out=coef)
    coef *= A  # s (1 - s) for the sigmoids
    cg = coef[2]
    xp.multiply(g, g, out=cg)
    xp.subtract(1, cg, out=cg)  # 1 - g^2 for the tanh
    coef[0] *= g
    coef[1] *= prev(op.cx, T, offset(op))
    cg *= i
    coef[3] *= tc
    k = take(tc.shape, tc.dtype)  # dc per unit of dh: o (1 - tanh(c)^2)
    xp.multiply(tc, tc, out=k)
    xp.subtract(1, k, out=k)
    k *= og
    # Each step's gradient is computed gate-major in `d`, then copied into `da`, laid out
    # (T, N, 4H) as PyTorch's weights are, so that each weight gradient is one product.
    da = take((T, N, 4 * H), A.dtype)
    da4 = da.reshape(T, N, 4, H).transpose(2, 0, 1, 3)  # (gate, T, N, H) view
    d = xp.empty((4, N, H), dtype=A.dtype)
    dh = xp.zeros_like(tc[0]) if ghT is None else ghT.copy()
    dc = xp.zeros_like(tc[0]) if gcT is None else gcT.copy()
    tmp = xp.empty_like(dh)
    for t in reversed(op._steps(T)):
        if ghs is not None:
            dh += ghs[t]
        xp.multiply(dh, k[t], out=tmp)
        dc += tmp
        xp.multiply(coef[:3, t], dc, out=d[:3])
        xp.multiply(coef[3, t], dh, out=d[3])
        dc *= f[t]
        xp.copyto(da4[:, t], d)
        xp.matmul(da[t], W_hh, out=dh)
    return da, da, dh, dc


# The LSTM forward with each step in one CUDA kernel (cupy.lstm_forward). Its registration
# belongs in cupy.py, but ops.nn and ops.conv import cupy.py while the ops package is being
# imported, before ops.rnn can be: so it is registered here, after the NumPy forward above
# (and so asked before it).
register_forward(LSTMSequence, when=_cupy.lstm_step_applies,
                 examples=_cupy.lstm_forward_examples)(_cupy.lstm_forward)


# ---------------------------------------------------------------------- GRU
def gru_setup(op: GRUSequence, arrays: tuple) -> tuple:
    """The buffers of a GRU forward: ``(xp, T, H, o, xw, W_hhT, b_h, hx, gh, rz, n)``.

    The weights of r and z are pre-scaled by 1/2 (see :func:`half_scale`), W_hh's transposed
    copy for sequences of 4 steps or more (a faster per-step product); ``b_h`` is the scaled
    ``b_hh`` (or None), added to each step's recurrent product ``gh[t]`` since r multiplies
    that with its bias."""
    x, h0, _, W_ih, W_hh, b_ih, b_hh = op._unpack(arrays)
    xp = get_array_module(x)
    T, H = x.shape[0], h0.shape[-1]
    s = half_scale(H, 3, (0, 1), x.dtype, xp)
    xw = project(x, W_ih, b_ih, s)
    W_hhT = (W_hh * s[:, None]).T
    if T >= 4:  # BLAS runs the per-step product faster on a contiguous operand
        W_hhT = xp.ascontiguousarray(W_hhT)
    b_h = None if b_hh is None else b_hh * s
    o = offset(op)
    hx = states(T, h0, o)
    gh = xp.empty_like(xw)
    rz = xp.empty(xw.shape[:2] + (2 * H,), dtype=xw.dtype)
    n = xp.empty(xw.shape[:2] + (H,), dtype=xw.dtype)
    return xp, T, H, o, xw, W_hhT, b_h, hx, gh, rz, n


def _gru_examples() -> list:
    return examples("gru", 5, 3, 6) + examples("gru", 3, 2, 4, bias=False)


@register_forward(GRUSequence, examples=_gru_examples)
def gru_forward(op: GRUSequence, *arrays: np.ndarray) -> tuple:
    """The GRU's forward (:func:`gru_setup`), each step's elementwise work in place in NumPy
    ufuncs on column blocks of (N, 3H) arrays."""
    return quiet.run(_gru_forward, op, arrays)


def _gru_forward(op: GRUSequence, arrays: tuple) -> tuple:
    xp, T, H, o, xw, W_hhT, b_h, hx, gh, rz, n = gru_setup(op, arrays)
    for t in op._steps(T):
        h_prev, g = hx[t + 1 - o], gh[t]
        xp.matmul(h_prev, W_hhT, out=g)
        if b_h is not None:
            g += b_h
        r_z = rz[t]
        xp.add(xw[t, :, :2 * H], g[:, :2 * H], out=r_z)
        xp.tanh(r_z, out=r_z)
        r_z *= 0.5
        r_z += 0.5
        n_t = n[t]
        xp.multiply(r_z[:, :H], g[:, 2 * H:], out=n_t)
        n_t += xw[t, :, 2 * H:]
        xp.tanh(n_t, out=n_t)
        h = hx[t + o]
        xp.subtract(h_prev, n_t, out=h)
        h *= r_z[:, H:]
        h += n_t
    op.rz, op.n, op.gh, op.hx = rz, n, gh, hx
    return outputs(hx, T, o)


@register_backward(GRUSequence, when=saved_forward, examples=_gru_examples)
def gru_backward(op: GRUSequence, ghs: Any, ghT: Any) -> tuple:
    """The GRU's first-order backward (:func:`backward_with`)."""
    return backward_with(op, _gru_time_loop, (ghs, ghT))


def _gru_time_loop(op: GRUSequence, take: Callable, ghs: Any, ghT: Any) -> tuple:
    W_hh = op.inputs[3]._data
    rz, n = op.rz, op.n
    xp = get_array_module(n)
    T, N, H = n.shape
    r, z, hn = rz[..., :H], rz[..., H:], op.gh[..., 2 * H:]
    # per unit of dh: dn_pre = (1 - z)(1 - n^2) and dz_pre = (h_prev - n) z (1 - z);
    # per unit of dn_pre: dr_pre = hn r (1 - r)
    kn, kz, kr = (take(n.shape, n.dtype) for _ in range(3))
    xp.multiply(n, n, out=kn)
    xp.subtract(1, kn, out=kn)
    kn *= 1 - z
    xp.subtract(prev(op.hx, T, offset(op)), n, out=kz)
    kz *= z
    kz *= 1 - z
    xp.subtract(1, r, out=kr)
    kr *= r
    kr *= hn
    dxw = take((T, N, 3 * H), n.dtype)
    dgh = take((T, N, 3 * H), n.dtype)
    dh = xp.zeros_like(n[0]) if ghT is None else ghT.copy()
    tmp = xp.empty_like(dh)
    for t in reversed(op._steps(T)):
        if ghs is not None:
            dh += ghs[t]
        dan = dxw[t, :, 2 * H:]
        xp.multiply(dh, kn[t], out=dan)
        xp.multiply(dh, kz[t], out=dgh[t, :, H:2 * H])
        xp.multiply(dan, kr[t], out=dgh[t, :, :H])
        xp.multiply(dan, r[t], out=dgh[t, :, 2 * H:])
        xp.multiply(dh, z[t], out=tmp)
        xp.matmul(dgh[t], W_hh, out=dh)
        dh += tmp
    dxw[..., :2 * H] = dgh[..., :2 * H]
    return dxw, dgh, dh, None
