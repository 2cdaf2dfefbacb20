"""Adam and AdamW: bias-corrected running averages of the gradient and its square."""
from __future__ import annotations

import math
from typing import Any

from .. import fused as _fused
from ..backend import get_array_module
from .optimizer import (Optimizer, ParamsT, _check_fused, _check_range, _chunked, _lerp_,
                        _may_fuse)

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
    NumPy parameter runs as one compiled loop (:mod:`scratchgrad.fused`) instead of 13 NumPy
    passes, with the same results bit for bit. ``None`` (the default) uses it for groups large
    enough to repay loading Numba (:func:`scratchgrad.fused.worth_it`), ``False`` never,
    ``True`` always (an error when Numba is missing).

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.9, -1.9]
    """

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
        betas = group["betas"]
        if len(betas) != 2:
            raise ValueError(f"{type(self).__name__}: betas should be a pair (beta1, beta2), "
                             f"got {betas!r}")
        for i, b in enumerate(betas):
            if not 0.0 <= float(b) < 1.0:
                raise ValueError(f"{type(self).__name__}: invalid beta parameter at index {i}: "
                                 f"expected a value in [0, 1), got {b!r}")
        _check_fused(self, group)

    def _step_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        amsgrad = bool(group["amsgrad"])
        maximize = bool(group["maximize"])
        decoupled = bool(group["decoupled_weight_decay"])
        may_fuse = _may_fuse(group)
        for p, g in self._params_with_grad(group):
            x = p.data
            xp = get_array_module(x)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["exp_avg"] = xp.zeros_like(x)
                state["exp_avg_sq"] = xp.zeros_like(x)
                if amsgrad:
                    state["max_exp_avg_sq"] = xp.zeros_like(x)
            state["step"] += 1.0
            t = state["step"]
            # Scalars in double precision, as PyTorch computes them in Python.
            step_size = lr / (1.0 - beta1 ** t)
            bias_correction2_sqrt = math.sqrt(1.0 - beta2 ** t)
            arrays = [x, g, state["exp_avg"], state["exp_avg_sq"]]
            if amsgrad:
                arrays.append(state["max_exp_avg_sq"])
            if may_fuse and _fused.applies(*arrays):  # one compiled pass (scratchgrad.fused)
                _fused.adam_update(*arrays[:4], arrays[4] if amsgrad else None, lr=lr,
                                   beta1=beta1, beta2=beta2, eps=eps,
                                   weight_decay=weight_decay, decoupled=decoupled,
                                   maximize=maximize, step_size=step_size,
                                   bias_correction2_sqrt=bias_correction2_sqrt)
                continue
            arrays[4:4] = [self._scratch(x, 0), self._scratch(x, 1)]
            # The passes below run chunk by chunk, each chunk's arrays in L2 (see _chunked).
            for x, g, exp_avg, exp_avg_sq, gbuf, tmp, *vmax in _chunked(arrays):
                if weight_decay != 0 and decoupled:
                    x *= 1.0 - lr * weight_decay
                    g = self._grad_with_decay(g, x, 0.0, maximize, out=gbuf, tmp=tmp)
                else:
                    g = self._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)

                _lerp_(exp_avg, g, 1.0 - beta1, tmp)
                exp_avg_sq *= beta2
                xp.multiply(g, 1.0 - beta2, out=tmp)  # PyTorch's addcmul: (value * g) * g
                tmp *= g
                exp_avg_sq += tmp

                if amsgrad:
                    second = vmax[0]
                    xp.maximum(second, exp_avg_sq, out=second)
                else:
                    second = exp_avg_sq
                denom = xp.sqrt(second, out=tmp)
                denom /= bias_correction2_sqrt
                denom += eps
                upd = xp.multiply(exp_avg, -step_size, out=gbuf)
                upd /= denom
                x += upd


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

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # an AdamW stays decoupled whatever was saved
            group["decoupled_weight_decay"] = True
