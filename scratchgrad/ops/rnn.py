"""Recurrent ops: Elman RNN, LSTM and GRU layers over a whole sequence, as fused Functions.

One Function runs one layer in one direction over all T time steps. Fused for speed (measured
in ``benchmarks/lstm.py``; a composition of primitive ops makes ~20 graph nodes and ~40 array
temporaries per step):

- the input projection of every step is one matrix product, (T*N, in) @ (in, G*H);
- the time loop works on NumPy arrays: per step one product ``h @ W_hh^T`` and a handful of
  in-place ufuncs on preallocated buffers. The sigmoid gates' weights are pre-scaled by 1/2,
  so one ``tanh`` over all gates gives them all (sigmoid(x) = (1 + tanh(x / 2)) / 2);
- backward loops over time in NumPy, writing the pre-activation gradients of all steps into
  one array, and then computes dW_hh, dW_ih, the biases and dx with one product each;
- the LSTM keeps its gates gate-major so that every per-step ufunc runs on contiguous blocks
  (``LSTMSequence``), and backward temporaries are reused between calls (``_Scratch``);
- with Numba (``scratchgrad.fused``) the elementwise work of each LSTM and GRU step but the
  tanh calls, and their whole backward step but the product, run as compiled loops with the
  same results.

With ``create_graph=True`` backward instead recomputes the forward with Tensor ops and runs
the same recurrence with Tensor ops, so higher-order derivatives are right. The per-step
functions written with primitive ops (``*_step_ops``) are also the reference implementation
(``fused=False``) that the tests compare against.

Layout: time-major, ``x`` (T, N, in), states (N, H); weights in PyTorch's layout, W_ih
(G*H, in) and W_hh (G*H, H), gates stacked in PyTorch's order (LSTM i, f, g, o; GRU r, z, n).
The cells (``lstm_cell`` etc.) are the same Functions with T = 1.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ..kernels import cupy as _gpu_ops
from ..kernels import numba_cpu as _fused
from .._config import is_grad_enabled
from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import quiet, to_tensor
from .elementwise import relu, sigmoid, tanh
from .nn import linear
from .shape import cat, reshape, split, stack

__all__ = ["RNNSequence", "LSTMSequence", "GRUSequence", "rnn_sequence", "lstm_sequence",
           "gru_sequence", "rnn_cell", "lstm_cell", "gru_cell", "rnn_step_ops",
           "lstm_step_ops", "gru_step_ops"]

def _const(array: np.ndarray) -> Tensor:
    return Tensor._make(array)


def _half_scale(H: int, blocks: int, sigmoid_blocks: tuple[int, ...], dtype: Any,
                xp: Any = np) -> np.ndarray:
    """Per-row weight scale: 1/2 for the sigmoid gates (so that one tanh gives sigmoids)."""
    s = xp.ones((blocks, H), dtype=dtype)
    s[list(sigmoid_blocks)] = 0.5
    return s.reshape(-1)


class _Scratch:
    """Scratch arrays reused from one backward call to the next. Why: a fresh array of
    megabytes costs a page fault per 4 KiB page on first touch; the backward temporaries
    (pre-activation gradients, coefficients) came to ~2,000 faults and ~6 ms of a ~45 ms
    LSTM training step in ``benchmarks/lstm.py``. Arrays are taken and given back within one
    backward call and never reach the caller; at most ``keep`` bytes are held; thread-safe.

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


# ---------------------------------------------------------------------- per-step Tensor ops
def rnn_step_ops(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None,
                 nonlinearity: str = "tanh") -> tuple[Tensor, tuple]:
    """One Elman step from primitive ops: ``h' = act(xw + h @ W_hh^T + b_hh)``, where
    ``xw = x @ W_ih^T + b_ih``. Returns ``h'`` and what the Tensor-op backward needs.

    >>> import scratchgrad as sg
    >>> h, _ = rnn_step_ops(sg.zeros(2, 3), sg.ones(2, 3), sg.eye(3), None)
    >>> round(h[0, 0].item(), 4)
    0.7616
    """
    a = xw + linear(h, w_hh, b_hh)
    h_new = tanh(a) if nonlinearity == "tanh" else relu(a)
    return h_new, (h, h_new)


def _rnn_step_grad_ops(cache: tuple, dh: Tensor, w_hh: Tensor, nonlinearity: str) -> tuple:
    h_prev, h_new = cache
    if nonlinearity == "tanh":
        da = dh * (1 - h_new * h_new)
    else:
        da = dh * _const((h_new._data > 0).astype(h_new.dtype))
    return da, da, da @ w_hh


