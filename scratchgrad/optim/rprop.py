"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign."""
from __future__ import annotations

from typing import Any

from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller and Braun, 1993), with PyTorch's update rule and
    defaults. Meant for full-batch training: only the signs of the gradients are used.

    With ``g`` the gradient (``-grad`` when ``maximize``), ``prev`` the previous step's
    (zero at first) and ``(eta_minus, eta_plus) = etas``, elementwise::

        f         = eta_plus if g * prev > 0,  eta_minus if g * prev < 0,  1 otherwise
        step_size = clip(step_size * f, *step_sizes)          (starts at lr)
        g         = 0 where g * prev < 0    (skip the coordinate after a sign change)
        p         = p - sign(g) * step_size
        prev      = g

    State per parameter: ``step``, ``prev``, ``step_size``. No weight decay (PyTorch has none).

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.0, -2.0]))
    >>> opt = Rprop([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.78, -1.78]
    """

    _state_keys = ("step", "prev", "step_size")

    _array_state = ("prev", "step_size")

    def __init__(self, params: ParamsT, lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *,
                 maximize: bool = False) -> None:
        defaults = {"lr": lr, "etas": tuple(etas), "step_sizes": tuple(step_sizes),
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        for key in ("etas", "step_sizes"):
            value = group[key]
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise ValueError(f"Rprop: {key} should be a pair, got {value!r}")
        etaminus, etaplus = group["etas"]
        if not 0.0 < float(etaminus) < 1.0 < float(etaplus):
            raise ValueError(f"Rprop: invalid etas: expected 0 < etaminus < 1 < etaplus, got "
                             f"{group['etas']!r}")
        low, high = group["step_sizes"]
        if not 0.0 <= float(low) <= float(high):
            raise ValueError(f"Rprop: invalid step_sizes: expected 0 <= min <= max, got "
                             f"{group['step_sizes']!r}")

    def _step_group(self, group: dict[str, Any]) -> None:
        etaminus, etaplus = (float(e) for e in group["etas"])
        low, high = (float(s) for s in group["step_sizes"])
        maximize = bool(group["maximize"])
        for p, g in self._params_with_grad(group):
            x = p._data
            xp = get_array_module(x)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["prev"] = xp.zeros_like(x)
                state["step_size"] = xp.full_like(x, float(group["lr"]))
            gbuf, tmp, factor = self._scratch(x, 0), self._scratch(x, 1), self._scratch(x, 2)
            state["step"] += 1.0
            prev, step_size = state["prev"], state["step_size"]
            if maximize:
                xp.negative(g, out=gbuf)
            else:
                gbuf[...] = g  # a copy: the zeroed entries must not reach p.grad

            xp.multiply(gbuf, prev, out=tmp)
            flipped = tmp < 0
            factor.fill(1.0)
            xp.copyto(factor, etaplus, where=tmp > 0)
            xp.copyto(factor, etaminus, where=flipped)
            step_size *= factor
            xp.clip(step_size, low, high, out=step_size)

            xp.copyto(gbuf, 0.0, where=flipped)
            prev[...] = gbuf
            xp.sign(gbuf, out=tmp)
            tmp *= step_size
            x -= tmp
