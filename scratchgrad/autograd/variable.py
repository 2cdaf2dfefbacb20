"""What PyTorch's ``torch.autograd`` also hands out: the deprecated ``Variable`` wrapper and
the gradient checks."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor

__all__ = ["Variable", "gradcheck", "gradgradcheck"]


class _VariableMeta(type):
    def __instancecheck__(cls, other: Any) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """The pre-0.4 wrapper, kept as PyTorch keeps it: ``Variable(t, requires_grad=True)`` is a
    leaf tensor sharing ``t``'s memory, and every tensor is a ``Variable``.

    >>> import scratchgrad as sg
    >>> v = Variable(sg.ones(2), requires_grad=True)
    >>> v.requires_grad, v.is_leaf, isinstance(sg.zeros(1), Variable)
    (True, True, True)
    """

    def __new__(cls, data: Tensor, requires_grad: bool = False, volatile: bool = False) -> Any:
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        out.requires_grad_(requires_grad)
        return out


def gradcheck(func: Any, inputs: Any, **kwargs: Any) -> bool:
    """``torch.autograd.gradcheck``: scratchgrad.utils.gradcheck under PyTorch's path."""
    from ..utils.gradcheck import gradcheck as check
    return check(func, inputs, **kwargs)


def gradgradcheck(func: Any, inputs: Any, grad_outputs: Any = None, **kwargs: Any) -> bool:
    """``torch.autograd.gradgradcheck``: scratchgrad.utils.gradgradcheck under PyTorch's path
    (random upstream gradients; ``grad_outputs`` is accepted and not used)."""
    from ..utils.gradcheck import gradgradcheck as check
    return check(func, inputs, **kwargs)
