"""PyTorch's ``torch.nn.modules.activation`` path: activation layers (and MultiheadAttention, which
PyTorch keeps here), the same classes as ``scratchgrad.nn``, re-exported from where they are
written."""
from ..activation import (CELU, ELU, GELU, GLU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                          LogSigmoid, LogSoftmax, Mish, PReLU, ReLU, ReLU6, SELU, SiLU, Sigmoid,
                          Softmax, Softmin, Softplus, Softsign, Tanh, Threshold)
from ..attention import MultiheadAttention

__all__ = [
    "CELU", "ELU", "GELU", "GLU", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU",
    "LogSigmoid", "LogSoftmax", "Mish", "MultiheadAttention", "PReLU", "ReLU", "ReLU6", "SELU",
    "SiLU", "Sigmoid", "Softmax", "Softmin", "Softplus", "Softsign", "Tanh", "Threshold"
]

from ..activation import Hardshrink, Softshrink, Tanhshrink, Softmax2d  # noqa: E402

__all__ += ["Hardshrink", "Softshrink", "Tanhshrink", "Softmax2d"]
