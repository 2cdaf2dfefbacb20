"""``torch.autograd.functional``: Jacobians, Hessians and vector products of a function.

Each is built on :func:`scratchgrad.autograd.grad`, one backward pass per output element
(PyTorch's ``vectorize=False``), so it works for every op that has a backward.

>>> import scratchgrad as sg
>>> jacobian(lambda x: x ** 2, sg.tensor([1.0, 3.0])).tolist()
[[2.0, 0.0], [0.0, 6.0]]
"""
from __future__ import annotations

from typing import Any, Callable

from .. import _config
from ..factory import zeros, zeros_like
from ..ops import stack
from ..tensor import Tensor

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _grad(out: Tensor, xs: tuple, seed: Tensor | None, create_graph: bool) -> list:
    from . import grad
    if not out.requires_grad:
        return [zeros_like(x) for x in xs]
    gs = grad(out, xs, grad_outputs=seed, retain_graph=True, create_graph=create_graph,
              allow_unused=True)
    return [zeros_like(x) if g is None else g for g, x in zip(gs, xs)]


def _prepare(inputs: Any, create_graph: bool) -> tuple[tuple, bool]:
    single = isinstance(inputs, Tensor)
    xs = (inputs,) if single else tuple(inputs)
    for i, x in enumerate(xs):
        if not isinstance(x, Tensor):
            raise TypeError(f"inputs[{i}] must be a tensor, got {type(x).__name__}")
    # fresh leaves: the caller's tensors get no .grad and no graph unless create_graph asks
    return tuple(x if create_graph and x.requires_grad else x.detach().requires_grad_(True)
                 for x in xs), single


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: for an output of shape ``O`` and an input of shape
    ``I``, a tensor of shape ``O + I``; tuples of inputs or outputs give tuples (of tuples)."""
    xs, single_in = _prepare(inputs, create_graph)
    with _config.enable_grad():
        outs = func(*xs)
        single_out = isinstance(outs, Tensor)
        outs = (outs,) if single_out else tuple(outs)
        result = []
        for out in outs:
            flat = out.reshape(-1)
            rows: list[list] = [[] for _ in xs]
            for k in range(flat.shape[0]):
                for i, g in enumerate(_grad(flat[k], xs, None, create_graph)):
                    rows[i].append(g)
            per_input = []
            for x, r in zip(xs, rows):
                j = stack(r) if r else zeros(0, *x.shape, dtype=x.dtype)
                per_input.append(j.reshape(*out.shape, *x.shape))
            result.append(per_input)
    if not create_graph:
        result = [[j.detach() for j in row] for row in result]
    rows_out = [row[0] if single_in else tuple(row) for row in result]
    return rows_out[0] if single_out else tuple(rows_out)


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar ``func``: the Jacobian of its gradient, shape ``I + I``."""
    def gradient(*xs: Tensor) -> Any:
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError("hessian: the function must return a single-element tensor, got "
                               f"shape {tuple(out.shape)}")
        gs = _grad(out.reshape(()), xs, None, True)
        return gs[0] if isinstance(inputs, Tensor) else tuple(gs)
    return jacobian(gradient, inputs, create_graph=create_graph)


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``: one backward pass."""
    xs, single_in = _prepare(inputs, create_graph)
    with _config.enable_grad():
        out = func(*xs)
        seed = v if v is not None else None
        gs = _grad(out, xs, seed, create_graph)
    if not create_graph:
        out, gs = out.detach(), [g.detach() for g in gs]
    return out, gs[0] if single_in else tuple(gs)


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), J v)``, through the Jacobian (reverse mode only here)."""
    xs, single_in = _prepare(inputs, create_graph)
    vs = (v,) if isinstance(v, Tensor) else tuple(v) if v is not None else tuple(
        zeros_like(x) + 1 for x in xs)
    J = jacobian(func, xs if not single_in else xs[0], create_graph=create_graph)
    with _config.no_grad() if not create_graph else _config.enable_grad():
        out = func(*xs)
        Js = (J,) if single_in else J
        total = None
        for j, x, vi in zip(Js, xs, vs):
            part = (j.reshape(-1, x.numel()) @ vi.reshape(-1)).reshape(*out.shape)
            total = part if total is None else total + part
    return (out if create_graph else out.detach()), total


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T H)`` for a scalar ``func``: a double backward."""
    xs, single_in = _prepare(inputs, create_graph)
    vs = (v,) if isinstance(v, Tensor) else tuple(v)
    with _config.enable_grad():
        out = func(*xs)
        gs = _grad(out.reshape(()), xs, None, True)
        dot = sum((g * vi).sum() for g, vi in zip(gs, vs))
        hs = _grad(dot, xs, None, create_graph)
    if not create_graph:
        out, hs = out.detach(), [h.detach() for h in hs]
    return out, hs[0] if single_in else tuple(hs)


hvp = vhp  # the Hessian is symmetric for twice continuously differentiable functions
