"""scratchgrad: a deep learning framework written from scratch on NumPy.

The public API is what this file re-exports; everything else is private.

>>> import scratchgrad as sg
>>> x = sg.tensor([1.0, 2.0], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad
tensor([2., 4.])
"""
from ._size import Size
from .tensor import (Parameter, Tensor, bool_, float16, float32, float64, get_default_dtype,
                     int32, int64, set_default_dtype, uint8)
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
from ._info import finfo, iinfo, is_floating_point, is_tensor, numel
from .random import Generator, get_rng_state, manual_seed, set_rng_state
from ._settings import (are_deterministic_algorithms_enabled, get_float32_matmul_precision,
                        get_num_threads, is_deterministic_algorithms_warn_only_enabled,
                        set_float32_matmul_precision, set_num_threads, set_printoptions,
                        use_deterministic_algorithms)
from . import utils  # noqa: E402  (needs the names above)
from . import cuda, data, fused, graph, nn, optim, train  # noqa: E402
from . import accelerator, amp, backends, distributions, onnx  # noqa: E402
from .amp import autocast  # noqa: E402
from .utils.serialization import load, save  # noqa: E402
from . import linalg  # noqa: E402
from .linalg import det, inv as inverse, matrix_power, slogdet  # noqa: E402
from . import jit  # noqa: E402
from .jit import compile  # noqa: E402,A004  (PyTorch's name: torch.compile)

float = float32  # noqa: A001  (PyTorch's aliases: sg.float, sg.double, sg.long)
double = float64
long = int64
bool = bool_  # noqa: A001
half = float16



__version__ = "0.1.0"

__all__ = [
    "autograd", "cuda", "accelerator", "backends", "onnx", "utils", "data", "graph", "nn",
    "optim", "train", "jit", "compile",
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
    "finfo", "iinfo", "is_floating_point", "is_tensor", "numel",
    # process-wide settings
    "set_printoptions", "set_num_threads", "get_num_threads", "use_deterministic_algorithms",
    "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
    "set_float32_matmul_precision", "get_float32_matmul_precision",
    # mixed precision's names (scratchgrad.amp)
    "amp", "autocast", "distributions",
    # dtypes and the legacy constructors
    "set_default_dtype", "get_default_dtype", "FloatTensor", "DoubleTensor", "HalfTensor",
    "LongTensor", "IntTensor", "ByteTensor", "BoolTensor",
]
