"""NAdam: Adam with Nesterov momentum (a look-ahead on the first moment)."""
from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_betas, _check_range, _f32, _lerp_

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat, 2016), with PyTorch's update rule and defaults (``lr=2e-3``).

    With ``g = grad + weight_decay * p`` (or, if ``decoupled_weight_decay``, first
    ``p = p * (1 - lr * weight_decay)`` and ``g = grad``; ``-grad`` when ``maximize``) and
    ``t`` the step number::

        mu_t  = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        prod  = mu_1 * ... * mu_t                          (mu_product)
        m     = beta1 * m + (1 - beta1) * g
        v     = beta2 * v + (1 - beta2) * g * g
        d     = sqrt(v / (1 - beta2 ** t)) + eps
        p     = p - lr * (1 - mu_t) / (1 - prod) * g / d
                  - lr * mu_{t+1} / (1 - prod * mu_{t+1}) * m / d

    State per parameter: ``step``, ``mu_product`` (a float, rounded to float32 at each step as
    PyTorch's float32 tensor is), ``exp_avg`` (m), ``exp_avg_sq`` (v).

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.8944, -1.8944]
    """

    _state_keys = ("step", "exp_avg", "exp_avg_sq", "mu_product")

    _scalar_state = ("step", "mu_product")
    _array_state = ("exp_avg", "exp_avg_sq")

    def __init__(self, params: ParamsT, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        _check_range(self, group, "eps", 0.0)
        _check_betas(self, group)
        _check_range(self, group, "weight_decay", 0.0)
        _check_range(self, group, "momentum_decay", 0.0)

    def _step_group(self, group: dict[str, Any]) -> None:
        lr, eps = float(group["lr"]), float(group["eps"])
        beta1, beta2 = (float(b) for b in group["betas"])
        weight_decay = float(group["weight_decay"])
        momentum_decay = float(group["momentum_decay"])
        decoupled = bool(group["decoupled_weight_decay"])
        maximize = bool(group["maximize"])
        for p, g in self._params_with_grad(group):
            x = p._data
            xp = get_array_module(x)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["mu_product"] = 1.0
                state["exp_avg"] = xp.zeros_like(x)
                state["exp_avg_sq"] = xp.zeros_like(x)
            gbuf, tmp, denom = self._scratch(x, 0), self._scratch(x, 1), self._scratch(x, 2)
            state["step"] += 1.0
            t = state["step"]
            bias_correction2 = 1.0 - beta2 ** t
            if weight_decay != 0 and decoupled:
                x *= 1.0 - lr * weight_decay
                g = self._grad_with_decay(g, x, 0.0, maximize, out=gbuf, tmp=tmp)
            else:
                g = self._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)

            mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1.0) * momentum_decay))
            # PyTorch multiplies a float32 tensor by mu: the factor rounds to float32 first.
            mu_product = state["mu_product"] = _f32(_f32(state["mu_product"]) * _f32(mu))
            mu_product_next = mu_product * mu_next

            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            _lerp_(exp_avg, g, 1.0 - beta1, tmp)
            exp_avg_sq *= beta2
            xp.multiply(g, 1.0 - beta2, out=tmp)  # addcmul: (value * g) * g
            tmp *= g
            exp_avg_sq += tmp
            xp.divide(exp_avg_sq, bias_correction2, out=denom)
            xp.sqrt(denom, out=denom)
            denom += eps

            xp.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=tmp)
            tmp /= denom
            x += tmp
            xp.multiply(exp_avg, (-lr * mu_next) / (1.0 - mu_product_next), out=tmp)
            tmp /= denom
            x += tmp
