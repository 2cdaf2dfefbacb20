"""RMSprop: divide the gradient by a running root mean square of recent gradients."""
from __future__ import annotations

from typing import Any

from ..kernels import numba_cpu as _fused
from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _check_fused, _check_range, _lerp_, _may_fuse

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), with PyTorch's update rule and defaults.

    With ``g = grad + weight_decay * p``::

        square_avg = alpha * square_avg + (1 - alpha) * g * g
        grad_avg   = alpha * grad_avg + (1 - alpha) * g            (centered only)
        avg        = sqrt(square_avg - grad_avg ** 2) + eps   if centered
                     sqrt(square_avg) + eps                    otherwise
        buf        = momentum * buf + g / avg;  p = p - lr * buf    if momentum > 0
        p          = p - lr * g / avg                               otherwise

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0),
    ``grad_avg`` (centered).

    ``fused``: as for :class:`~scratchgrad.optim.Adam`, the update as one compiled loop per
    parameter when Numba is installed (the same results bit for bit).

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.98, -1.98]
    """

    _state_keys = ("step", "square_avg")

    def _required_state(self, group: dict[str, Any]) -> tuple[str, ...]:
        return self._state_keys + (("grad_avg",) if group["centered"] else ()) + \
            (("momentum_buffer",) if group["momentum"] > 0 else ())

    _array_state = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, *, maximize: bool = False,
                 fused: bool | None = None) -> None:
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "maximize": maximize,
                    "fused": fused}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        for key in ("eps", "momentum", "weight_decay", "alpha"):
            _check_range(self, group, key, 0.0)
        _check_fused(self, group)

    def _step_group(self, group: dict[str, Any]) -> None:
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum = float(group["momentum"])
        centered = bool(group["centered"])
        maximize = bool(group["maximize"])
        may_fuse = _may_fuse(group)
        for p, g in self._params_with_grad(group):
            x = p._data
            xp = get_array_module(x)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["square_avg"] = xp.zeros_like(x)
                if momentum > 0:
                    state["momentum_buffer"] = xp.zeros_like(x)
                if centered:
                    state["grad_avg"] = xp.zeros_like(x)
            grad_avg, buf = state.get("grad_avg"), state.get("momentum_buffer")
            arrays = [a for a in (x, g, state["square_avg"], grad_avg if centered else None,
                                  buf if momentum > 0 else None) if a is not None]
            if (may_fuse and (grad_avg is not None or not centered)
                    and (buf is not None or momentum <= 0)
                    and _fused.applies(*arrays)):  # one compiled pass (scratchgrad.fused)
                state["step"] += 1.0
                _fused.rmsprop_update(x, g, state["square_avg"],
                                      grad_avg if centered else None,
                                      buf if momentum > 0 else None, lr=lr, alpha=alpha,
                                      eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      maximize=maximize)
                continue
            gbuf, tmp, avg = self._scratch(x, 0), self._scratch(x, 1), self._scratch(x, 2)
            g = self._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)
            state["step"] += 1.0

            square_avg = state["square_avg"]
            square_avg *= alpha
            xp.multiply(g, 1.0 - alpha, out=tmp)  # PyTorch's addcmul: (value * g) * g
            tmp *= g
            square_avg += tmp
            if centered:
                grad_avg = state["grad_avg"]
                _lerp_(grad_avg, g, 1.0 - alpha, tmp)
                xp.multiply(grad_avg, grad_avg, out=avg)
                xp.subtract(square_avg, avg, out=avg)
                xp.sqrt(avg, out=avg)
            else:
                xp.sqrt(square_avg, out=avg)
            avg += eps

            if momentum > 0:
                buf = state["momentum_buffer"]
                buf *= momentum
                buf += xp.divide(g, avg, out=tmp)
                x -= xp.multiply(buf, lr, out=tmp)
            else:
                upd = xp.multiply(g, -lr, out=tmp)
                upd /= avg
                x += upd
