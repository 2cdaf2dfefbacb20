"""Recurrent ops: Elman RNN, LSTM and GRU layers over a whole sequence.

One Function runs one layer in one direction over all T time steps: a layer is one node of the
graph, not some twenty per step. Per class:

- ``forward`` runs the steps on arrays as the formulas read (the gates of each step from
  ``x_t W_ih^T + h W_hh^T + b``, then the new state);
- ``backward`` is written in Tensor ops: it recomputes the forward step by step with the
  per-step functions below (``*_step_ops``) and runs the recurrence backwards through time
  with their derivatives (``_*_step_grad_ops``). Being Tensor ops, it also gives the right
  higher-order derivatives (``create_graph=True``).

The per-step functions also make up the layer composed of primitive ops that ``single_op=False``
runs instead of the Function (the tests compare the two).

Layout: time-major, ``x`` (T, N, in), states (N, H); weights in PyTorch's layout, W_ih
(G*H, in) and W_hh (G*H, H), gates stacked in PyTorch's order (LSTM i, f, g, o; GRU r, z, n).
The cells (``lstm_cell`` etc.) are the same Functions with T = 1.

Fast paths (one product for the input part of all steps, in-place time loops, a first-order
backward on arrays): ``scratchgrad/kernels``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

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


def _sigmoid(a: Any) -> Any:
    """The logistic function on an array (in its dtype; exp overflows to inf for a very
    negative ``a``, giving 0, as it should)."""
    return 1 / (1 + get_array_module(a).exp(-a))


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


# ---------------------------------------------------------------------- the Functions
class _Recurrence(Function):
    """Shared body of the sequence Functions. Inputs, in order: ``x`` (T, N, in), ``h0``
    (N, H), ``c0`` (N, H) for the LSTM only, ``W_ih``, ``W_hh``, and ``b_ih``, ``b_hh`` when
    ``has_bias``. Outputs: all hidden states (T, N, H), the final ``h`` (N, H) and, for the
    LSTM, the final ``c``. ``reverse`` runs from t = T-1 down to 0 (the backward direction
    of a bidirectional layer); outputs stay in input order.
    """

    has_cell = False

    def __init__(self, reverse: bool = False, has_bias: bool = True) -> None:
        self.reverse, self.has_bias = bool(reverse), bool(has_bias)

    def _unpack(self, items: Any) -> tuple:
        """``(x, h0, c0, W_ih, W_hh, b_ih, b_hh)`` from the inputs (arrays or Tensors), with
        None for ``c0`` outside the LSTM and for the biases without ``has_bias``."""
        k = 3 if self.has_cell else 2
        c0 = items[2] if self.has_cell else None
        b_ih, b_hh = (items[k + 2], items[k + 3]) if self.has_bias else (None, None)
        return items[0], items[1], c0, items[k], items[k + 1], b_ih, b_hh

    def _steps(self, T: int) -> range:
        """The time steps in the order they run."""
        return range(T - 1, -1, -1) if self.reverse else range(T)

    def forward(self, *arrays):
        return quiet.run(self._forward, *arrays)  # inf * 0 in a product: nan, silently

    def _forward(self, *arrays):
        raise NotImplementedError

    # -------------------------------------------------------------- backward
    def _step_ops(self, xw: Tensor, state: tuple, w_hh: Tensor, b_hh: Any) -> tuple:
        raise NotImplementedError

    def _step_grad_ops(self, cache: tuple, gstate: list, w_hh: Tensor) -> tuple:
        raise NotImplementedError

    def backward(self, *gys: Tensor) -> tuple:
        """The input gradients as Tensor ops of the inputs: recompute the forward step by
        step, then run the recurrence backwards. The pre-activation gradients of all steps
        then give the weight, bias and input gradients with one product each."""
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
    b_hh)`` with act tanh or relu; see ``_Recurrence`` for inputs and outputs.

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
        hs = xp.empty((x.shape[0],) + h0.shape, dtype=h0.dtype)
        h = h0
        for t in self._steps(x.shape[0]):
            a = x[t] @ W_ih.T + h @ W_hh.T
            if self.has_bias:
                a = a + b_ih + b_hh
            h = xp.tanh(a) if self.nonlinearity == "tanh" else xp.maximum(a, 0)
            hs[t] = h
        return hs, h.copy()

    def _step_ops(self, xw, state, w_hh, b_hh):
        h, cache = rnn_step_ops(xw, state[0], w_hh, b_hh, self.nonlinearity)
        return (h,), cache

    def _step_grad_ops(self, cache, gstate, w_hh):
        dxw, dgh, dh = _rnn_step_grad_ops(cache, gstate[0], w_hh, self.nonlinearity)
        return dxw, dgh, [dh]


class LSTMSequence(_Recurrence):
    """An LSTM layer over a sequence (gates i, f, g, o; ``c_t = f c_{t-1} + i g``,
    ``h_t = o tanh(c_t)``); see ``_Recurrence`` for inputs and outputs.

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
        hs = xp.empty((x.shape[0],) + h0.shape, dtype=h0.dtype)
        h, c = h0, c0
        for t in self._steps(x.shape[0]):
            a = x[t] @ W_ih.T + h @ W_hh.T
            if self.has_bias:
                a = a + b_ih + b_hh
            ai, af, ag, ao = xp.split(a, 4, axis=1)
            i, f, g, o = _sigmoid(ai), _sigmoid(af), xp.tanh(ag), _sigmoid(ao)
            c = f * c + i * g
            h = o * xp.tanh(c)
            hs[t] = h
        return hs, h.copy(), c.copy()

    def _step_ops(self, xw, state, w_hh, b_hh):
        h, c, cache = lstm_step_ops(xw, state[0], state[1], w_hh, b_hh)
        return (h, c), cache

    def _step_grad_ops(self, cache, gstate, w_hh):
        dxw, dgh, dh, dc = _lstm_step_grad_ops(cache, gstate[0], gstate[1], w_hh)
        return dxw, dgh, [dh, dc]


