"""Function: one differentiable operation, the node of the computational graph.

``forward(*arrays)`` computes on raw arrays (NumPy or CuPy); ``backward(*gys)`` receives and
returns Tensors, built from the same ops, so that ``create_graph=True`` gives higher-order
derivatives and graph mode can reuse every rule.

What backward may use (the contract that lets eager mode, graph mode and the compiler share
one op library): ``self.inputs`` (strong references), ``self.output(i)`` (held by weakref, alive
while backward runs because later nodes hold it), and attributes set in ``__init__`` or forward
(shapes, axes, hyperparameters, random masks, each documented in its class).
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from . import _config
from ._graph_node import _GraphNode
from . import kernels as _kernels
from ._policy import EAGER as _EAGER
from .kernels import _FORWARD
from .tensor import Tensor, _VersionCounter

_state = _config._state
_ndarray = np.ndarray


class Function(_GraphNode):
    """Base class of every operation. Subclasses implement ``forward`` and ``backward``.

    >>> import numpy as np
    >>> class Square(Function):
    ...     def forward(self, x):
    ...         return x * x
    ...     def backward(self, gy):
    ...         return 2 * self.inputs[0] * gy
    >>> import scratchgrad as sg
    >>> x = sg.tensor(3.0, requires_grad=True)
    >>> Square()(x).backward(); x.grad.item()
    6.0
    """

    # A class attribute, not per instance: ops override it to mark inputs that never get a
    # gradient (e.g. the condition of ``where``) - purely informational.
    differentiable = True
    # False for an op whose forward changes state besides making its outputs (BatchNorm's
    # running averages): scratchgrad.compile never merges, folds or drops such a call.
    pure = True
    # False for an op whose backward needs only shapes, dtypes and attributes, never the
    # values of its inputs or outputs (add, reshape, sum): then an in-place change to those
    # after the forward is harmless and backward does not check their versions.
    reads_values = True
    # Set by a backward without retain_graph: running this op's backward again raises.
    _released = False
    # Attributes that forward keeps only for backward (a dropout mask): a backward without
    # retain_graph deletes them, so that memory goes before the graph itself is dropped.
    saved_attributes: tuple[str, ...] = ()

    inputs: tuple[Tensor, ...]
    outputs: list
    generation: int
    # The versions of the inputs and of the outputs when the call was recorded (None: all
    # 0, the common case, kept cheap): backward refuses to run if an in-place change has
    # happened since (autograd._check_versions).
    _versions: list[int] | None = None
    _out_versions: list[int] | None = None
    _stamp = -1  # _VersionCounter.last at the forward (-1: not recorded, always check)

    def __call__(self, *inputs: Tensor) -> Any:
        if _state.policy is not _EAGER:  # recorded (scratchgrad.compile): the policy runs it
            return _state.policy.call(self, inputs)
        xs = [x._data for x in inputs]
        try:
            # the forward dispatch point (run_forward), skipped for an op with no kernels
            ys = self.forward(*xs) if type(self) not in _FORWARD else self.run_forward(*xs)
        except (ValueError, IndexError, TypeError) as e:
            _check_same_device(self, inputs)  # CuPy refuses NumPy inputs with a TypeError
            raise _input_error(self, inputs, e) from None
        if type(ys) is not tuple:
            if type(ys) is not _ndarray:  # never taken on the all-NumPy path but for scalars
                if isinstance(ys, np.generic):
                    ys = np.asarray(ys)  # NumPy turns 0-d results into scalars; keep arrays
                else:
                    _check_same_device(self, inputs)
            out = Tensor._make(ys)
            if ys.base is not None or (inputs and ys is inputs[0]._data):
                _share_version(out, inputs)  # a view: in-place changes count for both
            if _state.grad_enabled:
                for x in inputs:
                    if x.requires_grad:
                        break
                else:
                    return out
                gen = max([x.generation for x in inputs])
                self.generation = gen
                self.inputs = inputs
                out.requires_grad = True
                out.creator = self
                out.generation = gen + 1
                self.outputs = [weakref.ref(out)]
                self._stamp = _VersionCounter.last
                for x in inputs:
                    if x._vc is not None:  # else every input is at version 0
                        self._versions = _versions_of(inputs)
                        break
                if out._vc is not None:  # a view of an input: its version may not be 0
                    self._out_versions = [out._vc.value]
                if _state.anomaly:
                    self._stack = _creation_stack()
            return out
        if ys and type(ys[0]) is not _ndarray and not isinstance(ys[0], np.generic):
            _check_same_device(self, inputs)
        outs = tuple(Tensor._make(np.asarray(y) if isinstance(y, np.generic) else y)
                     for y in ys)
        for o in outs:
            if o._data.base is not None or (inputs and o._data is inputs[0]._data):
                _share_version(o, inputs)
        if _state.grad_enabled and any([x.requires_grad for x in inputs]):
            gen = max([x.generation for x in inputs])
            self.generation = gen
            self.inputs = inputs
            for i, o in enumerate(outs):
                o.requires_grad = True
                o.creator = self
                o.generation = gen + 1
                o._out_index = i
            self.outputs = [weakref.ref(o) for o in outs]
            self._stamp = _VersionCounter.last
            self._versions = _versions_of(inputs)
            if any([o._vc is not None for o in outs]):
                self._out_versions = _versions_of(outs)
            if _state.anomaly:
                self._stack = _creation_stack()
        return outs

    def forward(self, *xs: Any) -> Any:
        raise NotImplementedError

    def run_forward(self, *xs: Any) -> Any:
        """The forward dispatch point: a kernel registered for this op that accepts these
        arrays (:mod:`scratchgrad.kernels`), else the op's own ``forward``. A call runs this,
        and so does the compiler's replay."""
        kernel = _FORWARD.get(type(self)) and _kernels.forward_for(self, list(xs))
        return self.forward(*xs) if kernel is None else kernel(self, *xs)

    def backward(self, *gys: Tensor) -> Any:
        raise NotImplementedError(f"{type(self).__name__} is not differentiable")

    def shape_depends_on(self, *xs: Any) -> tuple:
        """The arrays whose values decide the shapes of this op's outputs (a boolean mask's
        count of True, the distinct values of ``unique``): none for most ops, whose output
        shapes follow from the input shapes. ``xs`` are the input arrays. A plan of
        ``scratchgrad.compile`` has fixed shapes: it keeps such an op only where these
        arrays are constants, and otherwise runs the function eagerly."""
        return ()

    def free_saved(self) -> None:
        """Delete the ``saved_attributes``: called once a backward without ``retain_graph``
        has run this op, so that their memory goes before the graph itself is dropped. The
        graph's edges (``inputs``) stay, so it can still be drawn. (A plan of
        ``scratchgrad.compile`` runs the same op objects again: nothing is freed while it
        traces.)"""
        for name in self.saved_attributes:
            self.__dict__.pop(name, None)

    def output(self, i: int = 0) -> Tensor:
        """The i-th output tensor (held by weakref; alive during backward)."""
        return self.outputs[i]()


