"""ASGD: stochastic gradient descent that also keeps a running average of the parameters."""
from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_range, _f32

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (Polyak and Juditsky, 1992), with PyTorch's update rule and defaults.

    With ``g = grad + weight_decay * p`` (``-grad`` when ``maximize``) and ``t`` the step
    number, ``eta`` and ``mu`` the values left by the previous step (``lr`` and 1 at first)::

        p   = p * (1 - lambd * eta) - eta * g
        ax  = ax + mu * (p - ax)          (ax = p while mu = 1)
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu  = 1 / max(1, t - t0)

    ``ax`` is the averaged parameter; the update itself never reads it (as in PyTorch).
    State per parameter: ``step``, ``eta``, ``mu`` (floats, rounded to float32 as PyTorch's
    float32 tensors are), ``ax``.

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = ASGD([w], lr=0.1, lambd=0.0)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.8, -1.6]
    """

    _state_keys = ("step", "eta", "mu", "ax")

    _scalar_state = ("step", "eta", "mu")
    _array_state = ("ax",)

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0.0, *,
                 maximize: bool = False) -> None:
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        _check_range(self, group, "weight_decay", 0.0)
        for key in ("lambd", "alpha", "t0"):  # PyTorch checks none of these; numbers at least
            _check_range(self, group, key, float("-inf"))

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, lambd = float(group["lr"]), float(group["lambd"])
        alpha, t0 = float(group["alpha"]), float(group["t0"])
        weight_decay = float(group["weight_decay"])
        maximize = bool(group["maximize"])
        for p, g in self._params_with_grad(group):
            x = p._data
            xp = get_array_module(x)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["eta"] = _f32(lr)
                state["mu"] = 1.0
                state["ax"] = xp.zeros_like(x)
            gbuf, tmp = self._scratch(x, 0), self._scratch(x, 1)
            state["step"] += 1.0
            g = self._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)

            eta, mu, ax = state["eta"], state["mu"], state["ax"]
            x *= 1.0 - lambd * eta
            x += xp.multiply(g, -eta, out=tmp)
            if mu != 1.0:
                xp.subtract(x, ax, out=tmp)
                tmp *= mu
                ax += tmp
            else:
                ax[...] = x

            t = state["step"]
            state["eta"] = _f32(lr / ((1.0 + lambd * lr * t) ** alpha))
            state["mu"] = _f32(1.0 / max(1.0, t - t0))
