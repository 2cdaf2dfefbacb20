"""``torch.<name>_(tensor, ...)``: the function forms of Tensor's in-place methods and a few
queries that PyTorch also exposes as functions. Each calls the method; the method's docstring
(tensor.py, _tensor_inplace.py) says what it does.

>>> import scratchgrad as sg
>>> x = sg.tensor([1.0, 4.0])
>>> sg.sqrt_(x) is x, x
(True, tensor([1., 2.]))
"""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor

__all__ = [
    "abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
    "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
    "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp2_", "exp_",
    "expm1_", "fill_", "fix_", "floor_", "frac_", "gcd_", "lcm_", "ldexp_", "log10_", "log1p_",
    "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_",
    "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_",
    "tan_", "tanh_", "trunc_", "xlogy_", "zero_", "index_put_", "addmv_", "resize_as_",
    "detach_", "detach", "numel", "is_floating_point", "is_nonzero", "is_same_size",
    "is_signed", "is_inference", "get_device", "positive", "adjoint",
]


def abs_(input: Tensor) -> Tensor:  # noqa: A002
    return input.abs_()


def acos_(input: Tensor) -> Tensor:  # noqa: A002
    return input.acos_()


def acosh_(input: Tensor) -> Tensor:  # noqa: A002
    return input.acosh_()


def arccos_(input: Tensor) -> Tensor:  # noqa: A002
    return input.arccos_()


def arccosh_(input: Tensor) -> Tensor:  # noqa: A002
    return input.arccosh_()


def arcsin_(input: Tensor) -> Tensor:  # noqa: A002
    return input.arcsin_()


def arcsinh_(input: Tensor) -> Tensor:  # noqa: A002
    return input.arcsinh_()


def arctan_(input: Tensor) -> Tensor:  # noqa: A002
    return input.arctan_()


def arctanh_(input: Tensor) -> Tensor:  # noqa: A002
    return input.arctanh_()


def asin_(input: Tensor) -> Tensor:  # noqa: A002
    return input.asin_()


def asinh_(input: Tensor) -> Tensor:  # noqa: A002
    return input.asinh_()


def atan_(input: Tensor) -> Tensor:  # noqa: A002
    return input.atan_()


def atanh_(input: Tensor) -> Tensor:  # noqa: A002
    return input.atanh_()


def ceil_(input: Tensor) -> Tensor:  # noqa: A002
    return input.ceil_()


def clamp_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return input.clamp_(min, max)


def clamp_max_(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    return input.clamp_max_(max)


def clamp_min_(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    return input.clamp_min_(min)


def clip_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return input.clip_(min, max)


def cos_(input: Tensor) -> Tensor:  # noqa: A002
    return input.cos_()


def cosh_(input: Tensor) -> Tensor:  # noqa: A002
    return input.cosh_()


def deg2rad_(input: Tensor) -> Tensor:  # noqa: A002
    return input.deg2rad_()


def erf_(input: Tensor) -> Tensor:  # noqa: A002
    return input.erf_()


def erfc_(input: Tensor) -> Tensor:  # noqa: A002
    return input.erfc_()


def exp2_(input: Tensor) -> Tensor:  # noqa: A002
    return input.exp2_()


def exp_(input: Tensor) -> Tensor:  # noqa: A002
    return input.exp_()


def expm1_(input: Tensor) -> Tensor:  # noqa: A002
    return input.expm1_()


def fill_(input: Tensor, value: Any) -> Tensor:  # noqa: A002
    return input.fill_(value)


def fix_(input: Tensor) -> Tensor:  # noqa: A002
    return input.fix_()


def floor_(input: Tensor) -> Tensor:  # noqa: A002
    return input.floor_()


def frac_(input: Tensor) -> Tensor:  # noqa: A002
    return input.frac_()


def gcd_(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    return input.gcd_(other)


def lcm_(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    return input.lcm_(other)


def ldexp_(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    return input.ldexp_(other)


def log10_(input: Tensor) -> Tensor:  # noqa: A002
    return input.log10_()


def log1p_(input: Tensor) -> Tensor:  # noqa: A002
    return input.log1p_()


def log2_(input: Tensor) -> Tensor:  # noqa: A002
    return input.log2_()


def log_(input: Tensor) -> Tensor:  # noqa: A002
    return input.log_()


def logit_(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    return input.logit_(eps)


def nan_to_num_(input: Tensor, nan: float = 0.0, posinf: float | None = None,  # noqa: A002
                neginf: float | None = None) -> Tensor:
    return input.nan_to_num_(nan, posinf, neginf)


def neg_(input: Tensor) -> Tensor:  # noqa: A002
    return input.neg_()


def negative_(input: Tensor) -> Tensor:  # noqa: A002
    return input.negative_()


def rad2deg_(input: Tensor) -> Tensor:  # noqa: A002
    return input.rad2deg_()


def reciprocal_(input: Tensor) -> Tensor:  # noqa: A002
    return input.reciprocal_()


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    return input.relu_()


def round_(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A002
    return input.round_(decimals=decimals)


def rsqrt_(input: Tensor) -> Tensor:  # noqa: A002
    return input.rsqrt_()


def sigmoid_(input: Tensor) -> Tensor:  # noqa: A002
    return input.sigmoid_()


def sin_(input: Tensor) -> Tensor:  # noqa: A002
    return input.sin_()


def sinc_(input: Tensor) -> Tensor:  # noqa: A002
    return input.sinc_()


def sinh_(input: Tensor) -> Tensor:  # noqa: A002
    return input.sinh_()


def sqrt_(input: Tensor) -> Tensor:  # noqa: A002
    return input.sqrt_()


def square_(input: Tensor) -> Tensor:  # noqa: A002
    return input.square_()


def tan_(input: Tensor) -> Tensor:  # noqa: A002
    return input.tan_()


def tanh_(input: Tensor) -> Tensor:  # noqa: A002
    return input.tanh_()


def trunc_(input: Tensor) -> Tensor:  # noqa: A002
    return input.trunc_()


def xlogy_(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    return input.xlogy_(other)


def zero_(input: Tensor) -> Tensor:  # noqa: A002
    return input.zero_()


def index_put_(input: Tensor, indices: Any, values: Any,  # noqa: A002
               accumulate: bool = False) -> Tensor:
    return input.index_put_(indices, values, accumulate)


def addmv_(input: Tensor, mat: Any, vec: Any, *, beta: Any = 1,  # noqa: A002
           alpha: Any = 1) -> Tensor:
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


def resize_as_(input: Tensor, the_template: Any) -> Tensor:  # noqa: A002
    return input.resize_as_(the_template)


def detach_(input: Tensor) -> Tensor:  # noqa: A002
    return input.detach_()


# ---------------------------------------------------------------------- queries and aliases
def detach(input: Tensor) -> Tensor:  # noqa: A002
    return input.detach()


def numel(input: Tensor) -> int:  # noqa: A002
    return input.numel()


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    return input._data.dtype.kind == "f"


def is_nonzero(input: Tensor) -> bool:  # noqa: A002
    return input.is_nonzero()


def is_same_size(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    return input.is_same_size(other)


def is_signed(input: Tensor) -> bool:  # noqa: A002
    return input.is_signed()


def is_inference(input: Tensor) -> bool:  # noqa: A002
    return input.is_inference()


def get_device(input: Tensor) -> int:  # noqa: A002
    return input.get_device()


def positive(input: Tensor) -> Tensor:  # noqa: A002
    return input


def adjoint(input: Tensor) -> Tensor:  # noqa: A002
    return input.mT