def lstm_step_ops(xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor,
                  b_hh: Tensor | None) -> tuple[Tensor, Tensor, tuple]:
    """One LSTM step from primitive ops (gates i, f, g, o as in PyTorch):
    ``c' = f * c + i * g``, ``h' = o * tanh(c')``. Returns ``h'``, ``c'`` and a cache.

    >>> import scratchgrad as sg
    >>> h, c, _ = lstm_step_ops(sg.zeros(2, 12), sg.zeros(2, 3), sg.ones(2, 3),
    ...                         sg.zeros(12, 3), None)
    >>> round(c[0, 0].item(), 4), round(h[0, 0].item(), 4)
    (0.5, 0.2311)
    """
    H = h.shape[-1]
    a = xw + linear(h, w_hh, b_hh)
    ai, af, ag, ao = split(a, H, dim=1)
    i, f, g, o = sigmoid(ai), sigmoid(af), tanh(ag), sigmoid(ao)
    c_new = f * c + i * g
    tc = tanh(c_new)
    return o * tc, c_new, (h, c, i, f, g, o, tc)


def _lstm_step_grad_ops(cache: tuple, dh: Tensor, dc: Tensor, w_hh: Tensor) -> tuple:
    h_prev, c_prev, i, f, g, o, tc = cache
    dc = dc + dh * o * (1 - tc * tc)
    da = cat([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g),
              dh * tc * o * (1 - o)], dim=1)
    return da, da, da @ w_hh, dc * f


def gru_step_ops(xw: Tensor, h: Tensor, w_hh: Tensor,
                 b_hh: Tensor | None) -> tuple[Tensor, tuple]:
    """One GRU step from primitive ops (gates r, z, n as in PyTorch):
    ``n = tanh(xw_n + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.

    >>> import scratchgrad as sg
    >>> h, _ = gru_step_ops(sg.zeros(1, 6), sg.ones(1, 2), sg.zeros(6, 2), None)
    >>> h.tolist()
    [[0.5, 0.5]]
    """
    H = h.shape[-1]
    xr, xz, xn = split(xw, H, dim=1)
    hr, hz, hn = split(linear(h, w_hh, b_hh), H, dim=1)
    r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    n = tanh(xn + r * hn)
    return n + z * (h - n), (h, r, z, n, hn)


def _gru_step_grad_ops(cache: tuple, dh: Tensor, w_hh: Tensor) -> tuple:
    h_prev, r, z, n, hn = cache
    dan = dh * (1 - z) * (1 - n * n)
    dar = dan * hn * r * (1 - r)
    daz = dh * (h_prev - n) * z * (1 - z)
    dgh = cat([dar, daz, dan * r], dim=1)
    return cat([dar, daz, dan], dim=1), dgh, dgh @ w_hh + dh * z


# ---------------------------------------------------------------------- fused Functions
def _fused_loops(gates: Any) -> bool:
    """Whether the LSTM runs its steps' elementwise work through ``scratchgrad.fused``:
    NumPy arrays of float32 or float64, gates (4, T, N, H) of at least ``MIN_ELEMENTS``
    elements (below that, loading Numba costs more than it saves), Numba available."""
    return (type(gates) is np.ndarray and gates.size >= _fused.MIN_ELEMENTS
            and gates.dtype in (np.float32, np.float64) and _fused.available())


