"""scratchgrad: a deep learning framework written from scratch on NumPy.

The public API is what this file re-exports; everything else is private.

>>> import scratchgrad as sg
>>> x = sg.tensor([1.0, 2.0], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([2., 4.])
"""
from numpy import dtype  # scratchgrad's dtypes are NumPy's: isinstance(x.dtype, sg.dtype)

from ._size import Size
from .tensor import (Tensor, bool_, float16, float32, float64, get_default_dtype,
                     int8, int16, int32, int64, set_default_dtype, uint8)
from ._legacy import (BoolTensor, ByteTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,
                      LongTensor)
from . import autograd
from ._config import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .backend import device, get_default_device, set_default_device
from .factory import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                      linspace, multinomial, ones, ones_like, rand, rand_like, randint, randn,
                      randn_like, randperm, tensor, zeros, zeros_like)
from .function import Function
from .ops import (abs, add, all, amax, amin, any, argmax, argmin, broadcast_to, cat, chunk, clamp,
                  clip, clone, concatenate, cos, div, dot, eq, exp, expand, flatten, floor_divide,
                  ge, gelu, gt, le, leaky_relu, log, log1p, log_softmax, logical_and, logical_not,
                  logical_or, logical_xor, logsumexp, lt, matmul, max, maximum, mean, min,
                  minimum, mm, mul, ne, neg, pad, permute, pow, relu, remainder, reshape, sigmoid,
                  sin, softmax, softplus, split, sqrt, square, squeeze, stack, std, sub, sum,
                  sum_to, t, tanh, transpose, unsqueeze, var, view, where)
from .ops import bincount, unique
from .ops import (argsort, argwhere, flip, gather, index_select, masked_fill, masked_select,
                  movedim, narrow, nonzero, repeat_interleave, roll, scatter, scatter_add, sort,
                  take_along_dim, tile, topk, tril, triu, unbind)
from .ops import (allclose, atan2, bmm, ceil, cumprod, cumsum, diag, einsum, equal, erf, expm1,
                  floor, frac, isclose, isfinite, isinf, isnan, log10, log2, mv, norm, outer,
                  prod, reciprocal, round, rsqrt, sign, tensordot, trace, trunc)
from .ops import (addmm, baddbmm, bucketize, cdist, clamp_max, clamp_min, column_stack, concat,
                  count_nonzero, cross, dist, dstack, fmod, histc, hstack, index_add, kron,
                  kthvalue, lerp, median, meshgrid, mode, nanmean, nanmedian, nansum, quantile,
                  searchsorted, true_divide, vstack)
from .ops import (absolute, bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
                  bitwise_right_shift, bitwise_xor, divide, gcd, greater, greater_equal, lcm, less,
                  less_equal, multiply, negative, not_equal, subtract, acos, acosh, arccos,
                  arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, asin, asinh, atan, atanh,
                  copysign, cosh, deg2rad, digamma, erfc, erfinv, exp2, fix, float_power, fmax,
                  fmin, frexp, heaviside, hypot, isneginf, isposinf, isreal, ldexp, lgamma,
                  logaddexp, logaddexp2, logit, nan_to_num, nextafter, polygamma, rad2deg, sgn,
                  signbit, sinc, sinh, tan, xlogy, index_copy, index_fill, index_put,
                  masked_scatter, put, scatter_reduce, take, unique_consecutive, addbmm, addcdiv,
                  addcmul, addmv, addr, ger, inner, logdet, vdot, aminmax, cummax, cummin,
                  logcumsumexp, msort, renorm, diag_embed, diagonal, diff, dsplit, fliplr, flipud,
                  hsplit, moveaxis, ravel, rot90, select, swapaxes, swapdims, tensor_split,
                  unflatten, vsplit)
