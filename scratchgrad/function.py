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
from . import kernels as _kernels
from ._policy import EAGER as _EAGER
from .kernels import _FORWARD
from ._promotion import promote_types, scalar_dtype
from .tensor import Tensor, _VersionCounter, get_default_dtype

_state = _config._state
_ndarray = np.ndarray


class Function:
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
            ys = self.run_forward(*xs)
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

    # ------------------------------------------------------------------ the graph, as PyTorch
    def name(self) -> str:
        """The node's name as PyTorch's ``grad_fn.name()`` gives it: the op's class name and
        ``Backward0`` (``MulBackward0``), or PyTorch's own name where a scratchgrad op is
        exactly one PyTorch op under another name (``Concat`` is ``CatBackward0``).

        >>> import scratchgrad as sg
        >>> (sg.ones(2, requires_grad=True) * 2).grad_fn.name()
        'MulBackward0'
        """
        cls = type(self).__name__
        return _TORCH_NAMES.get(cls) or cls + "Backward0"

    @property
    def next_functions(self) -> tuple:
        """One ``(node, output_index)`` pair per input, as PyTorch's ``grad_fn.next_functions``:
        the node that made the input, an :class:`AccumulateGrad` for a leaf that requires
        grad, ``(None, 0)`` for an input that needs no gradient (constants included).

        >>> import scratchgrad as sg
        >>> a = sg.ones(2, requires_grad=True)
        >>> (a * 2).grad_fn.next_functions  # doctest: +ELLIPSIS
        ((<AccumulateGrad object at 0x...>, 0), (None, 0))
        """
        inputs = getattr(self, "inputs", None)
        if inputs is None:  # an op called while no graph was recorded
            return ()
        edges = []
        for x in inputs:
            if x.creator is not None:
                edges.append((x.creator, x._out_index))
            elif x.requires_grad:
                edges.append((AccumulateGrad.of(x), 0))
            else:
                edges.append((None, 0))
        return tuple(edges)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


# Where a scratchgrad op is exactly one PyTorch op that PyTorch names otherwise. Ops that map
# to several (reshape: View or UnsafeView; getitem: Select, Slice or Index; sum: Sum0 or
# Sum1; matmul: Mm, Mv, Bmm, Dot) keep their own name.
_TORCH_NAMES = {
    "Concat": "CatBackward0", "ReLU": "ReluBackward0", "LeakyReLU": "LeakyReluBackward0",
    "BroadcastTo": "ExpandBackward0", "Cast": "ToCopyBackward0",
    "LogSumExp": "LogsumexpBackward0", "CumSum": "CumsumBackward0",
    "CumProd": "CumprodBackward0", "Log1p": "Log1PBackward0", "Clamp": "ClampBackward1",
    "PowScalar": "PowBackward0", "Pow": "PowBackward1", "NLLLoss": "NllLossBackward0",
    "BCEWithLogits": "BinaryCrossEntropyWithLogitsBackward0",
    "Conv2dOp": "ConvolutionBackward0", "MaxPool2dOp": "MaxPool2DWithIndicesBackward0",
    "AvgPool2dOp": "AvgPool2DBackward0", "BatchNorm": "NativeBatchNormBackward0",
    "LayerNorm": "NativeLayerNormBackward0", "Unfold": "Im2ColBackward0",
}


class AccumulateGrad:
    """The graph node of a leaf that requires grad, as PyTorch shows it in ``next_functions``:
    ``variable`` is the leaf, and there is nothing behind it. One node per leaf for as long as
    it is referenced (the engine itself adds leaf gradients directly; this is for looking at
    the graph).

    >>> import scratchgrad as sg
    >>> w = sg.ones(2, requires_grad=True)
    >>> node = (w * 3).grad_fn.next_functions[0][0]
    >>> node.variable is w, node.next_functions, node.name()
    (True, (), 'scratchgrad::autograd::AccumulateGrad')
    """

    # id(leaf) -> its node, while the node lives; the node holds the leaf, so the id can't be
    # reused by another tensor before the entry goes
    _nodes: "weakref.WeakValueDictionary[int, AccumulateGrad]" = weakref.WeakValueDictionary()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    @classmethod
    def of(cls, leaf: Tensor) -> "AccumulateGrad":
        node = cls._nodes.get(id(leaf))
        if node is None:
            node = cls._nodes[id(leaf)] = cls(leaf)
        return node

    next_functions: tuple = ()

    def name(self) -> str:
        return "scratchgrad::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


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


