"""The op library, shared by eager mode, graph mode and the compiler.

One file per family; each op is a ``Function`` subclass (forward on arrays, backward on
tensors) and a function with PyTorch's name and signature.
"""
from ._util import index_arrays, normalize_dim, with_out
from .arithmetic import (abs, add, div, eq, floor_divide, ge, gt, le, logical_and, logical_not,
                         logical_or, logical_xor, lt, mul, ne, neg, pow, remainder, square, sub,
                         where)
from .indexing import (argsort, argwhere, gather, index_select, masked_fill, masked_select,
                       nonzero, scatter, scatter_add, sort, take_along_dim, topk)
from .indexing import bincount, unique
from .elementwise import (clamp, clip, cos, exp, gelu, leaky_relu, log, log1p, maximum, minimum,
                          relu, sigmoid, sin, softplus, sqrt, tanh)
from .elementwise import (allclose, atan2, ceil, equal, erf, expm1, floor, frac, isclose,
                          isfinite, isinf, isnan, log10, log2, reciprocal, round, rsqrt, sign,
                          trunc)
from .linalg import dot, matmul, mm
from .linalg import bmm, diag, einsum, mv, outer, tensordot, trace
from .reduction import (all, amax, amin, any, argmax, argmin, log_softmax, logsumexp, max, mean,
                        min, softmax, std, sum, var)
from .reduction import cumprod, cumsum, norm, prod
from .shape import (broadcast_to, cast, cat, chunk, clone, concatenate, expand, flatten, getitem,
                    pad, permute, reshape, split, squeeze, stack, sum_to, t, to_device, transpose,
                    unsqueeze, view)
from .shape import (flip, movedim, narrow, repeat, repeat_interleave, roll, tile, tril, triu,
                    unbind)
# everyday ops: aliases, compositions, NaN-aware and order statistics
from .arithmetic import fmod, true_divide
from .elementwise import clamp_max, clamp_min, lerp
from .indexing import index_add
from .linalg import addmm, baddbmm, cdist, cross, dist, kron
from .shape import column_stack, concat, dstack, hstack, meshgrid, vstack
from .stats import (bucketize, count_nonzero, histc, kthvalue, median, mode, nanmean, nanmedian,
                    nansum, quantile, searchsorted)

# more of PyTorch's ops: trigonometry and special functions, integer ops, diagonals and splits,
# writes at indices, running extremes, scaled products; and PyTorch's other spellings
from .arithmetic import (absolute, bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
                         bitwise_right_shift, bitwise_xor, divide, gcd, greater, greater_equal,
                         lcm, less, less_equal, multiply, negative, not_equal, subtract)
from .elementwise import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2,
                          arctanh, asin, asinh, atan, atanh, copysign, cosh, deg2rad, digamma,
                          erfc, erfinv, exp2, fix, float_power, fmax, fmin, frexp, heaviside,
                          hypot, isneginf, isposinf, isreal, ldexp, lgamma, logaddexp,
                          logaddexp2, logit, nan_to_num, nextafter, polygamma, rad2deg, sgn,
                          signbit, sinc, sinh, tan, xlogy)
from .indexing import (index_copy, index_fill, index_put, masked_scatter, put, scatter_reduce,
                       take, unique_consecutive)
from .linalg import addbmm, addcdiv, addcmul, addmv, addr, ger, inner, logdet, vdot
from .reduction import aminmax, cummax, cummin, logcumsumexp, msort, renorm
from .shape import (diag_embed, diagonal, diff, dsplit, fliplr, flipud, hsplit, moveaxis, ravel,
                    rot90, select, swapaxes, swapdims, tensor_split, unflatten, vsplit)

from .elementwise import hardshrink, mvlgamma
from .linalg import (cholesky, cholesky_inverse, cholesky_solve, corrcoef, cov, pinverse, qr, svd,
                     triangular_solve)
from .shape import (diagflat, diagonal_scatter, narrow_copy, select_scatter, slice_scatter,
                    split_with_sizes, unfold, unsafe_chunk, unsafe_split, unsafe_split_with_sizes)
# torch.<name>_(x): the function forms of the in-place methods, and a few queries
from .inplace import (abs_, acos_, acosh_, addmv_, adjoint, arccos_, arccosh_, arcsin_, arcsinh_,
                      arctan_, arctanh_, asin_, asinh_, atan_, atanh_, ceil_, clamp_, clamp_max_,
                      clamp_min_, clip_, cos_, cosh_, deg2rad_, detach, detach_, erf_, erfc_,
                      exp2_, exp_, expm1_, fill_, fix_, floor_, frac_, gcd_, get_device,
                      index_put_, is_floating_point, is_inference, is_nonzero, is_same_size,
                      is_signed, lcm_, ldexp_, log10_, log1p_, log2_, log_, logit_, nan_to_num_,
                      neg_, negative_, numel, positive, rad2deg_, reciprocal_, relu_, resize_as_,
                      round_, rsqrt_, sigmoid_, sin_, sinc_, sinh_, sqrt_, square_, tan_, tanh_,
                      trunc_, xlogy_, zero_)

