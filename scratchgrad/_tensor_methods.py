"""More methods of :class:`~scratchgrad.Tensor`: PyTorch's aliases (``absolute``,
``multiply``, ``swapaxes``...), the newer math, shape and indexing ops as methods, and small
attributes (``nelement``, ``is_cpu``, ``H``...). Written in one class body that ``Tensor``
inherits; each method calls the op library function of the same name.

>>> import scratchgrad as sg
>>> sg.tensor([[1.0, 2.0]]).swapaxes(0, 1).shape
(2, 1)
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

from . import _config, _settings
from ._config import mutating
from ._dtype import as_dtype, bool_, float32, float64, get_default_dtype, int32, int64
from ._size import Size
from .backend import device as _device
from .backend import get_array_module


# Bound by tensor.py once the Tensor class and the op library exist (both import this module
# first, so these names can't be imported here): the class, the op functions without their
# ``out=`` layer, the shape-argument parser and the op library.
Tensor: Any = None
_plain: Any = None
_shape_arg: Any = None
_ops: Any = None


def _address(a: Any) -> int:
    """Where an array's first element lies in memory (NumPy or CuPy)."""
    ptr = getattr(a.data, "ptr", None)  # CuPy's MemoryPointer; NumPy's .data is a memoryview
    return ptr if ptr is not None else a.__array_interface__["data"][0]



