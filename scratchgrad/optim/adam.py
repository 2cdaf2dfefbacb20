"""Adam and AdamW: bias-corrected running averages of the gradient and its square."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..kernels import numba_cpu as _fused
from ..backend import get_array_module
from .optimizer import (Optimizer, ParamsT, _check_betas, _check_fused, _check_range, _chunked,
                        _lerp_, _may_fuse)

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
        may_fuse = _may_fuse(group)
        for p, g in self._params_with_grad(group):
            x = p._data
            xp = get_array_module(x)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["exp_avg"] = xp.zeros_like(x)
                state["exp_avg_sq"] = xp.zeros_like(x)
                if amsgrad:
                    state["max_exp_avg_sq"] = xp.zeros_like(x)
            step_size, bias_correction2_sqrt = self._corrections(state, lr, beta1, beta2)
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


    def _replay_step(self) -> Callable[[], bool] | None:
        """What a compiled plan (``scratchgrad.compile``) runs for ``step()``: a function that
        makes the same fused updates (the same kernel, scalars and state, so the same values
        bit for bit) without ``step``'s per-call work that the plan's guards make needless,
        and returns True; or changes nothing and returns False when this call does not fit
        (a first step, which makes the state; AMSGrad; ``fused=False``; an array that is not a
        C-contiguous NumPy float array of the parameter's dtype), and the plan calls
        ``step()``. Inside a training loop of the 784-128-10 MLP ``step()`` took some 210 us,
        55 of them Python around the four kernel calls. None without Numba.
        """
        if type(self)._step_group is not Adam._step_group or not _fused.available():
            return None
        kernel, flat = _fused.adam_kernel(), {}

        def run() -> bool:
            state = self.state  # load_state_dict() gives a new one
            todo, changed = [], []
            for group in self.param_groups:
                if group["amsgrad"] or group.get("fused") is False:
                    return False
                items = []
                for p in group["params"]:
                    gt = p._grad
                    if gt is None:
                        continue
                    x, g, st = p._data, gt._data, state.get(p)
                    if not st:
                        return False
                    m, v = st["exp_avg"], st["exp_avg_sq"]
                    views = flat.get(id(p))  # flat views of x, m, v while they are the same
                    if views is None or views[0] is not x or views[1] is not m or \
                            views[2] is not v:
                        if not _fused.applies(x, m, v):
                            return False
                        views = flat[id(p)] = (x, m, v, x.reshape(-1), m.reshape(-1),
                                               v.reshape(-1))
                    if type(g) is not np.ndarray or g.dtype != x.dtype or \
                            g.shape != x.shape or not g.flags.c_contiguous:
                        return False
                    items.append((st, views, g.reshape(-1)))
                    changed.append(p)
                todo.append((self._hyper(group), items))
            for (lr, beta1, beta2, eps, wd, _, maximize, decoupled), items in todo:
                made = None  # the scalars of the previous parameter: (step, dtype, c, flags)
                for st, (x, _, _, xf, mf, vf), g in items:
                    step_size, bc2s = self._corrections(st, lr, beta1, beta2)
                    if made is None or made[0] != st["step"] or made[1] != x.dtype:
                        c, flags = _fused.adam_constants(
                            x.dtype, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                            weight_decay=wd, decoupled=decoupled, maximize=maximize,
                            amsgrad=False, step_size=step_size, bias_correction2_sqrt=bc2s)
                        made = (st["step"], x.dtype, c, flags)
                    kernel(xf, g, mf, vf, vf, made[2], made[3])
            for p in changed:
                p._bump_version()
            return True
        return run


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