class _Recurrence(Function):
    """Shared body of the sequence Functions. Inputs, in order: ``x`` (T, N, in), ``h0``
    (N, H), ``c0`` (N, H) for the LSTM only, ``W_ih``, ``W_hh``, and ``b_ih``, ``b_hh`` when
    ``has_bias``. Outputs: all hidden states (T, N, H), the final ``h`` (N, H) and, for the
    LSTM, the final ``c``. ``reverse`` runs from t = T-1 down to 0 (the backward direction
    of a bidirectional layer); outputs stay in input order.

    States are kept in a (T+1, N, H) array ``hx`` whose slot ``t + o`` holds the state after
    step t and slot ``t + 1 - o`` the one before it (o = 1 forward, 0 reverse), so the states
    before every step are one contiguous view (for dW_hh) and the outputs another.
    """

    has_cell = False
    fold_hh_bias = True  # b_hh joins b_ih in the projection (not for the GRU: r * (W h + b))

    def __init__(self, reverse: bool = False, has_bias: bool = True) -> None:
        self.reverse, self.has_bias = bool(reverse), bool(has_bias)
        self._o = 0 if self.reverse else 1

    # -------------------------------------------------------------- shared pieces
    def _unpack(self, items: Any) -> tuple:
        k = 3 if self.has_cell else 2
        c0 = items[2] if self.has_cell else None
        b_ih, b_hh = (items[k + 2], items[k + 3]) if self.has_bias else (None, None)
        return items[0], items[1], c0, items[k], items[k + 1], b_ih, b_hh

    def _steps(self, T: int) -> range:
        return range(T - 1, -1, -1) if self.reverse else range(T)

    def _project(self, x: np.ndarray, W_ih: np.ndarray, b_ih: Any, b_hh: Any,
                 scale: np.ndarray | None) -> np.ndarray:
        """The input part of the pre-activations of all steps, (T, N, G*H), in one product."""
        T, N, I = x.shape
        W = W_ih if scale is None else W_ih * scale[:, None]
        xw = x.reshape(T * N, I) @ W.T
        if b_ih is not None:
            b = b_ih + b_hh if self.fold_hh_bias else b_ih
            xw += b if scale is None else b * scale
        return xw.reshape(T, N, -1)

    def _states(self, T: int, h0: np.ndarray) -> np.ndarray:
        hx = get_array_module(h0).empty((T + 1,) + h0.shape, dtype=h0.dtype)
        hx[(1 - self._o) * T] = h0
        return hx

    def _prev(self, hx: np.ndarray, T: int) -> np.ndarray:
        """The states before each step, (T, N, H), in input order (a view)."""
        return hx[1 - self._o:1 - self._o + T]

    def _outputs(self, hx: np.ndarray, T: int) -> tuple[np.ndarray, np.ndarray]:
        o = self._o
        return hx[o:o + T], hx[o * T]

    def forward(self, *arrays):
        return quiet.run(self._forward, *arrays)  # inf * 0 in a product: nan, silently

    def _forward(self, *arrays):
        raise NotImplementedError

    # -------------------------------------------------------------- backward
    def backward(self, *gys: Tensor) -> tuple:
        if is_grad_enabled():
            return self._backward_graph(*gys)
        arrays = [None if g is None else g._data for g in gys]
        self._tmp: list[np.ndarray] = []  # scratch arrays, given back once the grads exist
        grads = quiet.run(lambda: self._gradients(*self._backward_arrays(*arrays)))
        _scratch.give(*self._tmp)
        del self._tmp
        return grads

    def _take(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """A scratch array for this backward call (see ``_Scratch``; NumPy arrays only)."""
        xp = get_array_module(self.hx)
        if xp is not np:
            return xp.empty(shape, dtype=dtype)
        a = _scratch.take(shape, dtype)
        self._tmp.append(a)
        return a

    def _backward_arrays(self, *gys: Any) -> tuple:
        raise NotImplementedError

    def _gradients(self, dxw: np.ndarray, dgh: np.ndarray, dh0: np.ndarray,
                   dc0: np.ndarray | None) -> tuple:
        """Input gradients from the pre-activation gradients of all steps: ``dxw`` of the
        input part and ``dgh`` of the recurrent part (the same array but for the GRU)."""
        x, h0, c0, W_ih, W_hh, b_ih, b_hh = self._unpack(self.inputs)
        T, N, G = dxw.shape
        dx2 = dxw.reshape(T * N, G)
        dg2 = dgh.reshape(T * N, G)
        gx = _const((dx2 @ W_ih._data).reshape(x.shape)) if x.requires_grad else None
        grads = [gx, _const(dh0) if h0.requires_grad else None]
        if self.has_cell:
            grads.append(_const(dc0) if c0.requires_grad else None)
        grads.append(_const(dx2.T @ x._data.reshape(T * N, -1)) if W_ih.requires_grad else None)
        if W_hh.requires_grad:
            h_prev = self._prev(self.hx, T).reshape(T * N, -1)
            grads.append(_const(dg2.T @ h_prev))
        else:
            grads.append(None)
        if self.has_bias:
            gb_ih = dx2.sum(axis=0)
            gb_hh = gb_ih.copy() if dgh is dxw else dg2.sum(axis=0)
            grads += [_const(gb_ih) if b_ih.requires_grad else None,
                      _const(gb_hh) if b_hh.requires_grad else None]
        return tuple(grads)

    # -------------------------------------------------------------- create_graph path
    def _step_ops(self, xw: Tensor, state: tuple, w_hh: Tensor, b_hh: Any) -> tuple:
        raise NotImplementedError

    def _step_grad_ops(self, cache: tuple, gstate: list, w_hh: Tensor) -> tuple:
        raise NotImplementedError

    def _backward_graph(self, *gys: Tensor) -> tuple:
        """The same gradients as Tensor ops of the inputs (create_graph=True): recompute the
        forward step by step, then run the recurrence backwards, all differentiable."""
        x, h0, c0, W_ih, W_hh, b_ih, b_hh = self._unpack(self.inputs)
        T, N = x.shape[0], x.shape[1]
        xw = reshape(linear(reshape(x, (T * N, -1)), W_ih, b_ih), (T, N, -1))
        state: tuple = (h0, c0) if self.has_cell else (h0,)
        caches: list = [None] * T
        for t in self._steps(T):
            state, caches[t] = self._step_ops(xw[t], state, W_hh, b_hh)
        ghs = gys[0]
        xp = get_array_module(x._data)
        gstate = [g if g is not None else _const(xp.zeros(s.shape, dtype=s.dtype))
                  for g, s in zip(gys[1:], state)]
        dxw: list = [None] * T
        dgh: list = [None] * T
        for t in reversed(self._steps(T)):
            if ghs is not None:
                gstate[0] = gstate[0] + ghs[t]
            dxw[t], dgh[t], gstate = self._step_grad_ops(caches[t], gstate, W_hh)
        G = W_hh.shape[0]
        dx2 = reshape(stack(dxw), (T * N, G))
        dg2 = reshape(stack(dgh), (T * N, G))
        h_prev = reshape(stack([caches[t][0] for t in range(T)]), (T * N, -1))
        grads = [reshape(dx2 @ W_ih, x.shape) if x.requires_grad else None]
        grads += [g if s.requires_grad else None for g, s in zip(gstate, (h0, c0))]
        grads += [dx2.T @ reshape(x, (T * N, -1)) if W_ih.requires_grad else None,
                  dg2.T @ h_prev if W_hh.requires_grad else None]
        if self.has_bias:
            grads += [dx2.sum(dim=0) if b_ih.requires_grad else None,
                      dg2.sum(dim=0) if b_hh.requires_grad else None]
        return tuple(grads)


class RNNSequence(_Recurrence):
    """An Elman RNN layer over a sequence, ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T +
    b_hh)`` with act tanh or relu; see ``_Recurrence`` for inputs and outputs. Fused for speed
    (module docstring). Forward saves ``hx``, the (T+1, N, H) states.

    >>> import scratchgrad as sg
    >>> hs, hT = RNNSequence()(sg.ones(5, 2, 3), sg.zeros(2, 4), sg.ones(4, 3), sg.eye(4),
    ...                        sg.zeros(4), sg.zeros(4))
    >>> hs.shape, round(hT[0, 0].item(), 4)
    ((5, 2, 4), 0.9993)
    """

    def __init__(self, reverse: bool = False, has_bias: bool = True,
                 nonlinearity: str = "tanh") -> None:
        super().__init__(reverse, has_bias)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; expected 'tanh' or "
                             f"'relu'")
        self.nonlinearity = nonlinearity

    def _forward(self, *arrays):
        x, h0, _, W_ih, W_hh, b_ih, b_hh = self._unpack(arrays)
        xp = get_array_module(x)
        T = x.shape[0]
        a = self._project(x, W_ih, b_ih, b_hh, None)
        hx = self._states(T, h0)
        W_hhT = W_hh.T
        rec = xp.empty_like(h0)
        o = self._o
        for t in self._steps(T):
            xp.matmul(hx[t + 1 - o], W_hhT, out=rec)
            h = hx[t + o]
            xp.add(a[t], rec, out=h)
            if self.nonlinearity == "tanh":
                xp.tanh(h, out=h)
            else:
                xp.maximum(h, 0, out=h)
        self.hx = hx
        return self._outputs(hx, T)

    def _backward_arrays(self, ghs, ghT):
        W_hh = self.inputs[3]._data
        hx = self.hx
        xp = get_array_module(hx)
        T = hx.shape[0] - 1
        hs = self._outputs(hx, T)[0]
        deriv = self._take(hs.shape, hs.dtype)
        if self.nonlinearity == "tanh":
            xp.multiply(hs, hs, out=deriv)
            xp.subtract(1, deriv, out=deriv)
        else:
            xp.greater(hs, 0, out=deriv)
        da = self._take(hs.shape, hs.dtype)
        dh = xp.zeros_like(hs[0]) if ghT is None else ghT.copy()
        for t in reversed(self._steps(T)):
            if ghs is not None:
                dh += ghs[t]
            xp.multiply(dh, deriv[t], out=da[t])
            xp.matmul(da[t], W_hh, out=dh)
        return da, da, dh, None

    def _step_ops(self, xw, state, w_hh, b_hh):
        h, cache = rnn_step_ops(xw, state[0], w_hh, b_hh, self.nonlinearity)
        return (h,), cache

    def _step_grad_ops(self, cache, gstate, w_hh):
        dxw, dgh, dh = _rnn_step_grad_ops(cache, gstate[0], w_hh, self.nonlinearity)
        return dxw, dgh, [dh]