def _share_version(out: Tensor, inputs: tuple) -> None:
    """Give ``out``, whose array is a view of (or is) an input's array, that input's version
    counter: an in-place change through either is then seen by every backward that saved the
    other, as PyTorch's views share their base's counter."""
    a = out._data
    base = a.base
    for x in inputs:
        d = x._data
        if d is a or (base is not None and (d is base or d.base is base)):
            out._vc = x._shared_counter()
            return


def _versions_of(tensors: tuple) -> list[int]:
    return [0 if (vc := t._vc) is None else vc.value for t in tensors]


def _creation_stack() -> list:
    """Where the op being recorded was called from (for autograd.detect_anomaly)."""
    import traceback  # noqa: PLC0415  (only in anomaly mode)

    return traceback.extract_stack()[:-2]


def _check_same_device(fn: Function, inputs: tuple) -> None:
    """Raise "<op>: expected all tensors on the same device, got cpu and cuda:0" when inputs
    are on different devices (run only off the all-NumPy path, so it costs the CPU nothing)."""
    from .backend import check_same_device  # noqa: PLC0415  (off the hot path)

    check_same_device(type(fn).__name__.lower(), [x._data for x in inputs])


def _input_error(fn: Function, inputs: tuple, e: Exception) -> Exception:
    desc = ", ".join(f"{tuple(x.shape)} {x.dtype}" for x in inputs)
    kind = next(k for k in (IndexError, TypeError, ValueError) if isinstance(e, k))
    return kind(f"{type(fn).__name__}: invalid inputs of shape and dtype {desc}: {e}")
