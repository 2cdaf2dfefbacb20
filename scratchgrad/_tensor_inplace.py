"""The in-place methods of :class:`~scratchgrad.Tensor` (``exp_``, ``uniform_``, ``t_``...),
written in one class body that ``Tensor`` inherits, so that tensor.py stays readable.

Every in-place method is marked ``@mutating`` (``_config.mutating``), so that
``scratchgrad.compile`` records and replays the call as a whole. Every elementwise or indexing
one computes its out-of-place op on the values (no graph) and writes the result into the
tensor's memory through one helper, :meth:`_apply_`, which does what every in-place method
must: refuse on a tensor autograd needs, cast back to the tensor's dtype with NumPy's
``same_kind`` rule (``int_tensor.sqrt_()`` is an error, as in PyTorch), and bump the version
counter. The random fills draw from scratchgrad's generators, so
``manual_seed`` makes them reproducible.

>>> import scratchgrad as sg
>>> x = sg.tensor([0.0, 1.0])
>>> x.exp_() is x, x
(True, tensor([1.0000, 2.7183]))
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _config
from . import random as _random
from ._config import mutating
from . import backend as _backend
from .backend import get_array_module


# Bound by tensor.py once the Tensor class and the op library exist (both import this module
# first, so these names can't be imported here): the class, the op functions without their
# ``out=`` layer, the shape-argument parser and the op library.
Tensor: Any = None
_plain: Any = None
_shape_arg: Any = None
_ops: Any = None

class _InPlaceMethods:
    __slots__ = ()

    # ------------------------------------------------------------------ the shared helper
    def _apply_(self, op: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """``self[...] = self.<method>(*args, **kwargs)``, computed outside autograd; ``op``
        is the public in-place name (for error messages)."""
        self._check_inplace(op)
        with _config.no_grad():
            result = getattr(self.detach(), method)(*args, **kwargs)
        return self._write_(op, result._data)

    def _write_(self, op: str, value: Any) -> Any:
        """Write an array of this tensor's shape into its memory (``same_kind`` casting)."""
        if value.shape != self._data.shape:
            raise ValueError(f"{op}: the result has shape {tuple(value.shape)}, which can't be "
                             f"written in place into a tensor of shape {self.shape}")
        try:
            get_array_module(self._data).copyto(self._data, value, casting="same_kind")
        except TypeError:
            raise TypeError(f"{op}: the result of dtype {value.dtype} can't be cast to this "
                            f"tensor's dtype {self.dtype} in place") from None
        self._bump_version()
        return self

    def _fill_random_(self, op: str, generator: Any, draw: Any) -> Any:
        """Fill with ``draw(xp, shape, dtype, generator)`` (float dtypes only)."""
        self._check_inplace(op)
        if self._data.dtype.kind != "f":
            raise TypeError(f"{op}: expected a floating-point tensor, got {self.dtype}")
        xp = get_array_module(self._data)
        value = draw(xp, self._data.shape, self._data.dtype, generator)
        return self._write_(op, xp.asarray(value).astype(self._data.dtype, copy=False))

    def _reshape_(self, op: str, method: str, *args: Any) -> Any:
        """Make this tensor a view of its memory with another shape (t_, squeeze_...)."""
        self._check_inplace(op)
        with _config.no_grad():
            self._data = getattr(self.detach(), method)(*args)._data
        self._bump_version()
        return self

    # ------------------------------------------------------------------ elementwise, one input
    @mutating
    def abs_(self) -> Any:
        return self._apply_("abs_", "abs")

    @mutating
    def absolute_(self) -> Any:
        return self._apply_("absolute_", "abs")

    @mutating
    def neg_(self) -> Any:
        return self._apply_("neg_", "neg")

    @mutating
    def negative_(self) -> Any:
        return self._apply_("negative_", "neg")

    @mutating
    def sign_(self) -> Any:
        return self._apply_("sign_", "sign")

    @mutating
    def sgn_(self) -> Any:
        return self._apply_("sgn_", "sign")

    @mutating
    def exp_(self) -> Any:
        return self._apply_("exp_", "exp")

    @mutating
    def exp2_(self) -> Any:
        return self._apply_("exp2_", "exp2")

    @mutating
    def expm1_(self) -> Any:
        return self._apply_("expm1_", "expm1")

    @mutating
    def log_(self) -> Any:
        return self._apply_("log_", "log")

    @mutating
    def log2_(self) -> Any:
        return self._apply_("log2_", "log2")

    @mutating
    def log10_(self) -> Any:
        return self._apply_("log10_", "log10")

    @mutating
    def log1p_(self) -> Any:
        return self._apply_("log1p_", "log1p")

    @mutating
    def sqrt_(self) -> Any:
        return self._apply_("sqrt_", "sqrt")

    @mutating
    def rsqrt_(self) -> Any:
        return self._apply_("rsqrt_", "rsqrt")

    @mutating
    def square_(self) -> Any:
        return self._apply_("square_", "square")

    @mutating
    def reciprocal_(self) -> Any:
        return self._apply_("reciprocal_", "reciprocal")

    @mutating
    def sin_(self) -> Any:
        return self._apply_("sin_", "sin")

    @mutating
    def cos_(self) -> Any:
        return self._apply_("cos_", "cos")

    @mutating
    def tan_(self) -> Any:
        return self._apply_("tan_", "tan")

    @mutating
    def asin_(self) -> Any:
        return self._apply_("asin_", "asin")

    @mutating
    def acos_(self) -> Any:
        return self._apply_("acos_", "acos")

    @mutating
    def atan_(self) -> Any:
        return self._apply_("atan_", "atan")

    @mutating
    def arcsin_(self) -> Any:
        return self._apply_("arcsin_", "asin")

    @mutating
    def arccos_(self) -> Any:
        return self._apply_("arccos_", "acos")

    @mutating
    def arctan_(self) -> Any:
        return self._apply_("arctan_", "atan")

    @mutating
    def sinh_(self) -> Any:
        return self._apply_("sinh_", "sinh")

    @mutating
    def cosh_(self) -> Any:
        return self._apply_("cosh_", "cosh")

    @mutating
    def tanh_(self) -> Any:
        return self._apply_("tanh_", "tanh")

    @mutating
    def asinh_(self) -> Any:
        return self._apply_("asinh_", "asinh")

    @mutating
    def acosh_(self) -> Any:
        return self._apply_("acosh_", "acosh")

    @mutating
    def atanh_(self) -> Any:
        return self._apply_("atanh_", "atanh")

    @mutating
    def arcsinh_(self) -> Any:
        return self._apply_("arcsinh_", "asinh")

    @mutating
    def arccosh_(self) -> Any:
        return self._apply_("arccosh_", "acosh")

    @mutating
    def arctanh_(self) -> Any:
        return self._apply_("arctanh_", "atanh")

    @mutating
    def sigmoid_(self) -> Any:
        return self._apply_("sigmoid_", "sigmoid")

    @mutating
    def relu_(self) -> Any:
        return self._apply_("relu_", "relu")

    @mutating
    def logit_(self, eps: float | None = None) -> Any:
        return self._apply_("logit_", "logit", eps)

    @mutating
    def erf_(self) -> Any:
        return self._apply_("erf_", "erf")

    @mutating
    def erfc_(self) -> Any:
        return self._apply_("erfc_", "erfc")

    @mutating
    def erfinv_(self) -> Any:
        return self._apply_("erfinv_", "erfinv")

    @mutating
    def lgamma_(self) -> Any:
        return self._apply_("lgamma_", "lgamma")

    @mutating
    def digamma_(self) -> Any:
        return self._apply_("digamma_", "digamma")

    @mutating
    def polygamma_(self, n: int) -> Any:
        return self._apply_("polygamma_", "polygamma", n)

    @mutating
    def sinc_(self) -> Any:
        return self._apply_("sinc_", "sinc")

    @mutating
    def deg2rad_(self) -> Any:
        return self._apply_("deg2rad_", "deg2rad")

    @mutating
    def rad2deg_(self) -> Any:
        return self._apply_("rad2deg_", "rad2deg")

    @mutating
    def floor_(self) -> Any:
        return self._apply_("floor_", "floor")

    @mutating
    def ceil_(self) -> Any:
        return self._apply_("ceil_", "ceil")

    @mutating
    def trunc_(self) -> Any:
        return self._apply_("trunc_", "trunc")

    @mutating
    def fix_(self) -> Any:
        return self._apply_("fix_", "trunc")

    @mutating
    def frac_(self) -> Any:
        return self._apply_("frac_", "frac")

    @mutating
    def round_(self, decimals: int = 0) -> Any:
        return self._apply_("round_", "round", decimals)

    @mutating
    def nan_to_num_(self, nan: float = 0.0, posinf: float | None = None,
                    neginf: float | None = None) -> Any:
        return self._apply_("nan_to_num_", "nan_to_num", nan, posinf, neginf)

    @mutating
    def bitwise_not_(self) -> Any:
        return self._apply_("bitwise_not_", "bitwise_not")

    @mutating
    def logical_not_(self) -> Any:
        return self._apply_("logical_not_", "logical_not")

    # ------------------------------------------------------------------ elementwise, two inputs
    @mutating
    def pow_(self, exponent: Any) -> Any:
        return self._apply_("pow_", "pow", exponent)

    @mutating
    def float_power_(self, exponent: Any) -> Any:
        return self._apply_("float_power_", "float_power", exponent)

    @mutating
    def multiply_(self, other: Any) -> Any:
        return self.mul_(other)

    @mutating
    def subtract_(self, other: Any, alpha: float = 1) -> Any:
        return self.sub_(other, alpha)

    @mutating
    def divide_(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        return self._apply_("divide_", "divide", other, rounding_mode=rounding_mode)

    @mutating
    def true_divide_(self, other: Any) -> Any:
        return self._apply_("true_divide_", "true_divide", other)

    @mutating
    def floor_divide_(self, other: Any) -> Any:
        return self._apply_("floor_divide_", "floor_divide", other)

    @mutating
    def remainder_(self, other: Any) -> Any:
        return self._apply_("remainder_", "remainder", other)

    @mutating
    def fmod_(self, other: Any) -> Any:
        return self._apply_("fmod_", "fmod", other)

    @mutating
    def atan2_(self, other: Any) -> Any:
        return self._apply_("atan2_", "atan2", other)

    @mutating
    def arctan2_(self, other: Any) -> Any:
        return self._apply_("arctan2_", "atan2", other)

    @mutating
    def hypot_(self, other: Any) -> Any:
        return self._apply_("hypot_", "hypot", other)

    @mutating
    def copysign_(self, other: Any) -> Any:
        return self._apply_("copysign_", "copysign", other)

    @mutating
    def xlogy_(self, other: Any) -> Any:
        return self._apply_("xlogy_", "xlogy", other)

    @mutating
    def ldexp_(self, other: Any) -> Any:
        return self._apply_("ldexp_", "ldexp", other)

    @mutating
    def heaviside_(self, values: Any) -> Any:
        return self._apply_("heaviside_", "heaviside", values)

    @mutating
    def nextafter_(self, other: Any) -> Any:
        return self._apply_("nextafter_", "nextafter", other)

    @mutating
    def lerp_(self, end: Any, weight: Any) -> Any:
        return self._apply_("lerp_", "lerp", end, weight)

    @mutating
    def gcd_(self, other: Any) -> Any:
        return self._apply_("gcd_", "gcd", other)

    @mutating
    def lcm_(self, other: Any) -> Any:
        return self._apply_("lcm_", "lcm", other)

    @mutating
    def bitwise_and_(self, other: Any) -> Any:
        return self._apply_("bitwise_and_", "bitwise_and", other)

    @mutating
    def bitwise_or_(self, other: Any) -> Any:
        return self._apply_("bitwise_or_", "bitwise_or", other)

    @mutating
    def bitwise_xor_(self, other: Any) -> Any:
        return self._apply_("bitwise_xor_", "bitwise_xor", other)

    @mutating
    def bitwise_left_shift_(self, other: Any) -> Any:
        return self._apply_("bitwise_left_shift_", "bitwise_left_shift", other)

    @mutating
    def bitwise_right_shift_(self, other: Any) -> Any:
        return self._apply_("bitwise_right_shift_", "bitwise_right_shift", other)

    @mutating
    def logical_and_(self, other: Any) -> Any:
        return self._apply_("logical_and_", "logical_and", other)

    @mutating
    def logical_or_(self, other: Any) -> Any:
        return self._apply_("logical_or_", "logical_or", other)

    @mutating
    def logical_xor_(self, other: Any) -> Any:
        return self._apply_("logical_xor_", "logical_xor", other)

    # comparisons in place: 1 where true, 0 where false, in this tensor's dtype
    @mutating
    def eq_(self, other: Any) -> Any:
        return self._apply_("eq_", "eq", other)

    @mutating
    def ne_(self, other: Any) -> Any:
        return self._apply_("ne_", "ne", other)

    @mutating
    def lt_(self, other: Any) -> Any:
        return self._apply_("lt_", "lt", other)

    @mutating
    def le_(self, other: Any) -> Any:
        return self._apply_("le_", "le", other)

    @mutating
    def gt_(self, other: Any) -> Any:
        return self._apply_("gt_", "gt", other)

    @mutating
    def ge_(self, other: Any) -> Any:
        return self._apply_("ge_", "ge", other)

    @mutating
    def not_equal_(self, other: Any) -> Any:
        return self._apply_("not_equal_", "ne", other)

    @mutating
    def less_(self, other: Any) -> Any:
        return self._apply_("less_", "lt", other)

    @mutating
    def less_equal_(self, other: Any) -> Any:
        return self._apply_("less_equal_", "le", other)

    @mutating
    def greater_(self, other: Any) -> Any:
        return self._apply_("greater_", "gt", other)

    @mutating
    def greater_equal_(self, other: Any) -> Any:
        return self._apply_("greater_equal_", "ge", other)

    @mutating
    def clip_(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return self.clamp_(min, max)

    # ------------------------------------------------------------------ products and scans
    @mutating
    def addmm_(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._apply_("addmm_", "addmm", mat1, mat2, beta=beta, alpha=alpha)

    @mutating
    def addmv_(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._apply_("addmv_", "addmv", mat, vec, beta=beta, alpha=alpha)

    @mutating
    def addr_(self, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._apply_("addr_", "addr", vec1, vec2, beta=beta, alpha=alpha)

    @mutating
    def addbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._apply_("addbmm_", "addbmm", batch1, batch2, beta=beta, alpha=alpha)

    @mutating
    def baddbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        return self._apply_("baddbmm_", "baddbmm", batch1, batch2, beta=beta, alpha=alpha)

    @mutating
    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return self._apply_("addcmul_", "addcmul", tensor1, tensor2, value=value)

    @mutating
    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        return self._apply_("addcdiv_", "addcdiv", tensor1, tensor2, value=value)

    @mutating
    def cumsum_(self, dim: int) -> Any:
        return self._apply_("cumsum_", "cumsum", dim)

    @mutating
    def cumprod_(self, dim: int) -> Any:
        return self._apply_("cumprod_", "cumprod", dim)

    @mutating
    def renorm_(self, p: float, dim: int, maxnorm: float) -> Any:
        return self._apply_("renorm_", "renorm", p, dim, maxnorm)

    @mutating
    def tril_(self, diagonal: int = 0) -> Any:
        return self._apply_("tril_", "tril", diagonal)

    @mutating
    def triu_(self, diagonal: int = 0) -> Any:
        return self._apply_("triu_", "triu", diagonal)

    # ------------------------------------------------------------------ writes at indices
    @mutating
    def scatter_(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Any:
        return self._apply_("scatter_", "scatter", dim, index, src, value=value, reduce=reduce)

    @mutating
    def scatter_add_(self, dim: int, index: Any, src: Any) -> Any:
        return self._apply_("scatter_add_", "scatter_add", dim, index, src)

    @mutating
    def scatter_reduce_(self, dim: int, index: Any, src: Any, reduce: str, *,
                        include_self: bool = True) -> Any:
        return self._apply_("scatter_reduce_", "scatter_reduce", dim, index, src, reduce,
                            include_self=include_self)

    @mutating
    def index_fill_(self, dim: int, index: Any, value: Any) -> Any:
        return self._apply_("index_fill_", "index_fill", dim, index, value)

    @mutating
    def index_copy_(self, dim: int, index: Any, source: Any) -> Any:
        return self._apply_("index_copy_", "index_copy", dim, index, source)

    @mutating
    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Any:
        return self._apply_("index_put_", "index_put", indices, values, accumulate)

    @mutating
    def masked_scatter_(self, mask: Any, source: Any) -> Any:
        return self._apply_("masked_scatter_", "masked_scatter", mask, source)

    @mutating
    def put_(self, index: Any, source: Any, accumulate: bool = False) -> Any:
        return self._apply_("put_", "put", index, source, accumulate)

    @mutating
    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Any:
        """Write ``fill_value`` on the main diagonal (all dims of equal size beyond 2-D; a tall
        matrix restarts the diagonal every ``cols + 1`` rows with ``wrap``)."""
        self._check_inplace("fill_diagonal_")
        if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
            raise ValueError(f"fill_diagonal_: expected a 2-D tensor or one with all dims of "
                             f"equal size, got shape {self.shape}")
        value = np.copy(self._data)
        np.fill_diagonal(value, fill_value, wrap=wrap)
        return self._write_("fill_diagonal_", value)

    # ------------------------------------------------------------------ shape in place
    @mutating
    def t_(self) -> Any:
        return self._reshape_("t_", "t")

    @mutating
    def transpose_(self, dim0: int, dim1: int) -> Any:
        return self._reshape_("transpose_", "transpose", dim0, dim1)

    @mutating
    def swapaxes_(self, axis0: int, axis1: int) -> Any:
        return self._reshape_("swapaxes_", "transpose", axis0, axis1)

    @mutating
    def swapdims_(self, dim0: int, dim1: int) -> Any:
        return self._reshape_("swapdims_", "transpose", dim0, dim1)

    @mutating
    def squeeze_(self, dim: Any = None) -> Any:
        return self._reshape_("squeeze_", "squeeze", dim)

    @mutating
    def unsqueeze_(self, dim: int) -> Any:
        return self._reshape_("unsqueeze_", "unsqueeze", dim)

    @mutating
    def resize_(self, *sizes: Any) -> Any:
        """Give the tensor shape ``sizes``: its first elements kept in order, new ones zero."""
        self._check_inplace("resize_")
        shape = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int) else sizes
        xp = get_array_module(self._data)
        flat = xp.zeros(int(np.prod(shape, dtype=np.int64)), dtype=self._data.dtype)
        n = min(flat.size, self._data.size)
        flat[:n] = self._data.reshape(-1)[:n]
        self._data = flat.reshape(shape)
        self._bump_version()
        return self

    @mutating
    def resize_as_(self, other: Any) -> Any:
        return self.resize_(other.shape)

    # ------------------------------------------------------------------ random fills
    @mutating
    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> Any:
        """Fill with numbers drawn uniformly from [from_, to)."""
        return self._fill_random_(
            "uniform_", generator,
            lambda xp, s, d, g: from_ + (to - from_) * _random.uniform(xp, s, d, g))

    @mutating
    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Any:
        """Fill with normal numbers of mean ``mean`` and standard deviation ``std``."""
        return self._fill_random_(
            "normal_", generator,
            lambda xp, s, d, g: mean + std * _random.standard_normal(xp, s, d, g))

    @mutating
    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator: Any = None) -> Any:
        """Fill with exp(N(mean, std**2)) samples."""
        return self._fill_random_(
            "log_normal_", generator,
            lambda xp, s, d, g: xp.exp(mean + std * _random.standard_normal(xp, s, np.float64,
                                                                            g)))

    @mutating
    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Any:
        """Fill with exponential samples of rate ``lambd``."""
        return self._fill_random_(
            "exponential_", generator,
            lambda xp, s, d, g: -xp.log1p(-_random.uniform(xp, s, np.float64, g)) / lambd)

    @mutating
    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None) -> Any:
        """Fill with Cauchy samples."""
        return self._fill_random_(
            "cauchy_", generator,
            lambda xp, s, d, g: median + sigma * xp.tan(
                math.pi * (_random.uniform(xp, s, np.float64, g) - 0.5)))

    @mutating
    def geometric_(self, p: float, *, generator: Any = None) -> Any:
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
        return self._fill_random_(
            "geometric_", generator,
            lambda xp, s, d, g: xp.maximum(xp.ceil(
                xp.log1p(-_random.uniform(xp, s, np.float64, g)) / math.log1p(-p)), 1))

    @mutating
    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Any:
        """Fill with 1 with probability ``p`` (a number or a tensor), else 0."""
        prob = getattr(p, "_data", p)
        return self._fill_random_(
            "bernoulli_", generator,
            lambda xp, s, d, g: _random.uniform(xp, s, np.float64, g) < prob)

    @mutating
    def random_(self, from_: int = 0, to: int | None = None, *, generator: Any = None) -> Any:
        """Fill with integers drawn uniformly from [from_, to - 1] (one argument: [0, from_);
        none: [0, 2**mantissa] for floats, the dtype's range for integers)."""
        self._check_inplace("random_")
        dt = self._data.dtype
        if to is None and from_ != 0:
            from_, to = 0, from_
        if to is None:
            to = (2 ** (np.finfo(dt).nmant + 1) + 1) if dt.kind == "f" else (
                2 if dt.kind == "b" else int(np.iinfo(dt).max) + 1)
        draws = _random.rng(generator).integers(from_, to, size=self._data.shape)
        xp = get_array_module(self._data)
        return self._write_("random_", xp.asarray(draws.astype(dt)))

    # ------------------------------------------------------------------ moved from tensor.py
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

    @mutating
    def __iadd__(self, other: Any) -> "Tensor":
        return self._inplace("__iadd__", np.add, other)

    @mutating
    def __isub__(self, other: Any) -> "Tensor":
        return self._inplace("__isub__", np.subtract, other)

    @mutating
    def __imul__(self, other: Any) -> "Tensor":
        return self._inplace("__imul__", np.multiply, other)

    @mutating
    def __itruediv__(self, other: Any) -> "Tensor":
        return self._inplace("__itruediv__", np.true_divide, other)

    @mutating
    def add_(self, other: Any, alpha: float = 1) -> "Tensor":
        """In place ``self += alpha * other``."""
        if alpha != 1:
            other = (other._data if isinstance(other, Tensor) else other) * alpha
        return self._inplace("add_", np.add, other)

    @mutating
    def sub_(self, other: Any, alpha: float = 1) -> "Tensor":
        if alpha != 1:
            other = (other._data if isinstance(other, Tensor) else other) * alpha
        return self._inplace("sub_", np.subtract, other)

    @mutating
    def mul_(self, other: Any) -> "Tensor":
        return self._inplace("mul_", np.multiply, other)

    @mutating
    def div_(self, other: Any) -> "Tensor":
        return self._inplace("div_", np.true_divide, other)

    def zero_(self) -> "Tensor":
        """Fill with zeros in place."""
        return self.fill_(0)

    @mutating
    def fill_(self, value: Any) -> "Tensor":
        self._check_inplace("fill_")
        self._data[...] = _backend.like(value._data if isinstance(value, Tensor) else value,
                                       self._data)
        self._bump_version()
        return self

    @mutating
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

    @mutating
    def clamp_(self, min: Any = None, max: Any = None) -> "Tensor":
        self._check_inplace("clamp_")
        np.clip(self._data, min, max, out=self._data)
        self._bump_version()
        return self

    @mutating
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

    @mutating
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

    @mutating
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
