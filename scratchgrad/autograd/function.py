"""Custom differentiable functions in PyTorch's shape (``torch.autograd.Function``): static
``forward(ctx, ...)`` and ``backward(ctx, ...)`` methods, called with ``apply``."""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from .. import _config
from ..function import Function as _Node
from ..tensor import Tensor

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx:
    """The ``ctx`` passed to a custom function's forward and backward."""

    def __init__(self) -> None:
        self._saved: tuple[Tensor, ...] = ()
        self._freed = False
        self.needs_input_grad: tuple[bool, ...] = ()

    def save_for_backward(self, *tensors: Tensor) -> None:
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        """What forward saved; freed by a backward without ``retain_graph=True``."""
        if self._freed:
            from . import _SECOND_TIME  # noqa: PLC0415  (the engine's message)

            raise RuntimeError(_SECOND_TIME.format(name="saved_tensors"))
        return self._saved

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        pass


_NODE_CLASSES: "weakref.WeakKeyDictionary[type, type]" = weakref.WeakKeyDictionary()


def _node_class(cls: type) -> type:
    """The node type of a custom Function, named as PyTorch names it: ``MyExpBackward``, so
    that ``type(y.grad_fn).__name__`` reads the same in both."""
    node_cls = _NODE_CLASSES.get(cls)
    if node_cls is None:
        node_cls = type(cls.__name__ + "Backward", (_CustomNode,),
                        {"__module__": __name__, "__qualname__": cls.__name__ + "Backward"})
        _NODE_CLASSES[cls] = node_cls
    return node_cls


class _CustomNode(_Node):
    """Graph node that runs a user's ``autograd.Function`` subclass."""

    saved_attributes = ("ctx",)

    def free_saved(self) -> None:
        """Drop what the user's forward saved: ``ctx.saved_tensors`` then raises, as in
        PyTorch."""
        self.ctx._saved, self.ctx._freed = (), True

    def name(self) -> str:
        return self.cls.__name__ + "Backward"  # PyTorch's name for a custom Function's node

    def __init__(self, cls: type, args: tuple, tensor_pos: list[int]) -> None:
        self.cls = cls
        self.args = args
        self.tensor_pos = tensor_pos
        self.ctx = FunctionCtx()

    def forward(self, *arrays: Any) -> Any:
        args = list(self.args)
        for p, a in zip(self.tensor_pos, arrays):
            args[p] = Tensor._make(a)
        with _config.no_grad():
            out = self.cls.forward(self.ctx, *args)
        self.multi = isinstance(out, tuple)
        outs = out if self.multi else (out,)
        arrays_out = tuple(o._data if isinstance(o, Tensor) else np.asarray(o) for o in outs)
        return arrays_out if self.multi else arrays_out[0]

    def backward(self, *gys: Tensor) -> Any:
        gxs = self.cls.backward(self.ctx, *gys)
        if not isinstance(gxs, tuple):
            gxs = (gxs,)
        # The user returns one gradient per forward argument; keep those of tensor arguments.
        picked = []
        for p in self.tensor_pos:
            g = gxs[p] if p < len(gxs) else None
            if g is not None and not isinstance(g, Tensor):
                g = Tensor._from_data(g)
            picked.append(g)
        return tuple(picked)


class Function:
    """Base class for custom differentiable operations, in PyTorch's shape.

    >>> import scratchgrad as sg
    >>> class Cube(Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, gy):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x ** 2 * gy
    >>> x = sg.tensor(2.0, requires_grad=True)
    >>> Cube.apply(x).backward(); x.grad.item()
    12.0
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any) -> Any:
        pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        node = _node_class(cls)(cls, args, pos)
        node.ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad
                                          for a in args)
        return node(*[args[i] for i in pos])
