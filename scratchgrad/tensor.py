"""Tensor and Parameter: an array, its gradient, and the function that produced it.

Every method is written here in the class body (nothing is patched on at import), and each one
delegates to the op library in ``scratchgrad.ops`` so that eager mode, graph mode and the
compiler share the same operations.
"""
from __future__ import annotations

import itertools
from types import SimpleNamespace as _SimpleNamespace
from typing import Any, Iterator, Sequence

import numpy as np

from . import _config, _settings
from ._config import mutating as _mutating
from . import backend as _backend
from ._size import Size
from ._tensor_inplace import _InPlaceMethods
from ._tensor_methods import _MoreMethods
from .backend import device as _device
from .backend import device_of, get_array_module

float32 = np.dtype("float32")
float64 = np.dtype("float64")
float16 = np.dtype("float16")
int64 = np.dtype("int64")
int32 = np.dtype("int32")
uint8 = np.dtype("uint8")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
bool_ = np.dtype("bool")

_DTYPE_ALIASES = {
    "float": float32, "float32": float32, "double": float64, "float64": float64,
    "half": float16, "float16": float16, "long": int64, "int64": int64, "int": int32,
    "int32": int32, "uint8": uint8, "bool": bool_,
}

_DEFAULT_FLOAT = float32


def set_default_dtype(d: Any) -> None:
    """Make ``d`` (a floating-point dtype) the dtype of tensors made from Python floats, of the
    float factories (``zeros``, ``rand``, ``arange(0.5, ...)``, ...) and of ``Tensor(...)``, as
    ``torch.set_default_dtype``. Layers still create float32 parameters unless told a dtype.

    >>> import scratchgrad as sg
    >>> sg.set_default_dtype(sg.float64)
    >>> sg.tensor([1.5]).dtype, sg.zeros(1).dtype
    (dtype('float64'), dtype('float64'))
    >>> sg.set_default_dtype(sg.float32)
    """
    global _DEFAULT_FLOAT
    dt = as_dtype(d)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the "
                        f"default type, got {dt}")
    _DEFAULT_FLOAT = dt


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python floats: float32 unless :func:`set_default_dtype`
    said otherwise.

    >>> import scratchgrad as sg
    >>> sg.get_default_dtype()
    dtype('float32')
    """
    return _DEFAULT_FLOAT


def as_dtype(dtype: Any) -> np.dtype:
    """Normalise a dtype given as a NumPy dtype, a Python type or a name (``"float32"``)."""
    if isinstance(dtype, str):
        try:
            return _DTYPE_ALIASES[dtype]
        except KeyError:
            raise TypeError(f"unknown dtype {dtype!r}; expected one of {sorted(_DTYPE_ALIASES)}")
    if dtype is float:
        return _DEFAULT_FLOAT
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    return np.dtype(dtype)


def _default_dtype_for(array: np.ndarray, from_python: bool) -> np.dtype | None:
    """PyTorch's rule: Python floats become the default dtype (float32); Python ints int64;
    NumPy keeps its dtype."""
    kind = array.dtype.kind
    if from_python:
        if kind == "f":
            return _DEFAULT_FLOAT
        if kind in "iu":
            return int64
        if kind == "b":
            return None
    if kind in "fiub":
        return None
    raise TypeError(f"tensor: unsupported data of dtype {array.dtype}; expected numbers or booleans")


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Turn user data (list, scalar, ndarray, Tensor) into an array with PyTorch's dtype rules."""
    if isinstance(data, Tensor):
        data = data._data
    xp = get_array_module(data)
    if dtype is not None:
        return xp.asarray(data, dtype=as_dtype(dtype))
    from_python = not hasattr(data, "dtype")
    array = xp.asarray(data)
    target = _default_dtype_for(array, from_python)
    if target is not None and target != array.dtype:
        array = array.astype(target)
    return array


