"""Fast variants of the optimizers' updates, beside their references in ``optim/``.

Each optimizer in ``optim/`` updates a parameter with one plain method, ``_update(self, x, g,
<state arrays>, **options)``: the algorithm on arrays, the reference a reader follows. For
Adam (and AdamW), SGD, RMSprop and Adagrad this module holds two variants of that method, with
its signature and, bit for bit, its results (``tests/test_kernels_optim.py`` checks them
against it):

- ``*_numpy``: the same NumPy (or CuPy) operations in place, into the optimizer's reusable
  scratch arrays (``Optimizer._scratch``) instead of fresh temporaries; Adam's run chunk by
  chunk (:func:`_chunked`) so that each chunk's arrays stay in the L2 cache;
- ``*_fused``: one compiled Numba loop per parameter (``kernels/numba_cpu.py``, sections
  "Adam / AdamW", "SGD" and "RMSprop / Adagrad") where the arrays allow it (NumPy,
  C-contiguous, one float dtype), else the ``*_numpy`` variant. Those loops store a subnormal
  state value as zero (see "subnormal state" there): only values below the dtype's smallest
  normal number differ from the reference's, the parameters never do.

:meth:`scratchgrad.optim.Optimizer._update_fn` picks among them through :data:`UPDATES`, in
that one place: the reference under ``SCRATCHGRAD_KERNELS=reference``, else the fused variant
when the group's ``fused`` option allows it (True; None for a group large enough to repay
loading Numba, :func:`worth_it`), else the NumPy one. The same table gives the compiler
Adam's replay of a whole step (:func:`adam_replay`).
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np

from . import enabled, numba_cpu
from ..backend import get_array_module
from ..optim.adagrad import Adagrad
from ..optim.adam import Adam
from ..optim.optimizer import Optimizer, _lerp_
from ..optim.rmsprop import RMSprop
from ..optim.sgd import SGD

__all__ = ["UPDATES", "Variants", "available", "worth_it"]


def available() -> bool:
    """Whether the fused updates can run (Numba is installed and not turned off):
    ``fused=True`` is an error without them."""
    return numba_cpu.available()


def worth_it(params: list[Any]) -> bool:
    """Whether ``fused=None`` fuses a group: Numba is there and the group holds at least
    ``numba_cpu.MIN_ELEMENTS`` elements (loading Numba takes a while, once per process, which
    a toy model never earns back)."""
    return numba_cpu.worth_it(params)


# ---------------------------------------------------------------------- chunks
# Elements per chunk of an update: 128 KB of float32 per array, so Adam's six arrays
# (parameter, gradient, two averages, two scratch) fit in a typical 1-2 MB L2 cache.
_CHUNK = 1 << 15


def _chunked(arrays: list[Any]) -> Iterator[list[Any]]:
    """Matching flat slices of ``arrays`` (NumPy, same size, C-contiguous), ``_CHUNK``
    elements at a time; the arrays themselves, once, when they are small, not NumPy or not
    contiguous.

    Why: an update of a large parameter makes a dozen elementwise passes; over whole arrays
    each pass streams all of them through the cache, chunk by chunk they stay in L2
    (``docs/performance.md``, "Adam in chunks"). The results are the same bit for bit: every
    element sees the same operations."""
    n = arrays[0].size
    if n <= _CHUNK or type(arrays[0]) is not np.ndarray or \
            not all(a.flags.c_contiguous for a in arrays):
        yield arrays
        return
    flat = [a.reshape(-1) for a in arrays]
    for s in range(0, n, _CHUNK):
        yield [f[s:s + _CHUNK] for f in flat]


# ---------------------------------------------------------------------- Adam / AdamW
def adam_numpy(opt: Optimizer, x: Any, g: Any, exp_avg: Any, exp_avg_sq: Any,
               max_exp_avg_sq: Any | None, *, lr: float, beta1: float, beta2: float,
               eps: float, weight_decay: float, decoupled: bool, maximize: bool,
               step_size: float, bias_correction2_sqrt: float) -> None:
    """:meth:`Adam._update <scratchgrad.optim.Adam._update>` in place, chunk by chunk, on
    two scratch arrays."""
    xp = get_array_module(x)
    arrays = [x, g, exp_avg, exp_avg_sq, opt._scratch(x, 0), opt._scratch(x, 1)]
    if max_exp_avg_sq is not None:
        arrays.append(max_exp_avg_sq)
    for x, g, exp_avg, exp_avg_sq, gbuf, tmp, *vmax in _chunked(arrays):
        if weight_decay != 0 and decoupled:
            x *= 1.0 - lr * weight_decay
            g = opt._grad_with_decay(g, x, 0.0, maximize, out=gbuf, tmp=tmp)
        else:
            g = opt._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)

        _lerp_(exp_avg, g, 1.0 - beta1, tmp)
        exp_avg_sq *= beta2
        xp.multiply(g, 1.0 - beta2, out=tmp)  # PyTorch's addcmul: (value * g) * g
        tmp *= g
        exp_avg_sq += tmp

        if vmax:
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


def adam_fused(opt: Optimizer, x: Any, g: Any, exp_avg: Any, exp_avg_sq: Any,
               max_exp_avg_sq: Any | None, *, lr: float, beta1: float, beta2: float,
               eps: float, weight_decay: float, decoupled: bool, maximize: bool,
               step_size: float, bias_correction2_sqrt: float) -> None:
    """:meth:`Adam._update <scratchgrad.optim.Adam._update>` as one compiled loop (13 NumPy
    passes otherwise), or :func:`adam_numpy` for arrays the loop does not take."""
    # The options are passed on by name, not as **options, which would make and unpack a
    # dict at every call.
    if numba_cpu.applies(x, g, exp_avg, exp_avg_sq) and \
            (max_exp_avg_sq is None or numba_cpu.applies(x, max_exp_avg_sq)):
        update = numba_cpu.adam_update
    else:
        update = partial(adam_numpy, opt)
    update(x, g, exp_avg, exp_avg_sq, max_exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2,
           eps=eps, weight_decay=weight_decay, decoupled=decoupled, maximize=maximize,
           step_size=step_size, bias_correction2_sqrt=bias_correction2_sqrt)


def adam_replay(opt: Adam) -> Callable[[], bool] | None:
    """Adam's :meth:`~scratchgrad.optim.Optimizer._replay_step`: a function that a compiled
    plan (``scratchgrad.compile``) runs for ``step()``, making the same fused updates (the same
    kernel, scalars and state, so the same values bit for bit) without ``step``'s per-call work
    that the plan's guards make needless, and returns True; or changes nothing and returns False
    when this call does not fit (kernels turned off, a first step, which makes the state;
    AMSGrad; ``fused=False``; an array that is not a C-contiguous NumPy float array of the
    parameter's dtype), and the plan calls ``step()``. In a small model's training loop the
    Python around the kernel calls is a good part of ``step()``. None without Numba, or for
    a subclass with its own step or update."""
    if type(opt)._step_group is not Adam._step_group or type(opt)._update is not Adam._update \
            or not numba_cpu.available():
        return None
    kernel, flat = numba_cpu.adam_kernel(), {}

    def run() -> bool:
        if not enabled():
            return False
        state = opt.state  # load_state_dict() gives a new one
        todo, changed = [], []
        for group in opt.param_groups:
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
                    if not numba_cpu.applies(x, m, v):
                        return False
                    views = flat[id(p)] = (x, m, v, x.reshape(-1), m.reshape(-1),
                                           v.reshape(-1))
                if type(g) is not np.ndarray or g.dtype != x.dtype or \
                        g.shape != x.shape or not g.flags.c_contiguous:
                    return False
                items.append((st, views, g.reshape(-1)))
                changed.append(p)
            todo.append((opt._hyper(group), items))
        for (lr, beta1, beta2, eps, wd, _, maximize, decoupled), items in todo:
            made = None  # the scalars of the previous parameter: (step, dtype, c, flags)
            for st, (x, _, _, xf, mf, vf), g in items:
                step_size, bc2s = opt._corrections(st, lr, beta1, beta2)
                if made is None or made[0] != st["step"] or made[1] != x.dtype:
                    c, flags = numba_cpu.adam_constants(
                        x.dtype, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                        weight_decay=wd, decoupled=decoupled, maximize=maximize,
                        amsgrad=False, step_size=step_size, bias_correction2_sqrt=bc2s)
                    made = (st["step"], x.dtype, c, flags)
                kernel(xf, g, mf, vf, vf, made[2], made[3])
        for p in changed:
            p._bump_version()
        return True
    return run


# ---------------------------------------------------------------------- SGD
def sgd_numpy(opt: Optimizer, x: Any, g: Any, momentum_buffer: Any | None, *, lr: float,
              momentum: float, dampening: float, weight_decay: float, nesterov: bool,
              maximize: bool) -> Any:
    """:meth:`SGD._update <scratchgrad.optim.SGD._update>` in place, on two scratch arrays."""
    xp = get_array_module(x)
    gbuf, tmp = opt._scratch(x, 0), opt._scratch(x, 1)
    g = opt._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)
    buf = momentum_buffer
    if momentum != 0:
        if buf is None:
            # A copy: ``g`` may be the parameter's own .grad array or a scratch array.
            buf = g.copy()
        else:
            buf *= momentum
            if dampening == 0:
                buf += g
            else:
                buf += xp.multiply(g, 1.0 - dampening, out=tmp)
        if nesterov:
            xp.multiply(buf, momentum, out=tmp)
            g = xp.add(g, tmp, out=gbuf)
        else:
            g = buf
    x -= xp.multiply(g, lr, out=tmp)
    return buf


def sgd_fused(opt: Optimizer, x: Any, g: Any, momentum_buffer: Any | None, *, lr: float,
              momentum: float, dampening: float, weight_decay: float, nesterov: bool,
              maximize: bool) -> Any:
    """:meth:`SGD._update <scratchgrad.optim.SGD._update>` as one compiled loop, or
    :func:`sgd_numpy` for arrays the loop does not take."""
    if numba_cpu.applies(x, g):
        buf = momentum_buffer if momentum != 0 else None
        first = momentum != 0 and buf is None
        if first:  # the loop fills it with the first step's gradient
            buf = np.empty_like(x)
        if buf is None or numba_cpu.applies(x, buf):
            numba_cpu.sgd_update(x, g, buf, first=first, lr=lr, momentum=momentum,
                                 dampening=dampening, weight_decay=weight_decay,
                                 nesterov=nesterov, maximize=maximize)
            return buf
    return sgd_numpy(opt, x, g, momentum_buffer, lr=lr, momentum=momentum,
                     dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                     maximize=maximize)


# ---------------------------------------------------------------------- RMSprop
def rmsprop_numpy(opt: Optimizer, x: Any, g: Any, square_avg: Any, grad_avg: Any | None,
                  momentum_buffer: Any | None, *, lr: float, alpha: float, eps: float,
                  weight_decay: float, momentum: float, maximize: bool) -> None:
    """:meth:`RMSprop._update <scratchgrad.optim.RMSprop._update>` in place, on three scratch
    arrays."""
    xp = get_array_module(x)
    gbuf, tmp, avg = opt._scratch(x, 0), opt._scratch(x, 1), opt._scratch(x, 2)
    g = opt._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)

    square_avg *= alpha
    xp.multiply(g, 1.0 - alpha, out=tmp)  # PyTorch's addcmul: (value * g) * g
    tmp *= g
    square_avg += tmp
    if grad_avg is not None:
        _lerp_(grad_avg, g, 1.0 - alpha, tmp)
        xp.multiply(grad_avg, grad_avg, out=avg)
        xp.subtract(square_avg, avg, out=avg)
        xp.sqrt(avg, out=avg)
    else:
        xp.sqrt(square_avg, out=avg)
    avg += eps

    if momentum_buffer is not None:
        momentum_buffer *= momentum
        momentum_buffer += xp.divide(g, avg, out=tmp)
        x -= xp.multiply(momentum_buffer, lr, out=tmp)
    else:
        upd = xp.multiply(g, -lr, out=tmp)
        upd /= avg
        x += upd


def rmsprop_fused(opt: Optimizer, x: Any, g: Any, square_avg: Any, grad_avg: Any | None,
                  momentum_buffer: Any | None, *, lr: float, alpha: float, eps: float,
                  weight_decay: float, momentum: float, maximize: bool) -> None:
    """:meth:`RMSprop._update <scratchgrad.optim.RMSprop._update>` as one compiled loop, or
    :func:`rmsprop_numpy` for arrays the loop does not take."""
    arrays = [a for a in (x, g, square_avg, grad_avg, momentum_buffer) if a is not None]
    update = numba_cpu.rmsprop_update if numba_cpu.applies(*arrays) else \
        partial(rmsprop_numpy, opt)
    update(x, g, square_avg, grad_avg, momentum_buffer, lr=lr, alpha=alpha, eps=eps,
           weight_decay=weight_decay, momentum=momentum, maximize=maximize)


# ---------------------------------------------------------------------- Adagrad
def adagrad_numpy(opt: Optimizer, x: Any, g: Any, state_sum: Any, *, clr: float, eps: float,
                  weight_decay: float, maximize: bool) -> None:
    """:meth:`Adagrad._update <scratchgrad.optim.Adagrad._update>` in place, on two scratch
    arrays."""
    xp = get_array_module(x)
    gbuf, tmp = opt._scratch(x, 0), opt._scratch(x, 1)
    g = opt._grad_with_decay(g, x, weight_decay, maximize, out=gbuf, tmp=tmp)
    state_sum += xp.multiply(g, g, out=tmp)
    std = xp.sqrt(state_sum, out=tmp)
    std += eps
    # PyTorch's addcdiv computes (value * g) / std, in that order.
    upd = xp.multiply(g, -clr, out=gbuf)
    upd /= std
    x += upd


def adagrad_fused(opt: Optimizer, x: Any, g: Any, state_sum: Any, *, clr: float, eps: float,
                  weight_decay: float, maximize: bool) -> None:
    """:meth:`Adagrad._update <scratchgrad.optim.Adagrad._update>` as one compiled loop, or
    :func:`adagrad_numpy` for arrays the loop does not take."""
    update = numba_cpu.adagrad_update if numba_cpu.applies(x, g, state_sum) else \
        partial(adagrad_numpy, opt)
    update(x, g, state_sum, clr=clr, eps=eps, weight_decay=weight_decay, maximize=maximize)


# ---------------------------------------------------------------------- the tables
class Variants(NamedTuple):
    """The fast variants of one optimizer's reference update, and the maker of a compiled
    plan's replay of its ``step()`` (:meth:`~scratchgrad.optim.Optimizer._replay_step`)."""

    numpy: Callable[..., Any]
    fused: Callable[..., Any]
    replay: Callable[[Any], Callable[[], bool] | None] | None = None


#: Reference update (an optimizer class's ``_update``) -> its variants. Keyed by the function,
#: so that a subclass inherits its parent's variants, and one that writes its own ``_update``
#: runs that.
UPDATES: dict[Callable[..., Any], Variants] = {
    Adam._update: Variants(adam_numpy, adam_fused, adam_replay),
    SGD._update: Variants(sgd_numpy, sgd_fused),
    RMSprop._update: Variants(rmsprop_numpy, rmsprop_fused),
    Adagrad._update: Variants(adagrad_numpy, adagrad_fused),
}
