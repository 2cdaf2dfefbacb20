"""Gradient checks by central finite differences in float64 along random directions.

Checking a directional derivative <grad f . u, v> against (f(x + eps v) - f(x - eps v)) / 2 eps
with a random upstream gradient ``u`` and a random direction ``v`` catches transposed or
mis-scaled gradients that an all-ones check would hide, at the cost of two evaluations per
direction instead of two per element.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import autograd
from ..backend import device_of, to_device_array, to_numpy
from ..tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when analytic and numerical derivatives disagree."""


def _as_list(x: Any) -> list:
    return [x] if isinstance(x, Tensor) else list(x)


def _like(values: np.ndarray, t: Tensor) -> Any:
    """Host random numbers moved to ``t``'s device (the same numbers on every device)."""
    return to_device_array(values, device_of(t._data))


def _prepare(inputs: Any) -> list[Tensor]:
    xs = []
    for x in _as_list(inputs):
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            t = Tensor._make(x._data.astype(np.float64))
            t.requires_grad = x.requires_grad
            xs.append(t)
        else:
            xs.append(x)
    return xs


def gradcheck(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, n_directions: int = 3, seed: int = 0,
              raise_exception: bool = True) -> bool:
    """Check the gradients of ``fn`` with respect to every input that requires grad.

    Inputs are converted to float64 copies. Returns True, or raises :class:`GradcheckError`
    (returns False with ``raise_exception=False``) naming the worst direction.

    >>> import scratchgrad as sg
    >>> x = sg.randn(3, 4, requires_grad=True)
    >>> gradcheck(lambda t: (t.tanh() * t).sum(dim=1), [x])
    True
    """
    rng = np.random.default_rng(seed)
    xs = _prepare(inputs)
    diff = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad; nothing to check")
    outs = _as_list(fn(*xs))
    outs = [o for o in outs if isinstance(o, Tensor) and o.requires_grad]
    if not outs:
        raise GradcheckError("gradcheck: no output depends on an input that requires grad")
    us = [Tensor._make(_like(rng.standard_normal(o.shape), o)) for o in outs]
    grads = autograd.grad(outs, diff, grad_outputs=us, allow_unused=True)
    grads = [np.zeros(x.shape) if g is None else to_numpy(g._data) for x, g in zip(diff, grads)]
    us_host = [to_numpy(u._data) for u in us]

    def project(values: Any) -> float:
        vals = [v for v, keep in zip(_as_list(values), fn_outputs_mask) if keep]
        return float(sum(np.sum(to_numpy(v._data).astype(np.float64) * u)
                         for v, u in zip(vals, us_host)))

    fn_outputs_mask = [isinstance(o, Tensor) and o.requires_grad for o in _as_list(fn(*xs))]
    for k in range(n_directions):
        vs = [rng.standard_normal(x.shape) for x in diff]
        originals = [x._data.copy() for x in diff]
        # not under no_grad: fn may itself differentiate (gradgradcheck's vector-Jacobian
        # product does)
        steps = [_like(eps * v, x) for x, v in zip(diff, vs)]
        for x, s, o in zip(diff, steps, originals):
            x._data = o + s
        f_plus = project(fn(*xs))
        for x, s, o in zip(diff, steps, originals):
            x._data = o - s
        f_minus = project(fn(*xs))
        for x, o in zip(diff, originals):
            x._data = o
        numeric = (f_plus - f_minus) / (2 * eps)
        analytic = float(sum(np.sum(g * v) for g, v in zip(grads, vs)))
        if not abs(numeric - analytic) <= atol + rtol * abs(numeric):
            msg = (f"gradcheck: direction {k}: numerical derivative {numeric:.8g} != analytic "
                   f"{analytic:.8g} (|diff| {abs(numeric - analytic):.3g} > atol {atol} + rtol "
                   f"{rtol} * |numerical|); input shapes {[tuple(x.shape) for x in diff]}")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, n_directions: int = 3, seed: int = 0,
                  raise_exception: bool = True) -> bool:
    """Check second derivatives: gradcheck of the vector-Jacobian product of ``fn``
    (computed with ``create_graph=True``) with respect to the inputs and the upstream gradient.

    >>> import scratchgrad as sg
    >>> x = sg.randn(4, requires_grad=True)
    >>> gradgradcheck(lambda t: t.sin() * t, [x])
    True
    """
    rng = np.random.default_rng(seed + 1)
    xs = _prepare(inputs)
    n = len(xs)
    outs = [o for o in _as_list(fn(*xs)) if isinstance(o, Tensor) and o.requires_grad]
    us = [Tensor._make(_like(rng.standard_normal(o.shape), o), requires_grad=True)
          for o in outs]
    diff_idx = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]

    def vjp(*args: Any) -> tuple:
        ins, ups = list(args[:n]), list(args[n:])
        ys = [o for o in _as_list(fn(*ins)) if isinstance(o, Tensor) and o.requires_grad]
        gs = autograd.grad(ys, [ins[i] for i in diff_idx], grad_outputs=ups,
                           create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None and g.requires_grad)

    return gradcheck(vjp, xs + us, eps, atol, rtol, n_directions, seed, raise_exception)


