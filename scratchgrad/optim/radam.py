"""RAdam: Adam whose adaptive step is switched on once its variance can be estimated."""
from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_betas, _check_range, _lerp_

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """Rectified Adam (Liu et al., 2019), with PyTorch's update rule and defaults.

    With ``g = grad + weight_decay * p`` (or, if ``decoupled_weight_decay``, first
    ``p = p * (1 - lr * weight_decay)`` and ``g = grad``; ``-grad`` when ``maximize``) and
    ``t`` the step number::

        m       = beta1 * m + (1 - beta1) * g
        v       = beta2 * v + (1 - beta2) * g * g
        m_hat   = m / (1 - beta1 ** t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t   = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
        p       = p - lr * m_hat * r_t * sqrt(1 - beta2 ** t) / (sqrt(v) + eps)   if rho_t > 5
        p       = p - lr * m_hat                                                 otherwise
        r_t     = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v).

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = RAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.8, -1.6]
    """

    _state_keys = ("step", "exp_avg", "exp_avg_sq")

    _array_state = ("exp_avg", "exp_avg_sq")

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
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
        decoupled = bool(group["decoupled_weight_decay"])
        maximize = bool(group["maximize"])
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        for p, g in self._params_with_grad(group):
            x = p._data
            xp = get_array_module(x)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["exp_avg"] = xp.zeros_like(x)
                state["exp_avg_sq"] = xp.zeros_like(x)
            gbuf, tmp = self._scratch(x, 0), self._scratch(x, 1)
            state["step"] += 1.0
            t = state["step"]
            if weight_decay != 0 and decoupled:
                x *= 1.0 - lr * weight_decay
                g = self._grad_with_decay(g, x, 0.0, maximize, out=gbuf, tmp=tmp)
            else:
                g = self._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)

            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            _lerp_(exp_avg, g, 1.0 - beta1, tmp)
            exp_avg_sq *= beta2
            xp.multiply(g, 1.0 - beta2, out=tmp)  # addcmul: (value * g) * g
            tmp *= g
            exp_avg_sq += tmp

            bias_correction1 = 1.0 - beta1 ** t
            bias_correction2 = 1.0 - beta2 ** t
            rho_t = rho_inf - 2.0 * t * (beta2 ** t) / bias_correction2
            # PyTorch's order: ((m_hat * lr) * adaptive) * rect, then subtracted.
            upd = xp.divide(exp_avg, bias_correction1, out=gbuf)
            upd *= lr
            if rho_t > 5.0:
                xp.sqrt(exp_avg_sq, out=tmp)
                tmp += eps
                xp.divide(bias_correction2 ** 0.5, tmp, out=tmp)
                upd *= tmp
                upd *= ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                        / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) ** 0.5
            x -= upd
