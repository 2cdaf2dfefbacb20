"""Adadelta: step sizes from running averages of squared gradients and squared updates."""
from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_range

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), with PyTorch's update rule and defaults (note ``lr=1.0``).

    With ``g = grad + weight_decay * p``::

        square_avg = rho * square_avg + (1 - rho) * g * g
        delta      = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
        acc_delta  = rho * acc_delta + (1 - rho) * delta * delta
        p          = p - lr * delta

    State per parameter: ``step``, ``square_avg``, ``acc_delta``.

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = Adadelta([w], lr=1.0, eps=1e-2)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.6877, -1.6848]
    """

    _state_keys = ("step", "square_avg", "acc_delta")

    _array_state = ("square_avg", "acc_delta")

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        _check_range(self, group, "rho", 0.0, 1.0)
        _check_range(self, group, "eps", 0.0)
        _check_range(self, group, "weight_decay", 0.0)

    def _step_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        rho = float(group["rho"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        maximize = bool(group["maximize"])
        for p, g in self._params_with_grad(group):
            x = p._data
            xp = get_array_module(x)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["square_avg"] = xp.zeros_like(x)
                state["acc_delta"] = xp.zeros_like(x)
            gbuf, tmp, delta = self._scratch(x, 0), self._scratch(x, 1), self._scratch(x, 2)
            g = self._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)
            state["step"] += 1.0
            square_avg, acc_delta = state["square_avg"], state["acc_delta"]

            square_avg *= rho
            xp.multiply(g, 1.0 - rho, out=tmp)  # PyTorch's addcmul: (value * g) * g
            tmp *= g
            square_avg += tmp
            std = xp.add(square_avg, eps, out=tmp)
            xp.sqrt(std, out=std)
            xp.add(acc_delta, eps, out=delta)
            xp.sqrt(delta, out=delta)
            delta /= std
            delta *= g
            acc_delta *= rho
            xp.multiply(delta, 1.0 - rho, out=tmp)
            tmp *= delta
            acc_delta += tmp
            x -= xp.multiply(delta, lr, out=tmp)