class LSTMSequence(_Recurrence):
    """An LSTM layer over a sequence (gates i, f, g, o; ``c_t = f c_{t-1} + i g``,
    ``h_t = o tanh(c_t)``); see ``_Recurrence`` for inputs and outputs. Fused for speed
    (module docstring).

    Inside, the gates are stored gate-major, (4, T, N, H): each gate of each step is one
    contiguous block, and NumPy runs an elementwise op on contiguous blocks several times
    faster than on the column slices of an (N, 4H) array. The products use the weights as
    they are, through views (W_ih and W_hh as four (H, .) blocks); only for a sequence of 4
    steps or more is W_hh^T copied once, for a faster per-step product. So a cell stepped
    in a Python loop (T = 1) pays no per-step weight preparation.
    Forward saves ``gates`` (the activated gates), ``hx`` and ``cx`` (T+1, N, H states) and
    ``tc`` (T, N, H, tanh of the cell states).

    >>> import scratchgrad as sg
    >>> hs, hT, cT = LSTMSequence()(sg.ones(5, 2, 3), sg.zeros(2, 4), sg.zeros(2, 4),
    ...                             sg.zeros(16, 3), sg.zeros(16, 4), sg.zeros(16), sg.zeros(16))
    >>> hs.shape, cT.shape
    ((5, 2, 4), (2, 4))
    """

    has_cell = True

    def _forward(self, *arrays):
        x, h0, c0, W_ih, W_hh, b_ih, b_hh = self._unpack(arrays)
        xp = get_array_module(x)
        T, N, I = x.shape
        H = h0.shape[-1]
        # the input part of all steps in one product per gate (batched): (4, T*N, H)
        gates = xp.matmul(x.reshape(T * N, I), W_ih.reshape(4, H, I).transpose(0, 2, 1))
        if b_ih is not None:
            gates += (b_ih + b_hh).reshape(4, 1, H)
        gates = gates.reshape(4, T, N, H)
        W_hhT = W_hh.reshape(4, H, H).transpose(0, 2, 1)  # W_g^T for each gate, views
        if T >= 4:  # BLAS runs the per-step product faster on a contiguous copy
            W_hhT = xp.ascontiguousarray(W_hhT)
        # sigmoid(a) = tanh(a / 2) / 2 + 1/2 for i, f, o: one tanh serves all four gates
        half = xp.array([0.5, 0.5, 1.0, 0.5], dtype=x.dtype).reshape(4, 1, 1)
        shift = xp.array([0.5, 0.5, 0.0, 0.5], dtype=x.dtype).reshape(4, 1, 1)
        hx, cx = self._states(T, h0), self._states(T, c0)
        tc = xp.empty((T,) + h0.shape, dtype=h0.dtype)
        rec = xp.empty((4,) + h0.shape, dtype=h0.dtype)
        ig = xp.empty_like(h0)
        o = self._o
        fused = _gpu_ops.lstm_step_kernel(xp)  # one CUDA kernel per step on the GPU
        loops = _fused_loops(gates)  # compiled elementwise loops on the CPU (fused.py)
        if loops:
            gates3, cx2 = gates.reshape(4, T, -1), cx.reshape(T + 1, -1)
            half_shift = np.concatenate([half.reshape(-1), shift.reshape(-1)])
        for t in self._steps(T):
            a = gates[:, t]
            xp.matmul(hx[t + 1 - o], W_hhT, out=rec)  # one product per gate: (4, N, H)
            if fused is not None:
                fused(a, rec, cx[t + 1 - o], cx[t + o], tc[t], hx[t + o])
                continue
            a += rec
            a *= half
            xp.tanh(a, out=a)
            i, f, g, og = a
            c = cx[t + o]
            if loops:  # the five calls below in one loop, with the same results
                _fused.lstm_gates(gates3, t, cx2, t + 1 - o, t + o, half_shift)
            else:
                a *= half
                a += shift
                xp.multiply(f, cx[t + 1 - o], out=c)
                xp.multiply(i, g, out=ig)
                c += ig
            xp.tanh(c, out=tc[t])
            xp.multiply(og, tc[t], out=hx[t + o])
        self.gates, self.hx, self.cx, self.tc = gates, hx, cx, tc
        hs, hT = self._outputs(hx, T)
        return hs, hT, cx[o * T]

    def _backward_arrays(self, ghs, ghT, gcT):
        W_hh = self.inputs[4]._data
        A, tc = self.gates, self.tc
        xp = get_array_module(A)
        _, T, N, H = A.shape
        if _fused_loops(A):
            return self._backward_loops(ghs, ghT, gcT)
        i, f, g, og = A
        # coef: the pre-activation gradient per unit of dc (gates i, f, g) or dh (gate o)
        coef = self._take(A.shape, A.dtype)
        xp.subtract(1, A, out=coef)
        coef *= A  # s (1 - s) for the sigmoids
        cg = coef[2]
        xp.multiply(g, g, out=cg)
        xp.subtract(1, cg, out=cg)  # 1 - g^2 for the tanh
        coef[0] *= g
        coef[1] *= self._prev(self.cx, T)
        cg *= i
        coef[3] *= tc
        k = self._take(tc.shape, tc.dtype)  # dc per unit of dh: o (1 - tanh(c)^2)
        xp.multiply(tc, tc, out=k)
        xp.subtract(1, k, out=k)
        k *= og
        # Each step's gradient is computed gate-major in `d`, then copied into `da`, laid out
        # (T, N, 4H) as PyTorch's weights are, so that each weight gradient is one product.
        da = self._take((T, N, 4 * H), A.dtype)
        da4 = da.reshape(T, N, 4, H).transpose(2, 0, 1, 3)  # (gate, T, N, H) view
        d = xp.empty((4, N, H), dtype=A.dtype)
        dh = xp.zeros_like(tc[0]) if ghT is None else ghT.copy()
        dc = xp.zeros_like(tc[0]) if gcT is None else gcT.copy()
        tmp = xp.empty_like(dh)
        for t in reversed(self._steps(T)):
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

    def _backward_loops(self, ghs, ghT, gcT):
        """``_backward_arrays`` with the elementwise part of each step in one compiled
        loop (``fused.lstm_grad_step``; the same results): no coefficient arrays up front,
        one call per step besides the product."""
        W_hh = self.inputs[4]._data
        A, tc = self.gates, self.tc
        _, T, N, H = A.shape
        gates3, tc2, cx2 = A.reshape(4, T, -1), tc.reshape(T, -1), self.cx.reshape(T + 1, -1)
        if ghs is not None:
            ghs = np.ascontiguousarray(ghs, dtype=A.dtype).reshape(T, -1)
        da = self._take((T, N, 4 * H), A.dtype)
        dh = np.zeros((N, H), A.dtype) if ghT is None else np.array(ghT, A.dtype)
        dc = np.zeros((N, H), A.dtype) if gcT is None else np.array(gcT, A.dtype)
        dh1, dc1 = dh.reshape(-1), dc.reshape(-1)
        tmp = np.empty((2, H), A.dtype)
        o = self._o
        for t in reversed(self._steps(T)):
            _fused.lstm_grad_step(gates3, t, tc2, cx2, t + 1 - o, ghs, dh1, dc1, da[t], tmp)
            np.matmul(da[t], W_hh, out=dh)
        return da, da, dh, dc

    def _step_ops(self, xw, state, w_hh, b_hh):
        h, c, cache = lstm_step_ops(xw, state[0], state[1], w_hh, b_hh)
        return (h, c), cache

    def _step_grad_ops(self, cache, gstate, w_hh):
        dxw, dgh, dh, dc = _lstm_step_grad_ops(cache, gstate[0], gstate[1], w_hh)
        return dxw, dgh, [dh, dc]


