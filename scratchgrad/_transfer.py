"""Moving tensors between the CPU and the GPU, as a differentiable op.

``x.to("cuda")`` is recorded like any other op, so a loss computed on the GPU from a tensor
created on the CPU sends its gradient back to the CPU (as in PyTorch).
"""
from __future__ import annotations

from typing import Any

from .backend import device as _device
from .backend import device_of, to_device_array
from .function import Function
from .tensor import Tensor


class ToDevice(Function):
    """Copy to ``device``; backward copies the gradient back to the source device.

    Attributes: ``device`` (the target) and ``source`` (where the input lived), both static.

    >>> import scratchgrad as sg
    >>> ToDevice(sg.device("cpu"))(sg.ones(2)).device
    device(type='cpu')
    """

    def __init__(self, device: _device) -> None:
        self.device = device

    def forward(self, x: Any) -> Any:
        self.source = device_of(x)
        return to_device_array(x, self.device)

    def backward(self, gy: Tensor) -> Tensor:
        return to_device(gy, self.source)


def to_device(x: Tensor, device: Any) -> Tensor:
    """``x`` on ``device`` (itself when it is already there).

    >>> import scratchgrad as sg
    >>> x = sg.ones(2); to_device(x, "cpu") is x
    True
    """
    device = device if isinstance(device, _device) else _device(device)
    if device_of(x._data).type == device.type:
        return x
    return ToDevice(device)(x)
