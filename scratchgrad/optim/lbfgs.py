"""L-BFGS: a quasi-Newton method that re-evaluates the loss through a closure, with PyTorch's
arguments, defaults, iteration and optional strong-Wolfe line search."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._config import enable_grad, no_grad
from .._statecheck import number, show
from ..backend import get_array_module
from .optimizer import Optimizer, ParamsT, _state_array

__all__ = ["LBFGS"]


def _cubic_min(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
               bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to
    ``bounds`` (default: the interval between x1 and x2); their midpoint when the cubic has
    no real minimiser (Nocedal and Wright, Numerical Optimization, eq. 3.59). Scalars stay
    NumPy float32 where the gradients are float32, as PyTorch's 0-d tensors do, so that the
    iterations agree with it to float32 rounding."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(disc)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(evaluate: Callable, t: float, d: Any, f: float, g: Any, gtd: float,
                  c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple[float, Any, float, int]:
    """Find a step t along d that satisfies the strong Wolfe conditions (sufficient decrease
    and curvature): bracket it, then zoom in by cubic interpolation. ``evaluate(t)`` gives
    the loss and flat gradient at x + t * d. Returns (loss, gradient, t, evaluations)."""
    d_norm = abs(d).max()
    f_new, g_new = evaluate(t)
    evals, it = 1, 0
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    bracket = bracket_f = bracket_g = bracket_gtd = None
    while it < max_ls:
        # The curvature test comes between the two bracketing tests: a trial at the exact
        # minimum (gtd_new == 0) is accepted, not bracketed.
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # Extrapolate: the next trial lies beyond t, at most ten times as far.
        t_next = _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                            bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
    if it == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
        bracket_gtd = [gtd, gtd_new]

    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    stalled = False
    while not done and it < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1],
                       bracket_gtd[1])
        # A trial too close to an end of the bracket makes little progress: after one such
        # trial (or one outside the bracket), move it a tenth of the width inside.
        lo_b, hi_b = min(bracket), max(bracket)
        eps = 0.1 * (hi_b - lo_b)
        if min(hi_b - t, t - lo_b) < eps:
            if stalled or t >= hi_b or t <= lo_b:
                t = hi_b - eps if abs(t - hi_b) < abs(t - lo_b) else lo_b + eps
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    """L-BFGS with PyTorch's arguments, defaults and iteration: each ``step(closure)`` runs up
    to ``max_iter`` iterations (``max_eval`` closure calls, default ``max_iter * 5 // 4``), each
    a direction from the last ``history_size`` curvature pairs (two-loop recursion) and a
    step of ``lr`` or, with ``line_search_fn='strong_wolfe'``, a line search. One parameter
    group only; all parameters are treated as one flat vector.

    State (on the first parameter, PyTorch's names): ``func_evals``, ``n_iter``, ``d``, ``t``,
    ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``, ``al``.

    >>> import scratchgrad as sg
    >>> w = sg.Parameter(sg.tensor([1.5, -0.5]))
    >>> opt = LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - sg.tensor([3.0, 1.0])) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 4) for v in w.tolist()]
    [3.0, 1.0]
    """

    _scalar_state = ("func_evals", "n_iter", "t", "H_diag", "prev_loss")
    _count_state = ("func_evals", "n_iter")
    _int_options = ("max_iter", "max_eval", "history_size")

    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-07,
                 tolerance_change: float = 1e-09, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"LBFGS: invalid learning rate {lr!r} (expected >= 0)")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                                  "tolerance_grad": tolerance_grad,
                                  "tolerance_change": tolerance_change,
                                  "history_size": history_size,
                                  "line_search_fn": line_search_fn})
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS: parameter groups are not supported (got "
                             f"{len(self.param_groups)}); pass one list of parameters")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self) -> Any:
        xp = get_array_module(self._params[0]._data)
        return xp.concatenate([xp.zeros(p._data.size, p._data.dtype) if p.grad is None
                               else p.grad._data.astype(p._data.dtype, copy=False).ravel()
                               for p in self._params])

    def _add_to_params(self, t: float, d: Any) -> None:
        offset = 0
        for p in self._params:
            n = p._data.size
            p._data += (t * d[offset:offset + n]).reshape(p._data.shape).astype(p._data.dtype)
            p._bump_version()
            offset += n

    def _evaluate(self, closure: Callable) -> float:
        with enable_grad():
            return float(closure())

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` zeroes the gradients,
        recomputes the loss, calls backward and returns the loss. Returns the first loss."""
        if closure is None:
            raise TypeError("LBFGS.step: a closure that re-evaluates the loss is required")
        group = self.param_groups[0]
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if abs(g).max() <= tol_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_g = state.get("H_diag"), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")
        it = 0
        with no_grad():
            while it < max_iter:
                it += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d = -g
                    old_dirs, old_stps, ro, H_diag = [], [], [], 1.0
                else:
                    y, s = g - prev_g, d * t
                    ys = y.dot(s)
                    if ys > 1e-10:  # keep the pair only where the curvature is positive
                        if len(old_dirs) == history:
                            old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                        old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                        H_diag = ys / y.dot(y)
                    if "al" not in state:
                        state["al"] = [None] * history
                    al = state["al"]
                    q = -g
                    for i in range(len(old_dirs) - 1, -1, -1):
                        al[i] = old_stps[i].dot(q) * ro[i]
                        q = q - al[i] * old_dirs[i]
                    d = q * H_diag
                    for i in range(len(old_dirs)):
                        be = old_dirs[i].dot(d) * ro[i]
                        d = d + (al[i] - be) * old_stps[i]
                prev_g = g.copy()
                prev_loss = loss
                t = (min(1.0, 1.0 / abs(g).sum()) * lr if state["n_iter"] == 1
                     else lr)
                gtd = g.dot(d)
                if gtd > -tol_change:  # not a descent direction
                    break

                ls_evals = 0
                if group["line_search_fn"] == "strong_wolfe":
                    x0 = [p._data.copy() for p in self._params]

                    def evaluate(step: float, d: Any = d, x0: list = x0) -> tuple[float, Any]:
                        self._add_to_params(step, d)
                        f = self._evaluate(closure)
                        grad = self._flat_grad()
                        for p, x in zip(self._params, x0):
                            p._data[...] = x
                            p._bump_version()
                        return f, grad

                    loss, g, t, ls_evals = _strong_wolfe(evaluate, t, d, loss, g, gtd,
                                                         max_ls=max_eval - evals)
                    self._add_to_params(t, d)
                    converged = abs(g).max() <= tol_grad
                else:
                    self._add_to_params(t, d)
                    converged = False
                    if it != max_iter:  # the loss and gradient at the new point
                        loss = self._evaluate(closure)
                        g = self._flat_grad()
                        converged = abs(g).max() <= tol_grad
                        ls_evals = 1
                evals += ls_evals
                state["func_evals"] += ls_evals
                if (it == max_iter or evals >= max_eval or converged
                        or abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change):
                    break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_g, prev_loss=prev_loss)
        return orig_loss

    def _cast_state(self, p: Any, index: int, key: str, value: Any) -> Any:
        """LBFGS keeps flat vectors (all the parameters' values, end to end) and lists of them,
        not arrays shaped like a parameter."""
        where = f"LBFGS.load_state_dict: state {key!r} of parameter {index}"
        flat = (sum(q._data.size for q in self._params),)
        vector = "the flat vector of all parameters"
        if key in self._scalar_state and key not in self._count_state and value is None:
            return None
        if key in ("d", "prev_flat_grad"):
            return None if value is None else _state_array(where, p, value, flat, vector)
        if key in ("old_dirs", "old_stps", "ro", "al"):
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"{where}: expected a list, found {show(value)}")
            if key in ("old_dirs", "old_stps"):
                return [_state_array(f"{where}[{i}]", p, v, flat, vector)
                        for i, v in enumerate(value)]
            return [None if v is None and key == "al" else float(number(f"{where}[{i}]", v))
                    for i, v in enumerate(value)]
        return super()._cast_state(p, index, key, value)

    def _check_state_entry(self, index: int, entry: dict[str, Any]) -> None:
        lengths = {k: len(entry[k]) for k in ("old_dirs", "old_stps", "ro") if k in entry}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"LBFGS.load_state_dict: state of parameter {index}: old_dirs, "
                             f"old_stps and ro should have one entry per stored pair, found "
                             f"lengths {lengths}")
