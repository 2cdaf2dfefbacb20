"""Adam and AdamW: bias-corrected running averages of the gradient and its square."""
from __future__ import annotations

import math
from typing import Any

from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_betas, _check_fused, _check_range, _lerp_

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2014) with optional AMSGrad, with PyTorch's update rule and defaults.

    With ``g = grad + weight_decay * p`` (or, if ``decoupled_weight_decay``, first
    ``p = p * (1 - lr * weight_decay)`` and ``g = grad``) and ``t`` the step number::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                              (amsgrad; used instead of v)
        p = p - lr / (1 - beta1 ** t) * m / (sqrt(v) / sqrt(1 - beta2 ** t) + eps)

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq`` (amsgrad).

    ``fused``: with Numba installed (``pip install 'scratchgrad[fast]'``) the update of each
    NumPy parameter may run as one compiled loop instead of 13 NumPy passes, with the same
    results bit for bit: ``None`` (the default) for groups large enough to repay loading
    Numba, ``False`` never, ``True`` always (an error when Numba is missing). Fast paths:
    scratchgrad/kernels/optim.py.

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.9, -1.9]
    """

    _state_keys = ("step", "exp_avg", "exp_avg_sq")

    def _required_state(self, group: dict[str, Any]) -> tuple[str, ...]:
        return self._state_keys + (("max_exp_avg_sq",) if group["amsgrad"] else ())

    _array_state = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False, fused: bool | None = None) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay, "fused": fused}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        _check_range(self, group, "eps", 0.0)
        _check_range(self, group, "weight_decay", 0.0)
        _check_betas(self, group)
        _check_fused(self, group)

    @staticmethod
    def _hyper(group: dict[str, Any]) -> tuple:
        """A group's options as Python numbers: lr, beta1, beta2, eps, weight_decay, amsgrad,
        maximize, decoupled."""
        beta1, beta2 = (float(b) for b in group["betas"])
        return (float(group["lr"]), beta1, beta2, float(group["eps"]),
                float(group["weight_decay"]), bool(group["amsgrad"]), bool(group["maximize"]),
                bool(group["decoupled_weight_decay"]))

    @staticmethod
    def _corrections(state: dict[str, Any], lr: float, beta1: float,
                     beta2: float) -> tuple[float, float]:
        """Count the step; its step size and sqrt of the second bias correction, in double
        precision, as PyTorch computes them in Python."""
        state["step"] += 1.0
        t = state["step"]
        return lr / (1.0 - beta1 ** t), math.sqrt(1.0 - beta2 ** t)

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled = self._hyper(group)
        update = self._update_fn(group)
        for p, g in self._params_with_grad(group):
            x = p._data
            state = self.state[p]
            if not state:
                xp = get_array_module(x)
                state["step"] = 0.0
                state["exp_avg"] = xp.zeros_like(x)
                state["exp_avg_sq"] = xp.zeros_like(x)
                if amsgrad:
                    state["max_exp_avg_sq"] = xp.zeros_like(x)
            step_size, bias_correction2_sqrt = self._corrections(state, lr, beta1, beta2)
            update(self, x, g, state["exp_avg"], state["exp_avg_sq"],
                   state["max_exp_avg_sq"] if amsgrad else None, lr=lr, beta1=beta1,
                   beta2=beta2, eps=eps, weight_decay=weight_decay, decoupled=decoupled,
                   maximize=maximize, step_size=step_size,
                   bias_correction2_sqrt=bias_correction2_sqrt)

    def _update(self, x: Any, g: Any, exp_avg: Any, exp_avg_sq: Any,
                max_exp_avg_sq: Any | None, *, lr: float, beta1: float, beta2: float,
                eps: float, weight_decay: float, decoupled: bool, maximize: bool,
                step_size: float, bias_correction2_sqrt: float) -> None:
        """One parameter's update, in place: ``x`` with gradient ``g`` and its moments
        (``max_exp_avg_sq`` with AMSGrad, else None). ``step_size`` and
        ``bias_correction2_sqrt`` come from :meth:`_corrections`. The operations and their
        order are PyTorch's, so that the values follow its trajectory."""
        xp = get_array_module(x)
        if maximize:
            g = -g
        if weight_decay != 0 and decoupled:
            x *= 1.0 - lr * weight_decay
        elif weight_decay != 0:
            g = g + x * weight_decay
        _lerp_(exp_avg, g, 1.0 - beta1)               # m = beta1 * m + (1 - beta1) * g
        exp_avg_sq *= beta2
        exp_avg_sq += g * (1.0 - beta2) * g           # v = beta2 * v + (1 - beta2) * g * g
        second = exp_avg_sq
        if max_exp_avg_sq is not None:
            xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            second = max_exp_avg_sq
        denom = xp.sqrt(second) / bias_correction2_sqrt + eps
        x += exp_avg * -step_size / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019); ``weight_decay=0.01``.

    The decay shrinks the parameter directly, ``p = p * (1 - lr * weight_decay)``, instead of
    entering the gradient averages. Otherwise the same as :class:`Adam`.

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.85, -1.8]
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, fused=fused)

    def _cast_option(self, group: int, key: str, value: Any, current: Any) -> Any:
        value = super()._cast_option(group, key, value, current)
        # An AdamW stays decoupled whatever was saved (e.g. an Adam's state dict).
        return True if key == "decoupled_weight_decay" else value
