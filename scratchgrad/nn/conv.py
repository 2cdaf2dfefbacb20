"""Convolution layers: Conv2d and ConvTranspose2d, with PyTorch's parameters, defaults and repr.

The computation lives in :mod:`scratchgrad.ops.conv`; these classes hold the weights (PyTorch's
names and shapes, so ``state_dict`` keys match) and check the input before calling it.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..ops.conv import _pair, conv2d, conv_transpose2d
from ..tensor import Tensor
from .parameter import Parameter
from . import init
from .functional import conv1d, conv_transpose1d
from .module import Module

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]


def _single(value: Any, name: str, op: str, minimum: int = 0) -> tuple[int]:
    """``3 -> (3,)``, ``(3,) -> (3,)``, with an error naming the layer and the argument."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
    if value < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return (int(value),)


class _ConvNd(Module):
    """What Conv2d and ConvTranspose2d share: hyperparameters, parameters, init and repr."""

    _name = "Conv"
    _dims = 2  # spatial dimensions: 2 for Conv2d, 1 for Conv1d

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, transposed: bool, output_padding: Any,
                 groups: int, bias: bool, padding_mode: str, device: Any, dtype: Any) -> None:
        super().__init__()
        name = type(self).__name__
        for arg, value in (("in_channels", in_channels), ("out_channels", out_channels),
                           ("groups", groups)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: {arg} must be a positive int, got {value!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups "
                             f"({groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups "
                             f"({groups})")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode {padding_mode!r} is not supported; "
                                      "only 'zeros'")
        self.in_channels, self.out_channels = in_channels, out_channels
        ntuple = _pair if self._dims == 2 else _single
        self.kernel_size = ntuple(kernel_size, "kernel_size", name, 1)
        self.stride = ntuple(stride, "stride", name, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', "
                                 f"got {padding!r}")
            if padding == "same" and self.stride != (1,) * self._dims:
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = ntuple(padding, "padding", name)
        self.dilation = ntuple(dilation, "dilation", name, 1)
        self.transposed = transposed
        self.output_padding = ntuple(output_padding, "output_padding", name)
        self.groups = groups
        self.padding_mode = padding_mode
        dt = np.float32 if dtype is None else dtype
        if transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Draw new weights and bias from the global generator, PyTorch's default scheme:
        kaiming_uniform(a=sqrt(5)) for the weight, i.e. U(+-1/sqrt(fan_in)), and the same bound
        for the bias (fan_in = weight.shape[1] * kh * kw).

        >>> from scratchgrad import nn
        >>> conv = nn.Conv2d(2, 4, 3); conv.reset_parameters()
        >>> bool((conv.weight.abs() <= 1 / 18 ** 0.5).all())
        True
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, input: Tensor) -> None:
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r}: expected a Tensor, got {type(input).__name__}")
        n, c = self._dims, self.in_channels
        if input.ndim not in (n + 1, n + 2) or input.shape[-n - 1] != c:
            dims = "H, W" if n == 2 else "L"
            raise ValueError(f"{self!r}: expected a {n + 2}-D input (N, {c}, {dims}) or an "
                             f"unbatched {n + 1}-D input ({c}, {dims}) with {c} channels, got "
                             f"an input of shape {tuple(input.shape)}")

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None
                        ) -> tuple[int, ...]:
        """A transposed convolution's output_padding: the layer's, or the one that reaches
        ``output_size`` (its last ``_dims`` entries), as PyTorch's forward(input, output_size)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        size = tuple(int(s) for s in output_size)[-n:]
        if len(size) != n:
            raise ValueError(f"{self!r}: output_size must give {n} spatial size(s), got "
                             f"{output_size!r}")
        pads = []
        for d in range(n):
            smallest = ((input.shape[-n + d] - 1) * self.stride[d] - 2 * self.padding[d]
                        + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            largest = smallest + max(self.stride[d], self.dilation[d]) - 1
            if not smallest <= size[d] <= largest:
                raise ValueError(f"{self!r}: output_size {size} is not reachable from an input "
                                 f"of shape {tuple(input.shape)}; each size must lie between "
                                 f"the smallest and largest possible ({smallest} to {largest} "
                                 f"for dimension {d})")
            pads.append(size[d] - smallest)
        return tuple(pads)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._dims:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) or unbatched (C, L) input. Weight (out_channels,
    in_channels / groups, kL), bias (out_channels,), initialised like PyTorch's. ``padding``
    is an int, ``'valid'`` or ``'same'`` (stride 1). Runs as a 2-D convolution of height 1.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> conv = nn.Conv1d(4, 8, 3, padding=1)
    >>> conv(sg.randn(2, 4, 16)).shape, conv.weight.shape
    ((2, 8, 16), (8, 4, 3))
    >>> conv
    Conv1d(4, 8, kernel_size=(3,), stride=(1,), padding=(1,))
    """

    _dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        return conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) or unbatched (C, H, W) input. Weight (out_channels,
    in_channels / groups, kH, kW), bias (out_channels,), initialised like PyTorch's. ``padding``
    is an int, a pair, ``'valid'`` or ``'same'`` (stride 1).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> conv = nn.Conv2d(1, 32, 3, padding=1)
    >>> conv(sg.randn(8, 1, 28, 28)).shape, conv.weight.shape
    ((8, 32, 28, 28), (32, 1, 3, 3))
    >>> conv
    Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        return conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d and ConvTranspose2d share (PyTorch's ``_ConvTransposeNd``): the
    arguments, no string padding, and the call of the functional ``_conv`` with the
    output_padding that ``output_size`` asks for."""

    _conv: Any
    _padding_words: str

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if isinstance(padding, str):
            name = type(self).__name__
            raise ValueError(f"{name}: padding must be {self._padding_words}, got {padding!r} "
                             f"(string padding is only for {name.replace('Transpose', '')})")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype)

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        self._check_input(input)
        return self._conv(input, self.weight, self.bias, self.stride, self.padding,
                          self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (the gradient of Conv2d with respect to its input), e.g. to
    upsample. Weight (in_channels, out_channels / groups, kH, kW), bias (out_channels,). Output
    size: (H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1, or pass
    ``output_size`` to forward to pick output_padding.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> up = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)
    >>> up(sg.randn(2, 16, 7, 7)).shape, up.weight.shape
    ((2, 8, 14, 14), (16, 8, 3, 3))
    """

    _conv = staticmethod(conv_transpose2d)
    _padding_words = "an int or a pair"


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (N, C, L) or unbatched (C, L) input. Weight
    (in_channels, out_channels / groups, kL), bias (out_channels,). Output length:
    (L - 1) * stride - 2 * padding + dilation * (kL - 1) + output_padding + 1, or pass
    ``output_size`` to forward to pick output_padding. Runs as a 2-D one of height 1.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> up = nn.ConvTranspose1d(16, 8, 3, stride=2, padding=1, output_padding=1)
    >>> up(sg.randn(2, 16, 7)).shape, up.weight.shape
    ((2, 8, 14), (16, 8, 3))
    """

    _dims = 1
    _conv = staticmethod(conv_transpose1d)
    _padding_words = "an int or a 1-tuple"
