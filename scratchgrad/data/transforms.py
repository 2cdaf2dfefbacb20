"""Per-sample transforms for images, torchvision-style.

Layout rule: a NumPy array is an image as stored (H x W or H x W x C, usually uint8); a Tensor is
what :class:`ToTensor` makes (C x H x W float32). Random transforms draw from
:func:`current_generator`: the DataLoader's per-epoch stream while it fetches, the global seeded
generator elsewhere.

>>> import numpy as np
>>> t = Compose([ToTensor(), Normalize([0.5], [0.5])])
>>> t(np.full((2, 2), 255, np.uint8))
tensor([[[1., 1.],
         [1., 1.]]])
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..tensor import Tensor
from ._rng import current_generator

__all__ = ["Compose", "ToTensor", "Normalize", "RandomHorizontalFlip", "RandomCrop", "Lambda",
           "current_generator"]


def _spatial_axes(img: Any, name: str) -> tuple[int, int]:
    """The (height, width) axes of an image under the layout rule above."""
    if isinstance(img, Tensor):
        if img.ndim < 2:
            raise ValueError(f"{name}: expected a tensor image (..., H, W), found shape "
                             f"{img.shape}")
        return img.ndim - 2, img.ndim - 1
    if isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise ValueError(f"{name}: expected an array image H x W or H x W x C, found shape "
                             f"{img.shape}")
        return 0, 1
    raise TypeError(f"{name}: expected a NumPy array or a Tensor image, found "
                    f"{type(img).__name__}")


def _same_kind(img: Any, array: np.ndarray) -> Any:
    return Tensor._make(array) if isinstance(img, Tensor) else array


class Compose:
    """Apply transforms one after another.

    >>> Compose([Lambda(lambda x: x + 1), Lambda(lambda x: x * 2)])(3)
    8
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class ToTensor:
    """An H x W or H x W x C array to a C x H x W float32 Tensor; uint8 is scaled to [0, 1],
    other dtypes are converted without scaling (as torchvision does for arrays).

    >>> import numpy as np
    >>> ToTensor()(np.zeros((28, 28, 3), np.uint8)).shape
    (3, 28, 28)
    """

    def __call__(self, pic: np.ndarray) -> Tensor:
        if not isinstance(pic, np.ndarray):
            raise TypeError(f"ToTensor: expected a NumPy array image (H x W or H x W x C), "
                            f"found {type(pic).__name__}")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        elif pic.ndim != 3:
            raise ValueError(f"ToTensor: expected an image H x W or H x W x C, found shape "
                             f"{pic.shape}")
        chw = pic.transpose(2, 0, 1)
        if pic.dtype == np.uint8:
            # divide in float32 (no float64 temporary); matches torchvision's ``div(255)``
            out = np.divide(chw, np.float32(255), dtype=np.float32)
        else:
            out = chw.astype(np.float32)
        return Tensor._make(np.ascontiguousarray(out))

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel of a C x H x W (or N x C x H x W) tensor.

    >>> import scratchgrad as sg
    >>> Normalize([1.0, 2.0], [2.0, 4.0])(sg.ones(2, 1, 1)).flatten()
    tensor([ 0.0000, -0.2500])
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, np.float32))
        self.std = np.atleast_1d(np.asarray(std, np.float32))
        if self.mean.ndim != 1 or self.std.ndim != 1 or len(self.mean) != len(self.std):
            raise ValueError(f"Normalize: expected mean and std of one value per channel, found "
                             f"{len(self.mean)} means and {len(self.std)} stds")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: expected non-zero stds, found {self.std.tolist()}")

    def __call__(self, x: Tensor | np.ndarray) -> Tensor | np.ndarray:
        data = x._data if isinstance(x, Tensor) else np.asarray(x)
        if data.ndim < 3 or len(self.mean) not in (1, data.shape[-3]):
            raise ValueError(f"Normalize: expected a C x H x W image with C = {len(self.mean)} "
                             f"(one mean and std each), found shape {data.shape}")
        shape = (-1, 1, 1)
        dtype = data.dtype if data.dtype.kind == "f" else np.float32
        out = (data - self.mean.reshape(shape).astype(dtype)) / self.std.reshape(shape).astype(
            dtype)
        return _same_kind(x, out)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomHorizontalFlip:
    """Mirror the image left to right with probability ``p``.

    >>> import numpy as np, scratchgrad as sg
    >>> RandomHorizontalFlip(p=1.0)(np.array([[1, 2, 3]]))
    array([[3, 2, 1]])
    """

    def __init__(self, p: float = 0.5) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: expected a probability p in [0, 1], "
                             f"found {p}")
        self.p = p

    def __call__(self, img: Any) -> Any:
        _, w_axis = _spatial_axes(img, "RandomHorizontalFlip")
        # always draw, so the stream advances the same way whatever the outcome
        if current_generator().rng.random() >= self.p:
            return img
        data = img._data if isinstance(img, Tensor) else img
        return _same_kind(img, np.flip(data, axis=w_axis).copy())

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """Pad each side by ``padding`` (with ``fill``), then cut a ``size`` window at a random
    place (top, then left, drawn uniformly).

    >>> import numpy as np
    >>> RandomCrop(28, padding=4)(np.zeros((28, 28), np.uint8)).shape
    (28, 28)
    """

    def __init__(self, size: int | tuple[int, int], padding: int = 0, fill: float = 0) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if len(self.size) != 2 or min(self.size) < 1:
            raise ValueError(f"RandomCrop: expected size as a positive int or (height, width), "
                             f"found {size!r}")
        if padding < 0:
            raise ValueError(f"RandomCrop: expected padding >= 0, found {padding}")
        self.padding = int(padding)
        self.fill = fill

    def __call__(self, img: Any) -> Any:
        h_axis, w_axis = _spatial_axes(img, "RandomCrop")
        data = img._data if isinstance(img, Tensor) else img
        if self.padding:
            pad = [(0, 0)] * data.ndim
            pad[h_axis] = pad[w_axis] = (self.padding, self.padding)
            data = np.pad(data, pad, constant_values=self.fill)
        H, W = data.shape[h_axis], data.shape[w_axis]
        h, w = self.size
        if h > H or w > W:
            raise ValueError(f"RandomCrop: expected an image at least {h} x {w} after padding "
                             f"by {self.padding}, found {H} x {W}")
        g = current_generator().rng
        top = int(g.integers(0, H - h + 1))
        left = int(g.integers(0, W - w + 1))
        index = [slice(None)] * data.ndim
        index[h_axis] = slice(top, top + h)
        index[w_axis] = slice(left, left + w)
        return _same_kind(img, np.ascontiguousarray(data[tuple(index)]))

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class Lambda:
    """Wrap a function as a transform. Draw random numbers through
    ``current_generator().rng`` so DataLoader runs stay reproducible.

    >>> Lambda(lambda x: x * 2)(21)
    42
    """

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        if not callable(fn):
            raise TypeError(f"Lambda: expected a callable, found {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x: Any) -> Any:
        return self.fn(x)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.fn, '__name__', repr(self.fn))})"