from .ops import (abs_, acos_, acosh_, addmv_, adjoint, arccos_, arccosh_, arcsin_, arcsinh_,
                  arctan_, arctanh_, asin_, asinh_, atan_, atanh_, ceil_, cholesky,
                  cholesky_inverse, cholesky_solve, clamp_, clamp_max_, clamp_min_, clip_,
                  corrcoef, cos_, cosh_, cov, deg2rad_, detach, detach_, diagflat,
                  diagonal_scatter, erf_, erfc_, exp2_, exp_, expm1_, fill_, fix_, floor_, frac_,
                  gcd_, get_device, hardshrink, index_put_, is_floating_point, is_inference,
                  is_nonzero, is_same_size, is_signed, lcm_, ldexp_, log10_, log1p_, log2_, log_,
                  logit_, mvlgamma, nan_to_num_, narrow_copy, neg_, negative_, numel, pinverse,
                  positive, qr, rad2deg_, reciprocal_, relu_, resize_as_, round_, rsqrt_,
                  select_scatter, sigmoid_, sin_, sinc_, sinh_, slice_scatter, split_with_sizes,
                  sqrt_, square_, svd, tan_, tanh_, triangular_solve, trunc_, unfold, unsafe_chunk,
                  unsafe_split, unsafe_split_with_sizes, xlogy_, zero_)
from .factory import bernoulli, histogram
from ._info import finfo, iinfo, is_tensor
from .random import Generator, get_rng_state, manual_seed, set_rng_state
from ._settings import (are_deterministic_algorithms_enabled, get_float32_matmul_precision,
                        get_num_threads, is_deterministic_algorithms_warn_only_enabled,
                        set_float32_matmul_precision, set_num_threads, set_printoptions,
                        use_deterministic_algorithms)
from .nn.parameter import Parameter  # noqa: E402
from . import utils  # noqa: E402  (needs the names above)
from . import cuda, data, fused, graph, nn, optim, train  # noqa: E402
from . import accelerator, amp, backends, distributions, onnx  # noqa: E402
from .amp import autocast  # noqa: E402
from . import serialization  # noqa: E402  (PyTorch's torch.serialization)
from .serialization import load, save  # noqa: E402
from . import linalg  # noqa: E402
from .linalg import det, inv as inverse, matrix_power, slogdet  # noqa: E402
from . import jit  # noqa: E402
from .jit import compile  # noqa: E402,A004  (PyTorch's name: torch.compile)
from . import kernels  # noqa: E402

kernels._load()  # the kernel modules register themselves for the ops above

float = float32  # noqa: A001  (PyTorch's aliases: sg.float, sg.double, sg.long)
double = float64
long = int64
bool = bool_  # noqa: A001
half = float16
int = int32  # noqa: A001
short = int16



__version__ = "0.1.0"

