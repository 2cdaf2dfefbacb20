"""Small helpers shared by the op files: argument normalisation, :func:`with_out` (PyTorch's
``out=`` keyword), and :func:`quiet`, which runs an array computation with NumPy's
floating-point warnings off."""
from __future__ import annotations

import contextvars
import functools
import threading
import warnings
from typing import Any, Callable

import numpy as np

from .. import _config
from .._promotion import float_dtype
from ..tensor import Tensor


def to_tensor(x: Any) -> Tensor:
    """Accept array-likes where a tensor is expected (``scratchgrad.exp([1.0, 2.0])``)."""
    return x if isinstance(x, Tensor) else Tensor._from_data(x)


def to_float_tensor(x: Any) -> Tensor:
    """Like :func:`to_tensor`, with integer and bool tensors turned into the default dtype
    (float32): PyTorch's rule for exp, log, sqrt, sin, sigmoid... (``exp(int64 tensor)`` is
    float32)."""
    x = to_tensor(x)
    if x._data.dtype.kind == "f":  # floats are kept: the common case, decided without a call
        return x
    from .shape import cast  # noqa: PLC0415  (shape imports this module)

    return cast(x, float_dtype(x._data.dtype))  # an op: a compiled replay casts that call's values


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """A dimension index in ``[0, ndim)``, with a clear error naming the op."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension {dim} is out of range for a tensor with {ndim} "
                         f"dimension(s) (expected in [{-n}, {n - 1}])")
    return dim % n


def reduce_axes(dim: Any, axis: Any, keepdim: Any, keepdims: Any, ndim: int, op: str
                ) -> tuple[tuple[int, ...] | None, bool]:
    """Merge PyTorch's ``dim``/``keepdim`` with NumPy's ``axis``/``keepdims``."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dim is None:
        return None, bool(keepdim)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if ndim == 0:
        for d in dims:
            if d not in (0, -1):
                normalize_dim(d, 0, op)
        return (), bool(keepdim)
    return tuple(sorted(normalize_dim(d, ndim, op) for d in dims)), bool(keepdim)


def shape_arg(shape: tuple, op: str) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: expected a shape of integers, got {shape!r}") from None


def broadcast_error(op: str, a: Tensor, b: Tensor) -> ValueError | None:
    """The error for the operands of a binary op whose shapes do not broadcast, naming ``op``
    (what the user called, e.g. ``"add (+)"``) and the first dimension (of the result) where
    they disagree; None when they do broadcast. Called once the op failed, so the happy path
    pays nothing.

    >>> import scratchgrad as sg
    >>> broadcast_error("add (+)", sg.ones(2, 3), sg.ones(4)).args[0][:62]
    'add (+): shapes (2, 3) and (4,) do not broadcast: at dimension'
    """
    n = max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
    for i, (p, q) in enumerate(zip(sa, sb)):
        if p != q and p != 1 and q != 1:
            return ValueError(f"{op}: shapes {a.shape} and {b.shape} do not broadcast: at "
                              f"dimension {i} the sizes are {p} and {q} (expected equal sizes, "
                              "or one of them 1)")
    return None


def same_dtype(op: str, names: str, *tensors: Tensor | None) -> None:
    """Refuse operands of different dtypes, with PyTorch's RuntimeError ("expected m1 and m2 to
    have the same dtype"): matrix products, linear and convolutions never promote, so a float64
    or int64 input to float32 weights is reported rather than computed in float64. ``names``
    says what the operands are ("both operands", "input, weight and bias"); None is skipped.

    >>> import scratchgrad as sg
    >>> same_dtype("mm", "both operands", sg.ones(2, dtype=sg.float64), sg.ones(2))
    Traceback (most recent call last):
    RuntimeError: mm: expected both operands to have the same dtype, got float64 and float32
    """
    ts = [t for t in tensors if t is not None]
    dtype = ts[0]._data.dtype
    for t in ts[1:]:
        if t._data.dtype != dtype:
            got = ", ".join(str(t.dtype) for t in ts[:-1]) + f" and {ts[-1].dtype}"
            raise RuntimeError(f"{op}: expected {names} to have the same dtype, got {got}")


