"""More methods of :class:`~scratchgrad.Tensor`: PyTorch's aliases (``absolute``,
``multiply``, ``swapaxes``...), the newer math, shape and indexing ops as methods, and small
attributes (``nelement``, ``is_cpu``, ``H``...). Written in one class body that ``Tensor``
inherits; each method calls the op library function of the same name.

>>> import scratchgrad as sg
>>> sg.tensor([[1.0, 2.0]]).swapaxes(0, 1).shape
(2, 1)
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ._config import mutating


class _LazyOps:
    """The op library, looked up on first use: ``ops`` imports ``tensor``, which imports this
    file, so the name can't be bound at import time."""

    def __getattr__(self, name: str) -> Any:
        from . import ops  # noqa: PLC0415

        return getattr(ops, name)


_ops = _LazyOps()


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