__all__ = [
    "autograd", "cuda", "accelerator", "backends", "onnx", "utils", "data", "graph", "nn",
    "optim", "train", "jit", "compile", "serialization", "kernels",
    "save", "load", "enable_grad", "inference_mode", "is_grad_enabled", "no_grad",
    "set_grad_enabled", "device", "Size",
    "get_default_device", "set_default_device", "arange", "as_tensor", "empty", "empty_like",
    "eye", "from_numpy", "full", "full_like", "linspace", "multinomial", "ones", "ones_like",
    "rand", "rand_like", "randint", "randn",
    "randn_like", "randperm", "tensor", "zeros", "zeros_like", "Function", "abs", "add", "all",
    "amax", "amin", "any", "argmax", "argmin", "broadcast_to", "cat", "chunk", "clamp", "clip",
    "clone", "concatenate", "cos", "div", "dot", "eq", "exp", "expand", "flatten",
    "floor_divide", "ge", "gelu", "gt", "le", "leaky_relu", "log", "log1p", "log_softmax",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logsumexp", "lt", "matmul",
    "max", "maximum", "mean", "min", "minimum", "mm", "mul", "ne", "neg", "pad", "permute",
    "pow", "relu", "remainder", "reshape", "sigmoid", "sin", "softmax", "softplus", "split",
    "sqrt", "square", "squeeze", "stack", "std", "sub", "sum", "sum_to", "t", "tanh",
    "transpose", "unsqueeze", "var", "view", "where", "Generator", "get_rng_state",
    "manual_seed", "set_rng_state", "Parameter", "Tensor", "bool_", "float16", "float32",
    "float64", "int32", "int64", "uint8", "float", "double", "long", "bool", "half",
    # indexing, selection and rearranging
    "bincount", "unique", "argsort", "argwhere", "flip", "gather", "index_select",
    "masked_fill", "masked_select",
    "movedim", "narrow", "nonzero", "repeat_interleave", "roll", "scatter", "scatter_add",
    "sort", "take_along_dim", "tile", "topk", "tril", "triu", "unbind",
    # math ops
    "allclose", "atan2", "bmm", "ceil", "cumprod", "cumsum", "diag", "einsum", "equal", "erf",
    "expm1", "floor", "frac", "isclose", "isfinite", "isinf", "isnan", "log10", "log2", "mv",
    "norm", "outer", "prod", "reciprocal", "round", "rsqrt", "sign", "tensordot", "trace",
    "trunc",
    # everyday ops and scratchgrad.linalg
    "linalg", "addmm", "baddbmm", "bucketize", "cdist", "clamp_max", "clamp_min", "column_stack",
    "concat", "count_nonzero", "cross", "det", "dist", "dstack", "fmod", "histc", "hstack",
    "index_add", "inverse", "kron", "kthvalue", "lerp", "matrix_power", "median", "meshgrid",
    "mode", "nanmean", "nanmedian", "nansum", "quantile", "searchsorted", "slogdet",
    "true_divide", "vstack",
    # facts about dtypes and objects
    "finfo", "iinfo", "is_tensor",
    # process-wide settings
    "set_printoptions", "set_num_threads", "get_num_threads", "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
    "set_float32_matmul_precision", "get_float32_matmul_precision",
    # mixed precision's names (scratchgrad.amp)
    "amp", "autocast", "distributions",
    # dtypes and the legacy constructors
    "set_default_dtype", "get_default_dtype", "FloatTensor", "DoubleTensor", "HalfTensor",
    "LongTensor", "IntTensor", "ByteTensor", "BoolTensor",
    # more of PyTorch's ops and its other spellings
    "absolute", "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
    "bitwise_right_shift", "bitwise_xor", "divide", "gcd", "greater", "greater_equal", "lcm",
    "less", "less_equal", "multiply", "negative", "not_equal", "subtract", "acos", "acosh",
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "asin", "asinh",
    "atan", "atanh", "copysign", "cosh", "deg2rad", "digamma", "erfc", "erfinv", "exp2", "fix",
    "float_power", "fmax", "fmin", "frexp", "heaviside", "hypot", "isneginf", "isposinf",
    "isreal", "ldexp", "lgamma", "logaddexp", "logaddexp2", "logit", "nan_to_num", "nextafter",
    "polygamma", "rad2deg", "sgn", "signbit", "sinc", "sinh", "tan", "xlogy", "index_copy",
    "index_fill", "index_put", "masked_scatter", "put", "scatter_reduce", "take",
    "unique_consecutive", "addbmm", "addcdiv", "addcmul", "addmv", "addr", "ger", "inner",
    "logdet", "vdot", "aminmax", "cummax", "cummin", "logcumsumexp", "msort", "renorm",
    "diag_embed", "diagonal", "diff", "dsplit", "fliplr", "flipud", "hsplit", "moveaxis",
    "ravel", "rot90", "select", "swapaxes", "swapdims", "tensor_split", "unflatten", "vsplit",
    # torch.<name>_ function forms, factorizations' older signatures, more dtypes
    "abs_", "acos_", "acosh_", "addmv_", "adjoint", "arccos_", "arccosh_", "arcsin_",
    "arcsinh_", "arctan_", "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_",
    "cholesky", "cholesky_inverse", "cholesky_solve", "clamp_", "clamp_max_", "clamp_min_",
    "clip_", "corrcoef", "cos_", "cosh_", "cov", "deg2rad_", "detach", "detach_", "diagflat",
    "diagonal_scatter", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_",
    "frac_", "gcd_", "get_device", "hardshrink", "index_put_", "is_floating_point",
    "is_inference", "is_nonzero", "is_same_size", "is_signed", "lcm_", "ldexp_", "log10_",
    "log1p_", "log2_", "log_", "logit_", "mvlgamma", "nan_to_num_", "narrow_copy", "neg_",
    "negative_", "numel", "pinverse", "positive", "qr", "rad2deg_", "reciprocal_", "relu_",
    "resize_as_", "round_", "rsqrt_", "select_scatter", "sigmoid_", "sin_", "sinc_", "sinh_",
    "slice_scatter", "split_with_sizes", "sqrt_", "square_", "svd", "tan_", "tanh_",
    "triangular_solve", "trunc_", "unfold", "unsafe_chunk", "unsafe_split",
    "unsafe_split_with_sizes", "xlogy_", "zero_", "bernoulli", "histogram", "int", "short",
    "int8", "int16", "dtype",
]
