"""Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels import numba_cpu as _fused
from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_fused, _check_range, _may_fuse

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's update rule and defaults.

    With ``g = grad + weight_decay * p`` (``-grad`` when ``maximize``)::

        buf = g                                  (first step)
        buf = momentum * buf + (1 - dampening) * g
        g   = g + momentum * buf  if nesterov  else  buf
        p   = p - lr * g

    State per parameter: ``momentum_buffer`` (only when ``momentum != 0``).

    ``fused``: as for :class:`~scratchgrad.optim.Adam`, the update as one compiled loop per
    parameter when Numba is installed (the same results bit for bit).

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.46, -0.92]
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False, fused: bool | None = None) -> None:
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "fused": fused}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        _check_range(self, group, "momentum", 0.0)
        _check_range(self, group, "weight_decay", 0.0)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got "
                             f"momentum={group['momentum']}, dampening={group['dampening']}")
        _check_fused(self, group)

    def _step_group(self, group: dict[str, Any]) -> None:
        # Python floats: NumPy 2 treats them as weak, so float32 arrays stay float32.
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        weight_decay = float(group["weight_decay"])
        nesterov = bool(group["nesterov"])
        maximize = bool(group["maximize"])
        may_fuse = _may_fuse(group)
        for p, g in self._params_with_grad(group):
            x = p._data
            if may_fuse and _fused.applies(x, g):  # one compiled pass (scratchgrad.fused)
                buf = self.state[p].get("momentum_buffer") if momentum != 0 else None
                first = momentum != 0 and buf is None
                if first:
                    buf = self.state[p]["momentum_buffer"] = np.empty_like(x)
                if buf is None or _fused.applies(x, buf):
                    _fused.sgd_update(x, g, buf, first=first, lr=lr, momentum=momentum,
                                      dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize)
                    continue
            xp = get_array_module(x)
            gbuf, tmp = self._scratch(x, 0), self._scratch(x, 1)
            g = self._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    # A copy: ``g`` may be the parameter's own .grad array or a scratch array.
                    buf = state["momentum_buffer"] = g.copy()
                else:
                    buf *= momentum
                    if dampening == 0:
                        buf += g
                    else:
                        buf += xp.multiply(g, 1.0 - dampening, out=tmp)
                if nesterov:
                    xp.multiply(buf, momentum, out=tmp)
                    g = xp.add(g, tmp, out=gbuf)
                else:
                    g = buf
            x -= xp.multiply(g, lr, out=tmp)