class GRUSequence(_Recurrence):
    """A GRU layer over a sequence (gates r, z, n; ``n = tanh(W_in x + b_in + r (W_hn h +
    b_hn))``, ``h' = (1 - z) n + z h``); see ``_Recurrence`` for inputs and outputs. Fused for
    speed (module docstring). Forward saves ``rz`` (T, N, 2H, the activated r and z), ``n``
    (T, N, H), ``gh`` (T, N, 3H; its last block is ``W_hn h + b_hn``) and ``hx``.

    >>> import scratchgrad as sg
    >>> hs, hT = GRUSequence()(sg.ones(5, 2, 3), sg.zeros(2, 4), sg.zeros(12, 3),
    ...                        sg.zeros(12, 4), sg.zeros(12), sg.zeros(12))
    >>> hs.shape, hT.shape
    ((5, 2, 4), (2, 4))
    """

    fold_hh_bias = False

    def _forward(self, *arrays):
        x, h0, _, W_ih, W_hh, b_ih, b_hh = self._unpack(arrays)
        xp = get_array_module(x)
        T, H = x.shape[0], h0.shape[-1]
        s = _half_scale(H, 3, (0, 1), x.dtype, xp)
        xw = self._project(x, W_ih, b_ih, None, s)
        W_hhT = (W_hh * s[:, None]).T
        if T >= 4:  # BLAS runs the per-step product faster on a contiguous operand
            W_hhT = xp.ascontiguousarray(W_hhT)
        b_h = None if b_hh is None else b_hh * s
        hx = self._states(T, h0)
        gh = xp.empty_like(xw)
        rz = xp.empty(xw.shape[:2] + (2 * H,), dtype=xw.dtype)
        n = xp.empty(xw.shape[:2] + (H,), dtype=xw.dtype)
        o = self._o
        if _fused_loops(gh):  # the elementwise work in three compiled loops, same results
            b = _fused._EMPTY[gh.dtype] if b_h is None else np.ascontiguousarray(b_h)
            xw = np.ascontiguousarray(xw)
            c = np.array((0.5, 0.5), gh.dtype)
            for t in self._steps(T):
                g = gh[t]
                xp.matmul(hx[t + 1 - o], W_hhT, out=g)
                _fused.gru_step(0, xw, g, b, rz, t)
                xp.tanh(rz[t], out=rz[t])
                _fused.gru_step(1, xw, g, rz, n, t, c)
                xp.tanh(n[t], out=n[t])
                _fused.gru_step(2, hx, t + 1 - o, t + o, n, rz, t)
            self.rz, self.n, self.gh, self.hx = rz, n, gh, hx
            return self._outputs(hx, T)
        for t in self._steps(T):
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
        self.rz, self.n, self.gh, self.hx = rz, n, gh, hx
        return self._outputs(hx, T)

    def _backward_arrays(self, ghs, ghT):
        W_hh = self.inputs[3]._data
        rz, n = self.rz, self.n
        xp = get_array_module(n)
        T, N, H = n.shape
        if _fused_loops(self.gh):
            return self._backward_loops(ghs, ghT)
        r, z, hn = rz[..., :H], rz[..., H:], self.gh[..., 2 * H:]
        # per unit of dh: dn_pre = (1 - z)(1 - n^2) and dz_pre = (h_prev - n) z (1 - z);
        # per unit of dn_pre: dr_pre = hn r (1 - r)
        kn, kz, kr = (self._take(n.shape, n.dtype) for _ in range(3))
        xp.multiply(n, n, out=kn)
        xp.subtract(1, kn, out=kn)
        kn *= 1 - z
        xp.subtract(self._prev(self.hx, T), n, out=kz)
        kz *= z
        kz *= 1 - z
        xp.subtract(1, r, out=kr)
        kr *= r
        kr *= hn
        dxw = self._take((T, N, 3 * H), n.dtype)
        dgh = self._take((T, N, 3 * H), n.dtype)
        dh = xp.zeros_like(n[0]) if ghT is None else ghT.copy()
        tmp = xp.empty_like(dh)
        for t in reversed(self._steps(T)):
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

    def _backward_loops(self, ghs, ghT):
        """``_backward_arrays`` with each step's elementwise part in one compiled loop
        (``fused.gru_grad_step``; the same results): no coefficient arrays up front."""
        W_hh = self.inputs[3]._data
        rz, n, gh, hx = self.rz, self.n, self.gh, self.hx
        T, N, H = n.shape
        if ghs is not None:
            ghs = np.ascontiguousarray(ghs, dtype=n.dtype)
        dxw = self._take((T, N, 3 * H), n.dtype)
        dgh = self._take((T, N, 3 * H), n.dtype)
        dh = np.zeros((N, H), n.dtype) if ghT is None else np.array(ghT, n.dtype, order="C")
        tmp = np.empty_like(dh)
        o = self._o
        for t in reversed(self._steps(T)):
            _fused.gru_grad_step(rz, n, gh, hx, t + 1 - o, ghs, dh, dxw, dgh, tmp, t)
            np.matmul(dgh[t], W_hh, out=dh)
            dh += tmp
        return dxw, dgh, dh, None

    def _step_ops(self, xw, state, w_hh, b_hh):
        h, cache = gru_step_ops(xw, state[0], w_hh, b_hh)
        return (h,), cache

    def _step_grad_ops(self, cache, gstate, w_hh):
        dxw, dgh, dh = _gru_step_grad_ops(cache, gstate[0], w_hh)
        return dxw, dgh, [dh]