class GRUSequence(_Recurrence):
    """A GRU layer over a sequence (gates r, z, n; ``n = tanh(W_in x + b_in + r (W_hn h +
    b_hn))``, ``h' = (1 - z) n + z h``); see ``_Recurrence`` for inputs and outputs.

    >>> import scratchgrad as sg
    >>> hs, hT = GRUSequence()(sg.ones(5, 2, 3), sg.zeros(2, 4), sg.zeros(12, 3),
    ...                        sg.zeros(12, 4), sg.zeros(12), sg.zeros(12))
    >>> hs.shape, hT.shape
    ((5, 2, 4), (2, 4))
    """

    def _forward(self, *arrays):
        x, h0, _, W_ih, W_hh, b_ih, b_hh = self._unpack(arrays)
        xp = get_array_module(x)
        hs = xp.empty((x.shape[0],) + h0.shape, dtype=h0.dtype)
        h = h0
        for t in self._steps(x.shape[0]):
            gx, gh = x[t] @ W_ih.T, h @ W_hh.T  # r multiplies the recurrent part with its bias
            if self.has_bias:
                gx, gh = gx + b_ih, gh + b_hh
            xr, xz, xn = xp.split(gx, 3, axis=1)
            hr, hz, hn = xp.split(gh, 3, axis=1)
            r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
            n = xp.tanh(xn + r * hn)
            h = n + z * (h - n)
            hs[t] = h
        return hs, h.copy()

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


def _run_composed(fn: _Recurrence, x: Tensor, state: tuple, w_ih: Tensor, w_hh: Tensor,
                   b_ih: Tensor | None, b_hh: Tensor | None) -> tuple:
    """The same layer as ``fn`` composed of primitive ops, step by step (``single_op=False``)."""
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
                 single_op: bool = True) -> tuple[Tensor, Tensor]:
    """Run an Elman RNN layer over ``input`` (T, N, in) from ``h0`` (N, H); return all
    hidden states (T, N, H) and the last one (N, H). ``single_op=False`` composes primitive ops
    step by step instead of the one Function (a graph node per op; slower).

    >>> import scratchgrad as sg
    >>> out, h = rnn_sequence(sg.randn(7, 2, 3), sg.zeros(2, 5), sg.randn(5, 3),
    ...                       sg.randn(5, 5))
    >>> out.shape, h.shape
    ((7, 2, 5), (2, 5))
    """
    x = to_tensor(input)
    _check("rnn", 1, x, [("h0", h0)], weight_ih, weight_hh, bias_ih, bias_hh)
    fn = RNNSequence(reverse, bias_ih is not None, nonlinearity)
    if not single_op:
        return _run_composed(fn, x, (h0,), weight_ih, weight_hh, bias_ih, bias_hh)
    return fn(x, h0, weight_ih, weight_hh, *_bias_args(bias_ih, bias_hh))


