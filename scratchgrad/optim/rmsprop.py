"""RMSprop: divide the gradient by a running root mean square of recent gradients."""
from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_fused, _check_range, _lerp_

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), with PyTorch's update rule and defaults.

    With ``g = grad + weight_decay * p``::

        square_avg = alpha * square_avg + (1 - alpha) * g * g
        grad_avg   = alpha * grad_avg + (1 - alpha) * g            (centered only)
        avg        = sqrt(square_avg - grad_avg ** 2) + eps   if centered
                     sqrt(square_avg) + eps                    otherwise
        buf        = momentum * buf + g / avg;  p = p - lr * buf    if momentum > 0
        p          = p - lr * g / avg                               otherwise

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0),
    ``grad_avg`` (centered).

    ``fused``: as for :class:`~scratchgrad.optim.Adam`, the update as one compiled loop per
    parameter when Numba is installed (the same results bit for bit).

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.98, -1.98]
    """

    _state_keys = ("step", "square_avg")

    def _required_state(self, group: dict[str, Any]) -> tuple[str, ...]:
        return self._state_keys + (("grad_avg",) if group["centered"] else ()) + \
            (("momentum_buffer",) if group["momentum"] > 0 else ())

    _array_state = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, *, maximize: bool = False,
                 fused: bool | None = None) -> None:
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "maximize": maximize,
                    "fused": fused}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        for key in ("eps", "momentum", "weight_decay", "alpha"):
            _check_range(self, group, key, 0.0)
        _check_fused(self, group)

    def _step_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum = float(group["momentum"])
        centered = bool(group["centered"])
        maximize = bool(group["maximize"])
        update = self._update_fn(group)
        for p, g in self._params_with_grad(group):
            x = p._data
            state = self.state[p]
            if not state:
                xp = get_array_module(x)
                state["step"] = 0.0
                state["square_avg"] = xp.zeros_like(x)
                if momentum > 0:
                    state["momentum_buffer"] = xp.zeros_like(x)
                if centered:
                    state["grad_avg"] = xp.zeros_like(x)
            state["step"] += 1.0
            update(self, x, g, state["square_avg"], state["grad_avg"] if centered else None,
                   state["momentum_buffer"] if momentum > 0 else None, lr=lr, alpha=alpha,
                   eps=eps, weight_decay=weight_decay, momentum=momentum, maximize=maximize)

    def _update(self, x: Any, g: Any, square_avg: Any, grad_avg: Any | None,
                momentum_buffer: Any | None, *, lr: float, alpha: float, eps: float,
                weight_decay: float, momentum: float, maximize: bool) -> None:
        """One parameter's update, in place: ``x`` with gradient ``g`` and its state
        (``grad_avg`` when centered, ``momentum_buffer`` with momentum, else None)."""
        xp = get_array_module(x)
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + x * weight_decay
        square_avg *= alpha
        square_avg += g * (1.0 - alpha) * g      # PyTorch's addcmul: (value * g) * g
        if grad_avg is not None:
            _lerp_(grad_avg, g, 1.0 - alpha)
            avg = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = xp.sqrt(square_avg)
        avg += eps
        if momentum_buffer is not None:
            momentum_buffer *= momentum
            momentum_buffer += g / avg
            x -= momentum_buffer * lr
        else:
            x += g * -lr / avg
