"""Adam and AdamW: bias-corrected running averages of the gradient and its square."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_range, _lerp_

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

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.9, -1.9]
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        self._flat: dict[int, dict[str, Any]] = {}  # id(group) -> flat averages, see below

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

    def _step_group(self, group: dict[str, Any]) -> None:
        h = _Hyper(group)
        pairs = list(self._params_with_grad(group))
        for p, _ in pairs:
            if not self.state[p]:
                self._init_state(p, h.amsgrad)
        if len(pairs) > 1 and self._fusable(pairs):
            self._step_flat(group, pairs, h)
            return
        for p, g in pairs:
            self._step_one(p, g, h)

    def _init_state(self, p: Any, amsgrad: bool) -> None:
        xp = get_array_module(p.data)
        state = self.state[p]
        state["step"] = 0.0
        state["exp_avg"] = xp.zeros_like(p.data)
        state["exp_avg_sq"] = xp.zeros_like(p.data)
        if amsgrad:
            state["max_exp_avg_sq"] = xp.zeros_like(p.data)

    def _step_one(self, p: Any, g: Any, h: "_Hyper") -> None:
        """One parameter's update, in place."""
        x = p.data
        state = self.state[p]
        gbuf, tmp = self._scratch(x, 0), self._scratch(x, 1)
        state["step"] += 1.0
        if h.weight_decay != 0 and h.decoupled:
            x *= 1.0 - h.lr * h.weight_decay
            g = self._grad_with_decay(g, x, 0.0, h.maximize, out=gbuf, tmp=tmp)
        else:
            g = self._grad_with_decay(g, x, h.weight_decay, h.maximize, out=gbuf, tmp=tmp)
        second = state["max_exp_avg_sq"] if h.amsgrad else None
        upd = _adam_update(g, state["exp_avg"], state["exp_avg_sq"], second, state["step"], h,
                           out=gbuf, tmp=tmp)
        x += upd

    # ------------------------------------------------------------------ all at once
    # The update of a group runs on flat buffers: the averages of all its parameters live in
    # one array each (the per-parameter state entries are views into it), the gradients are
    # copied into one scratch array, and the dozen elementwise passes of Adam run once per
    # group instead of once per parameter. The arithmetic is the same, element for element,
    # so the results are bit-identical to the one-parameter path. Why: with many small
    # parameters (an MLP's biases, an LSTM's gates) the per-call cost of those passes was a
    # large part of a step.
    def _fusable(self, pairs: list) -> bool:
        """One flat update works when all parameters are NumPy arrays of one dtype that have
        taken the same number of steps."""
        x0 = pairs[0][0].data
        if type(x0) is not np.ndarray:
            return False
        step = self.state[pairs[0][0]]["step"]
        return all(type(p.data) is np.ndarray and p.data.dtype == x0.dtype
                   and self.state[p]["step"] == step for p, _ in pairs)

    def _flat_state(self, group: dict[str, Any], pairs: list, amsgrad: bool) -> dict:
        """The group's flat averages, (re)built when the set of parameters that have gradients
        changed or a state entry was replaced (``load_state_dict``)."""
        keys = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
        params = [p for p, _ in pairs]
        flat = self._flat.get(id(group))
        if flat is not None and flat["params"] == [id(p) for p in params] and all(
                self.state[p].get(k) is v and v.base is flat.get(k)
                for k in keys for p, v in zip(params, flat["views"][k])):
            return flat
        live = {id(g) for g in self.param_groups}  # drop layouts of replaced groups
        for key in [key for key in self._flat if key not in live]:
            del self._flat[key]
        offsets = np.cumsum([0] + [p.data.size for p in params])
        dtype = params[0].data.dtype
        flat = {"params": [id(p) for p in params], "offsets": offsets, "views": {}}
        for k in keys:
            buf = np.empty(int(offsets[-1]), dtype=dtype)
            views = []
            for p, a, b in zip(params, offsets[:-1], offsets[1:]):
                v = buf[a:b].reshape(p.data.shape)
                v[...] = self.state[p][k]
                self.state[p][k] = v
                views.append(v)
            flat[k] = buf
            flat["views"][k] = views
        self._flat[id(group)] = flat
        return flat

    def _step_flat(self, group: dict[str, Any], pairs: list, h: "_Hyper") -> None:
        flat = self._flat_state(group, pairs, h.amsgrad)
        off = flat["offsets"]
        n = int(off[-1])
        dtype = pairs[0][0].data.dtype
        G = self._flat_scratch(n, dtype, 0)
        tmp = self._flat_scratch(n, dtype, 1)
        for (p, g), a, b in zip(pairs, off[:-1], off[1:]):
            x = p.data
            gv = G[a:b].reshape(x.shape)
            tv = tmp[a:b].reshape(x.shape)
            self.state[p]["step"] += 1.0
            if h.weight_decay != 0 and h.decoupled:
                x *= 1.0 - h.lr * h.weight_decay
                g = self._grad_with_decay(g, x, 0.0, h.maximize, out=gv, tmp=tv)
            else:
                g = self._grad_with_decay(g, x, h.weight_decay, h.maximize, out=gv, tmp=tv)
            if g is not gv:
                np.copyto(gv, g)
        t = self.state[pairs[0][0]]["step"]
        second = flat["max_exp_avg_sq"] if h.amsgrad else None
        U = _adam_update(G, flat["exp_avg"], flat["exp_avg_sq"], second, t, h, out=G, tmp=tmp)
        for (p, _), a, b in zip(pairs, off[:-1], off[1:]):
            p.data += U[a:b].reshape(p.data.shape)

    def _flat_scratch(self, n: int, dtype: Any, slot: int) -> np.ndarray:
        key = ("flat", slot, np.dtype(dtype))
        buf = self._work.get(key)
        if buf is None or buf.size < n:
            buf = self._work[key] = np.empty(n, dtype=dtype)
        return buf[:n]