# ---------------------------------------------------------------------- functions
def _check(op: str, gates: int, x: Tensor, states: list[tuple[str, Tensor]], w_ih: Tensor,
           w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None) -> None:
    """Shape and dtype checks with messages naming the expected and the found shapes."""
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ValueError(f"{op}: weight_hh must have shape ({gates} * hidden_size, "
                         f"hidden_size), got {w_hh.shape}")
    H = w_hh.shape[1]
    if w_ih.ndim != 2 or w_ih.shape[0] != gates * H:
        raise ValueError(f"{op}: weight_ih must have shape ({gates * H}, input_size), got "
                         f"{w_ih.shape}")
    if (b_ih is None) != (b_hh is None):
        raise ValueError(f"{op}: give both bias_ih and bias_hh or neither")
    for name, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
        if b is not None and b.shape != (gates * H,):
            raise ValueError(f"{op}: expected {name} of shape ({gates * H},), got {b.shape}")
    if x.ndim != 3 or x.shape[2] != w_ih.shape[1]:
        raise ValueError(f"{op}: expected input of shape (seq_len, batch, {w_ih.shape[1]}), "
                         f"got {x.shape}")
    for name, s in states:
        if s.shape != (x.shape[1], H):
            raise ValueError(f"{op}: expected {name} of shape ({x.shape[1]}, {H}), got "
                             f"{s.shape}")
    for name, t in [("input", x)] + states + [("weight_hh", w_hh)]:
        if t.dtype != w_ih.dtype:
            raise TypeError(f"{op}: {name} has dtype {t.dtype} but the weights have "
                            f"{w_ih.dtype}; they must match")