class _MoreMethods:
    __slots__ = ()

    # ------------------------------------------------------------------ small attributes
    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def itemsize(self) -> int:
        return int(self._data.dtype.itemsize)

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    @property
    def output_nr(self) -> int:
        """Which output of its creator this tensor is (0 for leaves)."""
        return self._out_index

    @property
    def H(self) -> Any:
        """The conjugate transpose of a matrix: the transpose, for real tensors."""
        if self.ndim > 2:
            raise ValueError(f"H: expected a tensor with at most 2 dims, got {self.ndim}; use "
                             "mH for batches")
        return self.t()

    @property
    def mH(self) -> Any:
        return self.mT

    def adjoint(self) -> Any:
        return self.mT

    def element_size(self) -> int:
        return int(self._data.dtype.itemsize)

    def nelement(self) -> int:
        return int(self._data.size)

    def ndimension(self) -> int:
        return self._data.ndim

    def get_device(self) -> int:
        """The GPU's index, or -1 on the CPU."""
        d = self.device
        return -1 if d.type == "cpu" else (d.index or 0)

    def is_signed(self) -> bool:
        return self._data.dtype.kind in "fi"

    def is_nonzero(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"is_nonzero: a tensor with {self._data.size} elements has an "
                               "ambiguous truth value")
        return bool(self._data.reshape(-1)[0])

    def is_same_size(self, other: Any) -> bool:
        return tuple(self.shape) == tuple(other.shape)

    def half(self) -> Any:
        return self.to(np.float16)

    def short(self) -> Any:
        return self.to(np.int16)

    def char(self) -> Any:
        return self.to(np.int8)

    def byte(self) -> Any:
        return self.to(np.uint8)

    def new(self, *args: Any) -> Any:
        """PyTorch's legacy ``x.new(...)``: a tensor of this dtype and device, from sizes (empty
        contents, zeros here) or from data."""
        if len(args) == 1 and not isinstance(args[0], int):
            return self.new_tensor(args[0])
        return self.new_zeros(*args)

    # ------------------------------------------------------------------ aliases
    def absolute(self) -> Any:
        return _ops.abs(self)

    def negative(self) -> Any:
        return _ops.neg(self)

    def positive(self) -> Any:
        return self

    def multiply(self, other: Any) -> Any:
        return _ops.mul(self, other)

    def subtract(self, other: Any, *, alpha: Any = 1) -> Any:
        return _ops.sub(self, other if alpha == 1 else other * alpha)

    def divide(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        return _ops.divide(self, other, rounding_mode=rounding_mode)

    def greater(self, other: Any) -> Any:
        return _ops.gt(self, other)

    def greater_equal(self, other: Any) -> Any:
        return _ops.ge(self, other)

    def less(self, other: Any) -> Any:
        return _ops.lt(self, other)

    def less_equal(self, other: Any) -> Any:
        return _ops.le(self, other)

    def not_equal(self, other: Any) -> Any:
        return _ops.ne(self, other)

    def arcsin(self) -> Any:
        return _ops.asin(self)

    def arccos(self) -> Any:
        return _ops.acos(self)

    def arctan(self) -> Any:
        return _ops.atan(self)

    def arcsinh(self) -> Any:
        return _ops.asinh(self)

    def arccosh(self) -> Any:
        return _ops.acosh(self)

    def arctanh(self) -> Any:
        return _ops.atanh(self)

    def arctan2(self, other: Any) -> Any:
        return _ops.atan2(self, other)

    def fix(self) -> Any:
        return _ops.trunc(self)

    def sgn(self) -> Any:
        return _ops.sign(self)

    def swapaxes(self, axis0: int, axis1: int) -> Any:
        return _ops.transpose(self, axis0, axis1)

    def swapdims(self, dim0: int, dim1: int) -> Any:
        return _ops.transpose(self, dim0, dim1)

    def moveaxis(self, source: Any, destination: Any) -> Any:
        return _ops.movedim(self, source, destination)

    def ravel(self) -> Any:
        return _ops.ravel(self)

    def ger(self, vec2: Any) -> Any:
        return _ops.outer(self, vec2)

    # ------------------------------------------------------------------ elementwise math
    def tan(self) -> Any:
        return _ops.tan(self)

    def asin(self) -> Any:
        return _ops.asin(self)

    def acos(self) -> Any:
        return _ops.acos(self)

    def atan(self) -> Any:
        return _ops.atan(self)

    def sinh(self) -> Any:
        return _ops.sinh(self)

    def cosh(self) -> Any:
        return _ops.cosh(self)

    def asinh(self) -> Any:
        return _ops.asinh(self)

    def acosh(self) -> Any:
        return _ops.acosh(self)

    def atanh(self) -> Any:
        return _ops.atanh(self)

    def exp2(self) -> Any:
        return _ops.exp2(self)

    def erfc(self) -> Any:
        return _ops.erfc(self)

    def erfinv(self) -> Any:
        return _ops.erfinv(self)

    def lgamma(self) -> Any:
        return _ops.lgamma(self)

    def digamma(self) -> Any:
        return _ops.digamma(self)

    def polygamma(self, n: int) -> Any:
        return _ops.polygamma(n, self)

    def logit(self, eps: float | None = None) -> Any:
        return _ops.logit(self, eps)

    def sinc(self) -> Any:
        return _ops.sinc(self)

    def deg2rad(self) -> Any:
        return _ops.deg2rad(self)

    def rad2deg(self) -> Any:
        return _ops.rad2deg(self)

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Any:
        return _ops.nan_to_num(self, nan, posinf, neginf)

    def signbit(self) -> Any:
        return _ops.signbit(self)

    def isposinf(self) -> Any:
        return _ops.isposinf(self)

    def isneginf(self) -> Any:
        return _ops.isneginf(self)

    def isreal(self) -> Any:
        return _ops.isreal(self)

    def hypot(self, other: Any) -> Any:
        return _ops.hypot(self, other)

    def logaddexp(self, other: Any) -> Any:
        return _ops.logaddexp(self, other)

    def logaddexp2(self, other: Any) -> Any:
        return _ops.logaddexp2(self, other)

    def xlogy(self, other: Any) -> Any:
        return _ops.xlogy(self, other)

    def copysign(self, other: Any) -> Any:
        return _ops.copysign(self, other)

    def fmax(self, other: Any) -> Any:
        return _ops.fmax(self, other)

    def fmin(self, other: Any) -> Any:
        return _ops.fmin(self, other)

    def float_power(self, exponent: Any) -> Any:
        return _ops.float_power(self, exponent)

    def ldexp(self, other: Any) -> Any:
        return _ops.ldexp(self, other)

    def frexp(self) -> Any:
        return _ops.frexp(self)

    def heaviside(self, values: Any) -> Any:
        return _ops.heaviside(self, values)

    def nextafter(self, other: Any) -> Any:
        return _ops.nextafter(self, other)

    def bitwise_and(self, other: Any) -> Any:
        return _ops.bitwise_and(self, other)

    def bitwise_or(self, other: Any) -> Any:
        return _ops.bitwise_or(self, other)

    def bitwise_xor(self, other: Any) -> Any:
        return _ops.bitwise_xor(self, other)

    def bitwise_not(self) -> Any:
        return _ops.bitwise_not(self)

    def bitwise_left_shift(self, other: Any) -> Any:
        return _ops.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other: Any) -> Any:
        return _ops.bitwise_right_shift(self, other)

    def logical_and(self, other: Any) -> Any:
        return _ops.logical_and(self, other)

    def logical_or(self, other: Any) -> Any:
        return _ops.logical_or(self, other)

    def logical_xor(self, other: Any) -> Any:
        return _ops.logical_xor(self, other)

    def logical_not(self) -> Any:
        return _ops.logical_not(self)

    def gcd(self, other: Any) -> Any:
        return _ops.gcd(self, other)

    def lcm(self, other: Any) -> Any:
        return _ops.lcm(self, other)

    # ------------------------------------------------------------------ products
    def addmv(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return _ops.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return _ops.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return _ops.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return _ops.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return _ops.addcdiv(self, tensor1, tensor2, value=value)

    def inner(self, other: Any) -> Any:
        return _ops.inner(self, other)

    def vdot(self, other: Any) -> Any:
        return _ops.vdot(self, other)

    def logdet(self) -> Any:
        return _ops.logdet(self)

    # ------------------------------------------------------------------ reductions and scans
    def cummax(self, dim: int) -> Any:
        return _ops.cummax(self, dim)

    def cummin(self, dim: int) -> Any:
        return _ops.cummin(self, dim)

    def logcumsumexp(self, dim: int) -> Any:
        return _ops.logcumsumexp(self, dim)

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> Any:
        return _ops.aminmax(self, dim=dim, keepdim=keepdim)

    def msort(self) -> Any:
        return _ops.msort(self)

    def renorm(self, p: float, dim: int, maxnorm: float) -> Any:
        return _ops.renorm(self, p, dim, maxnorm)

    # ------------------------------------------------------------------ shape
    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        return _ops.diagonal(self, offset, dim1, dim2)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
        return _ops.diag_embed(self, offset, dim1, dim2)

    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Any:
        return _ops.diff(self, n, dim, prepend, append)

    def select(self, dim: int, index: int) -> Any:
        return _ops.select(self, dim, index)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Any:
        return _ops.unflatten(self, dim, sizes)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> Any:
        return _ops.tensor_split(self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections: Any) -> Any:
        return _ops.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections: Any) -> Any:
        return _ops.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections: Any) -> Any:
        return _ops.dsplit(self, indices_or_sections)

    def split_with_sizes(self, split_sizes: Sequence[int], dim: int = 0) -> Any:
        return _ops.split(self, list(split_sizes), dim)

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Any:
        return _ops.rot90(self, k, dims)

    def fliplr(self) -> Any:
        return _ops.fliplr(self)

    def flipud(self) -> Any:
        return _ops.flipud(self)

    # ------------------------------------------------------------------ indexing
    def take(self, index: Any) -> Any:
        return _ops.take(self, index)

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Any:
        return _ops.put(self, index, source, accumulate)

    def index_fill(self, dim: int, index: Any, value: Any) -> Any:
        return _ops.index_fill(self, dim, index, value)

    def index_copy(self, dim: int, index: Any, source: Any) -> Any:
        return _ops.index_copy(self, dim, index, source)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Any:
        return _ops.index_put(self, indices, values, accumulate)

    def masked_scatter(self, mask: Any, source: Any) -> Any:
        return _ops.masked_scatter(self, mask, source)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *,
                       include_self: bool = True) -> Any:
        return _ops.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False,
                           dim: int | None = None) -> Any:
        return _ops.unique_consecutive(self, return_inverse, return_counts, dim)

    def unfold(self, dimension: int, size: int, step: int) -> Any:
        return _ops.unfold(self, dimension, size, step)

    def narrow_copy(self, dim: int, start: int, length: int) -> Any:
        return _ops.narrow_copy(self, dim, start, length)

    def unsafe_split(self, split_size: Any, dim: int = 0) -> Any:
        return _ops.split(self, split_size, dim)

    def unsafe_split_with_sizes(self, split_sizes: Sequence[int], dim: int = 0) -> Any:
        return _ops.split(self, list(split_sizes), dim)

    def unsafe_chunk(self, chunks: int, dim: int = 0) -> Any:
        return _ops.chunk(self, chunks, dim)

    def diagflat(self, offset: int = 0) -> Any:
        return _ops.diagflat(self, offset)

    def select_scatter(self, src: Any, dim: int, index: int) -> Any:
        return _ops.select_scatter(self, src, dim, index)

    def slice_scatter(self, src: Any, dim: int = 0, start: int | None = None,
                      end: int | None = None, step: int = 1) -> Any:
        return _ops.slice_scatter(self, src, dim, start, end, step)

    def diagonal_scatter(self, src: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
        return _ops.diagonal_scatter(self, src, offset, dim1, dim2)

    # ------------------------------------------------------------------ statistics and linalg
    def cov(self, *, correction: int = 1, fweights: Any = None, aweights: Any = None) -> Any:
        return _ops.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self) -> Any:
        return _ops.corrcoef(self)

    def cholesky(self, upper: bool = False) -> Any:
        return _ops.cholesky(self, upper)

    def cholesky_inverse(self, upper: bool = False) -> Any:
        return _ops.cholesky_inverse(self, upper)

    def cholesky_solve(self, input2: Any, upper: bool = False) -> Any:
        return _ops.cholesky_solve(self, input2, upper)

    def triangular_solve(self, A: Any, upper: bool = True, transpose: bool = False,
                         unitriangular: bool = False) -> Any:
        return _ops.triangular_solve(self, A, upper, transpose, unitriangular)

    def qr(self, some: bool = True) -> Any:
        return _ops.qr(self, some)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        return _ops.svd(self, some, compute_uv)

    def pinverse(self, rcond: float = 1e-15) -> Any:
        return _ops.pinverse(self, rcond)

    def hardshrink(self, lambd: float = 0.5) -> Any:
        return _ops.hardshrink(self, lambd)

    def prelu(self, weight: Any) -> Any:
        from .ops.elementwise import prelu  # noqa: PLC0415

        return prelu(self, weight)

    def mvlgamma(self, p: int) -> Any:
        return _ops.mvlgamma(self, p)

    @mutating
    def mvlgamma_(self, p: int) -> Any:
        return self._apply_("mvlgamma_", "mvlgamma", p)

    def histogram(self, bins: Any = 100, *, range: Any = None, weight: Any = None,  # noqa: A002
                  density: bool = False) -> Any:
        from .factory import histogram  # noqa: PLC0415

        return histogram(self, bins, range=range, weight=weight, density=density)

    def bernoulli(self, p: float | None = None, *, generator: Any = None) -> Any:
        from .factory import bernoulli  # noqa: PLC0415

        return bernoulli(self, p, generator=generator)

    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Any = None) -> Any:
        from .factory import multinomial  # noqa: PLC0415

        return multinomial(self, num_samples, replacement, generator=generator)

    def is_inference(self) -> bool:
        """False: scratchgrad makes no inference-only tensors."""
        return False

    # ------------------------------------------------------------------ moved from tensor.py
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

    def matmul(self, other: Any) -> "Tensor":
        return _plain.matmul(self, other)

    def mm(self, other: Any) -> "Tensor":
        return _plain.mm(self, other)

    def dot(self, other: Any) -> "Tensor":
        return _ops.dot(self, other)

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

    # ------------------------------------------------------------------ values out: Python and NumPy
    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

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

    def __repr__(self) -> str:
        a = np.asarray(self.__array__())
        extras = []
        if a.size == 0 and a.ndim != 1:
            extras.append(f"size={a.shape}")
        if self.dtype not in (get_default_dtype(), int64, bool_) or (
                a.size == 0 and self.dtype != get_default_dtype()):
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