class _Hyper:
    """A group's options as Python numbers, read once per step."""

    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "maximize",
                 "decoupled")

    def __init__(self, group: dict[str, Any]) -> None:
        self.lr = float(group["lr"])
        self.beta1, self.beta2 = (float(b) for b in group["betas"])
        self.eps = float(group["eps"])
        self.weight_decay = float(group["weight_decay"])
        self.amsgrad = bool(group["amsgrad"])
        self.maximize = bool(group["maximize"])
        self.decoupled = bool(group["decoupled_weight_decay"])


def _adam_update(g: Any, exp_avg: Any, exp_avg_sq: Any, max_exp_avg_sq: Any, t: float,
                 h: _Hyper, out: Any, tmp: Any) -> Any:
    """Update the averages in place with gradient ``g`` at step ``t`` and return the step to
    add to the parameter, written to ``out`` (which may be ``g``'s buffer)."""
    xp = get_array_module(g)
    _lerp_(exp_avg, g, 1.0 - h.beta1, tmp)
    exp_avg_sq *= h.beta2
    xp.multiply(g, 1.0 - h.beta2, out=tmp)  # PyTorch's addcmul: (value * g) * g
    tmp *= g
    exp_avg_sq += tmp
    # Scalars in double precision, as PyTorch computes them in Python.
    step_size = h.lr / (1.0 - h.beta1 ** t)
    bias_correction2_sqrt = math.sqrt(1.0 - h.beta2 ** t)
    if max_exp_avg_sq is not None:
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    else:
        second = exp_avg_sq
    denom = xp.sqrt(second, out=tmp)
    denom /= bias_correction2_sqrt
    denom += h.eps
    upd = xp.multiply(exp_avg, -step_size, out=out)
    upd /= denom
    return upd


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
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # an AdamW stays decoupled whatever was saved
            group["decoupled_weight_decay"] = True
