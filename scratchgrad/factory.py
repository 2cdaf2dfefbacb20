"""Functions that create tensors: from data, filled with constants, ranges and random draws.

Every factory takes ``device=`` (``"cpu"``, ``"cuda"``); constants and random draws are made
directly on that device (``xp.zeros``, the GPU's own random stream), data is copied there once.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _config
from . import backend as _backend
from . import random as _random
from .backend import to_device_array
from .ops._util import shape_arg
from .random import Generator, rng
from ._dtype import to_array
from .tensor import Tensor, as_dtype, get_default_dtype, int64


def _finish(array: Any, requires_grad: bool, device: Any = None) -> Tensor:
    """Wrap ``array`` as a leaf tensor on ``device`` (moved there first, so the result is a
    leaf even when it requires grad); no device: the default device."""
    if device is None:
        device = _backend._default_device
    if device is not None:
        array = to_device_array(array, device)
    _config._state.policy.constant(array)  # made from shapes and values: a constant
    t = Tensor._make(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _xp(device: Any, like: Tensor | None = None) -> Any:
    """The array module to create on: ``device``'s, else ``like``'s, else the default's."""
    if device is None:
        device = like.device if like is not None else _backend._default_device
    return _backend.array_module(device)


def _dt(dtype: Any, default: Any = None) -> np.dtype:
    """``dtype``, else ``default``, else the default dtype (float32 unless set otherwise)."""
    if dtype is not None:
        return as_dtype(dtype)
    return default if default is not None else get_default_dtype()


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
           ) -> Tensor:
    """A new tensor holding a copy of ``data``. Python floats become float32, Python ints
    int64, NumPy arrays keep their dtype (as in PyTorch).

    >>> tensor([1.0, 2.0]).dtype
    dtype('float32')
    """
    array = _data_array(data, dtype, "tensor")
    source = data._data if isinstance(data, Tensor) else data
    if array is source or (isinstance(source, np.ndarray) and np.shares_memory(array, source)):
        array = array.copy()
    return _finish(array, requires_grad, device)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like :func:`tensor`, but shares memory with a NumPy array when no conversion is needed."""
    if (isinstance(data, Tensor) and (dtype is None or as_dtype(dtype) == data.dtype)
            and (device is None or data.device == device)):
        return data
    return _finish(_data_array(data, dtype, "as_tensor"), False, device)


def _data_array(data: Any, dtype: Any, op: str) -> Any:
    """``to_array``, with a ragged nested list reported by position and lengths rather than
    in NumPy's words ("inhomogeneous shape after 1 dimensions")."""
    try:
        return to_array(data._data if isinstance(data, Tensor) else data, dtype)
    except ValueError as e:
        where = _ragged(data)
        if where is None:
            raise
        raise ValueError(f"{op}: the nested sequence is ragged: {where}; expected every row at "
                         "one depth to have the same length") from e