def _run_reference(fn: _Recurrence, x: Tensor, state: tuple, w_ih: Tensor, w_hh: Tensor,
                   b_ih: Tensor | None, b_hh: Tensor | None) -> tuple:
    """The same layer as ``fn`` composed of primitive ops, step by step (the reference)."""
    T, N = x.shape[0], x.shape[1]
    xw = reshape(linear(reshape(x, (T * N, -1)), w_ih, b_ih), (T, N, -1))
    hs: list = [None] * T
    for t in fn._steps(T):
        state, _ = fn._step_ops(xw[t], state, w_hh, b_hh)
        hs[t] = state[0]
    return (stack(hs),) + tuple(state)


def _bias_args(b_ih: Any, b_hh: Any) -> tuple:
    return () if b_ih is None else (b_ih, b_hh)


def rnn_sequence(input: Tensor, h0: Tensor, weight_ih: Tensor, weight_hh: Tensor,
                 bias_ih: Tensor | None = None, bias_hh: Tensor | None = None,
                 nonlinearity: str = "tanh", reverse: bool = False,
                 fused: bool = True) -> tuple[Tensor, Tensor]:
    """Run an Elman RNN layer over ``input`` (T, N, in) from ``h0`` (N, H); return all
    hidden states (T, N, H) and the last one (N, H). ``fused=False`` composes primitive ops
    step by step instead (the reference; slower).

    >>> import scratchgrad as sg
    >>> out, h = rnn_sequence(sg.randn(7, 2, 3), sg.zeros(2, 5), sg.randn(5, 3),
    ...                       sg.randn(5, 5))
    >>> out.shape, h.shape
    ((7, 2, 5), (2, 5))
    """
    x = to_tensor(input)
    _check("rnn", 1, x, [("h0", h0)], weight_ih, weight_hh, bias_ih, bias_hh)
    fn = RNNSequence(reverse, bias_ih is not None, nonlinearity)
    if not fused:
        return _run_reference(fn, x, (h0,), weight_ih, weight_hh, bias_ih, bias_hh)
    return fn(x, h0, weight_ih, weight_hh, *_bias_args(bias_ih, bias_hh))