# PyTorch's out= keyword (ops._util.with_out) on the public functions, added here where the
# public API is assembled: the library's own calls, inside the op library and from Tensor's
# methods, go to the plain functions and pay nothing for it.
(add, sub, mul, div, neg, pow, abs, where, exp, log, sqrt, sin, cos, tanh, sigmoid, maximum,
 minimum, clamp, matmul, mm, bmm, addmm, sum, mean, var, std, max, min, amax, amin, argmax,
 argmin, logsumexp, cumsum, prod, cat, stack, multiply, subtract, negative, absolute, clip,
 concatenate, concat) = map(with_out, (
    add, sub, mul, div, neg, pow, abs, where, exp, log, sqrt, sin, cos, tanh, sigmoid, maximum,
    minimum, clamp, matmul, mm, bmm, addmm, sum, mean, var, std, max, min, amax, amin, argmax,
    argmin, logsumexp, cumsum, prod, cat, stack, multiply, subtract, negative, absolute, clip,
    concatenate, concat))

__all__ = [
    "abs", "add", "div", "eq", "floor_divide", "ge", "gt", "le", "logical_and", "logical_not",
    "logical_or", "logical_xor", "lt", "mul", "ne", "neg", "pow", "remainder", "square", "sub",
    "where", "clamp", "clip", "cos", "exp", "gelu", "leaky_relu", "log", "log1p", "maximum",
    "minimum", "relu", "sigmoid", "sin", "softplus", "sqrt", "tanh", "dot", "matmul", "mm",
    "all", "amax", "amin", "any", "argmax", "argmin", "log_softmax", "logsumexp", "max", "mean",
    "min", "softmax", "std", "sum", "var", "broadcast_to", "cast", "cat", "chunk", "clone",
    "concatenate", "expand", "flatten", "getitem", "pad", "permute", "reshape", "split",
    "squeeze", "stack", "sum_to", "t", "to_device", "transpose", "unsqueeze", "view",
    "index_arrays", "normalize_dim",
    # indexing, selection and rearranging
    "bincount", "unique", "argsort", "argwhere", "gather", "index_select", "masked_fill",
    "masked_select", "nonzero",
    "scatter", "scatter_add", "sort", "take_along_dim", "topk", "flip", "movedim", "narrow",
    "repeat", "repeat_interleave", "roll", "tile", "tril", "triu", "unbind",
    # math ops
    "allclose", "atan2", "ceil", "equal", "erf", "expm1", "floor", "frac", "isclose",
    "isfinite", "isinf", "isnan", "log10", "log2", "reciprocal", "round", "rsqrt", "sign",
    "trunc", "bmm", "diag", "einsum", "mv", "outer", "tensordot", "trace", "cumprod", "cumsum",
    "norm", "prod",
    # everyday ops: aliases, compositions, NaN-aware and order statistics
    "fmod", "true_divide", "clamp_max", "clamp_min", "lerp", "index_add", "addmm", "baddbmm",
    "cdist", "cross", "dist", "kron", "column_stack", "concat", "dstack", "hstack", "meshgrid",
    "vstack", "bucketize", "count_nonzero", "histc", "kthvalue", "median", "mode", "nanmean",
    "nanmedian", "nansum", "quantile", "searchsorted",
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
    "hardshrink", "mvlgamma", "cholesky", "cholesky_inverse", "cholesky_solve", "corrcoef",
    "cov", "pinverse", "qr", "svd", "triangular_solve", "diagflat", "diagonal_scatter",
    "narrow_copy", "select_scatter", "slice_scatter", "split_with_sizes", "unfold",
    "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes",
]
__all__ += [
    "abs_", "acos_", "acosh_", "addmv_", "adjoint", "arccos_", "arccosh_", "arcsin_",
    "arcsinh_", "arctan_", "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_",
    "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "detach", "detach_",
    "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_", "gcd_",
    "get_device", "index_put_", "is_floating_point", "is_inference", "is_nonzero",
    "is_same_size", "is_signed", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_",
    "logit_", "nan_to_num_", "neg_", "negative_", "numel", "positive", "rad2deg_",
    "reciprocal_", "relu_", "resize_as_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_",
    "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_",
]