def lstm_sequence(input: Tensor, h0: Tensor, c0: Tensor, weight_ih: Tensor,
                  weight_hh: Tensor, bias_ih: Tensor | None = None,
                  bias_hh: Tensor | None = None, reverse: bool = False,
                  single_op: bool = True) -> tuple[Tensor, Tensor, Tensor]:
    """Run an LSTM layer over ``input`` (T, N, in) from ``h0``, ``c0`` (N, H); return all
    hidden states (T, N, H) and the last ``h`` and ``c`` (N, H). ``single_op=False`` composes
    primitive ops step by step instead of the one Function (a graph node per op; slower).

    >>> import scratchgrad as sg
    >>> out, h, c = lstm_sequence(sg.randn(7, 2, 3), sg.zeros(2, 5), sg.zeros(2, 5),
    ...                           sg.randn(20, 3), sg.randn(20, 5))
    >>> out.shape, c.shape
    ((7, 2, 5), (2, 5))
    """
    x = to_tensor(input)
    _check("lstm", 4, x, [("h0", h0), ("c0", c0)], weight_ih, weight_hh, bias_ih, bias_hh)
    fn = LSTMSequence(reverse, bias_ih is not None)
    if not single_op:
        return _run_composed(fn, x, (h0, c0), weight_ih, weight_hh, bias_ih, bias_hh)
    return fn(x, h0, c0, weight_ih, weight_hh, *_bias_args(bias_ih, bias_hh))


def gru_sequence(input: Tensor, h0: Tensor, weight_ih: Tensor, weight_hh: Tensor,
                 bias_ih: Tensor | None = None, bias_hh: Tensor | None = None,
                 reverse: bool = False, single_op: bool = True) -> tuple[Tensor, Tensor]:
    """Run a GRU layer over ``input`` (T, N, in) from ``h0`` (N, H); return all hidden
    states (T, N, H) and the last one (N, H). ``single_op=False`` composes primitive ops step by
    step instead of the one Function (a graph node per op; slower).

    >>> import scratchgrad as sg
    >>> out, h = gru_sequence(sg.randn(7, 2, 3), sg.zeros(2, 5), sg.randn(15, 3),
    ...                       sg.randn(15, 5))
    >>> out.shape, h.shape
    ((7, 2, 5), (2, 5))
    """
    x = to_tensor(input)
    _check("gru", 3, x, [("h0", h0)], weight_ih, weight_hh, bias_ih, bias_hh)
    fn = GRUSequence(reverse, bias_ih is not None)
    if not single_op:
        return _run_composed(fn, x, (h0,), weight_ih, weight_hh, bias_ih, bias_hh)
    return fn(x, h0, weight_ih, weight_hh, *_bias_args(bias_ih, bias_hh))


def _one_step(x: Tensor) -> Tensor:
    x = to_tensor(x)
    return reshape(x, (1,) + x.shape)


def rnn_cell(input: Tensor, hx: Tensor, weight_ih: Tensor, weight_hh: Tensor,
             bias_ih: Tensor | None = None, bias_hh: Tensor | None = None,
             nonlinearity: str = "tanh") -> Tensor:
    """One Elman step for ``input`` (N, in) and ``hx`` (N, H): one Function (the sequence
    op with T = 1).

    >>> import scratchgrad as sg
    >>> rnn_cell(sg.randn(2, 3), sg.zeros(2, 5), sg.randn(5, 3), sg.randn(5, 5)).shape
    (2, 5)
    """
    return rnn_sequence(_one_step(input), hx, weight_ih, weight_hh, bias_ih, bias_hh,
                        nonlinearity)[1]


def lstm_cell(input: Tensor, hx: Tensor, cx: Tensor, weight_ih: Tensor, weight_hh: Tensor,
              bias_ih: Tensor | None = None,
              bias_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step for ``input`` (N, in) and states (N, H); returns ``(h', c')``. One Function
    (the sequence op with T = 1).

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
    """One GRU step for ``input`` (N, in) and ``hx`` (N, H): one Function (the sequence
    op with T = 1).

    >>> import scratchgrad as sg
    >>> gru_cell(sg.randn(2, 3), sg.zeros(2, 5), sg.randn(15, 3), sg.randn(15, 5)).shape
    (2, 5)
    """
    return gru_sequence(_one_step(input), hx, weight_ih, weight_hh, bias_ih, bias_hh)[1]
