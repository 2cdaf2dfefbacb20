"""Vision functions: resizing (``interpolate`` and its deprecated ``upsample`` names),
pixel shuffle, and ``pad`` (an op, re-exported here).
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ...backend import get_array_module
from ...ops import matmul as _matmul, pad, reshape as _reshape
from ...ops._util import constant_array, to_float_tensor, to_tensor
from ...tensor import Tensor

__all__ = [
    "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
    "pixel_unshuffle", "pad",
]


# ---------------------------------------------------------------------- resizing
def _cubic_weights(t: np.ndarray, A: float = -0.75) -> tuple:
    """The weights of the four taps at floor(pos) - 1 .. floor(pos) + 2 for ``t = pos -
    floor(pos)``: Keys' cubic convolution kernel with PyTorch's A = -0.75."""
    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _interp_matrix(n_in: int, n_out: int, mode: str, align_corners: bool,
                   scale: float | None, dtype: np.dtype) -> np.ndarray:
    """The (n_out, n_in) matrix that resizes one axis: row i holds the weights output i takes
    from the inputs. Source positions are computed in float32, like PyTorch's CPU kernels, so
    that ties fall the same way. ``scale`` is the user's scale factor (None: from the sizes)."""
    f32 = np.float32
    i = np.arange(n_out, dtype=f32)
    m = np.zeros((n_out, n_in), dtype=dtype)
    rows = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        step = f32(1.0 / scale) if scale is not None else f32(n_in / n_out)
        at = i if mode == "nearest" else i + f32(0.5)  # nearest-exact: the pixel centres
        src = np.minimum(np.floor(at * step).astype(np.int64), n_in - 1)
        m[rows, src] = 1
        return m
    if mode == "area":  # adaptive average pooling: the cells [floor(i n/o), ceil((i+1) n/o))
        start = (rows * n_in) // n_out
        end = -((-(rows + 1) * n_in) // n_out)
        for r, (a, b) in enumerate(zip(start, end)):
            m[r, a:b] = 1 / (b - a)
        return m
    if align_corners:
        step = f32((n_in - 1) / (n_out - 1)) if n_out > 1 else f32(0)
        pos = i * step
    else:
        step = f32(1.0 / scale) if scale is not None else f32(n_in / n_out)
        pos = (i + f32(0.5)) * step - f32(0.5)
        if mode != "bicubic":  # (bicubic keeps negative positions: its taps are clamped)
            pos = np.maximum(pos, f32(0))
    if mode == "bicubic":
        lo = np.floor(pos).astype(np.int64)
        t = (pos - lo).astype(np.float64)
        for k, w in enumerate(_cubic_weights(t)):
            np.add.at(m, (rows, np.clip(lo - 1 + k, 0, n_in - 1)), w.astype(dtype))
        return m
    lo = np.minimum(np.floor(pos).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = (pos - lo).astype(dtype)
    np.add.at(m, (rows, lo), 1 - frac)
    np.add.at(m, (rows, hi), frac)
    return m


_INTERP_MODES = {  # mode: the input's number of dimensions it needs (None: 3-D or 4-D; and
    # no align_corners)
    "nearest": None, "nearest-exact": None, "area": None, "linear": 3, "bilinear": 4,
    "bicubic": 4,
}


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial dimensions of (N, C, L) or (N, C, H, W) input to ``size``, or by
    ``scale_factor`` (output size ``floor(in * scale)``). Modes: ``'nearest'``,
    ``'nearest-exact'`` and ``'area'`` (adaptive average pooling) for 3-D and 4-D input;
    ``'linear'`` (3-D), ``'bilinear'`` and ``'bicubic'`` (4-D; cubic convolution with
    A = -0.75, taps clamped at the border) with ``align_corners`` False (default) or True.
    Each axis is resized by a product with a constant interpolation matrix, so backward (and
    double backward) come from ``matmul``.

    >>> import scratchgrad as sg
    >>> interpolate(sg.tensor([[[1.0, 2.0]]]), scale_factor=2)
    tensor([[[1., 1., 2., 2.]]])
    >>> interpolate(sg.ones(1, 3, 4, 4), size=(8, 6), mode="bilinear").shape
    (1, 3, 8, 6)
    >>> interpolate(sg.tensor([[[1.0, 3.0, 4.0, 8.0]]]), size=2, mode="area")
    tensor([[[2., 6.]]])
    """
    op = "interpolate"
    x = to_float_tensor(input)
    if mode not in _INTERP_MODES:
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported; only "
                                  + ", ".join(repr(m) for m in _INTERP_MODES))
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported")
    if _INTERP_MODES[mode] is None and align_corners is not None:
        raise ValueError(f"{op}: align_corners can only be set with the interpolating modes "
                         f"(linear, bilinear, bicubic), not with mode={mode!r}")
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got shape "
                         f"{tuple(x.shape)}")
    if _INTERP_MODES[mode] not in (None, x.ndim):
        raise NotImplementedError(f"{op}: got a {x.ndim}-D input of shape {tuple(x.shape)}, but "
                                  f"{mode} mode needs a {_INTERP_MODES[mode]}-D input")
    n = x.ndim - 2
    in_sizes = tuple(x.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: " + ("only one of size or scale_factor should be defined"
                                      if size is not None else
                                      "either size or scale_factor should be defined"))
    scales: tuple[float | None, ...] = (None,) * n
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * n
        if len(sizes) != n:
            raise ValueError(f"{op}: the input has {n} spatial dimension(s) {in_sizes} but size "
                             f"{size!r} gives {len(sizes)}")
        out_sizes = tuple(int(s) for s in sizes)
    else:
        factors = (tuple(scale_factor) if isinstance(scale_factor, (tuple, list))
                   else (scale_factor,) * n)
        if len(factors) != n:
            raise ValueError(f"{op}: the input has {n} spatial dimension(s) {in_sizes} but "
                             f"scale_factor {scale_factor!r} gives {len(factors)}")
        if any(not f > 0 for f in factors):
            raise ValueError(f"{op}: scale_factor must be positive, got {scale_factor!r}")
        out_sizes = tuple(int(math.floor(s * float(f))) for s, f in zip(in_sizes, factors))
        if not recompute_scale_factor:
            scales = tuple(float(f) for f in factors)
    if min(out_sizes) < 1:
        raise ValueError(f"{op}: the output size {out_sizes} for an input of shape "
                         f"{tuple(x.shape)} is empty")
    xp, dt = get_array_module(x._data), x.dtype
    align = bool(align_corners)
    for axis in range(n):
        A = _interp_matrix(in_sizes[axis], out_sizes[axis], mode, align, scales[axis], dt)
        if axis == n - 1:  # the last axis: x @ A.T
            x = _matmul(x, Tensor._make(constant_array(xp.asarray(np.ascontiguousarray(A.T)))))
        else:  # the height of a 4-D input: A @ x
            x = _matmul(Tensor._make(constant_array(xp.asarray(A))), x)
    return x


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """PyTorch's deprecated name for :func:`interpolate`."""
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate "
                  "instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated ``interpolate(..., mode='nearest')``."""
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use "
                  "nn.functional.interpolate instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """PyTorch's deprecated ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use "
                  "nn.functional.interpolate instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------------- pixel shuffle
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C r^2, H, W) into (*, C, H r, W r) (sub-pixel convolution's upsampling).

    >>> import scratchgrad as sg
    >>> pixel_shuffle(sg.arange(8.0).reshape(1, 4, 1, 2), 2)
    tensor([[[[0., 2., 1., 3.],
              [4., 6., 5., 7.]]]])
    """
    x = to_tensor(input)
    r = upscale_factor
    if not isinstance(r, (int, np.integer)) or isinstance(r, bool) or r < 1:
        raise ValueError(f"pixel_shuffle: upscale_factor must be a positive int, got {r!r}")
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: expected an input (*, C * {r}**2, H, W) with at least "
                         f"3 dimensions and channels divisible by {r * r}, got shape "
                         f"{tuple(x.shape)}")
    *batch, C, H, W = x.shape
    b = len(batch)
    y = _reshape(x, (*batch, C // (r * r), r, r, H, W))
    y = y.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return _reshape(y, (*batch, C // (r * r), H * r, W * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H r, W r) into (*, C r^2, H, W), the inverse of :func:`pixel_shuffle`.

    >>> import scratchgrad as sg
    >>> x = sg.randn(2, 3, 4, 6)
    >>> bool((pixel_shuffle(pixel_unshuffle(x, 2), 2) == x).all())
    True
    """
    x = to_tensor(input)
    r = downscale_factor
    if not isinstance(r, (int, np.integer)) or isinstance(r, bool) or r < 1:
        raise ValueError(f"pixel_unshuffle: downscale_factor must be a positive int, got {r!r}")
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise ValueError(f"pixel_unshuffle: expected an input (*, C, H, W) with at least 3 "
                         f"dimensions and H and W divisible by {r}, got shape {tuple(x.shape)}")
    *batch, C, H, W = x.shape
    b = len(batch)
    y = _reshape(x, (*batch, C, H // r, r, W // r, r))
    y = y.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return _reshape(y, (*batch, C * r * r, H // r, W // r))