def _scalar_dtype(value: Any, like: np.dtype) -> np.dtype:
    """The dtype a Python scalar takes next to a tensor of dtype ``like`` (PyTorch's rule:
    scalars never widen a float32 tensor; a float next to an integer tensor gives the default
    dtype, float32)."""
    return scalar_dtype(value, like)


def as_tensor_like(value: Any, like: Tensor) -> Tensor:
    """Wrap a scalar or array as a constant tensor with ``like``'s dtype family and device."""
    if isinstance(value, Tensor):
        return value
    xp = np if type(like._data) is np.ndarray else _array_module(like)
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, (bool, int, float)):
        array = xp.asarray(value, dtype=_scalar_dtype(value, like._data.dtype))
    else:
        array = xp.asarray(value)
        if not hasattr(value, "dtype") and array.dtype == np.float64:
            array = array.astype(get_default_dtype())  # a Python list of floats
    _state.policy.constant(array)  # a scalar or data: the same at every call
    return Tensor._make(array)


def _array_module(t: Tensor):
    from .backend import get_array_module

    return get_array_module(t._data)


def _promoted(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """PyTorch's promotion for two tensors: a float beats an integer or bool whatever its width,
    so ``int64 tensor + float32 tensor`` is float32 (NumPy would say float64)."""
    da, db = a._data.dtype, b._data.dtype
    if da == db or (da.kind == "f" and db.kind == "f"):
        return a, b  # two floats: NumPy promotes in forward, the engine casts gradients back
    from .ops.shape import Cast  # a Function, so that scratchgrad.compile sees the cast

    t = promote_types(da, db)
    return (a if da == t else Cast(t)(a), b if db == t else Cast(t)(b))


def binary_operands(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Turn the operands of a binary op into two tensors with promoted dtypes."""
    if type(a) is not Tensor and not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            b = Tensor._from_data(b)
        a = as_tensor_like(a, b)
    elif type(b) is not Tensor and not isinstance(b, Tensor):
        b = as_tensor_like(b, a)
    if a._data.dtype != b._data.dtype:
        return _promoted(a, b)
    return a, b


class ArrayOp(Function):
    """A computation on arrays with no gradient (a comparison, argmax, a count), recorded as
    an op while ``scratchgrad.compile`` traces, so that a replay computes it again from that
    call's values: made directly, outside any op, its result would be a constant of the trace
    and a replay would reuse it stale. ``fn`` maps the input arrays to the output array."""

    differentiable = False

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def forward(self, *arrays):
        return self.fn(*arrays)

    def name(self) -> str:
        return getattr(self.fn, "__name__", "ArrayOp")


def array_op(fn: Any, *inputs: Tensor) -> Tensor:
    """``fn(*arrays)`` of the inputs' arrays as a tensor that records no graph: directly on the
    eager path (no op object), as an :class:`ArrayOp` while ``scratchgrad.compile`` traces.

    >>> import numpy as np, scratchgrad as sg
    >>> array_op(np.greater, sg.tensor([1.0, -1.0]), sg.tensor(0.0))
    tensor([ True, False])
    """
    if _state.policy is _EAGER:  # nothing records: no op object needed
        return Tensor._make(fn(*[x._data for x in inputs]))
    prev = _state.grad_enabled
    _state.grad_enabled = False
    try:
        return ArrayOp(fn)(*inputs)
    finally:
        _state.grad_enabled = prev
