"""Adagrad: per-coordinate step sizes from the running sum of squared gradients."""
from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_fused, _check_range

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), with PyTorch's update rule and defaults.

    With ``g = grad + weight_decay * p`` and ``t`` the step number (from 1)::

        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g
        p   = p - clr * g / (sqrt(sum) + eps)

    State per parameter: ``step`` (a float) and ``sum`` (starts at
    ``initial_accumulator_value``). Like PyTorch, the state exists from construction.

    ``fused``: as for :class:`~scratchgrad.optim.Adam`, the update as one compiled loop per
    parameter when Numba is installed (the same results bit for bit).

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = Adagrad([w], lr=0.5)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.5, -1.5]
    """

    _state_keys = ("step", "sum")

    _array_state = ("sum",)

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False,
                 fused: bool | None = None) -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "maximize": maximize, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            _check_range(self, group, key, 0.0)
        _check_fused(self, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        if not state:
            xp = get_array_module(p._data)
            state["step"] = 0.0
            state["sum"] = xp.full_like(p._data, float(group["initial_accumulator_value"]))
        return state

    def _step_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        maximize = bool(group["maximize"])
        update = self._update_fn(group)
        for p, g in self._params_with_grad(group):
            state = self._init_state(p, group)  # a group added later starts lazily
            state["step"] += 1.0
            clr = lr / (1.0 + (state["step"] - 1.0) * lr_decay)
            update(self, p._data, g, state["sum"], clr=clr, eps=eps, weight_decay=weight_decay,
                   maximize=maximize)

    def _update(self, x: Any, g: Any, state_sum: Any, *, clr: float, eps: float,
                weight_decay: float, maximize: bool) -> None:
        """One parameter's update, in place: ``x`` with gradient ``g`` and its sum of squares,
        at the decayed learning rate ``clr``."""
        xp = get_array_module(x)
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + x * weight_decay
        state_sum += g * g
        x += g * -clr / (xp.sqrt(state_sum) + eps)  # PyTorch's addcdiv: (value * g) / std
