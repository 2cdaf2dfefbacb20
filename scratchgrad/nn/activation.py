"""Activation layers: thin modules over the functions in ``nn.functional``."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .parameter import Parameter
from . import functional as F
from . import init
from .module import Module

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "SiLU", "Softplus", "Softmax",
           "LogSoftmax", "ELU", "SELU", "CELU", "ReLU6", "Hardtanh", "Hardsigmoid", "Hardswish",
           "Mish", "Softsign", "LogSigmoid", "Softmin", "GLU", "PReLU", "Threshold"]
__all__ += ["Hardshrink", "Softshrink", "Tanhshrink", "Softmax2d"]


class ReLU(Module):
    """max(x, 0). ``inplace`` is accepted for compatibility; a new tensor is returned.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.ReLU()(sg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x where x > 0, else ``negative_slope * x``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.LeakyReLU(0.5)(sg.tensor([-2.0, 2.0]))
    tensor([-1.,  2.])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace
                                                          else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x)).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Sigmoid()(sg.tensor([0.0]))
    tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Tanh()(sg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class GELU(Module):
    """Gaussian error linear unit; ``approximate="tanh"`` for the tanh form.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.GELU(approximate="tanh")
    GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.SiLU()(sg.tensor([0.0]))
    tensor([0.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold.

    >>> from scratchgrad import nn
    >>> nn.Softplus(beta=2.0)
    Softplus(beta=2.0, threshold=20.0)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """Softmax along ``dim`` (rows of a (N, C) input sum to one with ``dim=1``).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Softmax(dim=1)(sg.zeros(1, 4))
    tensor([[0.2500, 0.2500, 0.2500, 0.2500]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, stable.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.LogSoftmax(dim=1)(sg.zeros(1, 2)).exp()
    tensor([[0.5000, 0.5000]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class _Inplace(Module):
    """An activation without hyperparameters but PyTorch's ignored ``inplace`` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ELU(Module):
    """x where x > 0, else ``alpha * (exp(x) - 1)``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.ELU()(sg.tensor([-1.0, 2.0])), nn.ELU(0.5)
    (tensor([-0.6321,  2.0000]), ELU(alpha=0.5))
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(_Inplace):
    """Scaled ELU with the self-normalising constants.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.SELU()(sg.tensor([1.0]))
    tensor([1.0507])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input)


class CELU(Module):
    """x where x > 0, else ``alpha * (exp(x / alpha) - 1)``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.CELU(2.0)
    CELU(alpha=2.0)
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Hardtanh(Module):
    """x clamped to [min_val, max_val].

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Hardtanh(-2.0, 2.0)(sg.tensor([-3.0, 1.0]))
    tensor([-2.,  1.])
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        # min_value / max_value: PyTorch's deprecated spellings, still accepted there.
        self.min_val = min_val if min_value is None else min_value
        self.max_val = max_val if max_value is None else max_value
        self.inplace = inplace
        if self.min_val > self.max_val:
            raise ValueError(f"{type(self).__name__}: min_val cannot be greater than max_val, "
                             f"got min_val={self.min_val} and max_val={self.max_val}")

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return (f"min_val={self.min_val}, max_val={self.max_val}"
                + (", inplace=True" if self.inplace else ""))


class ReLU6(Hardtanh):
    """min(max(x, 0), 6).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.ReLU6()(sg.tensor([-1.0, 7.0]))
    tensor([0., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(_Inplace):
    """0 below -3, 1 above 3, ``x / 6 + 1 / 2`` between.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Hardsigmoid()(sg.tensor([0.0]))
    tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input)


class Hardswish(_Inplace):
    """``x * hardsigmoid(x)``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Hardswish()(sg.tensor([4.0]))
    tensor([4.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input)


class Mish(_Inplace):
    """``x * tanh(softplus(x))``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Mish()(sg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input)


class Softsign(Module):
    """``x / (1 + |x|)``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Softsign()(sg.tensor([1.0]))
    tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class LogSigmoid(Module):
    """``log(sigmoid(x))``, stable for large |x|.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.LogSigmoid()(sg.tensor([-100.0]))
    tensor([-100.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Softmin(Module):
    """``softmax(-x)`` along ``dim``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Softmin(dim=1)(sg.tensor([[0.0, 0.0]]))
    tensor([[0.5000, 0.5000]])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GLU(Module):
    """Gated linear unit: halves ``a, b`` of ``dim``, ``a * sigmoid(b)``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.GLU()(sg.randn(2, 6)).shape
    (2, 3)
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """x where x > 0, else ``weight * x`` with a learnt slope ``weight`` of shape
    (num_parameters,), one for all channels or one per channel (dimension 1), initialised to
    ``init``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> act = nn.PReLU(3)
    >>> act(sg.randn(2, 3, 4)).shape, list(act.state_dict()), act
    ((2, 3, 4), ['weight'], PReLU(num_parameters=3))
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if not isinstance(num_parameters, int) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive int, got "
                             f"{num_parameters!r}")
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(np.empty(num_parameters,
                                         dtype=np.float32 if dtype is None else dtype))
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self) -> None:
        """Every slope back to ``init``.

        >>> from scratchgrad import nn
        >>> act = nn.PReLU(init=0.1); act.reset_parameters(); round(act.weight.item(), 4)
        0.1
        """
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Threshold(Module):
    """x where x > ``threshold``, else ``value``.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Threshold(0.1, 20.0)(sg.tensor([0.0, 1.0]))
    tensor([20.,  1.])
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return (f"threshold={self.threshold}, value={self.value}"
                + (", inplace=True" if self.inplace else ""))


class Hardshrink(Module):
    """x where |x| > lambd, else 0 (see ``F.hardshrink``).

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Hardshrink()(sg.tensor([-1.0, 0.2])), nn.Hardshrink(0.3)
    (tensor([-1.,  0.]), Hardshrink(0.3))
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """x - lambd above lambd, x + lambd below -lambd, else 0 (see ``F.softshrink``)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) input.

    >>> import scratchgrad as sg
    >>> from scratchgrad import nn
    >>> nn.Softmax2d()(sg.zeros(1, 2, 1, 1)).flatten()
    tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input, got shape "
                             f"{tuple(input.shape)}")
        return F.softmax(input, -3)