def lstm_sequence(input: Tensor, h0: Tensor, c0: Tensor, weight_ih: Tensor,
                  weight_hh: Tensor, bias_ih: Tensor | None = None,
                  bias_hh: Tensor | None = None, reverse: bool = False,
                  fused: bool = True) -> tuple[Tensor, Tensor, Tensor]:
    """Run an LSTM layer over ``input`` (T, N, in) from ``h0``, ``c0`` (N, H); return all
    hidden states (T, N, H) and the last ``h`` and ``c`` (N, H). ``fused=False`` composes
    primitive ops step by step instead (the reference; slower).

    >>> import scratchgrad as sg
    >>> out, h, c = lstm_sequence(sg.randn(7, 2, 3), sg.zeros(2, 5), sg.zeros(2, 5),
    ...                           sg.randn(20, 3), sg.randn(20, 5))
    >>> out.shape, c.shape
    ((7, 2, 5), (2, 5))
    """
    x = to_tensor(input)
    _check("lstm", 4, x, [("h0", h0), ("c0", c0)], weight_ih, weight_hh, bias_ih, bias_hh)
    fn = LSTMSequence(reverse, bias_ih is not None)
    if not fused:
        return _run_reference(fn, x, (h0, c0), weight_ih, weight_hh, bias_ih, bias_hh)
    return fn(x, h0, c0, weight_ih, weight_hh, *_bias_args(bias_ih, bias_hh))


def gru_sequence(input: Tensor, h0: Tensor, weight_ih: Tensor, weight_hh: Tensor,
                 bias_ih: Tensor | None = None, bias_hh: Tensor | None = None,
                 reverse: bool = False, fused: bool = True) -> tuple[Tensor, Tensor]:
    """Run a GRU layer over ``input`` (T, N, in) from ``h0`` (N, H); return all hidden
    states (T, N, H) and the last one (N, H). ``fused=False`` composes primitive ops step by
    step instead (the reference; slower).

    >>> import scratchgrad as sg
    >>> out, h = gru_sequence(sg.randn(7, 2, 3), sg.zeros(2, 5), sg.randn(15, 3),
    ...                       sg.randn(15, 5))
    >>> out.shape, h.shape
    ((7, 2, 5), (2, 5))
    """
    x = to_tensor(input)
    _check("gru", 3, x, [("h0", h0)], weight_ih, weight_hh, bias_ih, bias_hh)
    fn = GRUSequence(reverse, bias_ih is not None)
    if not fused:
        return _run_reference(fn, x, (h0,), weight_ih, weight_hh, bias_ih, bias_hh)
    return fn(x, h0, weight_ih, weight_hh, *_bias_args(bias_ih, bias_hh))


def _one_step(x: Tensor) -> Tensor:
    x = to_tensor(x)
    return reshape(x, (1,) + x.shape)


def rnn_cell(input: Tensor, hx: Tensor, weight_ih: Tensor, weight_hh: Tensor,
             bias_ih: Tensor | None = None, bias_hh: Tensor | None = None,
             nonlinearity: str = "tanh") -> Tensor:
    """One Elman step for ``input`` (N, in) and ``hx`` (N, H): one fused Function (the
    sequence op with T = 1).

    >>> import scratchgrad as sg
    >>> rnn_cell(sg.randn(2, 3), sg.zeros(2, 5), sg.randn(5, 3), sg.randn(5, 5)).shape
    (2, 5)
    """
    return rnn_sequence(_one_step(input), hx, weight_ih, weight_hh, bias_ih, bias_hh,
                        nonlinearity)[1]


def lstm_cell(input: Tensor, hx: Tensor, cx: Tensor, weight_ih: Tensor, weight_hh: Tensor,
              bias_ih: Tensor | None = None,
              bias_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step for ``input`` (N, in) and states (N, H); returns ``(h', c')``. One fused
    Function (the sequence op with T = 1).

    >>> import scratchgrad as sg
    >>> h, c = lstm_cell(sg.randn(2, 3), sg.zeros(2, 5), sg.zeros(2, 5), sg.randn(20, 3),
    ...                  sg.randn(20, 5))
    >>> h.shape, c.shape
    ((2, 5), (2, 5))
    """
    _, h, c = lstm_sequence(_one_step(input), hx, cx, weight_ih, weight_hh, bias_ih, bias_hh)
    return h, c


def gru_cell(input: Tensor, hx: Tensor, weight_ih: Tensor, weight_hh: Tensor,
             bias_ih: Tensor | None = None, bias_hh: Tensor | None = None) -> Tensor:
    """One GRU step for ``input`` (N, in) and ``hx`` (N, H): one fused Function (the
    sequence op with T = 1).

    >>> import scratchgrad as sg
    >>> gru_cell(sg.randn(2, 3), sg.zeros(2, 5), sg.randn(15, 3), sg.randn(15, 5)).shape
    (2, 5)
    """
    return gru_sequence(_one_step(input), hx, weight_ih, weight_hh, bias_ih, bias_hh)[1]