def _legacy_array(args: tuple, dtype: Any) -> Any:
    """The array of ``Tensor(*args)``, PyTorch's legacy constructor: no argument, sizes
    (``Tensor(2, 3)``, zeros here where PyTorch leaves memory uninitialised) or one piece of
    data (a sequence or array, converted to the default dtype). A tensor argument is aliased
    with its own dtype; the caller shares its version counter."""
    target = _DEFAULT_FLOAT if dtype is None else as_dtype(dtype)
    if not args:
        return np.empty((0,), target)
    sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
    if all(type(n) is int for n in sizes):
        if any(n < 0 for n in sizes):
            raise ValueError(f"Tensor: expected non-negative sizes, got {sizes}")
        return np.zeros(sizes, target)
    if len(args) > 1:
        raise TypeError(f"Tensor: expected sizes (ints) or one sequence of data, got "
                        f"{len(args)} arguments of types "
                        f"{', '.join(type(a).__name__ for a in args)}")
    data = args[0]
    if isinstance(data, Tensor):
        if dtype is not None and data.dtype != target:
            raise TypeError(f"Tensor: expected a tensor of dtype {target}, got {data.dtype}; "
                            f"convert it with .to({target})")
        return data._data
    if isinstance(data, (bool, float, complex, np.generic)):
        raise TypeError(f"Tensor: data must be a sequence (got {type(data).__name__}); "
                        f"scratchgrad.tensor({data!r}) makes a 0-d tensor")
    array = get_array_module(data).asarray(data)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"Tensor: unsupported data of dtype {array.dtype}")
    return array.astype(target, copy=False)


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

    The in-place methods beyond the basic ones (``exp_``, ``uniform_``, ``t_``...) live in
    ``_tensor_inplace.py``, the aliases and newer ops (``absolute``, ``diagonal``...) in
    ``_tensor_methods.py``: class bodies that Tensor inherits.
    """

    __slots__ = ("_data", "_grad", "creator", "requires_grad", "generation", "_out_index",
                 "_retains_grad", "_hooks", "name", "_vc", "__weakref__")

    # Let ``ndarray + tensor`` reach Tensor.__radd__ instead of NumPy converting the tensor.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, *args: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False, name: str | None = None) -> None:
        array = _legacy_array(args, dtype)
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
        self._data = _to_array(data, dtype)
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

    def is_floating_point(self) -> bool:
        """True for a float dtype (a method, as PyTorch's)."""
        return self._data.dtype.kind == "f"

    @property
    def T(self) -> "Tensor":
        """All dimensions reversed (the transpose for a matrix)."""
        return _ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        """The last two dimensions swapped (batched matrix transpose)."""
        return _ops.transpose(self, -2, -1)

    def size(self, dim: int | None = None) -> Any:
        """The shape (a :class:`scratchgrad.Size`), or the length of dimension ``dim``."""
        if dim is None:
            return tuple.__new__(Size, self._data.shape)
        return self._data.shape[_ops.normalize_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        return int(self._data.size)

    def dim(self) -> int:
        return self._data.ndim

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    # ------------------------------------------------------------------ conversion
    def _read(self, what: str) -> None:
        """Python is about to look at the values: a compiled function can't replay that."""
        _config._state.policy.read(self, what)

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        self._read("item()")
        if self._data.size != 1:
            raise ValueError(f"item: only a one-element tensor converts to a Python number; "
                             f"this one has shape {self.shape}")
        return self._data.item()

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared memory on the CPU)."""
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; "
                               "use tensor.detach().numpy()")
        self._read("numpy()")
        return self._data if get_array_module(self._data) is np else self._data.get()

    def tolist(self) -> Any:
        self._read("tolist()")
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        self._read("conversion to a NumPy array")
        a = self._data if get_array_module(self._data) is np else self._data.get()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError(f"only one-element integer tensors can be used as an index "
                            f"(got dtype {self.dtype}, shape {self.shape})")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor of shape {self.shape} is "
                               "ambiguous; use .any() or .all()")
        self._read("bool() (an `if` or `while` on a tensor)")
        return bool(self._data.item())

    def __iter__(self) -> Iterator["Tensor"]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    # By identity, as object's (tensors are dict keys: optimizer state, autograd's records);
    # object's own, in C, because __eq__ (elementwise) would otherwise remove it.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        a = np.asarray(self.__array__())
        extras = []
        if a.size == 0 and a.ndim != 1:
            extras.append(f"size={a.shape}")
        if self.dtype not in (_DEFAULT_FLOAT, int64, bool_) or (
                a.size == 0 and self.dtype != _DEFAULT_FLOAT):
            extras.append(f"dtype={_settings.dtype_name(self.dtype)}")
        if self.creator is not None:
            extras.append(f"grad_fn=<{self.creator.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.device.type != "cpu":
            extras.append(f"device='{self.device}'")
        body = _settings.format_array(a, "tensor(")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-d tensor formats as its number, as in PyTorch; any other
        tensor takes no format spec (an empty one gives its repr).

        >>> import scratchgrad as sg
        >>> "{:.2f}".format(sg.tensor(3.14159))
        '3.14'
        """
        if self._data.ndim == 0 and type(self) is Tensor:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

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

    def clone(self) -> "Tensor":
        """A differentiable copy."""
        return _ops.clone(self)

    def is_contiguous(self) -> bool:
        """True when the elements lie in memory in row-major order without gaps. Views made
        by ``transpose``, ``permute``, ``expand`` or slicing usually are not, as in PyTorch;
        a few ops here lay out their results differently from PyTorch (docs/pytorch.md)."""
        return bool(self._data.flags.c_contiguous)

    def contiguous(self) -> "Tensor":
        """This tensor if it is contiguous, else a contiguous copy that stays in the graph.

        >>> import scratchgrad as sg
        >>> x = sg.zeros(2, 3).t()
        >>> x.is_contiguous(), x.contiguous().is_contiguous()
        (False, True)
        """
        if self._data.flags.c_contiguous:
            return self
        return _ops.clone(self)  # Clone copies in row-major order

    def stride(self, dim: int | None = None) -> Any:
        """How many elements apart neighbours lie along each dimension (or along ``dim``).

        >>> import scratchgrad as sg
        >>> sg.zeros(2, 3).stride(), sg.zeros(2, 3).t().stride()
        ((3, 1), (1, 3))
        """
        size = self._data.itemsize
        strides = tuple(st // size for st in self._data.strides)
        if dim is None:
            return strides
        return strides[_ops.normalize_dim(dim, self._data.ndim, "stride")]

    def storage_offset(self) -> int:
        """How many elements into the memory it views this tensor starts (0 unless it is a
        view such as ``x[1:]``; an element taken out, ``x[3]``, is a copy here, 0 too).

        >>> import scratchgrad as sg
        >>> sg.zeros(2, 3)[1].storage_offset()
        3
        """
        a = self._data
        root = a
        while getattr(root.base, "shape", None) is not None:  # the array that owns the memory
            root = root.base
        return (_address(a) - _address(root)) // a.itemsize

    # ------------------------------------------------------------------ dtype and device
    def to(self, *args: Any, **kwargs: Any) -> "Tensor":
        """``x.to(dtype)``, ``x.to("cpu")`` or ``x.to(device, dtype)``."""
        dtype = kwargs.get("dtype")
        dev = kwargs.get("device")
        for a in args:
            if isinstance(a, (str, _device)) and str(a).split(":")[0] in ("cpu", "cuda"):
                dev = a
            elif isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            else:
                dtype = a
        out = self
        if dev is not None and _device(dev) != self.device:
            out = _ops.to_device(out, _device(dev))
        if dtype is not None and as_dtype(dtype) != out.dtype:
            out = _ops.cast(out, as_dtype(dtype))
        return out

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """``x.type()``: the legacy type's name, ``'scratchgrad.FloatTensor'`` (PyTorch:
        ``'torch.FloatTensor'``); ``x.type(sg.float64)``, ``x.type(sg.DoubleTensor)`` or
        ``x.type("torch.DoubleTensor")``: the tensor converted.

        >>> import scratchgrad as sg
        >>> sg.ones(2).type(), sg.ones(2).type(sg.LongTensor).dtype
        ('scratchgrad.FloatTensor', dtype('int64'))
        """
        from . import _legacy  # noqa: PLC0415  (_legacy builds on tensor)

        if dtype is None:
            return _legacy.type_name(self)
        return self.to(_legacy.dtype_of(dtype))

    def type_as(self, other: "Tensor") -> "Tensor":
        """This tensor in ``other``'s dtype."""
        return self.to(other.dtype)

    # ``new_*``: a fresh tensor on this one's device, in its dtype unless told (PyTorch's).
    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> "Tensor":
        """Zeros of the given size, in this tensor's dtype and on its device.

        >>> import scratchgrad as sg
        >>> sg.ones(2, dtype=sg.float64).new_zeros(1, 3)
        tensor([[0., 0., 0.]], dtype=scratchgrad.float64)
        """
        from .factory import zeros  # noqa: PLC0415  (factory builds on tensor)

        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device,
                     requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> "Tensor":
        """Ones of the given size, in this tensor's dtype and on its device."""
        from .factory import ones  # noqa: PLC0415

        return ones(*size, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> "Tensor":
        """An uninitialised tensor (zeros here) of the given size, like :meth:`new_zeros`."""
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> "Tensor":
        """``size`` filled with ``fill_value``, in this tensor's dtype and on its device."""
        from .factory import full  # noqa: PLC0415

        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_tensor(self, data: Any, *, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> "Tensor":
        """A copy of ``data`` in this tensor's dtype and on its device (PyTorch's rule: the
        dtype is this tensor's, not inferred from ``data``)."""
        from .factory import tensor  # noqa: PLC0415

        return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                      requires_grad=requires_grad)

    def float(self) -> "Tensor":
        return self.to(float32)

    def double(self) -> "Tensor":
        return self.to(float64)

    def long(self) -> "Tensor":
        return self.to(int64)

    def int(self) -> "Tensor":
        return self.to(int32)

    def bool(self) -> "Tensor":
        return self.to(bool_)

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        return self.to("cuda")

    # ------------------------------------------------------------------ arithmetic operators
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

    # ------------------------------------------------------------------ in-place operations
    def _check_inplace(self, op: str) -> None:
        if self.requires_grad and _config._state.grad_enabled:
            kind = "a leaf tensor" if self.creator is None else "a tensor"
            raise RuntimeError(
                f"{op}: {kind} that requires grad can't be used in an in-place operation while "
                "autograd is recording; do it under `with scratchgrad.no_grad():` or use the "
                "out-of-place form")

    def _inplace(self, op: str, ufunc: Any, other: Any) -> "Tensor":
        self._check_inplace(op)
        value = other._data if isinstance(other, Tensor) else other
        try:
            ufunc(self._data, value, out=self._data, casting="same_kind")
        except (TypeError, ValueError) as e:  # numpy's UFuncTypeError is a TypeError
            other_shape = getattr(value, "shape", ())
            kind = TypeError if isinstance(e, TypeError) else ValueError
            raise kind(f"{op}: can't update a tensor of shape {self.shape} and dtype "
                          f"{self.dtype} in place with a value of shape {other_shape} and "
                          f"dtype {getattr(value, 'dtype', type(value).__name__)}: {e}") from None
        self._bump_version()
        return self

    @_mutating
    def __iadd__(self, other: Any) -> "Tensor":
        return self._inplace("__iadd__", np.add, other)

    @_mutating
    def __isub__(self, other: Any) -> "Tensor":
        return self._inplace("__isub__", np.subtract, other)

    @_mutating
    def __imul__(self, other: Any) -> "Tensor":
        return self._inplace("__imul__", np.multiply, other)

    @_mutating
    def __itruediv__(self, other: Any) -> "Tensor":
        return self._inplace("__itruediv__", np.true_divide, other)

    @_mutating
    def add_(self, other: Any, alpha: float = 1) -> "Tensor":
        """In place ``self += alpha * other``."""
        if alpha != 1:
            other = (other._data if isinstance(other, Tensor) else other) * alpha
        return self._inplace("add_", np.add, other)

    @_mutating
    def sub_(self, other: Any, alpha: float = 1) -> "Tensor":
        if alpha != 1:
            other = (other._data if isinstance(other, Tensor) else other) * alpha
        return self._inplace("sub_", np.subtract, other)

    @_mutating
    def mul_(self, other: Any) -> "Tensor":
        return self._inplace("mul_", np.multiply, other)

    @_mutating
    def div_(self, other: Any) -> "Tensor":
        return self._inplace("div_", np.true_divide, other)

    def zero_(self) -> "Tensor":
        """Fill with zeros in place."""
        return self.fill_(0)

    @_mutating
    def fill_(self, value: Any) -> "Tensor":
        self._check_inplace("fill_")
        self._data[...] = _backend.like(value._data if isinstance(value, Tensor) else value,
                                       self._data)
        self._bump_version()
        return self

    @_mutating
    def copy_(self, src: Any) -> "Tensor":
        """Copy ``src`` (broadcast to this shape) into this tensor in place."""
        self._check_inplace("copy_")
        value = src._data if isinstance(src, Tensor) else np.asarray(src)
        try:
            self._data[...] = _backend.like(value, self._data)
        except ValueError:
            raise ValueError(f"copy_: can't copy a value of shape {np.shape(value)} into a "
                             f"tensor of shape {self.shape}") from None
        self._bump_version()
        return self

    @_mutating
    def clamp_(self, min: Any = None, max: Any = None) -> "Tensor":
        self._check_inplace("clamp_")
        np.clip(self._data, min, max, out=self._data)
        self._bump_version()
        return self

    @_mutating
    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__")
        value = value._data if isinstance(value, Tensor) else value
        try:
            self._data[_ops.index_arrays(index)] = value
        except (IndexError, ValueError) as e:
            kind = IndexError if isinstance(e, IndexError) else ValueError
            raise kind(f"__setitem__: can't assign a value of shape {np.shape(value)} to "
                          f"index {index!r} of a tensor of shape {self.shape}: {e}") from None
        self._bump_version()

    def __getitem__(self, index: Any) -> "Tensor":
        return _ops.getitem(self, index)

    # ------------------------------------------------------------------ elementwise methods
    def neg(self) -> "Tensor":
        return _plain.neg(self)

    def abs(self) -> "Tensor":
        return _plain.abs(self)

    def pow(self, exponent: Any) -> "Tensor":
        return _plain.pow(self, exponent)

    def add(self, other: Any) -> "Tensor":
        return _plain.add(self, other)

    def sub(self, other: Any) -> "Tensor":
        return _plain.sub(self, other)

    def mul(self, other: Any) -> "Tensor":
        return _plain.mul(self, other)

    def div(self, other: Any) -> "Tensor":
        return _plain.div(self, other)

    def exp(self) -> "Tensor":
        return _plain.exp(self)

    def log(self) -> "Tensor":
        return _plain.log(self)

    def log1p(self) -> "Tensor":
        return _ops.log1p(self)

    def sqrt(self) -> "Tensor":
        return _plain.sqrt(self)

    def square(self) -> "Tensor":
        return _ops.square(self)

    def sin(self) -> "Tensor":
        return _plain.sin(self)

    def cos(self) -> "Tensor":
        return _plain.cos(self)

    def tanh(self) -> "Tensor":
        return _plain.tanh(self)

    def sigmoid(self) -> "Tensor":
        return _plain.sigmoid(self)

    def relu(self) -> "Tensor":
        return _ops.relu(self)

    def maximum(self, other: Any) -> "Tensor":
        return _plain.maximum(self, other)

    def minimum(self, other: Any) -> "Tensor":
        return _plain.minimum(self, other)

    def clamp(self, min: Any = None, max: Any = None) -> "Tensor":
        return _plain.clamp(self, min, max)

    def clip(self, min: Any = None, max: Any = None) -> "Tensor":
        return _plain.clamp(self, min, max)

    def where(self, condition: Any, other: Any) -> "Tensor":
        """``self`` where ``condition`` holds, else ``other`` (PyTorch's ``Tensor.where``)."""
        return _plain.where(condition, self, other)

    def eq(self, other: Any) -> "Tensor":
        return _ops.eq(self, other)

    def ne(self, other: Any) -> "Tensor":
        return _ops.ne(self, other)

    def lt(self, other: Any) -> "Tensor":
        return _ops.lt(self, other)

    def le(self, other: Any) -> "Tensor":
        return _ops.le(self, other)

    def gt(self, other: Any) -> "Tensor":
        return _ops.gt(self, other)

    def ge(self, other: Any) -> "Tensor":
        return _ops.ge(self, other)

    def any(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        return _ops.any(self, dim, keepdim)

    def all(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        return _ops.all(self, dim, keepdim)

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> "Tensor":
        return _plain.sum(self, dim, keepdim, **kw)

    def mean(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> "Tensor":
        return _plain.mean(self, dim, keepdim, **kw)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
            **kw: Any) -> "Tensor":
        return _plain.var(self, dim, unbiased, keepdim, **kw)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False,
            **kw: Any) -> "Tensor":
        return _plain.std(self, dim, unbiased, keepdim, **kw)

    def max(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:
        return _plain.max(self, dim, keepdim, **kw)

    def min(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:
        return _plain.min(self, dim, keepdim, **kw)

    def amax(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> "Tensor":
        return _plain.amax(self, dim, keepdim, **kw)

    def amin(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> "Tensor":
        return _plain.amin(self, dim, keepdim, **kw)

    def argmax(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> "Tensor":
        return _plain.argmax(self, dim, keepdim, **kw)

    def argmin(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> "Tensor":
        return _plain.argmin(self, dim, keepdim, **kw)

    def logsumexp(self, dim: Any = None, keepdim: bool = False, **kw: Any) -> "Tensor":
        return _plain.logsumexp(self, dim, keepdim, **kw)

    def softmax(self, dim: int = -1, **kw: Any) -> "Tensor":
        return _ops.softmax(self, dim, **kw)

    def log_softmax(self, dim: int = -1, **kw: Any) -> "Tensor":
        return _ops.log_softmax(self, dim, **kw)

    def sum_to(self, shape: Sequence[int]) -> "Tensor":
        """Sum broadcast dimensions away so the result has ``shape`` (gradient of broadcasting)."""
        return _ops.sum_to(self, shape)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> "Tensor":
        return _ops.reshape(self, *shape)

    def view(self, *shape: Any) -> "Tensor":
        """The same data with a new shape, without a copy; refuses, as PyTorch, a view whose
        strides can't take the shape (see :func:`scratchgrad.view`)."""
        return _ops.view(self, *shape)

    def view_as(self, other: "Tensor") -> "Tensor":
        return _ops.shape._view(self, tuple(other._data.shape), "view_as")

    def reshape_as(self, other: "Tensor") -> "Tensor":
        return _ops.shape._reshape(self, other.shape, "reshape_as")

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        return _ops.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        return _ops.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> "Tensor":
        return _ops.permute(self, *dims)

    def t(self) -> "Tensor":
        return _ops.t(self)

    def squeeze(self, dim: Any = None) -> "Tensor":
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> "Tensor":
        return _ops.unsqueeze(self, dim)

    def expand(self, *shape: Any) -> "Tensor":
        return _ops.expand(self, *shape)

    def expand_as(self, other: "Tensor") -> "Tensor":
        return _ops.shape._expand(self, other.shape, "expand_as")

    def broadcast_to(self, shape: Sequence[int]) -> "Tensor":
        return _ops.broadcast_to(self, shape)

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple["Tensor", ...]:
        return _ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple["Tensor", ...]:
        return _ops.chunk(self, chunks, dim)

    # ------------------------------------------------------------------ indexing and selection
    def gather(self, dim: int, index: Any) -> "Tensor":
        return _ops.gather(self, dim, index)

    def take_along_dim(self, indices: Any, dim: int | None = None) -> "Tensor":
        return _ops.take_along_dim(self, indices, dim)

    def index_select(self, dim: int, index: Any) -> "Tensor":
        return _ops.index_select(self, dim, index)

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> "Tensor":
        """Out of place: a copy with ``src`` (or ``value``) written at ``index``."""
        return _ops.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim: int, index: Any, src: Any) -> "Tensor":
        return _ops.scatter_add(self, dim, index, src)

    def masked_fill(self, mask: Any, value: Any) -> "Tensor":
        return _ops.masked_fill(self, mask, value)

    def masked_select(self, mask: Any) -> "Tensor":
        return _ops.masked_select(self, mask)

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        return _ops.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False
                ) -> "Tensor":
        return _ops.argsort(self, dim, descending, stable=stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        return _ops.topk(self, k, dim, largest, sorted)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        return _ops.nonzero(self, as_tuple=as_tuple)

    def argwhere(self) -> "Tensor":
        return _ops.argwhere(self)

    def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
               return_counts: bool = False, dim: int | None = None) -> Any:
        return _ops.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self, weights: Any = None, minlength: int = 0) -> "Tensor":
        return _ops.bincount(self, weights, minlength)

    # ------------------------------------------------------------------ rearranging
    def flip(self, *dims: Any) -> "Tensor":
        """``x.flip(0, 1)`` or ``x.flip((0, 1))``."""
        return _ops.flip(self, dims[0] if len(dims) == 1 else dims)

    def roll(self, shifts: Any, dims: Any = None) -> "Tensor":
        return _ops.roll(self, shifts, dims)

    def repeat(self, *sizes: Any) -> "Tensor":
        """Tile ``sizes[i]`` times along dimension i: ``x.repeat(2, 1)``."""
        return _ops.repeat(self, *sizes)

    def repeat_interleave(self, repeats: int, dim: int | None = None, *,
                          output_size: int | None = None) -> "Tensor":
        return _ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    def tile(self, *dims: Any) -> "Tensor":
        """``x.tile(2, 1)`` or ``x.tile((2, 1))``."""
        return _ops.tile(self, dims[0] if len(dims) == 1 else dims)

    def unbind(self, dim: int = 0) -> tuple["Tensor", ...]:
        return _ops.unbind(self, dim)

    def narrow(self, dimension: int, start: int, length: int) -> "Tensor":
        return _ops.narrow(self, dimension, start, length)

    def movedim(self, source: Any, destination: Any) -> "Tensor":
        return _ops.movedim(self, source, destination)

    def tril(self, diagonal: int = 0) -> "Tensor":
        return _ops.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> "Tensor":
        return _ops.triu(self, diagonal)

    # ------------------------------------------------------------------ linear algebra
    def matmul(self, other: Any) -> "Tensor":
        return _plain.matmul(self, other)

    def mm(self, other: Any) -> "Tensor":
        return _plain.mm(self, other)

    def dot(self, other: Any) -> "Tensor":
        return _ops.dot(self, other)

    # ------------------------------------------------------------------ math ops
    def sign(self) -> "Tensor":
        return _ops.sign(self)

    def floor(self) -> "Tensor":
        return _ops.floor(self)

    def ceil(self) -> "Tensor":
        return _ops.ceil(self)

    def round(self, decimals: int = 0) -> "Tensor":
        return _ops.round(self, decimals=decimals)

    def trunc(self) -> "Tensor":
        return _ops.trunc(self)

    def frac(self) -> "Tensor":
        return _ops.frac(self)

    def reciprocal(self) -> "Tensor":
        return _ops.reciprocal(self)

    def rsqrt(self) -> "Tensor":
        return _ops.rsqrt(self)

    def expm1(self) -> "Tensor":
        return _ops.expm1(self)

    def log2(self) -> "Tensor":
        return _ops.log2(self)

    def log10(self) -> "Tensor":
        return _ops.log10(self)

    def erf(self) -> "Tensor":
        return _ops.erf(self)

    def atan2(self, other: Any) -> "Tensor":
        return _ops.atan2(self, other)

    def isnan(self) -> "Tensor":
        return _ops.isnan(self)

    def isinf(self) -> "Tensor":
        return _ops.isinf(self)

    def isfinite(self) -> "Tensor":
        return _ops.isfinite(self)

    def isclose(self, other: "Tensor", rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> "Tensor":
        return _ops.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: "Tensor", rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        return _ops.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other: "Tensor") -> bool:
        return _ops.equal(self, other)

    def cumsum(self, dim: int, *, dtype: Any = None) -> "Tensor":
        return _plain.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: int, *, dtype: Any = None) -> "Tensor":
        return _ops.cumprod(self, dim, dtype=dtype)

    def prod(self, dim: int | None = None, keepdim: bool = False, *,
             dtype: Any = None) -> "Tensor":
        return _plain.prod(self, dim, keepdim, dtype=dtype)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False,
             dtype: Any = None) -> "Tensor":
        return _ops.norm(self, p, dim, keepdim, dtype=dtype)

    def bmm(self, mat2: Any) -> "Tensor":
        return _plain.bmm(self, mat2)

    def mv(self, vec: Any) -> "Tensor":
        return _ops.mv(self, vec)

    def outer(self, vec2: Any) -> "Tensor":
        return _ops.outer(self, vec2)

    def diag(self, diagonal: int = 0) -> "Tensor":
        return _ops.diag(self, diagonal)

    def trace(self) -> "Tensor":
        return _ops.trace(self)

    # ------------------------------------------------------------------ everyday ops
    def remainder(self, other: Any) -> "Tensor":
        return _ops.remainder(self, other)

    def floor_divide(self, other: Any) -> "Tensor":
        return _ops.floor_divide(self, other)

    def fmod(self, other: Any) -> "Tensor":
        return _ops.fmod(self, other)

    def true_divide(self, other: Any) -> "Tensor":
        return _ops.true_divide(self, other)

    def sum_to_size(self, *size: Any) -> "Tensor":
        """Sum broadcast dimensions away down to ``size``: ``x.sum_to_size(1, 4)``."""
        return _ops.sum_to(self, _shape_arg(size, "sum_to_size"))

    def count_nonzero(self, dim: Any = None) -> "Tensor":
        return _ops.count_nonzero(self, dim)

    def lerp(self, end: Any, weight: Any) -> "Tensor":
        return _ops.lerp(self, end, weight)

    def clamp_min(self, min: Any) -> "Tensor":
        return _ops.clamp_min(self, min)

    def clamp_max(self, max: Any) -> "Tensor":
        return _ops.clamp_max(self, max)

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> "Tensor":
        return _plain.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> "Tensor":
        return _ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def cross(self, other: Any, dim: int | None = None) -> "Tensor":
        return _ops.cross(self, other, dim)

    def kron(self, other: Any) -> "Tensor":
        return _ops.kron(self, other)

    def dist(self, other: Any, p: float = 2) -> "Tensor":
        return _ops.dist(self, other, p)

    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> "Tensor":
        return _ops.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> "Tensor":
        return _ops.nanmean(self, dim, keepdim, dtype=dtype)

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return _ops.median(self, dim, keepdim)

    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return _ops.nanmedian(self, dim, keepdim)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        return _ops.kthvalue(self, k, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        return _ops.mode(self, dim, keepdim)

    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> "Tensor":
        return _ops.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def histc(self, bins: int = 100, min: Any = 0, max: Any = 0) -> "Tensor":
        return _ops.histc(self, bins, min, max)

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> "Tensor":
        return _ops.index_add(self, dim, index, source, alpha=alpha)

    def det(self) -> "Tensor":
        from . import linalg  # noqa: PLC0415  (linalg builds on tensor)

        return linalg.det(self)

    def slogdet(self) -> Any:
        from . import linalg  # noqa: PLC0415

        return linalg.slogdet(self)

    def inverse(self) -> "Tensor":
        from . import linalg  # noqa: PLC0415

        return linalg.inv(self)

    def matrix_power(self, n: int) -> "Tensor":
        from . import linalg  # noqa: PLC0415

        return linalg.matrix_power(self, n)

    # in place: refused on tensors autograd needs, recorded by scratchgrad.compile as mutations
    @_mutating
    def masked_fill_(self, mask: Any, value: Any) -> "Tensor":
        """Write ``value`` where the bool ``mask`` (broadcast to this shape) is True."""
        self._check_inplace("masked_fill_")
        m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill_: expected a bool mask, got dtype {m.dtype}")
        if isinstance(value, Tensor) and value.ndim:
            raise ValueError(f"masked_fill_: value must be a number or a 0-d tensor, got a "
                             f"tensor of shape {value.shape}")
        try:
            m = get_array_module(self._data).broadcast_to(m, self.shape)
        except ValueError:
            raise ValueError(f"masked_fill_: the mask of shape {m.shape} does not broadcast to "
                             f"the tensor's shape {self.shape}") from None
        v = value._data if isinstance(value, Tensor) else value
        self._data[m] = _backend.like(v, self._data).astype(self._data.dtype) if hasattr(
            v, "dtype") else v
        self._bump_version()
        return self

    @_mutating
    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> "Tensor":
        """Add ``alpha * source`` at ``index`` along ``dim`` in place (repeats accumulate)."""
        self._check_inplace("index_add_")
        from .ops.indexing import _index_add_args  # noqa: PLC0415

        _, d, idx, src = _index_add_args(self, dim, index, source)
        values = src._data if alpha == 1 else src._data * alpha
        xp = get_array_module(self._data)
        if self.ndim == 0:
            self._data[...] += values.sum()
        else:
            _backend.add_at(xp, self._data, (slice(None),) * d + (idx._data.reshape(-1),),
                            values.astype(self._data.dtype, copy=False))
        self._bump_version()
        return self

    def clamp_min_(self, min: Any) -> "Tensor":
        return self.clamp_(min=min)

    def clamp_max_(self, max: Any) -> "Tensor":
        return self.clamp_(max=max)


class Parameter(Tensor):
    """A tensor that is a learnable parameter of a model: it requires grad by default.

    >>> import scratchgrad as sg
    >>> w = sg.nn.Parameter(sg.zeros(2, 3)) if hasattr(sg, "nn") else Parameter(sg.zeros(2, 3))
    >>> w.requires_grad
    True
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty((0,), dtype=_DEFAULT_FLOAT)
        self._init(data, None, requires_grad, None)  # keeps the data's dtype, as PyTorch

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class _VersionCounter:
    """The count of in-place changes to one piece of memory, shared by a tensor, its views
    and its ``detach()`` aliases. A plain object, so that sharing is sharing a reference.

    ``_VersionCounter.last`` is a process-wide stamp that every change renews: a recorded op
    keeps the stamp of its forward, and a backward that finds it unchanged knows that no
    tensor at all changed in place since, so it skips the per-tensor check (a training step
    changes its parameters only after backward). Each stamp is a new number from ``_STAMPS``
    (itertools.count, atomic in CPython), so a change made after the forward never leaves the
    forward's stamp in place, whatever the threads do.

    ``owner`` is the id of the array of the tensor that made the counter, the base: a tensor
    sharing the counter with another array is a view, which ``view()`` treats as PyTorch
    treats views (an id, not a reference: it keeps no memory alive, and a stale one only
    makes ``view()`` copy where PyTorch might refuse)."""

    __slots__ = ("value", "owner")
    last = 0

    def __init__(self, owner: int = 0) -> None:
        self.value = 0
        self.owner = owner


_STAMPS = itertools.count(1)


def _address(a: Any) -> int:
    """Where an array's first element lies in memory (NumPy or CuPy)."""
    ptr = getattr(a.data, "ptr", None)  # CuPy's MemoryPointer; NumPy's .data is a memoryview
    return ptr if ptr is not None else a.__array_interface__["data"][0]


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
