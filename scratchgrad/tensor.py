"""Tensor: an array, its gradient, and the function that produced it.

This file is the core: storage, the leaf state (``requires_grad``, ``grad``, hooks, version
counter), ``backward`` and the operators. The rest of PyTorch's method surface is written in
class bodies that Tensor inherits: ``_tensor_methods.py`` (ops as methods, conversions) and
``_tensor_inplace.py`` (in-place methods). Every method delegates to the op library in
``scratchgrad.ops`` (nothing is patched on at import), so that eager mode, graph mode and the
compiler share the same operations.
"""
from __future__ import annotations

from types import SimpleNamespace as _SimpleNamespace
from typing import Any

import numpy as np

from . import _config
from ._config import mutating as _mutating
from . import backend as _backend
from ._size import Size
from ._tensor_inplace import _InPlaceMethods
from ._tensor_methods import _MoreMethods
from ._version import _STAMPS, _VersionCounter  # noqa: F401
from .backend import device as _device
from .backend import device_of, get_array_module
from ._dtype import (_DTYPE_ALIASES, _default_dtype_for, as_dtype, bool_,  # noqa: F401
                     float16, float32, float64, get_default_dtype, int8, int16, int32, int64,
                     legacy_array, set_default_dtype, to_array, uint8)


class Tensor(_InPlaceMethods, _MoreMethods):
    """A multi-dimensional array that records the operations applied to it.

    Create tensors with :func:`scratchgrad.tensor` and friends (Python floats become float32,
    NumPy arrays keep their dtype). ``Tensor(...)`` itself is PyTorch's legacy constructor, as
    books and older code call it: data of any kind becomes the default dtype (float32),
    ``Tensor(2, 3)`` is a 2x3 tensor of zeros, ``Tensor()`` an empty one, and ``Tensor(t)``
    aliases the tensor ``t``. Besides PyTorch's ``device=``, it takes ``dtype=``,
    ``requires_grad=`` and ``name=``.

    >>> import scratchgrad as sg
    >>> x = sg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    >>> import numpy as np
    >>> sg.Tensor(np.array([1, 2])), sg.Tensor(2, 3).shape
    (tensor([1., 2.]), (2, 3))
    """

    __slots__ = ("_data", "_grad", "creator", "requires_grad", "generation", "_out_index",
                 "_retains_grad", "_hooks", "name", "_vc", "__weakref__")

    # Let ``ndarray + tensor`` reach Tensor.__radd__ instead of NumPy converting the tensor.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, *args: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False, name: str | None = None) -> None:
        if len(args) == 1 and isinstance(args[0], Tensor):  # an alias, in its own dtype
            if dtype is not None and args[0].dtype != as_dtype(dtype):
                raise TypeError(f"Tensor: expected a tensor of dtype {as_dtype(dtype)}, got "
                                f"{args[0].dtype}; convert it with .to({as_dtype(dtype)})")
            array = args[0]._data
        else:
            array = legacy_array(args, dtype)
        self._init(array, None, requires_grad, name)
        if len(args) == 1 and isinstance(args[0], Tensor) and self._data is args[0]._data:
            self._vc = args[0]._shared_counter()  # an alias: in-place changes count for both
        if device is not None and _device(device) != self.device:
            self._data = _backend.to_device_array(self._data, _device(device))

    @classmethod
    def _from_data(cls, data: Any, dtype: Any = None, requires_grad: bool = False,
                   name: str | None = None) -> "Tensor":
        """A tensor from user data with :func:`scratchgrad.tensor`'s dtype rules (Python floats
        become the default dtype, NumPy arrays keep theirs), sharing an array's memory: what
        the library makes where a tensor argument was given as data (``Tensor(...)`` is the
        legacy constructor, which turns all data into the default dtype)."""
        t = object.__new__(cls)
        t._init(data, dtype, requires_grad, name)
        return t

    def _init(self, data: Any, dtype: Any, requires_grad: bool, name: str | None) -> None:
        self._data = to_array(data._data if isinstance(data, Tensor) else data, dtype)
        if _backend._default_device is not None:  # set_default_device("cuda")
            self._data = _backend.to_device_array(self._data, _backend._default_device)
        self._grad: Tensor | None = None
        self.creator = None
        self.generation = 0
        self._out_index = 0
        self._retains_grad = False
        self._hooks: dict | None = None
        self._vc: _VersionCounter | None = None
        self.name = name
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)
        _config._state.policy.constant(self._data)  # made from data: the same at every call

    @classmethod
    def _make(cls, data: Any, requires_grad: bool = False) -> "Tensor":
        """Wrap an array without any checks: the fast path used by the op library."""
        t = object.__new__(cls)
        t._data = data
        t._grad = None
        t.creator = None
        t.requires_grad = requires_grad
        t.generation = 0
        t._out_index = 0
        t._retains_grad = False
        t._hooks = None
        t._vc = None
        t.name = None
        return t

    # ------------------------------------------------------------------ properties
    @property
    def data(self) -> "Tensor":
        """This tensor's values as a tensor outside autograd, as PyTorch's ``.data``: it shares
        the memory, never requires grad, records no history, and has a version counter of its
        own, so an in-place change through it (``p.data.add_(g, alpha=-lr)``) is not seen by
        autograd's checks. Prefer ``detach()`` (which shares the counter) and ``no_grad()``.
        Assigning (``p.data = t``) replaces the values, whatever their shape.

        The raw array (NumPy or CuPy) that the ops compute on is ``tensor._data``, for
        readers of the op library; ``tensor.numpy()`` gives it to users. (DeZero's
        ``Variable.data`` is that array; here ``.data`` is PyTorch's.)

        >>> import scratchgrad as sg
        >>> w = sg.tensor([1.0, 2.0], requires_grad=True)
        >>> w.data.mul_(10)
        tensor([10., 20.])
        >>> w
        tensor([10., 20.], requires_grad=True)
        """
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor to assign, got {type(value).__name__} "
                            "(wrap arrays with scratchgrad.tensor)")
        self._data = value._data

    @property
    def grad(self) -> "Tensor | None":
        """The gradient accumulated by ``backward()`` (None until then)."""
        return self._grad

    @grad.setter
    @_mutating(data=False)  # scratchgrad.compile replays a .grad set by hand
    def grad(self, value: "Tensor | None") -> None:
        self._grad = value

    @property
    def shape(self) -> Size:
        """The sizes of the dimensions, a :class:`scratchgrad.Size` (a tuple). The op library
        reads ``x._data.shape`` instead, the array's own tuple, which costs nothing to make."""
        return tuple.__new__(Size, self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def device(self) -> _device:
        return device_of(self._data)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (no creator) or that do not require grad."""
        return self.creator is None

    @property
    def _version(self) -> int:
        """How many times this tensor's memory has been changed in place (PyTorch's
        ``_version``). Views and ``detach()`` share their base's count."""
        vc = self._vc
        return 0 if vc is None else vc.value

    def _shared_counter(self) -> "_VersionCounter":
        """The version counter, made on first need, to share with a view or alias."""
        vc = self._vc
        if vc is None:
            vc = self._vc = _VersionCounter(id(self._data))
        return vc

    def _bump_version(self) -> None:
        """Record an in-place change: a backward that saved this tensor earlier will refuse
        to run (autograd checks the versions)."""
        vc = self._vc
        if vc is None:
            vc = self._vc = _VersionCounter(id(self._data))
        vc.value += 1
        _VersionCounter.last = next(_STAMPS)

    @property
    def grad_fn(self):
        """The :class:`~scratchgrad.function.Function` that produced this tensor, or None."""
        return self.creator

    # By identity, as object's (tensors are dict keys: optimizer state, autograd's records);
    # object's own, in C, because __eq__ (elementwise) would otherwise remove it.
    __hash__ = object.__hash__

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        ``gradient`` is required when ``self`` is not a scalar. With ``create_graph=True`` the
        backward pass is itself recorded, so gradients can be differentiated again. Without
        ``retain_graph=True`` (its default is ``create_graph``) the graph can be walked back
        once: a second ``backward()`` through it raises.
        """
        from .autograd import backward as _backward

        _backward([self], None if gradient is None else [gradient], retain_graph=retain_graph,
                  create_graph=create_graph)

    def detach(self) -> "Tensor":
        """A tensor sharing this data (and its version counter), cut from the graph (the
        "unchain" of DeZero)."""
        t = Tensor._make(self._data)
        t._vc = self._shared_counter()
        return t

    def detach_(self) -> "Tensor":
        self.creator = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(f"requires_grad_: only floating-point tensors can require "
                               f"gradients, this one has dtype {self.dtype}")
        if not requires_grad and self.creator is not None:
            raise RuntimeError("requires_grad_: can only change this flag on leaf tensors; "
                               "use detach() on a result of an operation")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this intermediate tensor after backward (freed by default)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain the gradient of a tensor that does "
                               "not require grad")
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` each time the gradient with respect to this tensor is computed
        (summed over all its uses), before it reaches ``.grad`` or flows on; a hook that
        returns a tensor replaces the gradient. Returns a handle whose ``remove()`` unregisters
        the hook. Hooks run in the order registered (PyTorch's ``Tensor.register_hook``).

        >>> import scratchgrad as sg
        >>> x = sg.tensor([1.0, 2.0], requires_grad=True)
        >>> h = x.register_hook(lambda g: g * 10)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([20., 40.])
        >>> h.remove()
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: can't register a hook on a tensor that doesn't "
                               "require grad")
        if not callable(hook):
            raise TypeError(f"register_hook: expected a callable, got {type(hook).__name__}")
        from .utils.hooks import RemovableHandle  # noqa: PLC0415  (utils imports tensor)

        if self._hooks is None:
            self._hooks = {}
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ operators
    def __add__(self, other: Any) -> "Tensor":
        return _plain.add(self, other)

    def __radd__(self, other: Any) -> "Tensor":
        return _plain.add(other, self)

    def __sub__(self, other: Any) -> "Tensor":
        return _plain.sub(self, other)

    def __rsub__(self, other: Any) -> "Tensor":
        return _plain.sub(other, self)

    def __mul__(self, other: Any) -> "Tensor":
        return _plain.mul(self, other)

    def __rmul__(self, other: Any) -> "Tensor":
        return _plain.mul(other, self)

    def __truediv__(self, other: Any) -> "Tensor":
        return _plain.div(self, other)

    def __rtruediv__(self, other: Any) -> "Tensor":
        return _plain.div(other, self)

    def __pow__(self, other: Any) -> "Tensor":
        return _plain.pow(self, other)

    def __rpow__(self, other: Any) -> "Tensor":
        return _plain.pow(other, self)

    def __matmul__(self, other: Any) -> "Tensor":
        return _plain.matmul(self, other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return _plain.matmul(other, self)

    def __floordiv__(self, other: Any) -> "Tensor":
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> "Tensor":
        return _ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> "Tensor":
        return _ops.remainder(self, other)

    def __neg__(self) -> "Tensor":
        return _plain.neg(self)

    def __pos__(self) -> "Tensor":
        return self

    def __abs__(self) -> "Tensor":
        return _plain.abs(self)

    # comparisons and logic: results are bool tensors with no gradient
    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return _ops.eq(self, other)

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return _ops.ne(self, other)

    def __lt__(self, other: Any) -> "Tensor":
        return _ops.lt(self, other)

    def __le__(self, other: Any) -> "Tensor":
        return _ops.le(self, other)

    def __gt__(self, other: Any) -> "Tensor":
        return _ops.gt(self, other)

    def __ge__(self, other: Any) -> "Tensor":
        return _ops.ge(self, other)

    def __and__(self, other: Any) -> "Tensor":
        return _ops.logical_and(self, other)

    def __or__(self, other: Any) -> "Tensor":
        return _ops.logical_or(self, other)

    def __xor__(self, other: Any) -> "Tensor":
        return _ops.logical_xor(self, other)

    def __invert__(self) -> "Tensor":
        return _ops.logical_not(self)

    def __getitem__(self, index: Any) -> "Tensor":
        return _ops.getitem(self, index)


from . import ops as _ops  # noqa: E402  (the op library needs Tensor defined first)
# The methods call the op functions without their ``out=`` layer (ops._util.with_out, which
# functools.wraps keeps as __wrapped__): a method has no ``out``, and the operators are the
# library's hottest path.
_plain = _SimpleNamespace(**{name: getattr(_ops, name).__wrapped__ for name in (
    "add", "sub", "mul", "div", "neg", "pow", "abs", "where", "exp", "log", "sqrt", "sin",
    "cos", "tanh", "sigmoid", "maximum", "minimum", "clamp", "matmul", "mm", "bmm", "addmm",
    "sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin",
    "logsumexp", "cumsum", "prod", "cat", "stack")})
from .ops._util import shape_arg as _shape_arg  # noqa: E402

from . import _tensor_inplace, _tensor_methods  # noqa: E402
for _module in (_tensor_inplace, _tensor_methods):  # the names their methods need, now defined
    _module.Tensor, _module._plain, _module._shape_arg, _module._ops = (
        Tensor, _plain, _shape_arg, _ops)