def _ragged(data: Any) -> str | None:
    """Where a nested sequence stops being rectangular (rows compared depth by depth, so
    ``[[[1, 2]], [[3]]]`` is found too), or None when it is rectangular.

    >>> _ragged([[1, 2], [3]])
    'row [1] has length 1, row [0] has length 2'
    >>> _ragged([[1, 2], 3])
    'element [1] is a number, element [0] a sequence of length 2'
    """
    def is_seq(d: Any) -> bool:
        return isinstance(d, (list, tuple)) or getattr(d, "ndim", 0) > 0

    def at(path: tuple) -> str:
        return "".join(f"[{i}]" for i in path)

    level = [((), data)]
    while level:
        rows = [(p, d) for p, d in level if is_seq(d)]
        if not rows:
            return None
        p0, d0 = rows[0]
        if len(rows) != len(level):
            p = next(p for p, d in level if not is_seq(d))
            return f"element {at(p)} is a number, element {at(p0)} a sequence of length {len(d0)}"
        for p, d in rows[1:]:
            if len(d) != len(d0):
                return f"row {at(p)} has length {len(d)}, row {at(p0)} has length {len(d0)}"
        level = [(p + (i,), e) for p, d in rows for i, e in enumerate(d)]
    return None


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (its dtype is kept).

    >>> import numpy as np
    >>> from_numpy(np.zeros(2)).dtype
    dtype('float64')
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
          ) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _finish(_xp(device).zeros(shape_arg(size, "zeros"), _dt(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
         ) -> Tensor:
    """A tensor of ones."""
    return _finish(_xp(device).ones(shape_arg(size, "ones"), _dt(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
          ) -> Tensor:
    """An uninitialised tensor (filled with zeros here, to stay deterministic)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value`` (its dtype follows the value, like PyTorch)."""
    if dtype is None:
        dtype = (np.bool_ if isinstance(fill_value, bool) else
                 int64 if isinstance(fill_value, int) else get_default_dtype())
    size = (size,) if isinstance(size, int) else tuple(size)
    return _finish(_xp(device).full(size, fill_value, as_dtype(dtype)), requires_grad)


def _like(x: Tensor, dtype: Any) -> np.dtype:
    return as_dtype(dtype) if dtype is not None else x.dtype


def zeros_like(x: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
               ) -> Tensor:
    """Zeros with the shape (and dtype and device) of ``x``."""
    return _finish(_xp(device, x).zeros(x.shape, _like(x, dtype)), requires_grad)


def ones_like(x: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
              ) -> Tensor:
    """Ones with the shape (and dtype and device) of ``x``."""
    return _finish(_xp(device, x).ones(x.shape, _like(x, dtype)), requires_grad)


def full_like(x: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with the shape (and dtype and device) of ``x``."""
    return _finish(_xp(device, x).full(x.shape, fill_value, _like(x, dtype)), requires_grad)


def empty_like(x: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
               ) -> Tensor:
    return zeros_like(x, dtype, device, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end``; int64 for integer arguments.

    >>> arange(3)
    tensor([0, 1, 2])
    """
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = int64 if is_int else get_default_dtype()
    return _finish(np.arange(start, end, step).astype(as_dtype(dtype)), requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    return _finish(np.linspace(start, end, steps).astype(_dt(dtype)), requires_grad, device)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix."""
    return _finish(_xp(device).eye(n, m, dtype=_dt(dtype)), requires_grad)


def _on_gpu(device: Any) -> bool:
    if device is None:
        device = _backend._default_device
    return device is not None and _backend.array_module(device) is not np


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the seeded global generator (the GPU's own stream for
    ``device="cuda"``)."""
    shape = shape_arg(size, "rand")
    if _on_gpu(device):
        return _finish(_random.uniform(_xp(device), shape, np.float64, generator)
                       .astype(_dt(dtype)), requires_grad)
    return _finish(rng(generator).random(shape, dtype=np.float64).astype(_dt(dtype)),
                   requires_grad)


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the seeded global generator (the GPU's own stream for
    ``device="cuda"``)."""
    shape = shape_arg(size, "randn")
    if _on_gpu(device):
        return _finish(_random.standard_normal(_xp(device), shape, np.float64,
                                               generator).astype(_dt(dtype)), requires_grad)
    return _finish(rng(generator).standard_normal(shape).astype(_dt(dtype)), requires_grad)


def randint(low: int, high: int | None = None, size: Any = (), generator: Generator | None = None,
            dtype: Any = None, device: Any = None) -> Tensor:
    """Random integers in [low, high): ``randint(10, (3,))`` or ``randint(0, 10, (3,))``."""
    if high is None:
        low, high = 0, low
    elif not isinstance(high, (int, np.integer)) and size == ():
        low, high, size = 0, low, high  # randint(high, size), as in PyTorch
    size = (size,) if isinstance(size, int) else tuple(size)
    if _on_gpu(device):
        _random._note_draw()
        g = (generator or _random.default_generator).cuda_rng()
        return _finish(g.randint(low, high, size, dtype=np.int64).astype(_dt(dtype, int64)),
                       False)
    return _finish(rng(generator).integers(low, high, size).astype(_dt(dtype, int64)), False)


def rand_like(x: Tensor, dtype: Any = None, device: Any = None) -> Tensor:
    return rand(*x.shape, dtype=_like(x, dtype), device=x.device if device is None else device)


def randn_like(x: Tensor, dtype: Any = None, device: Any = None) -> Tensor:
    return randn(*x.shape, dtype=_like(x, dtype), device=x.device if device is None else device)


def randperm(n: int, generator: Generator | None = None, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1 (drawn on the CPU stream, then moved)."""
    return _finish(rng(generator).permutation(n).astype(np.int64), False, device)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Draw ``num_samples`` category indices from each row of non-negative ``weights`` (C,)
    or (N, C), in proportion to the weights (they need not sum to 1); int64, on the input's
    device. Without replacement a category is drawn at most once per row: the categories
    with the ``num_samples`` smallest ``Exp(1) / w`` keys, which is the same distribution as
    drawing one at a time and renormalising (an exponential race). Drawn on the CPU stream.

    >>> import scratchgrad as sg
    >>> _ = sg.manual_seed(0)
    >>> sg.multinomial(sg.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    tensor([1, 1])
    """
    w = _backend.to_numpy(input._data if isinstance(input, Tensor) else input)
    shape = w.shape
    if w.ndim not in (1, 2) or w.shape[-1] == 0:
        raise ValueError(f"multinomial: expected weights of shape (C,) or (N, C) with C >= 1, "
                         f"got shape {tuple(shape)}")
    if w.dtype.kind != "f":
        raise TypeError(f"multinomial: expected floating-point weights, got {w.dtype}")
    n = int(num_samples)
    if n <= 0:
        raise ValueError(f"multinomial: num_samples must be positive, got {num_samples}")
    rows = w.reshape(-1, w.shape[-1]).astype(np.float64)
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise ValueError("multinomial: weights must be finite and non-negative")
    positive = (rows > 0).sum(axis=1)
    if (positive == 0).any():
        raise ValueError(f"multinomial: row {int(np.argmin(positive))} of the weights sums to "
                         "0; every row needs a positive weight")
    if not replacement and n > int(positive.min()):
        raise ValueError(f"multinomial: can't draw {n} samples without replacement from a row "
                         f"with {int(positive.min())} positive weights")
    g = rng(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        u = g.random((rows.shape[0], n)) * cdf[:, -1:]
        out = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        out = np.minimum(out, rows.shape[1] - 1)  # u == total after rounding
    else:
        with np.errstate(divide="ignore"):
            keys = g.standard_exponential(rows.shape) / rows  # a zero weight never wins
        out = np.argsort(keys, axis=1, kind="stable")[:, :n]
    out = out.astype(np.int64).reshape(w.shape[:-1] + (n,))
    dev = input.device if isinstance(input, Tensor) else None
    return _finish(out, False, dev)


def bernoulli(input: Tensor, p: float | None = None, *,  # noqa: A002
              generator: Generator | None = None) -> Tensor:
    """0/1 samples, 1 with probability ``input`` (elementwise; or the number ``p``), in the
    input's dtype; not differentiable.

    >>> import scratchgrad as sg
    >>> sg.bernoulli(sg.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    out = input.detach().clone()
    return out.bernoulli_(input._data if p is None else p, generator=generator)


def histogram(input: Tensor, bins: Any = 100, *, range: Any = None,  # noqa: A002
              weight: Tensor | None = None, density: bool = False) -> Any:
    """``(hist, bin_edges)`` of the elements, NumPy's histogram in the input's dtype.

    >>> import scratchgrad as sg
    >>> sg.histogram(sg.tensor([0.0, 1.0, 1.0]), 2).hist
    tensor([1., 2.])
    """
    from collections import namedtuple

    result = namedtuple("histogram", ["hist", "bin_edges"])
    a = _backend.to_numpy(input._data)
    b = _backend.to_numpy(bins._data) if isinstance(bins, Tensor) else bins
    w = None if weight is None else _backend.to_numpy(weight._data)
    h, e = np.histogram(a, b, range=range, weights=w, density=density)
    return result(Tensor._make(h.astype(a.dtype)), Tensor._make(e.astype(a.dtype)))