def index_arrays(index: Any) -> Any:
    """Replace tensors inside an index by their arrays (``x[mask]``, ``x[idx, :]``)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list) and any(isinstance(i, Tensor) for i in index):
        return [i._data if isinstance(i, Tensor) else i for i in index]
    return index


def constant_array(array: Any) -> Any:
    """Mark an array an op makes from shapes or Python values alone (ranges, triangle masks,
    an index list) as a constant (``Policy.constant``), so that ``scratchgrad.compile`` keeps
    the op compiled: it refuses arrays of unknown origin as op attributes or inputs, since one
    computed from data would be replayed stale. Returns ``array``."""
    _config._state.policy.constant(array)
    return array


class _Quiet(threading.local):
    """``quiet.run(fn, *args)`` is ``fn(*args)`` with NumPy's floating-point warnings off:
    overflow, 0/0, log(0), sqrt(-1) give inf and nan silently, as in PyTorch, and the
    process's own ``np.seterr`` / ``np.errstate`` stay as the user set them.

    It does what ``with np.errstate(all="ignore"): return fn(*args)`` does, at a small fraction
    of the cost (which matters on ops this small): NumPy keeps its errstate in a context
    variable, so each thread gets, on its first call, a ``contextvars.Context`` with the
    errstate already set, and ``run`` is that Context's own ``run`` from then on. ``fn``
    computes on arrays and must not call ``quiet.run`` itself (a Context can't be entered
    twice).

    >>> import numpy as np
    >>> quiet.run(np.log, np.array([0.0, -1.0]))
    array([-inf,  nan])
    """

    def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        # The thread's first call: the instance attribute set here (per thread, since this
        # is a threading.local) shadows this method for every later call.
        context = contextvars.Context()
        context.run(np.errstate(all="ignore").__enter__)
        self.run = context.run
        return context.run(fn, *args, **kwargs)


quiet = _Quiet()


# ---------------------------------------------------------------------- out=
# How far up a dtype sits in PyTorch's casting order: a result may be written into an ``out``
# of the same kind or a higher one (int64 into float32), never a lower one (float into int).
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def with_out(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Give a public op PyTorch's keyword ``out=``: the result is written into the given tensor
    (or, for ops that return a pair such as ``max(x, dim)``, into a pair of tensors), which is
    returned. ``out`` is resized when its shape differs (with PyTorch's warning when it held
    elements); a result that can't be cast to its dtype (float into an integer ``out``) is
    refused. Written results are outside autograd, so ``out=`` with an argument that requires
    grad is refused while autograd records, as in PyTorch.

    >>> import scratchgrad as sg
    >>> out = sg.empty(2)
    >>> sg.add(sg.tensor([1.0, 2.0]), 1, out=out) is out, out
    (True, tensor([2., 3.]))
    """
    name = fn.__name__

    @functools.wraps(fn)
    def op(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is None:
            return fn(*args, **kwargs)
        if _config.is_grad_enabled() and _any_requires_grad((args, kwargs, out)):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires "
                               "grad.")
        result = fn(*args, **kwargs)
        if isinstance(result, tuple):
            if not isinstance(out, (tuple, list)) or len(out) != len(result):
                raise TypeError(f"{name}(): out must be a tuple of {len(result)} tensors here")
            written = [write_out(name, o, r) for o, r in zip(out, result)]
            return type(result)(*written) if hasattr(result, "_fields") else tuple(written)
        return write_out(name, out, result)

    return op


def _any_requires_grad(obj: Any) -> bool:
    if isinstance(obj, Tensor):
        return obj.requires_grad
    if isinstance(obj, (tuple, list)):
        return any(_any_requires_grad(o) for o in obj)
    if isinstance(obj, dict):
        return any(_any_requires_grad(o) for o in obj.values())
    return False


def write_out(op: str, out: Any, result: Tensor) -> Tensor:
    """Write ``result`` into the tensor ``out`` for ``op(..., out=out)`` and return ``out``."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): out must be a Tensor, got {type(out).__name__}")
    r = result._data
    if _KIND_RANK[r.dtype.kind] > _KIND_RANK[out._data.dtype.kind]:
        raise RuntimeError(f"{op}(): result type {result.dtype} can't be cast to the desired "
                           f"output type {out.dtype}")
    if out._data.shape != r.shape:
        if out._data.size:
            warnings.warn(f"{op}(): an output with one or more elements was resized since it had "
                          f"shape {list(out._data.shape)}, which does not match the required "
                          f"output shape {list(r.shape)} (PyTorch deprecates this; resize it "
                          "to zero elements first to reuse it)", UserWarning, stacklevel=3)
        out._data = r.astype(out._data.dtype, copy=True)
    else:
        out._data[...] = r
    out._bump_version()
    return out
