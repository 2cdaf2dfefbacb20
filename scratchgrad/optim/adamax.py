"""Adamax: Adam with the infinity norm of past gradients in place of their root mean square."""
from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_betas, _check_range, _lerp_

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma and Ba, 2014, section 7), with PyTorch's update rule and defaults.

    With ``g = grad + weight_decay * p`` (``-grad`` when ``maximize``) and ``t`` the step
    number::

        m     = beta1 * m + (1 - beta1) * g
        u     = max(beta2 * u, |g| + eps)
        p     = p - lr / (1 - beta1 ** t) * m / u

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_inf`` (u).

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = Adamax([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.9, -1.9]
    """

    _state_keys = ("step", "exp_avg", "exp_inf")

    _array_state = ("exp_avg", "exp_inf")

    def __init__(self, params: ParamsT, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        _check_range(self, group, "eps", 0.0)
        _check_betas(self, group)
        _check_range(self, group, "weight_decay", 0.0)

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        weight_decay = float(group["weight_decay"])
        maximize = bool(group["maximize"])
        for p, g in self._params_with_grad(group):
            x = p._data
            xp = get_array_module(x)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["exp_avg"] = xp.zeros_like(x)
                state["exp_inf"] = xp.zeros_like(x)
            gbuf, tmp = self._scratch(x, 0), self._scratch(x, 1)
            state["step"] += 1.0
            g = self._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)
            exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]

            _lerp_(exp_avg, g, 1.0 - beta1, tmp)
            exp_inf *= beta2
            xp.abs(g, out=tmp)
            tmp += eps
            xp.maximum(exp_inf, tmp, out=exp_inf)  # propagates NaN, as torch.maximum

            clr = lr / (1.0 - beta1 ** state["step"])
            upd = xp.multiply(exp_avg, -clr, out=gbuf)  # addcdiv: (value * m) / u
            upd /= exp_inf
            x += upd
