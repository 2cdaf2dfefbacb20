"""Recurrent layers with PyTorch's names, signatures, parameter layouts and semantics:
``RNN``, ``LSTM``, ``GRU`` (stacked, bidirectional, dropout between layers) and the cells
``RNNCell``, ``LSTMCell``, ``GRUCell``.

Each layer and direction runs as one Function over the whole sequence
(``scratchgrad.ops.rnn``); a PyTorch state dict (mapped through ``.numpy()``) loads into the
same-shaped module here and gives the same outputs.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..backend import get_array_module
from ..ops import stack, transpose
from ..ops._util import to_tensor
from ..ops.nn import dropout as _dropout
from ..ops.rnn import (gru_cell, gru_sequence, lstm_cell, lstm_sequence, rnn_cell,
                       rnn_sequence)
from ..ops.shape import cat, reshape, squeeze, unsqueeze
from .. import factory as _factory
from ..tensor import Tensor
from .parameter import Parameter
from . import init
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _param(*shape: int, dtype: Any) -> Parameter:
    return Parameter(np.empty(shape, dtype=np.float32 if dtype is None else dtype))


def _zeros_like_state(shape: tuple[int, ...], dtype: np.dtype, like: Tensor) -> Tensor:
    """Zeros on ``like``'s device, from a factory: a constant to scratchgrad.compile."""
    return _factory.zeros(*shape, dtype=dtype, device=like.device)


