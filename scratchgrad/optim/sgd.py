"""Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay."""
from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, ParamsT, _check_fused, _check_range

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
        update = self._update_fn(group)
        for p, g in self._params_with_grad(group):
            state = self.state[p] if momentum != 0 else {}  # no state without momentum
            buf = update(self, p._data, g, state.get("momentum_buffer"), lr=lr,
                         momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov, maximize=maximize)
            if buf is not None:
                state["momentum_buffer"] = buf

    def _update(self, x: Any, g: Any, momentum_buffer: Any | None, *, lr: float,
                momentum: float, dampening: float, weight_decay: float, nesterov: bool,
                maximize: bool) -> Any:
        """One parameter's update, in place: ``x`` with gradient ``g`` and its momentum
        buffer (None before the first step, or without momentum). Returns the buffer, a new
        one on the first step."""
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + x * weight_decay
        buf = momentum_buffer
        if momentum != 0:
            if buf is None:
                buf = g.copy()  # a copy: g may be the parameter's own .grad array
            else:
                buf *= momentum
                buf += g if dampening == 0 else g * (1.0 - dampening)
            g = g + buf * momentum if nesterov else buf
        x -= g * lr
        return buf