class RNNBase(Module):
    """Base of ``RNN``, ``LSTM`` and ``GRU``: registers the parameters in PyTorch's order
    (per layer, per direction: ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}``, with ``_reverse`` for the backward direction) and runs the layers.
    ``mode`` is 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'.

    >>> from scratchgrad import nn
    >>> [n for n, _ in nn.GRU(3, 4, bidirectional=True).named_parameters()][:5]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse']
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        if mode not in _GATES:
            raise ValueError(f"{name}: unknown mode {mode!r}; expected one of {list(_GATES)}")
        if isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        for what, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name}: {what} must be a positive integer, got {value!r}")
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size is not supported")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout={dropout} and num_layers=1: dropout acts between "
                          "layers, so it does nothing here", stacklevel=2)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        gate_size = _GATES[mode] * hidden_size
        D = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for direction in range(D):
                in_size = input_size if layer == 0 else hidden_size * D
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, in_size)),
                          ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for pname, shape in shapes:
                    setattr(self, pname + suffix, _param(*shape, dtype=dtype))
                    self._flat_weights_names.append(pname + suffix)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as
        PyTorch does.

        >>> from scratchgrad import nn
        >>> m = nn.LSTM(3, 4); m.reset_parameters()
        >>> all(bool((p.abs() <= 0.5).all()) for p in m.parameters())
        True
        """
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self) -> None:
        """Accepted for PyTorch compatibility (cuDNN's weight packing); does nothing here.

        >>> from scratchgrad import nn
        >>> nn.LSTM(2, 3).flatten_parameters()
        """

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction, as in PyTorch.

        >>> from scratchgrad import nn
        >>> [len(w) for w in nn.RNN(2, 3, num_layers=2).all_weights]
        [4, 4]
        """
        k = 4 if self.bias else 2
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i:i + k]] for i in range(0, len(names), k)]

    def _layer_params(self, layer: int, direction: int) -> tuple:
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        w = (getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix))
        if not self.bias:
            return w + (None, None)
        return w + (getattr(self, "bias_ih" + suffix), getattr(self, "bias_hh" + suffix))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ forward
    def _check_state(self, state: Any, what: str, expected: tuple, dtype: np.dtype) -> Tensor:
        t = to_tensor(state)
        if t.shape != expected:
            raise ValueError(f"{type(self).__name__}: expected {what} of shape {expected}, got "
                             f"{t.shape}")
        if t.dtype != dtype:
            raise TypeError(f"{type(self).__name__}: {what} has dtype {t.dtype}, expected "
                            f"{dtype} (the weights')")
        return t

    def _input(self, input: Any) -> tuple[Tensor, bool]:
        """The input as (T, N, in), and whether it was batched."""
        name = type(self).__name__
        x = to_tensor(input)
        if x.ndim not in (2, 3):
            raise ValueError(f"{name}: expected a 2-D (unbatched: seq_len, input_size) or 3-D "
                             f"(batched) input, got shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected an input with input_size={self.input_size} "
                             f"features in its last dimension, got shape {x.shape}")
        dtype = self.weight_ih_l0.dtype
        if x.dtype != dtype:
            raise TypeError(f"{name}: input has dtype {x.dtype}, expected {dtype} (the "
                            f"weights')")
        if x.ndim == 2:
            return unsqueeze(x, 1), False
        return (transpose(x, 0, 1) if self.batch_first else x), True

    def _initial(self, hx: Any, batched: bool, N: int, dtype: np.dtype) -> list[list[Tensor]]:
        """Initial states as one list per state (h, or h and c) of L*D tensors (N, H)."""
        n_states = 2 if self.mode == "LSTM" else 1
        LD = self.num_layers * (2 if self.bidirectional else 1)
        shape = (LD, N, self.hidden_size) if batched else (LD, self.hidden_size)
        if hx is None:
            zero = _zeros_like_state((N, self.hidden_size), dtype,
                                     next(iter(self._parameters.values())))
            return [[zero] * LD for _ in range(n_states)]
        if n_states == 2:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"LSTM: expected hx to be a tuple (h_0, c_0), got "
                                f"{type(hx).__name__}")
            states = [self._check_state(hx[0], "h_0", shape, dtype),
                      self._check_state(hx[1], "c_0", shape, dtype)]
        else:
            states = [self._check_state(hx, "h_0", shape, dtype)]
        if not batched:
            states = [unsqueeze(s, 1) for s in states]
        return [[s[k] for k in range(LD)] for s in states]

    def _run(self, x: Tensor, h0: Tensor, c0: Tensor | None, params: tuple,
             reverse: bool) -> tuple:
        if self.mode == "LSTM":
            return lstm_sequence(x, h0, c0, *params, reverse=reverse)
        if self.mode == "GRU":
            return gru_sequence(x, h0, *params, reverse=reverse)
        nonlinearity = "tanh" if self.mode == "RNN_TANH" else "relu"
        return rnn_sequence(x, h0, *params, nonlinearity=nonlinearity, reverse=reverse)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Any]:
        x, batched = self._input(input)
        N = x.shape[1]
        states = self._initial(hx, batched, N, x.dtype)
        D = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(D):
                k = layer * D + direction
                c0 = states[1][k] if len(states) == 2 else None
                res = self._run(x, states[0][k], c0, self._layer_params(layer, direction),
                                reverse=bool(direction))
                outputs.append(res[0])
                for final, value in zip(finals, res[1:]):
                    final.append(value)
            x = outputs[0] if D == 1 else cat(outputs, dim=2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout)
        h_n = [stack(f, 0) for f in finals]
        if not batched:
            x = squeeze(x, 1)
            h_n = [squeeze(h, 1) for h in h_n]
        elif self.batch_first:
            x = transpose(x, 0, 1)
        return x, (h_n[0] if len(h_n) == 1 else tuple(h_n))


class RNN(RNNBase):
    """A multi-layer Elman RNN, ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` with
    ``nonlinearity`` 'tanh' or 'relu'. Input (L, N, H_in) (or (N, L, H_in) with
    ``batch_first``, or unbatched (L, H_in)); optional ``h_0`` (num_layers * D, N, H).
    Returns ``(output, h_n)``: output (L, N, D * H), h_n (num_layers * D, N, H).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> out, h = nn.RNN(3, 5, num_layers=2, nonlinearity="relu")(sg.randn(7, 2, 3))
    >>> out.shape, h.shape
    ((7, 2, 5), (2, 2, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; expected 'tanh' or "
                             f"'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity}"


class LSTM(RNNBase):
    """A multi-layer LSTM (gates i, f, g, o; ``c_t = f c_{t-1} + i g``,
    ``h_t = o tanh(c_t)``). Input (L, N, H_in) (or (N, L, H_in) with ``batch_first``, or
    unbatched (L, H_in)); optional ``(h_0, c_0)``, each (num_layers * D, N, H). Returns
    ``(output, (h_n, c_n))``. ``proj_size`` is not supported.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> lstm = nn.LSTM(3, 5, batch_first=True, bidirectional=True)
    >>> out, (h, c) = lstm(sg.randn(2, 7, 3))
    >>> out.shape, h.shape, c.shape
    ((2, 7, 10), (2, 2, 5), (2, 2, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """A multi-layer GRU (gates r, z, n; ``n = tanh(W_in x + b_in + r (W_hn h + b_hn))``,
    ``h' = (1 - z) n + z h``). Input and state shapes as in :class:`RNN`; returns
    ``(output, h_n)``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> out, h = nn.GRU(3, 5)(sg.randn(7, 3))  # unbatched
    >>> out.shape, h.shape
    ((7, 5), (1, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


# ---------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Base of the cells: ``weight_ih`` (G*H, in), ``weight_hh`` (G*H, H), ``bias_ih``,
    ``bias_hh`` (G*H,), all from U(-1/sqrt(H), 1/sqrt(H)) as in PyTorch.

    >>> from scratchgrad import nn
    >>> [n for n, _ in nn.LSTMCell(3, 4).named_parameters()]
    ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = _param(num_chunks * hidden_size, input_size, dtype=dtype)
        self.weight_hh = _param(num_chunks * hidden_size, hidden_size, dtype=dtype)
        if bias:
            self.bias_ih = _param(num_chunks * hidden_size, dtype=dtype)
            self.bias_hh = _param(num_chunks * hidden_size, dtype=dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

        >>> from scratchgrad import nn
        >>> cell = nn.GRUCell(2, 4); cell.reset_parameters()
        >>> bool((cell.weight_hh.abs() <= 0.5).all())
        True
        """
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _input(self, input: Any) -> tuple[Tensor, bool]:
        name = type(self).__name__
        x = to_tensor(input)
        if x.ndim not in (1, 2):
            raise ValueError(f"{name}: expected a 1-D (unbatched) or 2-D (batch, input_size) "
                             f"input, got shape {x.shape}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected an input with input_size={self.input_size} "
                             f"features in its last dimension, got shape {x.shape}")
        if x.dtype != self.weight_ih.dtype:
            raise TypeError(f"{name}: input has dtype {x.dtype}, expected "
                            f"{self.weight_ih.dtype} (the weights')")
        return (x, True) if x.ndim == 2 else (unsqueeze(x, 0), False)

    def _state(self, state: Any, what: str, batched: bool, N: int, like: Tensor) -> Tensor:
        if state is None:
            return _zeros_like_state((N, self.hidden_size), like.dtype, like)
        t = to_tensor(state)
        expected = (N, self.hidden_size) if batched else (self.hidden_size,)
        if t.shape != expected:
            raise ValueError(f"{type(self).__name__}: expected {what} of shape {expected}, "
                             f"got {t.shape}")
        if t.dtype != like.dtype:
            raise TypeError(f"{type(self).__name__}: {what} has dtype {t.dtype}, expected "
                            f"{like.dtype}")
        return t if batched else unsqueeze(t, 0)

    def _params(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


def _unbatch(t: Tensor, batched: bool) -> Tensor:
    return t if batched else reshape(t, t.shape[1:])


class RNNCell(RNNCellBase):
    """One Elman step: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``. Input (N, in) or
    (in,); ``hx`` (N, H) or (H,), zeros when omitted. Returns ``h'``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.RNNCell(3, 5)(sg.randn(2, 3)).shape
    (2, 5)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; expected 'tanh' "
                             f"or 'relu'")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, batched = self._input(input)
        h = self._state(hx, "hx", batched, x.shape[0], x)
        return _unbatch(rnn_cell(x, h, *self._params(), nonlinearity=self.nonlinearity),
                        batched)


class LSTMCell(RNNCellBase):
    """One LSTM step. Input (N, in) or (in,); ``hx`` a tuple ``(h, c)`` of (N, H) or (H,),
    zeros when omitted. Returns ``(h', c')``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> h, c = nn.LSTMCell(3, 5)(sg.randn(2, 3))
    >>> h.shape, c.shape
    ((2, 5), (2, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, batched = self._input(input)
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"LSTMCell: expected hx to be a tuple (h, c), got "
                            f"{type(hx).__name__}")
        h = self._state(hx[0], "h", batched, x.shape[0], x)
        c = self._state(hx[1], "c", batched, x.shape[0], x)
        h, c = lstm_cell(x, h, c, *self._params())
        return _unbatch(h, batched), _unbatch(c, batched)


class GRUCell(RNNCellBase):
    """One GRU step. Input (N, in) or (in,); ``hx`` (N, H) or (H,), zeros when omitted.
    Returns ``h'``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.GRUCell(3, 5)(sg.randn(3)).shape
    (5,)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, batched = self._input(input)
        h = self._state(hx, "hx", batched, x.shape[0], x)
        return _unbatch(gru_cell(x, h, *self._params()), batched)
